//! Helpers shared by the integration tests' topic modules.

pub mod browser;
pub mod fake_telegram;
pub mod harness;
pub mod scratch;
