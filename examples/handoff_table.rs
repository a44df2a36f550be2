//! Prints what the hand-over rule decides for a list of questions (one per line on
//! standard input) over the bundled article, as a Markdown table.
//!
//!     printf 'Is marketing data-driven?\nCan I talk to a person?\n' | cargo run --example handoff_table

use std::io::BufRead;

use passagebot::config::Paths;
use passagebot::conversation::ask;
use passagebot::engine::search::Engine;

fn main() -> anyhow::Result<()> {
    let scratch = tempfile::tempdir()?;
    let paths = Paths {
        corpus: std::path::PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/corpus")),
        index: scratch.path().join("index"),
    };
    let engine = Engine::open_or_build(&paths, Default::default())?;
    println!("| # | question | confident (coverage) | hand over? | reasons that fired |");
    println!("|---|---|---|---|---|");
    for (i, line) in std::io::stdin().lock().lines().enumerate() {
        let q = line?;
        let ask::Asked {
            answer,
            decision: d,
            ..
        } = ask::ask(&engine, &q, 2, None)?;
        println!(
            "| {} | {} | {} ({:.0}%) | {} | {} |",
            i + 1,
            q,
            if answer.confident { "yes" } else { "no" },
            answer.confidence.coverage * 100.0,
            if d.hand_over() { "**yes**" } else { "no" },
            if d.hand_over() {
                d.because()
            } else {
                "—".into()
            }
        );
    }
    Ok(())
}
