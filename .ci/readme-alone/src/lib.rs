//! The README's examples, in a crate whose only dependency is `taskqueue`.
#![doc = include_str!("../../../README.md")]
