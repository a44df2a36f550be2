//! `passagebot chat`: the terminal session for classroom demos. On a terminal
//! it reads lines with rustyline (editing, arrow-key history); piped, it reads
//! standard input line by line. With `--wall` it serves the live wall beside it;
//! with `--log` it logs the questions for `passagebot report`.

use std::io::{BufRead, IsTerminal, Write};
use std::path::Path;

use rustyline::DefaultEditor;
use rustyline::error::ReadlineError;

use super::args::ChatArgs;
use super::{engine, log_store, stdout_style};
use crate::config::Paths;
use crate::conversation::session::{Session, Step};
use crate::engine::tuning::Tuning;
use crate::wall;

pub fn run(paths: &Paths, tuning: Tuning, data: &Path, args: &ChatArgs) -> anyhow::Result<()> {
    // Flags first: a wall that may not start stops the command before any work.
    let wall = args.wall.resolve()?;
    let store = log_store(data, args.log)?;
    let engine = engine(paths, tuning)?;
    let interactive =
        !args.json && std::io::stdin().is_terminal() && std::io::stdout().is_terminal();
    let served = wall.map(serve_wall).transpose()?;
    let top = args.top.unwrap_or(if args.json { 3 } else { 2 });
    let mut session = Session::new(&engine, top, stdout_style(), interactive);
    if args.json {
        session = session.with_json();
    }
    if let Some(store) = &store {
        session = session.with_log(store);
    }
    if let Some((_, running)) = &served {
        session = session.with_wall(running.wall().clone());
    }
    if interactive && let Ok(editor) = DefaultEditor::new() {
        return with_editor(&mut session, editor);
    }
    let stdin = std::io::stdin();
    let stdout = std::io::stdout();
    session.run(&mut stdin.lock() as &mut dyn BufRead, &mut stdout.lock())?;
    if let Some((runtime, running)) = served {
        // A scripted demo piped in has ended; the room is still looking at the wall.
        eprintln!(
            "passagebot: end of input; the wall stays up at {} until Ctrl-C",
            running.url()
        );
        runtime.block_on(async {
            if let Err(err) = tokio::signal::ctrl_c().await {
                tracing::error!("cannot listen for Ctrl-C: {err}");
            }
        });
    }
    Ok(())
}

/// Starts the wall on a small runtime of its own beside the (blocking) session.
fn serve_wall(config: wall::Config) -> anyhow::Result<(tokio::runtime::Runtime, wall::Running)> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_name("wall")
        .enable_all()
        .build()?;
    let running = runtime.block_on(wall::start(config))?;
    eprintln!(
        "passagebot: the wall is at {} (open it on the projector)",
        running.url()
    );
    Ok((runtime, running))
}

fn with_editor(session: &mut Session, mut editor: DefaultEditor) -> anyhow::Result<()> {
    let mut out = std::io::stdout();
    writeln!(out, "{}", session.greeting())?;
    loop {
        match editor.readline("\n> ") {
            Ok(line) => {
                if !line.trim().is_empty() {
                    // History is a convenience; failing to record a line changes nothing.
                    let _ = editor.add_history_entry(line.as_str());
                }
                match session.handle(&line) {
                    Step::Quit => break,
                    Step::Nothing => {}
                    Step::Reply(reply) => writeln!(out, "{reply}")?,
                }
            }
            Err(ReadlineError::Eof | ReadlineError::Interrupted) => break,
            Err(e) => return Err(anyhow::anyhow!("cannot read the terminal: {e}")),
        }
    }
    Ok(())
}
