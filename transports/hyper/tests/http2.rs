//! HTTP/2 with prior knowledge over plain HTTP (feature `http2`), against the
//! reference server, which speaks HTTP/1.1 and h2c.

#![cfg(feature = "http2")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use taskqueue_hyper::Client;
use taskqueue_proto::{Config, ProjectCreateRequest};
use taskqueue_server::{ServerConfig, spawn};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prior_knowledge_http2_works_and_multiplexes_one_connection() {
    let server = spawn(ServerConfig::ephemeral()).unwrap();
    let client = Client::builder(Config::new(server.base_url()).unwrap())
        .http2_prior_knowledge(true)
        .build()
        .unwrap();
    assert!(client.health().await.unwrap().is_healthy());
    let mut calls = tokio::task::JoinSet::new();
    for i in 0..16 {
        let client = client.clone();
        calls.spawn(async move { client.create_project(ProjectCreateRequest::new(format!("p{i}"))).await });
    }
    while let Some(done) = calls.join_next().await {
        done.unwrap().unwrap();
    }
    assert_eq!(client.list_projects().await.unwrap().len(), 16);
    assert_eq!(
        server.connections_accepted(),
        1,
        "HTTP/2 multiplexes every call on one connection"
    );
}
