//! Internal: shared with the reference server, not part of the API (no
//! semver promise).
//!
//! Cycles in dependency graphs: found without recursion (no stack to
//! overflow on a long chain) and shown as `a → b → a`. The SDK refuses a
//! dependency or a workflow that would close one; the reference server
//! uses the same search for the workflows it refuses.
//!
//! ```
//! use taskqueue_proto::graph::{find_cycle, show_cycle};
//! let (a, b) = (uuid::Uuid::from_u128(1), uuid::Uuid::from_u128(2));
//! let cycle = find_cycle(&[a, b], &[(a, b), (b, a)]).unwrap();
//! assert_eq!(show_cycle(&cycle), format!("{a} → {b} → {a}"));
//! ```

use std::collections::HashMap;
use std::fmt::Display;
use std::hash::Hash;

/// A cycle among `edges` (`(task, what it depends on)`), starting from the
/// `nodes` in order, as the path `[a, b, …, a]`; `None` if there is none.
pub fn find_cycle<N: Copy + Eq + Hash>(nodes: &[N], edges: &[(N, N)]) -> Option<Vec<N>> {
    let mut next: HashMap<N, Vec<N>> = HashMap::new();
    for (from, to) in edges {
        next.entry(*from).or_default().push(*to);
    }
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        OnPath,
        Done,
    }
    let mut marks: HashMap<N, Mark> = HashMap::new();
    for &start in nodes {
        if marks.contains_key(&start) {
            continue;
        }
        // The path from `start`, each node with the index of its next edge to try.
        let mut path: Vec<(N, usize)> = vec![(start, 0)];
        marks.insert(start, Mark::OnPath);
        while let Some((node, edge)) = path.last_mut() {
            let node = *node;
            match next.get(&node).and_then(|n| n.get(*edge)).copied() {
                Some(to) => {
                    *edge += 1;
                    match marks.get(&to) {
                        Some(Mark::OnPath) => {
                            let from = path.iter().position(|(n, _)| *n == to).unwrap_or(0);
                            let mut cycle: Vec<N> = path[from..].iter().map(|(n, _)| *n).collect();
                            cycle.push(to);
                            return Some(cycle);
                        }
                        Some(Mark::Done) => {}
                        None => {
                            marks.insert(to, Mark::OnPath);
                            path.push((to, 0));
                        }
                    }
                }
                None => {
                    marks.insert(node, Mark::Done);
                    path.pop();
                }
            }
        }
    }
    None
}

/// `a → b → a`.
pub fn show_cycle<N: Display>(cycle: &[N]) -> String {
    cycle.iter().map(N::to_string).collect::<Vec<_>>().join(" → ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    fn id(n: u128) -> Uuid {
        Uuid::from_u128(n)
    }

    #[test]
    fn finds_the_cycle_and_only_a_cycle() {
        let (a, b, c, d) = (id(1), id(2), id(3), id(4));
        assert_eq!(find_cycle(&[a, b, c], &[(a, b), (b, c)]), None);
        assert_eq!(
            find_cycle(&[a, b, c, d], &[(a, b), (a, c), (b, d), (c, d)]),
            None,
            "a diamond"
        );
        assert_eq!(
            find_cycle(&[a, b, c], &[(a, c), (c, b), (b, a)]),
            Some(vec![a, c, b, a])
        );
        assert_eq!(find_cycle(&[a], &[(a, a)]), Some(vec![a, a]));
        assert_eq!(show_cycle(&[a, a]), format!("{a} → {a}"));
    }

    #[test]
    fn a_chain_of_a_million_does_not_overflow_the_stack() {
        let n = 1_000_000u128;
        let nodes: Vec<Uuid> = (0..n).map(id).collect();
        let mut edges: Vec<(Uuid, Uuid)> = (0..n - 1).map(|i| (id(i), id(i + 1))).collect();
        assert_eq!(find_cycle(&nodes, &edges), None);
        edges.push((id(n - 1), id(0)));
        assert_eq!(find_cycle(&nodes, &edges).map(|c| c.len()), Some(n as usize + 1));
    }
}
