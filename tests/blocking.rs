//! The shared integration suite on the blocking client (`taskqueue::blocking::Client`).

#![cfg(feature = "blocking")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::Sdk;
use taskqueue::blocking::Client;
use taskqueue::{Config, ProjectCreateRequest};

fn connect(config: Config) -> Sdk {
    Sdk::Blocking(Client::new(config).unwrap())
}

integration_suite!(connect);

#[test]
fn the_client_is_send_sync_and_cheap_to_clone() {
    fn assert_send_sync<T: Send + Sync + Clone>() {}
    assert_send_sync::<Client>();
}

#[test]
fn debug_never_shows_credentials() {
    let client = Client::new(
        Config::builder()
            .token("tok-secret")
            .api_key("key-secret")
            .build()
            .unwrap(),
    )
    .unwrap();
    let shown = format!("{client:?}");
    assert!(
        !shown.contains("tok-secret") && !shown.contains("key-secret"),
        "{shown}"
    );
}

#[test]
fn one_client_serves_many_threads() {
    let (server, config) = common::start(taskqueue_server::ServerConfig::ephemeral());
    let client = Client::new(config).unwrap();
    std::thread::scope(|s| {
        for i in 0..8 {
            let client = &client;
            s.spawn(move || {
                client
                    .create_project(ProjectCreateRequest::new(format!("p{i}")))
                    .unwrap()
            });
        }
    });
    assert_eq!(client.list_projects().unwrap().len(), 8);
    assert!(
        server.connections_accepted() <= 9,
        "connections are pooled: {}",
        server.connections_accepted()
    );
}

/// The blocking builder has the async builder's pool and batch settings:
/// with one idle connection kept, eight threads reconnect; with the default
/// pool they do not.
#[test]
fn the_builder_sets_the_pool_and_the_batch_concurrency() {
    let (server, config) = common::start(taskqueue_server::ServerConfig::ephemeral());
    let client = Client::builder(config.clone())
        .max_idle_per_host(1)
        .batch_concurrency(3)
        .build()
        .unwrap();
    assert_eq!(client.config().batch_concurrency(), 3);
    let rounds = |client: &Client| {
        for _ in 0..5 {
            std::thread::scope(|s| {
                for i in 0..4 {
                    s.spawn(move || {
                        client
                            .create_project(ProjectCreateRequest::new(format!("p{i}")))
                            .unwrap()
                    });
                }
            });
        }
    };
    rounds(&client);
    let small_pool = server.connections_accepted();
    let pooled = Client::builder(config).build().unwrap();
    rounds(&pooled);
    let default_pool = server.connections_accepted() - small_pool;
    assert!(
        small_pool > default_pool,
        "one idle connection kept: {small_pool} connections; twenty: {default_pool}"
    );
}
