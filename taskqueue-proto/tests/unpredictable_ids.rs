//! Ids cannot be computed from one another. The SDK once drew request ids,
//! idempotency keys and inner machines' seeds from SplitMix64, whose output
//! gives its state away: from one observed `X-Request-Id` an attacker could
//! compute the next ones (and claim a victim's next key on a server whose
//! keys are global). This test runs that attack — invert SplitMix64 from one
//! item's request id, step to the next item's seed, derive its ids as the old
//! code did — against a batch, and checks it predicts nothing.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Instant;

use http::{Request, Response};
use taskqueue_proto::driver::{IntoMachine, Outcome, Simulated, run_blocking};
use taskqueue_proto::ops::CreateTasks;
use taskqueue_proto::{CallOptions, Config, Task, TaskCreateRequest};
use uuid::Uuid;

const GAMMA: u64 = 0x9E37_79B9_7F4A_7C15;

/// SplitMix64's output function, and the generator.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The inverse of [`mix`]: the state that produced an output.
fn unmix(mut z: u64) -> u64 {
    fn unshift(z: u64, s: u32) -> u64 {
        let mut x = z;
        for _ in 0..(64 / s) {
            x = z ^ (x >> s);
        }
        x
    }
    fn inverse(a: u64) -> u64 {
        // Newton's iteration for the inverse of an odd number mod 2^64.
        let mut x = a;
        for _ in 0..6 {
            x = x.wrapping_mul(2u64.wrapping_sub(a.wrapping_mul(x)));
        }
        x
    }
    z = unshift(z, 31);
    z = z.wrapping_mul(inverse(0x94D0_49BB_1331_11EB));
    z = unshift(z, 27);
    z = z.wrapping_mul(inverse(0xBF58_476D_1CE4_E5B9));
    unshift(z, 30)
}

/// The old code's request id for a call seeded `seed`.
fn old_request_id(seed: u64) -> Uuid {
    let (a, b) = (seed.wrapping_add(GAMMA), seed.wrapping_add(GAMMA.wrapping_mul(2)));
    let mut bytes = [0u8; 16];
    bytes[..8].copy_from_slice(&mix(a).to_le_bytes());
    bytes[8..].copy_from_slice(&mix(b).to_le_bytes());
    uuid::Builder::from_random_bytes(bytes).into_uuid()
}

/// The attack: every SplitMix state the first 64 bits of `id` can come
/// from (4 bits were overwritten by the UUID's version), kept when they also
/// give the id's second half; then the seed of the call, the batch
/// generator's next output, and that call's request id.
fn predicted_next(id: Uuid) -> Vec<Uuid> {
    let bytes = id.as_bytes();
    let hi = u64::from_le_bytes(bytes[..8].try_into().unwrap());
    let mut guesses = Vec::new();
    for nibble in 0..16u64 {
        let candidate = (hi & !(0xF << 52)) | (nibble << 52);
        let state = unmix(candidate);
        let seed = state.wrapping_sub(GAMMA);
        if old_request_id(seed) != id {
            continue;
        }
        // That seed was the batch generator's output: step it.
        let batch_state = unmix(seed);
        let next_seed = mix(batch_state.wrapping_add(GAMMA));
        guesses.push(old_request_id(next_seed));
    }
    guesses
}

#[test]
fn the_attack_works_on_the_old_derivation() {
    // The model is right: on SplitMix-derived seeds it finds the next id.
    let batch_seed = 0x1234_5678_9abc_def0_u64;
    let first = mix(batch_seed.wrapping_add(GAMMA));
    let second = mix(batch_seed.wrapping_add(GAMMA.wrapping_mul(2)));
    assert!(predicted_next(old_request_id(first)).contains(&old_request_id(second)));
}

#[test]
fn one_items_request_id_does_not_give_the_next_ones_away() {
    let respond = |request: &Request<Vec<u8>>| -> Outcome {
        let body: serde_json::Value = serde_json::from_slice(request.body()).unwrap();
        let task = Task::new(
            Uuid::nil(),
            body["name"].as_str().unwrap(),
            "c",
            chrono::DateTime::UNIX_EPOCH,
        );
        Ok(Response::builder()
            .status(201)
            .body(serde_json::to_vec(&task).unwrap())
            .unwrap())
    };
    for seed in [1u64, 42, 0xdead_beef, u64::MAX] {
        let transport = Simulated::new(Instant::now(), respond);
        let config = Config::default().with_batch_concurrency(1);
        let requests = (0..3)
            .map(|i| TaskCreateRequest::new(format!("t{i}"), "c", Uuid::nil()))
            .collect();
        let batch = CreateTasks::new(requests).into_machine(&config, &CallOptions::new(), seed);
        run_blocking(&transport, batch).unwrap();
        let header = |i: usize, name: &str| -> Uuid {
            transport.sent()[i].request.headers()[name]
                .to_str()
                .unwrap()
                .parse()
                .unwrap()
        };
        let (first, second) = (header(0, "x-request-id"), header(1, "x-request-id"));
        let guesses = predicted_next(first);
        assert!(
            !guesses.contains(&second),
            "seed {seed}: the next request id was computed"
        );
        let key = header(1, "idempotency-key");
        assert!(!guesses.contains(&key), "seed {seed}: the next key was computed");
        assert_ne!(first, second);
    }
}
