//! `passagebot ask`: one question from the arguments, or one per line of stdin.

use std::io::{BufRead, IsTerminal, Write};

use anyhow::Context;

use super::args::AskArgs;
use super::{engine, log_store, stdout_style};
use crate::config::Paths;
use crate::conversation::ask::Log;
use crate::conversation::dialogue::{Dialogue, ReplyKind};
use crate::conversation::session::TERMINAL_PERSON;
use crate::engine::search::Engine;
use crate::engine::tuning::Tuning;
use crate::render::{json, terminal};

/// Raised for a usage mistake the parser cannot see (an empty question): exit code 2.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

pub fn run(
    paths: &Paths,
    tuning: Tuning,
    data: &std::path::Path,
    args: &AskArgs,
) -> anyhow::Result<()> {
    let question = args.question.join(" ");
    if !args.question.is_empty() && question.trim().is_empty() && !args.json {
        return Err(UsageError(
            "the question is empty; ask something, e.g. passagebot ask \"Is marketing data-driven?\"".into(),
        )
        .into());
    }
    let store = log_store(data, args.log)?;
    let log = store.as_ref().map(|store| Log {
        store,
        person: TERMINAL_PERSON,
        surface: "ask",
    });
    let engine = engine(paths, tuning)?;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let mut unlogged = Unlogged::default();
    if !args.question.is_empty() {
        unlogged.count(answer(&engine, &question, args, log, &mut out)?);
        return unlogged.result(store.as_ref());
    }
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        eprintln!(
            "passagebot: reading questions from standard input, one per line (Ctrl-D to end)"
        );
    }
    for line in stdin.lock().split(b'\n') {
        let line = line.context("cannot read standard input")?;
        let line = String::from_utf8_lossy(&line);
        let question = line.trim_end_matches('\r');
        if question.trim().is_empty() && !args.json {
            continue;
        }
        unlogged.count(answer(&engine, question, args, log, &mut out)?);
    }
    unlogged.result(store.as_ref())
}

/// Answers printed whose log entry could not be written (`--log`): the command
/// fails at the end, so a script does not take a lost entry for success.
#[derive(Default)]
struct Unlogged {
    answered: usize,
    lost: usize,
}

impl Unlogged {
    fn count(&mut self, logged: Logged) {
        self.answered += usize::from(logged != Logged::Skipped);
        self.lost += usize::from(logged == Logged::Failed);
    }

    fn result(&self, store: Option<&crate::store::Store>) -> anyhow::Result<()> {
        match (self.lost, store) {
            (0, _) | (_, None) => Ok(()),
            (lost, Some(store)) => anyhow::bail!(
                "{lost} of {} answer(s) printed above could not be logged to {} (the reason is on the line above); free space on its disk or check that it is writable, then ask again, or leave out --log",
                self.answered,
                store.path().display()
            ),
        }
    }
}

/// What became of a question's log entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Logged {
    Written,
    Failed,
    /// Not to be logged: no `--log`, or a blank line.
    Skipped,
}

fn answer(
    engine: &Engine,
    question: &str,
    args: &AskArgs,
    log: Option<Log<'_>>,
    out: &mut impl Write,
) -> anyhow::Result<Logged> {
    // The conversation step the bot and chat share, each line on its own (a
    // conversation of one message); logged with --log. A blank line is answered
    // for --json's sake but is not a question to log.
    let log = log.filter(|_| !question.trim().is_empty());
    let turn = Dialogue::new().turn(engine, question, args.top, log, crate::store::now())?;
    let logged = match (log, turn.asked.log_id) {
        (None, _) => Logged::Skipped,
        (Some(_), Some(_)) => Logged::Written,
        // Small talk and questions asked back are not logged: nothing was lost.
        (Some(_), None) if turn.kind == ReplyKind::SmallTalk || turn.reply.is_some() => {
            Logged::Skipped
        }
        (Some(_), None) => Logged::Failed,
    };
    let text = if args.json {
        json::turn_line(question, &turn)
    } else {
        format!(
            "{}\n{}\n",
            terminal::question_line(question),
            terminal::turn(&turn, stdout_style()).trim_end()
        )
    };
    match writeln!(out, "{text}").and_then(|_| out.flush()) {
        // A closed pipe (`| head`) is the reader's choice, not an error.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(logged),
        other => other
            .map(|()| logged)
            .context("cannot write to standard output"),
    }
}
