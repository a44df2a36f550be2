//! Helpers shared by the integration test binaries.

pub mod fake_telegram;
pub mod harness;
