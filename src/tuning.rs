//! Ranking knobs, with defaults measured in QUALITY.md.
//!
//! They can be overridden for experiments with
//! `PASSAGEBOT_TUNING="proximity=0.5,context=0.3"`, read once per process, so
//! the evaluation tools can compare settings without rebuilding.

use once_cell::sync::Lazy;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tuning {
    /// Field boosts relative to the passage text.
    pub context: f32,
    pub heading: f32,
    pub title: f32,
    /// Weight of the proximity bonus (see [`crate::rerank`]).
    pub proximity: f32,
    /// Distance in words at which a pair's proximity bonus halves.
    pub half_distance: f32,
    /// How many first-stage candidates are reranked at least.
    pub candidates: usize,
}

impl Default for Tuning {
    fn default() -> Self {
        Tuning {
            context: 0.4,
            heading: 0.5,
            title: 0.3,
            proximity: 1.0,
            half_distance: 2.0,
            candidates: 30,
        }
    }
}

impl Tuning {
    /// Defaults with `key=value` overrides applied; unknown keys and bad
    /// values are reported through the log and ignored.
    pub fn parse(spec: &str) -> Tuning {
        let mut t = Tuning::default();
        for pair in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let Some((key, value)) = pair.split_once('=') else {
                tracing::warn!("PASSAGEBOT_TUNING: ignoring {pair:?} (expected key=value)");
                continue;
            };
            let Ok(v) = value.trim().parse::<f32>() else {
                tracing::warn!("PASSAGEBOT_TUNING: ignoring {pair:?} (not a number)");
                continue;
            };
            match key.trim() {
                "context" => t.context = v,
                "heading" => t.heading = v,
                "title" => t.title = v,
                "proximity" => t.proximity = v,
                "half_distance" => t.half_distance = v.max(0.1),
                "candidates" => t.candidates = v.max(1.0) as usize,
                other => tracing::warn!("PASSAGEBOT_TUNING: unknown knob {other:?}"),
            }
        }
        t
    }
}

/// The process's tuning: defaults, or `PASSAGEBOT_TUNING` when set.
pub static TUNING: Lazy<Tuning> = Lazy::new(|| {
    std::env::var("PASSAGEBOT_TUNING")
        .map(|s| Tuning::parse(&s))
        .unwrap_or_default()
});

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overrides_apply_and_junk_is_ignored() {
        let t = Tuning::parse("proximity=0.5, title=x, bogus=1, context");
        assert_eq!(t.proximity, 0.5);
        assert_eq!(t.title, Tuning::default().title);
    }
}
