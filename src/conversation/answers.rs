//! Answering: a question (or a follow-up for a person), "More", "Why this?", the
//! choices of a "Did you mean …?", the greetings, feedback, and the replies to what
//! the bot cannot read.

use super::Core;
use super::ask::{self, Log};
use super::dialogue;
use super::effect::{Brief, Effect, Message};
use super::event::{Button, Person, Resume, Step};
use super::handoff::Decision;
use super::recent::Logged;
use super::suggestions;
use crate::config::MAX_QUESTION_CHARS;
use crate::engine::ambiguity;
use crate::render::{self, telegram};
use crate::store::SuggestionKind;
use crate::wall::WallEvent;

const NOT_TEXT: &str = "I can only read text questions. Please type your question.";
const UNKNOWN_COMMAND: &str = "I don't know that command. /help lists the ones I know.";
const TOO_OLD: &str = "I no longer remember that answer. Please ask the question again.";
const NO_ANSWER_YET: &str = "Ask me a question first.";
const NOTHING_MORE: &str = "That's all I have on this question.";
const NOTHING_TO_CONTINUE: &str = "I had no answer to continue for that question. Try asking it differently, or see /start for examples.";
const FEEDBACK_THANKS: &str = "Thanks for your feedback!";
const FEEDBACK_FAILED: &str = super::APOLOGY;
/// A pop-up for someone pressing 👍 / 👎 under another person's answer.
const NOT_YOUR_FEEDBACK: &str = "Only the person who asked can rate this answer.";
/// A pop-up for callback data the bot did not make.
pub(super) const UNKNOWN_BUTTON: &str = "This button doesn't work any more. Please ask again.";

pub(super) use super::effect::say;

pub(super) fn unknown_command(out: &mut Vec<Effect>) {
    out.push(say(UNKNOWN_COMMAND));
}

pub(super) fn not_text(out: &mut Vec<Effect>) {
    out.push(say(NOT_TEXT));
}

impl Core {
    /// A person's text: to the operators while their ticket is open, otherwise a
    /// question, answered after "typing…" is shown.
    pub(super) fn question(
        &self,
        chat: i64,
        person: Person,
        text: String,
        out: &mut Vec<Effect>,
    ) -> anyhow::Result<()> {
        if let Some(ticket) = self.active(chat, &person, out)? {
            return self.follow_up(&person, &ticket, &text, out);
        }
        out.push(Effect::Typing);
        out.push(Effect::Continue(Resume(Step::Answer {
            chat,
            person,
            text,
        })));
        Ok(())
    }

    /// Answers a message through the person's dialogue ([`super::dialogue`]): small
    /// talk in words, a summary, a follow-up as read in context, or a question's best
    /// passages or the honest "not covered" reply; with the hand-over decision when a
    /// person would serve it better.
    pub(super) fn answer(
        &self,
        chat: i64,
        person: &Person,
        question: &str,
        out: &mut Vec<Effect>,
    ) -> anyhow::Result<()> {
        let key = self.store.person_key(person.id);
        let log = Log {
            store: &self.store,
            person: &key,
            surface: "telegram",
        };
        let previous = self.recent.last_of(chat, person.id);
        let turn = self.turn(chat, person.id, question, log)?;
        let at = crate::store::now();
        self.suggest_from_turn(&key, &turn, previous.as_ref(), at);
        tracing::info!(
            chat = %self.log_chat(chat),
            kind = ?turn.kind,
            followup = turn.read_as.is_some(),
            confident = turn.asked.answer.confident,
            passages = turn.asked.answer.passages.len(),
            coverage = turn.asked.answer.confidence.coverage,
            handover = %turn.asked.decision.codes(),
            "answered a question"
        );
        // Nothing from operator chats reaches the wall.
        if let Some(wall) = &self.wall
            && !self.is_operator(chat)
        {
            wall.publish(WallEvent::from_turn(&turn, Some(&person.name)).asked_by(person.id));
        }
        let read_as = turn.read_as.as_deref().map(telegram::read_as);
        if let Some(reply) = turn
            .reply
            .as_deref()
            .filter(|_| turn.asked.answer.passages.is_empty())
        {
            // Small talk, a question asked back, "which document?": words, no hand-over.
            let mut html: Vec<String> = read_as.into_iter().collect();
            html.push(telegram::escape(reply));
            let buttons = match turn.options.len() {
                0 => Vec::new(),
                n => vec![
                    (1..=n.min(9))
                        .zip(&turn.options)
                        .map(|(i, title)| {
                            // Checked above: at most nine options, so `i` fits a u8.
                            let n = u8::try_from(i).unwrap_or(u8::MAX);
                            (telegram::shorten(title, 40), Button::Option(n))
                        })
                        .collect(),
                ],
            };
            out.push(Effect::Reply(Message {
                parts: telegram::split(&html, telegram::MESSAGE_LIMIT),
                buttons,
                brief: None,
            }));
            return Ok(());
        }
        let first = turn.first;
        let asked = turn.asked;
        if asked.decision.requested() {
            return self.hand_over(chat, person, question, &asked, out);
        }
        let covered = asked.covered();
        let log_id = asked.log_id;
        let ask::Asked {
            answer, decision, ..
        } = asked;
        let operators = self.has_operators();
        let note = decision
            .hand_over()
            .then(|| telegram::handover_note(&decision, operators));
        let tie = (first == 1).then(|| ambiguity::of(&answer)).flatten();
        let (mut blocks, shown, more) = if tie.is_some() {
            // Asked back, not picked: both options, then the note.
            let mut blocks = telegram::did_you_mean(&answer);
            blocks.extend(note);
            (blocks, 2, false)
        } else if covered {
            let mut blocks = telegram::answer_blocks(&answer, first, MAX_QUESTION_CHARS);
            blocks.extend(note);
            (blocks, answer.passages.len(), answer.more)
        } else {
            let summary = self.library.summary();
            let examples = crate::render::example_questions(&summary);
            let mut html = telegram::not_covered_body(&answer, &summary, &examples);
            if let Some(note) = note {
                html.push_str("\n\n");
                html.push_str(&note);
            }
            (vec![html], 0, false)
        };
        if let Some(read_as) = read_as {
            blocks.insert(0, read_as);
        }
        let brief_html = telegram::brief(
            &telegram::mention(person.id, &person.name),
            question,
            &answer,
            covered,
            decision.hand_over(),
        );
        // A tie has two passages (`ambiguity::of`); its buttons show each in full.
        let choices: Vec<String> = match tie {
            Some(_) => (1..)
                .zip(answer.passages.iter().take(2))
                .map(|(n, hit)| telegram::choice_label(n, hit))
                .collect(),
            None => Vec::new(),
        };
        let logged = Logged { id: log_id, at };
        let id = self
            .recent
            .insert(chat, person.id, answer, shown, decision, logged);
        let brief = Brief {
            html: brief_html,
            button: covered.then(|| (telegram::full_answer_label(&person.name), Button::More(id))),
            answer: id,
        };
        let mut rows = buttons(id, more, log_id, operators);
        if !choices.is_empty() {
            let row = (1..)
                .zip(choices)
                .map(|(n, label)| (label, Button::Choice(id, n)));
            rows.insert(0, row.collect());
        }
        out.push(Effect::Reply(Message {
            parts: telegram::split(&blocks, telegram::MESSAGE_LIMIT),
            buttons: rows,
            brief: Some(brief),
        }));
        Ok(())
    }

    /// What a turn suggests as a phrasing: a typed pick after "Did you mean …?",
    /// or a covered answer to a rephrasing of the person's unanswered question
    /// (`previous`, their last answer in the chat before this turn).
    fn suggest_from_turn(
        &self,
        person: &str,
        turn: &dialogue::Turn,
        previous: Option<&super::recent::Entry>,
        at: i64,
    ) {
        let answer = &turn.asked.answer;
        let Some(hit) = answer.passages.first() else {
            return;
        };
        if turn.picked {
            let passage = suggestions::suggested(hit);
            self.suggest(
                SuggestionKind::Choice,
                person,
                &answer.question,
                &passage,
                None,
            );
            return;
        }
        let answered = turn.kind == dialogue::ReplyKind::Answer
            && turn.first == 1
            && turn.asked.covered()
            && !turn.asked.decision.hand_over();
        if let Some(previous) =
            previous.filter(|p| answered && suggestions::rephrased(p, &answer.question, at))
        {
            let passage = suggestions::suggested(hit);
            self.suggest(
                SuggestionKind::Rephrased,
                person,
                &previous.question,
                &passage,
                None,
            );
        }
    }

    /// One message through the dialogue of `person` in `chat`. The dialogue is taken
    /// out of the map while the search runs, so other chats are never held up.
    fn turn(
        &self,
        chat: i64,
        person: u64,
        text: &str,
        log: Log<'_>,
    ) -> anyhow::Result<dialogue::Turn> {
        let key = (chat, person);
        let now = crate::store::now();
        let mut dialogue = self
            .dialogues
            .lock()
            .map_err(|_| anyhow::anyhow!("the conversations' lock is poisoned"))?
            .pop(&key)
            .filter(|d| !d.idle(now))
            .unwrap_or_default();
        let turn = dialogue.turn(&*self.library, text, self.rules.passages, Some(log), now);
        if let Ok(mut map) = self.dialogues.lock() {
            map.put(key, dialogue);
        }
        Ok(turn?)
    }

    /// Option `n` of a reply that offered several: read as the number typed, when the
    /// person's conversation still offers it.
    pub(super) fn option(
        &self,
        chat: i64,
        person: &Person,
        n: u8,
        out: &mut Vec<Effect>,
    ) -> anyhow::Result<()> {
        let offered = self
            .dialogues
            .lock()
            .map_err(|_| anyhow::anyhow!("the conversations' lock is poisoned"))?
            .peek(&(chat, person.id))
            .is_some_and(|d| d.offers_options());
        if !offered {
            out.push(Effect::Popup(TOO_OLD));
            return Ok(());
        }
        self.answer(chat, person, &n.to_string(), out)
    }

    /// Choice `number` (1 or 2) under a "Did you mean …?" answer: that passage in
    /// full, as the answer. Anyone in the chat may press it: it only shows text the
    /// chat already saw in brief. The asker's own pick is suggested as a phrasing
    /// for the question (for an operator to approve).
    pub(super) fn choice(
        &self,
        chat: i64,
        person: &Person,
        id: u64,
        number: u8,
        out: &mut Vec<Effect>,
    ) {
        let chosen = self.recent.get(chat, id).and_then(|entry| {
            let hit = entry
                .answer
                .passages
                .get(usize::from(number).checked_sub(1)?)?;
            if entry.asker == person.id {
                let key = self.store.person_key(person.id);
                let passage = suggestions::suggested(hit);
                self.suggest(
                    SuggestionKind::Choice,
                    &key,
                    &entry.question,
                    &passage,
                    None,
                );
            }
            let mut answer = (*entry.answer).clone();
            answer.passages = vec![hit.clone()];
            answer.truncated = false; // already said with the choices
            answer.more = false;
            Some(answer)
        });
        let Some(answer) = chosen else {
            out.push(say(TOO_OLD));
            return;
        };
        let blocks = telegram::answer_blocks(&answer, 1, MAX_QUESTION_CHARS);
        out.push(Effect::Reply(Message {
            parts: telegram::split(&blocks, telegram::MESSAGE_LIMIT),
            buttons: vec![vec![("Why this?".to_owned(), Button::Why(id))]],
            brief: None,
        }));
    }

    /// `/more`: the next passages of the chat's last answer.
    pub(super) fn more_last(&self, chat: i64, out: &mut Vec<Effect>) -> anyhow::Result<()> {
        match self.recent.last(chat) {
            Some(entry) => self.more(chat, entry.id, out),
            None => {
                out.push(say(NO_ANSWER_YET));
                Ok(())
            }
        }
    }

    /// The next passages of answer `id`.
    pub(super) fn more(&self, chat: i64, id: u64, out: &mut Vec<Effect>) -> anyhow::Result<()> {
        let Some(entry) = self.recent.get(chat, id) else {
            out.push(say(TOO_OLD));
            return Ok(());
        };
        if !entry.answer.confident {
            out.push(say(NOTHING_TO_CONTINUE));
            return Ok(());
        }
        let top = self.rules.passages;
        let Some(skip) = self.recent.advance(chat, id, top) else {
            out.push(say(TOO_OLD));
            return Ok(());
        };
        let mut answer = self.library.search(&entry.question, skip, top)?;
        if answer.passages.is_empty() {
            out.push(say(NOTHING_MORE));
            return Ok(());
        }
        answer.truncated = false; // already said with the first passages
        let blocks = telegram::answer_blocks(&answer, skip + 1, MAX_QUESTION_CHARS);
        out.push(Effect::Reply(Message {
            parts: telegram::split(&blocks, telegram::MESSAGE_LIMIT),
            buttons: buttons(id, answer.more, None, false),
            brief: None,
        }));
        Ok(())
    }

    /// Explains answer `id` (or the chat's last answer).
    pub(super) fn why(&self, chat: i64, id: Option<u64>, out: &mut Vec<Effect>) {
        let entry = match id {
            Some(id) => self.recent.get(chat, id),
            None => self.recent.last(chat),
        };
        let html = match entry {
            Some(entry) => telegram::why(
                &entry.question,
                &format!(
                    "{}\n\n{}",
                    render::explain(&entry.answer),
                    entry.decision.explain()
                ),
            ),
            None if id.is_some() => telegram::escape(TOO_OLD),
            None => telegram::escape(&format!("{NO_ANSWER_YET} Then /why explains my answer.")),
        };
        out.push(Effect::Reply(Message::parts(telegram::split(
            &[html],
            telegram::MESSAGE_LIMIT,
        ))));
    }

    pub(super) fn start(&self, out: &mut Vec<Effect>) {
        let summary = self.library.summary();
        let examples = crate::render::example_questions(&summary);
        out.push(Effect::Reply(Message::html(telegram::greeting(
            &summary, &examples,
        ))));
    }

    pub(super) fn help(&self, out: &mut Vec<Effect>) {
        out.push(say(&self.help));
    }

    pub(super) fn about(&self, out: &mut Vec<Effect>) {
        let summary = self.library.summary();
        out.push(Effect::Reply(Message::html(telegram::about(&summary))));
    }

    /// 👍 / 👎: stored at once and thanked in the button's pop-up; only the person
    /// who asked may rate (in a group everyone sees the buttons). A 👍 on an answer
    /// the bot was not sure of suggests its passage, for an operator to approve.
    pub(super) fn feedback(
        &self,
        chat: i64,
        person: &Person,
        question: i64,
        value: i8,
        out: &mut Vec<Effect>,
    ) {
        let stored = self.store.question(question).and_then(|q| match q {
            None => Ok(TOO_OLD),
            Some(q) if !self.store.is_asker(&q.person, person.id) => {
                tracing::debug!(question, "feedback from someone who did not ask; ignored");
                Ok(NOT_YOUR_FEEDBACK)
            }
            Some(q) => {
                let stored = self.store.set_feedback(question, value)?;
                if stored
                    && value > 0
                    && let Some(entry) = self.recent.logged(chat, question)
                    && suggestions::thumbs_suggest(&entry.answer)
                    && let Some(hit) = entry.answer.passages.first()
                {
                    let passage = suggestions::suggested(hit);
                    self.suggest(
                        SuggestionKind::Thumbs,
                        &q.person,
                        &entry.question,
                        &passage,
                        None,
                    );
                }
                Ok(if stored { FEEDBACK_THANKS } else { TOO_OLD })
            }
        });
        let text = stored.unwrap_or_else(|err| {
            tracing::error!("could not store feedback: {err}");
            FEEDBACK_FAILED
        });
        out.push(Effect::Popup(text));
    }

    /// A bare mention in a group: say how to ask.
    pub(super) fn empty_mention(&self, name: &str, out: &mut Vec<Effect>) {
        let examples = self.examples();
        let example = examples
            .first()
            .map(String::as_str)
            .unwrap_or("What is this about?");
        out.push(say(&format!(
            "Ask me something after the mention, for example: @{name} {example}"
        )));
    }
}

/// Buttons under an answer: "More" (when there are more passages) and "Why this?";
/// 👍 / 👎 (when the question is logged); "Ask a person" (when an operator is there).
fn buttons(
    id: u64,
    more: bool,
    log_id: Option<i64>,
    offer_person: bool,
) -> Vec<Vec<(String, Button)>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    if more {
        row.push(("More".to_owned(), Button::More(id)));
    }
    row.push(("Why this?".to_owned(), Button::Why(id)));
    rows.push(row);
    if let Some(log) = log_id {
        rows.push(vec![
            ("👍".to_owned(), Button::Feedback(log, 1)),
            ("👎".to_owned(), Button::Feedback(log, -1)),
        ]);
        if offer_person {
            rows.push(vec![("Ask a person".to_owned(), Button::Human(log))]);
        }
    }
    rows
}

/// The decision a hand-over on request carries: the person asked, which is the
/// reason that matters; the rest is context.
pub(super) fn requested(mut decision: Decision) -> Decision {
    use super::handoff::Reason;
    decision
        .reasons
        .retain(|r| !matches!(r, Reason::AskedForPerson(_) | Reason::NotCovered { .. }));
    decision.reasons.insert(0, Reason::AskedForPerson(None));
    decision
}
