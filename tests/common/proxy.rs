//! A small HTTP `CONNECT` proxy for the suite: it notes each tunnel's
//! target and `Proxy-Authorization`, then copies bytes both ways.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

/// One tunnel the proxy opened: `host:port`, and the credentials header if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tunnelled {
    pub target: String,
    pub authorization: Option<String>,
}

/// The proxy, listening on `127.0.0.1:0` until dropped with the test.
pub struct TestProxy {
    pub addr: std::net::SocketAddr,
    pub tunnels: Arc<Mutex<Vec<Tunnelled>>>,
}

impl TestProxy {
    pub fn start() -> TestProxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let tunnels: Arc<Mutex<Vec<Tunnelled>>> = Arc::default();
        let noted = tunnels.clone();
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let noted = noted.clone();
                std::thread::spawn(move || tunnel(client, &noted));
            }
        });
        TestProxy { addr, tunnels }
    }

    pub fn tunnels(&self) -> Vec<Tunnelled> {
        self.tunnels.lock().unwrap().clone()
    }
}

/// The header lines of a request head, up to the blank line that ends it.
pub fn read_headers(reader: &mut impl BufRead) -> Vec<String> {
    let mut headers = Vec::new();
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header).unwrap_or(0) == 0 || header.trim().is_empty() {
            return headers;
        }
        headers.push(header);
    }
}

/// The values of the header `name` (any case) among `headers`, trimmed.
pub fn header_values(headers: &[String], name: &str) -> Vec<String> {
    headers
        .iter()
        .filter_map(|line| line.split_once(':'))
        .filter(|(found, _)| found.trim().eq_ignore_ascii_case(name))
        .map(|(_, value)| value.trim().to_owned())
        .collect()
}

fn tunnel(client: TcpStream, noted: &Mutex<Vec<Tunnelled>>) {
    let mut reader = BufReader::new(client.try_clone().unwrap());
    let mut line = String::new();
    if reader.read_line(&mut line).is_err() {
        return;
    }
    let mut words = line.split_whitespace();
    let (Some("CONNECT"), Some(target)) = (words.next(), words.next()) else {
        let _ = (&client).write_all(b"HTTP/1.1 405 Method Not Allowed\r\ncontent-length: 0\r\n\r\n");
        return;
    };
    let target = target.to_owned();
    let authorization = header_values(&read_headers(&mut reader), "proxy-authorization")
        .into_iter()
        .next();
    noted.lock().unwrap().push(Tunnelled {
        target: target.clone(),
        authorization,
    });
    let Ok(server) = TcpStream::connect(&target) else {
        let _ = (&client).write_all(b"HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\n\r\n");
        return;
    };
    if (&client)
        .write_all(b"HTTP/1.1 200 Connection Established\r\n\r\n")
        .is_err()
    {
        return;
    }
    // Whatever the reader buffered past the head goes first.
    let buffered = reader.buffer().to_vec();
    let (mut up, mut down) = (server.try_clone().unwrap(), client.try_clone().unwrap());
    let upstream = std::thread::spawn(move || {
        let _ = up.write_all(&buffered);
        let mut from_client = reader.into_inner();
        let _ = std::io::copy(&mut from_client, &mut up);
        let _ = up.shutdown(Shutdown::Write);
    });
    let mut from_server = server;
    let _ = std::io::copy(&mut from_server, &mut down);
    let _ = down.shutdown(Shutdown::Write);
    let _ = upstream.join();
    let _ = from_server.read(&mut [0u8; 1]);
}
