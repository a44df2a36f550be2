//! The terminal chat session (`passagebot chat`): a loop over lines of input, each a
//! question or a `:command`, answered through the same ask step as the bot. Generic over
//! reader and writer so tests drive it directly.

use std::io::{self, BufRead, Write};

use super::ask;
use super::handoff::Decision;
use crate::engine::search::{Answer, Engine};
use crate::render::{self, terminal};
use crate::store::Store;
use crate::wall::{Wall, WallEvent};

/// Who asked, in the question log, for questions typed at the terminal (`ask` and
/// `chat` with `--log`): one teacher at one keyboard, no one to tell apart.
pub const TERMINAL_PERSON: &str = "terminal";

const HELP: &str = "Type a question and press Enter. Commands:
  :more   the next passages for the last question
  :why    why the top passage was chosen, and how sure the answer is
  :help   this text
  :quit   leave (Ctrl-D works too)";

/// What to do after a line of input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    Reply(String),
    /// A blank line: nothing to say.
    Nothing,
    Quit,
}

pub struct Session<'a> {
    engine: &'a Engine,
    top: usize,
    style: terminal::Style,
    interactive: bool,
    last: Option<Answer>,
    /// What the hand-over rule decided for the last question.
    decision: Decision,
    /// Passages of the last question shown so far.
    shown: usize,
    /// Where questions are logged (`--log`), for `passagebot report`.
    log: Option<&'a Store>,
    /// Where questions are shown live (`--wall`).
    wall: Option<Wall>,
}

impl<'a> Session<'a> {
    pub fn new(engine: &'a Engine, top: usize, style: terminal::Style, interactive: bool) -> Self {
        Session {
            engine,
            top: top.max(1),
            style,
            interactive,
            last: None,
            decision: Decision::default(),
            shown: 0,
            log: None,
            wall: None,
        }
    }

    /// Logs every question to `store`, as the bot does (surface "chat").
    pub fn with_log(mut self, store: &'a Store) -> Self {
        self.log = Some(store);
        self
    }

    /// Shows every question on `wall`.
    pub fn with_wall(mut self, wall: Wall) -> Self {
        self.wall = Some(wall);
        self
    }

    /// The greeting an interactive session opens with.
    pub fn greeting(&self) -> String {
        let titles: Vec<String> = self
            .engine
            .summary()
            .documents
            .iter()
            .map(|d| format!("“{}”", d.title))
            .collect();
        format!("Ask me about {}.\n{HELP}", titles.join(", "))
    }

    /// Handles one line of input: a question or a `:command`.
    pub fn handle(&mut self, line: &str) -> Step {
        let line = line.trim();
        if line.is_empty() {
            return Step::Nothing;
        }
        let reply = match line {
            ":quit" | ":q" | ":exit" => return Step::Quit,
            ":help" | ":h" | ":?" => HELP.to_string(),
            ":more" | ":m" => self.more(),
            ":why" | ":w" => match &self.last {
                Some(a) => format!("{}\n{}", render::explain(a), self.decision.explain()),
                None => "Ask a question first; then :why explains the answer.".into(),
            },
            cmd if cmd.starts_with(':') && !cmd.contains(' ') => {
                format!("Unknown command {cmd}. {HELP}")
            }
            question => self.ask(question),
        };
        Step::Reply(reply.trim_end().to_string())
    }

    /// Runs over lines of `input` (a pipe, a file, or a plain terminal)
    /// until `:quit` or the end of input.
    pub fn run(&mut self, input: &mut dyn BufRead, out: &mut dyn Write) -> io::Result<()> {
        if self.interactive {
            writeln!(out, "{}", self.greeting())?;
        }
        let mut buf = Vec::new();
        loop {
            if self.interactive {
                write!(out, "\n> ")?;
                out.flush()?;
            }
            buf.clear();
            if input.read_until(b'\n', &mut buf)? == 0 {
                break;
            }
            match self.handle(&String::from_utf8_lossy(&buf)) {
                Step::Quit => break,
                Step::Nothing => {}
                Step::Reply(reply) => {
                    writeln!(out, "{reply}")?;
                    out.flush()?;
                }
            }
        }
        Ok(())
    }

    fn ask(&mut self, question: &str) -> String {
        // The same ask step as the bot.
        let log = self.log.map(|store| ask::Log {
            store,
            person: TERMINAL_PERSON,
            surface: "chat",
        });
        match ask::ask(self.engine, question, self.top, log) {
            Ok(asked) => {
                if let Some(wall) = &self.wall {
                    wall.publish(WallEvent::from_asked(&asked, None));
                }
                let mut text = terminal::render(&asked.answer, self.style, 1);
                // The hand-over rule said out loud for the class.
                self.decision = asked.decision;
                if self.decision.hand_over() {
                    text = format!("{}\n\n→ {}", text.trim_end(), self.decision.sentence());
                }
                self.shown = asked.answer.passages.len();
                self.last = Some(asked.answer);
                text
            }
            Err(e) => {
                tracing::error!("search failed: {e}");
                format!("Sorry, the search failed ({e}).")
            }
        }
    }

    fn more(&mut self) -> String {
        let Some(last) = &self.last else {
            return "Ask a question first; then :more shows further passages.".into();
        };
        match self.engine.search(&last.question, self.shown, self.top) {
            Ok(a) => {
                let text = terminal::render(&a, self.style, self.shown + 1);
                self.shown += a.passages.len();
                text
            }
            Err(e) => {
                tracing::error!("search failed: {e}");
                format!("Sorry, the search failed ({e}).")
            }
        }
    }
}
