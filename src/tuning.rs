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
    /// Weight of the meaning similarity (cosine of sentence embeddings, see
    /// [`crate::semantic`]) against the word score scaled to 0..1. With
    /// `sentence` also 0 the semantic stage is off, at build and query time.
    pub semantic: f32,
    /// Weight of the best sentence's meaning similarity, on the same scale.
    pub sentence: f32,
    /// Weight of the word score, scaled to the best candidate's (0..1), when
    /// meaning is compared.
    pub lexical: f32,
    /// Weight of the share of the question's weight a passage's words cover,
    /// when meaning is compared.
    pub coverage: f32,
    /// How many passages closest in meaning join the word matches as
    /// candidates (small indexes only, see [`crate::search`]).
    pub dense_recall: usize,
    /// The question is not encoded when the best word match is a confident
    /// answer by words and the runner-up scores below this share of it
    /// (0 encodes every question).
    pub decisive: f32,
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
            semantic: 2.0,
            sentence: 2.0,
            lexical: 0.25,
            coverage: 0.5,
            dense_recall: 10,
            decisive: 0.5,
        }
    }
}

impl Tuning {
    /// Whether passages are embedded and questions compared by meaning.
    pub fn semantic_enabled(&self) -> bool {
        self.semantic > 0.0 || self.sentence > 0.0
    }

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
                "semantic" => t.semantic = v.max(0.0),
                "sentence" => t.sentence = v.max(0.0),
                "lexical" => t.lexical = v.max(0.0),
                "coverage" => t.coverage = v.max(0.0),
                "dense_recall" => t.dense_recall = v.max(0.0) as usize,
                "decisive" => t.decisive = v.clamp(0.0, 1.0),
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
        assert_eq!(Tuning::parse("decisive=3").decisive, 1.0);
        assert_eq!(Tuning::parse("decisive=-1").decisive, 0.0);
    }
}
