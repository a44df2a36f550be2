//! The terminal chat session (`passagebot chat`): a loop over lines of input, each a
//! question or a `:command`, answered through the same ask step as the bot. Generic over
//! reader and writer so tests drive it directly.

use std::io::{self, BufRead, Write};

use super::ask;
use super::dialogue::{self, Dialogue, Turn};
use crate::engine::search::Engine;
use crate::render::{self, json, terminal};
use crate::store::Store;
use crate::wall::{Wall, WallEvent};

/// Who asked, in the question log, for questions typed at the terminal (`ask` and
/// `chat` with `--log`): one teacher at one keyboard, no one to tell apart.
pub const TERMINAL_PERSON: &str = "terminal";

const HELP: &str = "Type a question and press Enter. Follow-ups read the last question:
“and marketing?”, “why?”, “what does he do?”, “tell me more”. Commands:
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
    /// `chat --json`: one JSON object per input line, commands included as messages.
    json: bool,
    /// What the conversation remembers between lines (follow-ups, picks).
    dialogue: Dialogue,
    /// The last turn with passages, for `:why`.
    last: Option<Turn>,
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
            json: false,
            dialogue: Dialogue::new(),
            last: None,
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

    /// Answers in JSON Lines (`chat --json`): every input line, blank ones too, gets
    /// exactly one object, and nothing else is written.
    pub fn with_json(mut self) -> Self {
        self.json = true;
        self
    }

    /// The greeting an interactive session opens with.
    pub fn greeting(&self) -> String {
        format!(
            "Ask me about {}.\n{HELP}",
            dialogue::titles(self.engine.summary())
        )
    }

    /// Handles one line of input: a question or a `:command`.
    pub fn handle(&mut self, line: &str) -> Step {
        let line = line.trim();
        if self.json {
            return Step::Reply(self.turn(line, |s, l| s.dialogue_turn(l)));
        }
        if line.is_empty() {
            return Step::Nothing;
        }
        let reply = match line {
            ":quit" | ":q" | ":exit" => return Step::Quit,
            ":help" | ":h" | ":?" => HELP.to_string(),
            ":more" | ":m" => self.turn(line, |s, _| {
                let log = s.log_to();
                s.dialogue.more(s.engine, s.top, log)
            }),
            ":why" | ":w" => match &self.last {
                Some(t) => format!(
                    "{}\n{}",
                    render::explain(&t.asked.answer),
                    t.asked.decision.explain()
                ),
                None => "Ask a question first; then :why explains the answer.".into(),
            },
            cmd if cmd.starts_with(':') && !cmd.contains(' ') => {
                format!("Unknown command {cmd}. {HELP}")
            }
            question => self.turn(question, |s, l| s.dialogue_turn(l)),
        };
        Step::Reply(reply.trim_end().to_string())
    }

    /// Runs over lines of `input` (a pipe, a file, or a plain terminal)
    /// until `:quit` or the end of input. Piped, each question is echoed before its
    /// answer (`> question`), so the output reads as a transcript.
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
            let line = String::from_utf8_lossy(&buf);
            match self.handle(&line) {
                Step::Quit => break,
                Step::Nothing => {}
                Step::Reply(reply) => {
                    if !self.interactive && !self.json {
                        writeln!(
                            out,
                            "\n> {}",
                            render::telegram::shorten(line.trim(), terminal::QUESTION_ECHO_CHARS)
                        )?;
                    }
                    writeln!(out, "{reply}")?;
                    out.flush()?;
                }
            }
        }
        Ok(())
    }

    fn log_to(&self) -> Option<ask::Log<'a>> {
        self.log.map(|store| ask::Log {
            store,
            person: TERMINAL_PERSON,
            surface: "chat",
        })
    }

    fn dialogue_turn(&mut self, line: &str) -> crate::Result<Turn> {
        let log = self.log_to().filter(|_| !line.is_empty());
        self.dialogue
            .turn(self.engine, line, self.top, log, crate::store::now())
    }

    /// One turn through `step` (the same conversation core as the bot), published
    /// to the wall and rendered for the terminal or as a JSON line.
    fn turn(
        &mut self,
        line: &str,
        step: impl FnOnce(&mut Self, &str) -> crate::Result<Turn>,
    ) -> String {
        match step(self, line) {
            Ok(turn) => {
                if let Some(wall) = &self.wall
                    && !line.is_empty()
                {
                    wall.publish(WallEvent::from_turn(&turn, None));
                }
                let text = if self.json {
                    json::turn_line(line, &turn)
                } else {
                    terminal::turn(&turn, self.style)
                };
                if !turn.asked.answer.passages.is_empty() {
                    self.last = Some(turn);
                }
                text
            }
            Err(e) => {
                tracing::error!("search failed: {e}");
                if self.json {
                    let turn = dialogue::unanswered(
                        line,
                        Some("Sorry, something went wrong on my side.".into()),
                    );
                    json::turn_line(line, &turn)
                } else {
                    format!("Sorry, the search failed ({e}).")
                }
            }
        }
    }
}
