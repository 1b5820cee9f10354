//! `Idempotency-Key`: the first response for a key is stored and replayed for
//! a repeat with the same request; the same key with another request is 422.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::StatusCode;

/// How long a key is remembered.
pub const KEY_TTL: Duration = Duration::from_secs(24 * 60 * 60);
/// How many keys are remembered at most; the oldest go first.
pub const MAX_KEYS: usize = 10_000;

/// What a request with a key is: method, path and body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Fingerprint {
    pub(crate) method: http::Method,
    pub(crate) path: String,
    pub(crate) body: Bytes,
}

#[derive(Debug, Clone)]
enum Entry {
    /// A request with this key is being handled now.
    InFlight(Fingerprint),
    /// The stored first response.
    Done {
        fingerprint: Fingerprint,
        status: StatusCode,
        body: Bytes,
    },
}

/// What to do with a keyed request.
#[derive(Debug, PartialEq)]
pub(crate) enum Claim {
    /// First time: handle it, then [`Keys::complete`] it.
    Fresh,
    /// Seen before: send this stored response again.
    Replay { status: StatusCode, body: Bytes },
    /// The key was used for a different request.
    Reused,
    /// The same request is being handled right now.
    InFlight,
}

/// The remembered keys.
#[derive(Debug, Default)]
pub(crate) struct Keys {
    entries: HashMap<String, (Instant, Entry)>,
    order: VecDeque<(Instant, String)>,
}

impl Keys {
    /// Looks the key up, and claims it if it is new.
    pub(crate) fn claim(&mut self, key: &str, fingerprint: Fingerprint, now: Instant) -> Claim {
        self.expire(now);
        match self.entries.get(key) {
            Some((
                _,
                Entry::Done {
                    fingerprint: seen,
                    status,
                    body,
                },
            )) => {
                if *seen == fingerprint {
                    Claim::Replay {
                        status: *status,
                        body: body.clone(),
                    }
                } else {
                    Claim::Reused
                }
            }
            Some((_, Entry::InFlight(seen))) => {
                if *seen == fingerprint {
                    Claim::InFlight
                } else {
                    Claim::Reused
                }
            }
            None => {
                while self.entries.len() >= MAX_KEYS {
                    match self.order.pop_front() {
                        Some((_, oldest)) => {
                            self.entries.remove(&oldest);
                        }
                        None => break,
                    }
                }
                self.entries.insert(key.to_owned(), (now, Entry::InFlight(fingerprint)));
                self.order.push_back((now, key.to_owned()));
                Claim::Fresh
            }
        }
    }

    /// Stores the response of a claimed key.
    pub(crate) fn complete(&mut self, key: &str, status: StatusCode, body: Bytes) {
        if let Some((_, entry)) = self.entries.get_mut(key)
            && let Entry::InFlight(fingerprint) = entry
        {
            let fingerprint = fingerprint.clone();
            *entry = Entry::Done {
                fingerprint,
                status,
                body,
            };
        }
    }

    /// Forgets keys older than the TTL.
    fn expire(&mut self, now: Instant) {
        while let Some((at, _)) = self.order.front() {
            if now.saturating_duration_since(*at) < KEY_TTL {
                break;
            }
            if let Some((_, key)) = self.order.pop_front() {
                self.entries.remove(&key);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fp(body: &'static str) -> Fingerprint {
        Fingerprint {
            method: http::Method::POST,
            path: "/api/tasks".into(),
            body: Bytes::from_static(body.as_bytes()),
        }
    }

    #[test]
    fn replays_same_request_and_refuses_a_different_one() {
        let mut keys = Keys::default();
        let now = Instant::now();
        assert_eq!(keys.claim("k", fp("a"), now), Claim::Fresh);
        assert_eq!(keys.claim("k", fp("a"), now), Claim::InFlight);
        keys.complete("k", StatusCode::CREATED, Bytes::from_static(b"{}"));
        assert_eq!(
            keys.claim("k", fp("a"), now),
            Claim::Replay {
                status: StatusCode::CREATED,
                body: Bytes::from_static(b"{}")
            }
        );
        assert_eq!(keys.claim("k", fp("b"), now), Claim::Reused);
    }

    #[test]
    fn keys_expire_after_a_day_and_the_oldest_go_first() {
        let mut keys = Keys::default();
        let now = Instant::now();
        keys.claim("k", fp("a"), now);
        keys.complete("k", StatusCode::CREATED, Bytes::new());
        assert_eq!(keys.claim("k", fp("b"), now + KEY_TTL), Claim::Fresh);
        for i in 0..MAX_KEYS + 5 {
            keys.claim(&format!("n{i}"), fp("a"), now + KEY_TTL);
        }
        assert!(keys.entries.len() <= MAX_KEYS);
        assert!(!keys.entries.contains_key("n0"));
    }
}
