//! Behaviour in a fleet, end to end on either client: the observer hears
//! every attempt and call; gzip responses are inflated, and a compression
//! bomb stops at the body limit.

use taskqueue::{Error, ProjectCreateRequest, TaskCreateRequest, TaskFilters};
use taskqueue_server::{Fault, FaultRule, ServerConfig};
use uuid::Uuid;

use super::{Connect, Target};

/// An observer counting what it is told, for the integration suite.
#[derive(Default)]
pub struct CountingObserver {
    pub attempts: std::sync::Mutex<Vec<(String, String)>>,
    pub calls: std::sync::Mutex<Vec<(&'static str, u32, &'static str)>>,
}

impl taskqueue::observe::Observer for CountingObserver {
    fn attempt(&self, e: &taskqueue::observe::AttemptEvent<'_>) {
        let route = format!("{} {}", e.method, e.route);
        self.attempts
            .lock()
            .unwrap()
            .push((route, e.outcome.label().into_owned()));
    }
    fn call(&self, e: &taskqueue::observe::CallEvent<'_>) {
        self.calls.lock().unwrap().push((e.operation, e.attempts, e.outcome()));
    }
}

/// The observer hears every attempt (retries included, routes without ids)
/// and every call, on either client.
pub fn the_observer_sees_every_attempt(connect: Connect, target: Target) {
    let observer = std::sync::Arc::new(CountingObserver::default());
    let server = taskqueue_server::spawn(ServerConfig::ephemeral().dialect(target.dialect)).unwrap();
    let config = target
        .builder(&server.base_url())
        .observer(observer.clone())
        .build()
        .unwrap();
    let sdk = connect(config);
    let p = sdk.create_project(ProjectCreateRequest::new("observed")).unwrap();
    let created = observer.calls.lock().unwrap().clone();
    assert_eq!(created.first().map(|c| (c.0, c.2)), Some(("create_project", "ok")));
    observer.attempts.lock().unwrap().clear();
    observer.calls.lock().unwrap().clear();
    let route = target.route("/projects/{id}");
    server.faults().push(
        taskqueue_server::FaultRule::new(taskqueue_server::Fault::Status {
            status: 503,
            body: taskqueue_server::FaultBody::Empty,
        })
        .times(1)
        .on_route(target.route(&format!("/projects/{}", p.id))),
    );
    sdk.get_project(p.id).unwrap();
    assert!(matches!(sdk.get_task(Uuid::new_v4()), Err(Error::TaskNotFound(_))));
    let attempts = observer.attempts.lock().unwrap().clone();
    let calls = observer.calls.lock().unwrap().clone();
    let get_project: Vec<_> = attempts.iter().filter(|(r, _)| *r == format!("GET {route}")).collect();
    assert_eq!(
        get_project.iter().map(|(_, o)| o.as_str()).collect::<Vec<_>>(),
        ["503", "200"],
        "{attempts:?}"
    );
    assert!(
        attempts.iter().all(|(r, _)| !r.contains(&p.id.to_string())),
        "no id in a route: {attempts:?}"
    );
    assert!(calls.contains(&("get_project", 2, "ok")), "{calls:?}");
    assert!(calls.contains(&("get_task", 1, "task_not_found")), "{calls:?}");
    assert_eq!(
        calls.iter().map(|(_, n, _)| n).sum::<u32>() as usize,
        attempts.len(),
        "every attempt of every call"
    );
}

/// A list over 1 KiB comes gzip-compressed (the client asked) and reads
/// the same; a small body inflating to 10 MB is refused at a 1 MiB limit.
pub fn gzip_responses_inflate_and_a_bomb_stops_at_the_limit(connect: Connect, target: Target) {
    let server = taskqueue_server::spawn(ServerConfig::ephemeral().dialect(target.dialect)).unwrap();
    let config = target.builder(&server.base_url()).body_limit(1 << 20).build().unwrap();
    let sdk = connect(config);
    let p = sdk.create_project(ProjectCreateRequest::new("zipped")).unwrap();
    for i in 0..20 {
        sdk.create_task(TaskCreateRequest::new(format!("t{i}"), "make all", p.id).description("d".repeat(100)))
            .unwrap();
    }
    let before = server.compressed_responses();
    let tasks = sdk.list_tasks(TaskFilters::new().project_id(p.id)).unwrap();
    assert_eq!(tasks.len(), 20);
    assert!(tasks.iter().all(|t| t.description.len() == 100));
    assert!(server.compressed_responses() > before, "the listing came compressed");

    let id = Uuid::new_v4();
    server.faults().push(
        FaultRule::new(Fault::GzipBomb { inflated: 10 << 20 })
            .times(1)
            .on_route(target.route(&format!("/tasks/{id}"))),
    );
    let err = sdk.get_task(id).unwrap_err();
    assert!(
        matches!(err, Error::ResponseTooLarge { limit, .. } if limit == 1 << 20),
        "{err:?}"
    );
}

/// Each client goes through an HTTP proxy (a `CONNECT` tunnel, with the
/// credentials of the proxy URL), and goes direct to a host in `no_proxy`.
pub fn requests_go_through_a_proxy_unless_no_proxy_names_the_server(connect: Connect, target: Target) {
    let server = taskqueue_server::spawn(ServerConfig::ephemeral().dialect(target.dialect)).unwrap();
    let proxy = super::proxy::TestProxy::start();
    let proxy_url = format!("http://al%40ice:s3cr%3At@{}", proxy.addr);
    let config = target.builder(&server.base_url()).proxy(proxy_url).build().unwrap();
    assert!(!format!("{config:?}").contains("s3cr"), "no credentials in Debug");
    let sdk = connect(config);
    let p = sdk.create_project(ProjectCreateRequest::new("proxied")).unwrap();
    assert_eq!(sdk.get_project(p.id).unwrap().id, p.id);
    let tunnels = proxy.tunnels();
    assert!(!tunnels.is_empty(), "through the proxy");
    for t in &tunnels {
        assert_eq!(t.target, server.addr().to_string());
        // Basic base64("al@ice:s3cr:t"), decoded from the URL's percent-encoding.
        assert_eq!(t.authorization.as_deref(), Some("Basic YWxAaWNlOnMzY3I6dA=="));
    }

    // A proxy of its own, so that a connection the first client's pool may
    // still be opening in the background (hyper races a new connection
    // against an idle one) cannot be counted against this one.
    let unused = super::proxy::TestProxy::start();
    let direct = target
        .builder(&server.base_url())
        .proxy(format!("http://{}", unused.addr))
        .no_proxy("localhost, 127.0.0.1")
        .build()
        .unwrap();
    connect(direct).get_project(p.id).unwrap();
    assert!(unused.tunnels().is_empty(), "NO_PROXY: straight to the server");
}
