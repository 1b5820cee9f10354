//! Every fuzz target on stable, bounded: first over its seed corpus (the
//! recorded fixtures in `taskqueue-proto/tests/fixtures`, and
//! `corpus/TARGET/` when cargo fuzz has filled it),
//! then over inputs made by mutating the seeds, for `FUZZ_SECONDS` seconds
//! per target (default 2; CI sets 6). A panic fails the test and prints the
//! input as hex, to add to the corpus as a regression.

use std::time::{Duration, Instant};

use taskqueue_fuzz::TARGETS;

/// A small deterministic generator (SplitMix64), so a run can be repeated.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// The made seeds: every line of the recorded fixtures, as a body and as a
/// cassette line, behind the few bytes the targets read first, and a few
/// hand-made inputs per target.
fn made_seeds(target: &str) -> Vec<Vec<u8>> {
    let mut seeds = Vec::new();
    let fixtures = concat!(env!("CARGO_MANIFEST_DIR"), "/../taskqueue-proto/tests/fixtures");
    for name in ["upstream-exchanges.jsonl", "upstream-extras.jsonl"] {
        let text = std::fs::read_to_string(format!("{fixtures}/{name}")).expect("the recorded fixtures");
        for line in text.lines() {
            let value: serde_json::Value = serde_json::from_str(line).unwrap_or_default();
            let body = serde_json::to_vec(&value["response"]["body_json"]).unwrap_or_default();
            let status = value["response"]["status"].as_u64().unwrap_or(200) as u16;
            for flags in [0u8, 1, 0x11] {
                let mut seed = vec![flags];
                seed.extend_from_slice(&status.saturating_sub(100).to_le_bytes());
                seed.push(1); // a JSON content type
                seed.extend_from_slice(&(body.len() as u16).to_le_bytes());
                seed.extend_from_slice(&body);
                seeds.push(seed);
            }
            seeds.push(line.as_bytes().to_vec());
        }
    }
    let project = "90f92073-d0a3-4d9f-b713-4c06876dde15";
    let task = format!(r#"{{"name":"build","command":"make","project_id":"{project}","priority":"High"}}"#);
    match target {
        "listing_stream" => {
            for body in [
                br#"[{"a":"x,]}\"{["}, "s\\", 1.5e3 ,true,null,[[],{"b":[1,2]}], {} ]"#.to_vec(),
                br#"[{"id":"90f92073-d0a3-4d9f-b713-4c06876dde15","name":"n","command":"c","created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-01T00:00:00Z"}]"#.to_vec(),
                b"[1,,2]".to_vec(),
                b"[] x".to_vec(),
                // Text cut inside a character, and bytes that are not UTF-8.
                "[\"caf\u{e9} \u{2615}\", {\"k\":\"\u{1d11e}\"}, \"\u{e9}\u{e9}\u{e9}\"]".as_bytes().to_vec(),
                b"[\"ok\", \"\xff\xfe\", 1]".to_vec(),
                b"[\"\xc3\"]".to_vec(),
                b"[1, \"\xe2\x98".to_vec(),
            ] {
                for flags in [0u8, 1] {
                    let mut seed = vec![flags, 3];
                    seed.extend_from_slice(&body);
                    seeds.push(seed);
                }
            }
        }
        "batch_file" => {
            seeds.push(format!("[{task},{task}]").into_bytes());
            seeds.push(format!("{task}\n\n{task}\n").into_bytes());
        }
        "workflow_file" => {
            let (a, b) = (
                "00000000-0000-4000-8000-000000000001",
                "00000000-0000-4000-8000-000000000002",
            );
            seeds.push(
                format!(
                    r#"{{"name":"release","description":"d","tasks":["{a}","{b}"],"dependencies":[{{"from":"{a}","to":"{b}","condition":"Completion"}}]}}"#
                )
                .into_bytes(),
            );
            seeds.push(format!(r#"{{"name":"w","tasks":["{a}"]}}"#).into_bytes());
        }
        "server_requests" => {
            // Upstream (flag 1, JSON), POST, a good id, each of the public server's other routes.
            for path in 10u8..22 {
                let mut seed = vec![0x09, 1, 0, path, 0, 0, 0, 0];
                seed.extend_from_slice(br#"{"status":"Implementation","priority":"High","dependency_task_id":"6f1c2b9e-8a4d-4c1e-9f3a-2b7d5e8c1a90"}"#);
                seeds.push(seed);
            }
            // flags (spec, authorised, JSON), method, id, path, no query, no extra headers, body.
            for (method, path) in [(1u8, 0u8), (0, 0), (1, 3), (2, 1), (1, 2), (3, 4), (0, 5)] {
                let mut seed = vec![0x0c, method, 0, path, 0, 0, 0, 0];
                seed.extend_from_slice(task.as_bytes());
                seeds.push(seed);
            }
        }
        _ => {}
    }
    seeds.push(Vec::new());
    seeds
}

/// The made seeds, and what a coverage-guided run left in `corpus/TARGET/`.
fn seeds(target: &str) -> Vec<Vec<u8>> {
    let mut seeds = made_seeds(target);
    let corpus = format!("{}/corpus/{target}", env!("CARGO_MANIFEST_DIR"));
    if let Ok(entries) = std::fs::read_dir(corpus) {
        seeds.extend(entries.flatten().filter_map(|e| std::fs::read(e.path()).ok()));
    }
    seeds
}

/// A mutation of `seed`: flipped bits, changed or inserted bytes, a cut, or a splice with another seed.
fn mutate(seed: &[u8], other: &[u8], random: &mut Random) -> Vec<u8> {
    let mut input = seed.to_vec();
    for _ in 0..=random.below(4) {
        match random.below(6) {
            0 if !input.is_empty() => {
                let at = random.below(input.len());
                input[at] ^= 1 << random.below(8);
            }
            1 if !input.is_empty() => {
                let at = random.below(input.len());
                input[at] = random.next() as u8;
            }
            2 => {
                let at = random.below(input.len() + 1);
                input.insert(at, [b'{', b'}', b'[', b'"', b'\\', 0, 0xff, b'9'][random.below(8)]);
            }
            3 => input.truncate(random.below(input.len() + 1)),
            4 if !other.is_empty() => {
                let at = random.below(input.len() + 1);
                let from = random.below(other.len());
                input.splice(at..at, other[from..].iter().take(random.below(64) + 1).copied());
            }
            _ => input.push(random.next() as u8),
        }
    }
    input
}

fn run(name: &str, target: fn(&[u8]), seconds: f64) -> u64 {
    let seeds = seeds(name);
    let run_one = |input: &[u8]| {
        let outcome = std::panic::catch_unwind(|| target(input));
        if outcome.is_err() {
            let hex: String = input.iter().map(|b| format!("{b:02x}")).collect();
            panic!("{name} failed on input (hex) {hex}");
        }
    };
    for seed in &seeds {
        run_one(seed);
    }
    let mut random = Random(0x5EED ^ name.len() as u64);
    let deadline = Instant::now() + Duration::from_secs_f64(seconds);
    let mut executions = seeds.len() as u64;
    while Instant::now() < deadline {
        let seed = &seeds[random.below(seeds.len())];
        let other = &seeds[random.below(seeds.len())];
        run_one(&mutate(seed, other, &mut random));
        executions += 1;
    }
    executions
}

#[test]
fn every_target_survives_its_corpus_and_mutations() {
    let seconds: f64 = std::env::var("FUZZ_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(2.0);
    for (name, target) in TARGETS {
        let executions = run(name, *target, seconds);
        println!("{name}: {executions} executions in {seconds} s");
    }
}

/// Writes every target's seeds into `corpus/TARGET/` (`seed-N` files), so a
/// coverage-guided run starts from the recorded fixtures and the hand-made
/// inputs: `cargo test --test targets -- --ignored write_seed_corpora`.
#[test]
#[ignore = "writes files; run it before a cargo fuzz campaign"]
fn write_seed_corpora() {
    for (name, _) in TARGETS {
        let dir = format!("{}/corpus/{name}", env!("CARGO_MANIFEST_DIR"));
        std::fs::create_dir_all(&dir).unwrap();
        let seeds = made_seeds(name);
        for (i, seed) in seeds.iter().enumerate() {
            std::fs::write(format!("{dir}/seed-{i}"), seed).unwrap();
        }
        println!("{name}: {} seeds in {dir}", seeds.len());
    }
}
