//! Ranking knobs, with defaults measured in QUALITY.md.
//!
//! An [`crate::Engine`] is opened with its own [`Tuning`], so two engines with
//! different knobs can live in one process (tests, evaluation). The command line
//! reads overrides for experiments from `--tuning` or `PASSAGEBOT_TUNING`
//! (`"proximity=0.5,context=0.3"`), so the evaluation tools can compare settings
//! without rebuilding; nothing below the command line reads the environment.

use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tuning {
    /// Field boosts relative to the passage text.
    pub context: f32,
    pub heading: f32,
    pub title: f32,
    /// Weight of the proximity bonus (see [`crate::engine::rerank`]).
    pub proximity: f32,
    /// Distance in words at which a pair's proximity bonus halves.
    pub half_distance: f32,
    /// How many first-stage candidates are reranked at least.
    pub candidates: usize,
    /// Weight of the meaning similarity (cosine of sentence embeddings, see
    /// [`crate::engine::semantic`]) against the word score scaled to 0..1. With
    /// `sentence` also 0 the semantic stage is off, at build and query time.
    pub semantic: f32,
    /// Weight of the best sentence's meaning similarity, on the same scale.
    pub sentence: f32,
    /// Weight of the word score, scaled to the best candidate's (0..1), when
    /// meaning is compared.
    pub lexical: f32,
    /// Weight of the word score instead of `lexical` when the question is asked
    /// in the documents' own words: some candidate's words cover at least
    /// `worded_from` of its weight (QUALITY.md, step 22).
    pub lexical_worded: f32,
    pub worded_from: f32,
    /// Weight of the share of the question's weight a passage's words cover,
    /// when meaning is compared.
    pub coverage: f32,
    /// How many passages closest in meaning join the word matches as
    /// candidates (at any index size, see [`crate::engine::recall`]).
    pub dense_recall: usize,
    /// When no word of the question is in the documents and no passage is close
    /// enough in meaning to answer, how close (cosine) one must be to be shown
    /// as the closest, probably not an answer.
    pub recall_floor: f32,
    /// Sentence vectors pooled from the passage's own token states instead of
    /// encoding each sentence again (`late_chunking=1`; the index is rebuilt
    /// when it changes).
    pub late_chunking: bool,
    /// Weight of the evidence of known phrasings close to the question
    /// ([`crate::engine::asked`]) on the same scale as `semantic`.
    pub asked: f32,
    /// A known phrasing less similar (cosine) than this to a question says
    /// nothing about it: two questions on one article's subject ("What does
    /// sales do?", "What does marketing do?") come about this close without
    /// asking the same.
    pub asked_floor: f32,
    /// Weight of a passage's share of the vote of the question's nearest
    /// known phrasings.
    pub asked_share: f32,
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
            lexical_worded: 0.75,
            worded_from: 0.5,
            coverage: 0.5,
            dense_recall: 10,
            recall_floor: 0.3,
            late_chunking: false,
            asked: 1.0,
            asked_floor: 0.45,
            asked_share: 0.5,
            decisive: 0.5,
        }
    }
}

impl Tuning {
    /// Whether passages are embedded and questions compared by meaning.
    pub fn semantic_enabled(&self) -> bool {
        self.semantic > 0.0 || self.sentence > 0.0
    }
}

/// The knobs' names, for error messages.
const KNOBS: &str = "context, heading, title, proximity, half_distance, candidates, \
semantic, sentence, lexical, lexical_worded, worded_from, coverage, dense_recall, recall_floor, late_chunking, asked, asked_floor, asked_share, decisive";

/// Defaults with `key=value,key=value` overrides applied (an empty string is the
/// defaults). Out-of-range values are clamped to the knob's range.
impl FromStr for Tuning {
    type Err = String;

    fn from_str(spec: &str) -> Result<Tuning, String> {
        let mut t = Tuning::default();
        for pair in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let Some((key, value)) = pair.split_once('=') else {
                return Err(format!("{pair:?} is not key=value (e.g. proximity=0.5)"));
            };
            let v = value
                .trim()
                .parse::<f32>()
                .ok()
                .filter(|v| v.is_finite())
                .ok_or_else(|| format!("{pair:?}: {:?} is not a number", value.trim()))?;
            match key.trim() {
                "context" => t.context = v,
                "heading" => t.heading = v,
                "title" => t.title = v,
                "proximity" => t.proximity = v,
                "half_distance" => t.half_distance = v.max(0.1),
                "candidates" => t.candidates = v.clamp(1.0, 10_000.0) as usize,
                "semantic" => t.semantic = v.max(0.0),
                "sentence" => t.sentence = v.max(0.0),
                "lexical" => t.lexical = v.max(0.0),
                "lexical_worded" => t.lexical_worded = v.max(0.0),
                "worded_from" => t.worded_from = v.clamp(0.0, 2.0),
                "coverage" => t.coverage = v.max(0.0),
                "dense_recall" => t.dense_recall = v.clamp(0.0, 10_000.0) as usize,
                "recall_floor" => t.recall_floor = v.clamp(-1.0, 1.0),
                "late_chunking" => t.late_chunking = v > 0.0,
                "asked" => t.asked = v.max(0.0),
                "asked_floor" => t.asked_floor = v.clamp(-1.0, 0.99),
                "asked_share" => t.asked_share = v.max(0.0),
                "decisive" => t.decisive = v.clamp(0.0, 1.0),
                other => return Err(format!("unknown knob {other:?} (knobs: {KNOBS})")),
            }
        }
        Ok(t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overrides_apply_and_junk_is_refused() {
        let t: Tuning = "proximity=0.5, title=0.1".parse().unwrap();
        assert_eq!(t.proximity, 0.5);
        assert_eq!(t.title, 0.1);
        assert_eq!(t.context, Tuning::default().context);
        assert_eq!("".parse::<Tuning>().unwrap(), Tuning::default());
        assert_eq!("decisive=3".parse::<Tuning>().unwrap().decisive, 1.0);
        assert_eq!("decisive=-1".parse::<Tuning>().unwrap().decisive, 0.0);
        let bad = "title=x".parse::<Tuning>().unwrap_err();
        assert!(bad.contains("not a number"), "{bad}");
        let unknown = "bogus=1".parse::<Tuning>().unwrap_err();
        assert!(unknown.contains("unknown knob \"bogus\""), "{unknown}");
        assert!("context".parse::<Tuning>().is_err());
        assert!("title=NaN".parse::<Tuning>().is_err());
        let worded: Tuning = "lexical_worded=0.25,worded_from=9".parse().unwrap();
        assert_eq!((worded.lexical_worded, worded.worded_from), (0.25, 2.0));
        let late: Tuning = "late_chunking=1".parse().unwrap();
        assert!(late.late_chunking && !Tuning::default().late_chunking);
    }
}
