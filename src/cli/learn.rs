//! `passagebot learn`: the terminal's side of suggestions from use — list the
//! pending ones, accept some (their lines go to the corpus's
//! `learned.questions.jsonl`), reject others. The same rules as the operators'
//! ✅ / ❌ in Telegram ([`crate::conversation::learned`]).

use std::path::Path;

use super::args::{LearnArgs, LearnCommand};
use crate::conversation::learned;
use crate::store::{Store, Suggestion, SuggestionStatus};

pub fn run(corpus: &Path, data: &Path, args: &LearnArgs) -> anyhow::Result<()> {
    let store = super::existing_store(
        data,
        "suggestions are collected by `passagebot bot` with the same --data folder",
    )?;
    match &args.command {
        LearnCommand::List => list(&store),
        LearnCommand::Accept { ids } => decide(ids, "accepted", |id| {
            let done = learned::accept(&store, corpus, id)?;
            let line = serde_json::to_string(&done.phrasing).unwrap_or_default();
            Ok(if done.already {
                format!(
                    "#{id} accepted ({} already had it): {line}",
                    done.file.display()
                )
            } else {
                format!("#{id} accepted: {} += {line}", done.file.display())
            })
        }),
        LearnCommand::Reject { ids } => decide(ids, "rejected", |id| {
            let s = learned::reject(&store, id)?;
            Ok(format!("#{id} rejected: {}", s.question))
        }),
    }
}

/// The pending suggestions, oldest first.
fn list(store: &Store) -> anyhow::Result<()> {
    let pending = store.pending_suggestions()?;
    if pending.is_empty() {
        println!("No suggestions wait for approval.");
        return Ok(());
    }
    for s in &pending {
        print!("{}", describe(s));
    }
    println!(
        "{} pending. Accept with `passagebot learn accept ID…`, reject with `passagebot learn reject ID…`.",
        pending.len()
    );
    Ok(())
}

/// One suggestion as the terminal shows it (a few lines).
fn describe(s: &Suggestion) -> String {
    let state = match s.status {
        SuggestionStatus::Pending => "pending",
        SuggestionStatus::Accepted => "accepted",
        SuggestionStatus::Rejected => "rejected",
    };
    let quote = crate::render::telegram::shorten(&s.passage.text, 160);
    format!(
        "#{} {state}, {} ({})\n  question: {}\n  passage:  {}, paragraph {}: “{quote}”\n",
        s.id,
        crate::report::format_date(s.created_at),
        s.kind.describe(),
        s.question,
        s.passage.source,
        s.passage.paragraph
    )
}

/// Decides each id in turn; one that cannot be decided is said on stderr and the
/// rest still go through, then the command fails naming how many did not.
fn decide(
    ids: &[i64],
    what: &str,
    mut one: impl FnMut(i64) -> Result<String, learned::LearnError>,
) -> anyhow::Result<()> {
    let mut failed = 0;
    for &id in ids {
        match one(id) {
            Ok(line) => println!("{line}"),
            Err(err) => {
                failed += 1;
                eprintln!("passagebot: {err}");
            }
        }
    }
    if failed > 0 {
        anyhow::bail!(
            "{failed} of {} suggestion(s) were not {what} (see above)",
            ids.len()
        );
    }
    Ok(())
}
