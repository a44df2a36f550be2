//! `passagebot chat`: the terminal session for classroom demos.

use std::io::{BufRead, IsTerminal};

use super::{engine, stdout_style};
use crate::chat::Session;
use crate::cli::ChatArgs;
use crate::config::Paths;

pub fn run(paths: &Paths, args: &ChatArgs) -> anyhow::Result<()> {
    let engine = engine(paths)?;
    let interactive = std::io::stdin().is_terminal() && std::io::stdout().is_terminal();
    let mut session = Session::new(&engine, args.top, stdout_style(), interactive);
    let stdin = std::io::stdin();
    let stdout = std::io::stdout();
    session.run(&mut stdin.lock() as &mut dyn BufRead, &mut stdout.lock())?;
    Ok(())
}
