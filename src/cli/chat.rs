//! `passagebot chat`: the terminal session for classroom demos. On a terminal
//! it reads lines with rustyline (editing, arrow-key history); piped, it reads
//! standard input line by line.

use std::io::{BufRead, IsTerminal, Write};

use rustyline::DefaultEditor;
use rustyline::error::ReadlineError;

use super::args::ChatArgs;
use super::{engine, stdout_style};
use crate::config::Paths;
use crate::conversation::session::{Session, Step};
use crate::tuning::Tuning;

pub fn run(paths: &Paths, tuning: Tuning, args: &ChatArgs) -> anyhow::Result<()> {
    let engine = engine(paths, tuning)?;
    let interactive = std::io::stdin().is_terminal() && std::io::stdout().is_terminal();
    let mut session = Session::new(&engine, args.top, stdout_style(), interactive);
    if interactive && let Ok(editor) = DefaultEditor::new() {
        return with_editor(&mut session, editor);
    }
    let stdin = std::io::stdin();
    let stdout = std::io::stdout();
    session.run(&mut stdin.lock() as &mut dyn BufRead, &mut stdout.lock())?;
    Ok(())
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
