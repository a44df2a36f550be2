//! `passagebot eval FILE.jsonl`: score the engine on a question file.

use anyhow::Context;

use super::args::EvalArgs;
use super::engine;
use crate::config::Paths;
use crate::engine::eval;
use crate::engine::tuning::Tuning;

pub fn run(paths: &Paths, tuning: Tuning, args: &EvalArgs) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(&args.file)
        .with_context(|| format!("cannot read the question file {}", args.file.display()))?;
    let questions =
        eval::parse(&text).map_err(|e| anyhow::anyhow!("{}: {e}", args.file.display()))?;
    let engine = engine(paths, tuning)?;
    let mut outcomes = Vec::with_capacity(questions.len());
    for q in &questions {
        let answer = engine.search(&q.q, 0, args.top)?;
        outcomes.push(eval::outcome(q, &answer));
    }
    print!("{}", eval::report(&outcomes, args.top));
    Ok(())
}
