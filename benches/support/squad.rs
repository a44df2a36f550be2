//! The SQuAD questions the benches ask, shared by `benches/search.rs` and
//! `benches/index.rs` so both time the same set.

use std::collections::HashMap;
use std::path::Path;

/// The first `per_article` crowd-written questions of each article in the
/// `questions.jsonl` at `path` (none when the file is missing).
pub fn first_questions(path: &Path, per_article: usize) -> Vec<String> {
    let mut per_title: HashMap<String, usize> = HashMap::new();
    let mut out = Vec::new();
    for line in std::fs::read_to_string(path).unwrap_or_default().lines() {
        let Ok(v) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        let count = per_title
            .entry(v["title"].as_str().unwrap_or_default().to_string())
            .or_default();
        if let Some(q) = v["question"].as_str()
            && *count < per_article
        {
            *count += 1;
            out.push(q.to_string());
        }
    }
    out
}
