//! Handing a question to a person: tickets, the operator chats, and the relay between
//! them.
//!
//! A hand-over opens a ticket and posts it to every operator chat (who asked, the
//! question, why, the bot's best passages with their confidence). An operator answers
//! by *replying* to a ticket message; the reply is relayed to the person and the ticket
//! marked answered. While a ticket is open, the person's messages go to the operators
//! instead of the search, until `/close` (by either side) or the timeout
//! ([`Core::expired`]). Which operator message belongs to which ticket is kept in the
//! store, so all of this survives a restart.

use super::answers::{requested, say};
use super::ask::Asked;
use super::effect::{Effect, Message};
use super::event::{Person, PostedChat, Purpose};
use super::handoff;
use super::{Core, OPERATORS_ONLY};
use crate::engine::index::Changes;
use crate::engine::search::Answer;
use crate::render::telegram;
use crate::store::{NewTicket, Ticket, now};

const NOT_A_TICKET: &str = "That message isn't a ticket, so your reply was not sent to anyone. Reply to a 🎫 ticket message to answer someone; /tickets lists the open ones.";
const NOTHING_TO_CLOSE: &str = "You have no open conversation with a person.";
const CLOSE_HOW: &str = "Which ticket? Reply /close to a ticket message, or send /close and its number, e.g. /close 12.";
const NO_SUCH_TICKET: &str = "There is no such ticket. /tickets lists the open ones.";
const TEXT_ONLY: &str = "I can only pass on text replies. Please type your answer.";
const FORGOTTEN: &str =
    "I no longer have that question. Send /human with your question to ask a person.";
/// Said in a ticket that came from a group, where the relay posts publicly.
const GROUP_WARNING: &str = "⚠️ This question came from a group: your reply will be posted in the group, where all its members can read it.";
/// A pop-up for someone pressing "Ask a person" under another person's answer.
const NOT_YOUR_QUESTION: &str =
    "Only the person who asked can pass this question on. Send /human with your own question.";
const NOT_ENABLED: &str = "This bot serves a fixed index; reindexing is not enabled.";

fn label(person: &Person) -> String {
    telegram::person_label(&person.name, person.username.as_deref())
}

impl Core {
    /// The person's open ticket in this chat, if their messages should go to a person.
    /// A ticket idle past the timeout is closed here, and the person told so.
    pub(super) fn active(
        &self,
        chat: i64,
        person: &Person,
        out: &mut Vec<Effect>,
    ) -> anyhow::Result<Option<Ticket>> {
        if !self.has_operators() {
            return Ok(None);
        }
        let key = self.store.person_key(person.id);
        let Some(ticket) = self.store.active_ticket(&key, chat)? else {
            return Ok(None);
        };
        let now = now();
        if !self.expired(&ticket, now) {
            return Ok(Some(ticket));
        }
        self.store.close_ticket(ticket.id, "timeout", now)?;
        tracing::info!(ticket = ticket.id, "ticket timed out");
        out.push(say(&format!(
            "Your conversation with a person (ticket #{}) ended after {} without news. I'm answering your questions myself again; /human asks for a person.",
            ticket.id,
            humantime::format_duration(self.rules.ticket_timeout)
        )));
        Ok(None)
    }

    /// Hands `question` to a person: opens a ticket and posts it to the operator chats,
    /// or, with none configured, records it and says no person is available now.
    pub(super) fn hand_over(
        &self,
        chat: i64,
        person: &Person,
        question: &str,
        asked: &Asked,
        out: &mut Vec<Effect>,
    ) -> anyhow::Result<()> {
        if let Some(t) = self.active(chat, person, out)? {
            out.push(say(&format!(
                "You're already talking with a person (ticket #{}). Just write here and I'll pass it on; /close ends the conversation.",
                t.id
            )));
            return Ok(());
        }
        let key = self.store.person_key(person.id);
        let no_operator = !self.has_operators();
        let decision = &asked.decision;
        let ticket = self.store.open_ticket(&NewTicket {
            person: &key,
            chat_id: chat,
            question,
            reasons: &decision.codes(),
            from: asked.log_id,
            no_operator,
            at: now(),
        })?;
        tracing::info!(
            ticket = ticket.id,
            reasons = %decision.codes(),
            no_operator,
            "handing a question over to a person"
        );
        if no_operator {
            out.push(say(&format!(
                "{}\n\nNo person is available right now, I'm sorry. I've noted your question (#{}) so the team can look at it.",
                decision.sentence(),
                ticket.id
            )));
            return Ok(());
        }
        // Kept so the operator can say which one answered ("This answered it").
        let passages: Vec<_> = asked
            .answer
            .passages
            .iter()
            .map(super::suggestions::suggested)
            .collect();
        if let Err(err) = self.store.keep_ticket_passages(ticket.id, &passages) {
            tracing::error!(
                ticket = ticket.id,
                "could not keep a ticket's passages: {err}"
            );
        }
        let mut blocks = telegram::ticket_blocks(
            ticket.id,
            &label(person),
            question,
            &decision.sentence(),
            &asked.answer,
        );
        if chat < 0 {
            // Group and supergroup ids are negative: the relay posts there.
            blocks.insert(1, telegram::escape(GROUP_WARNING));
        }
        out.push(Effect::Post {
            ticket: ticket.id,
            parts: telegram::split(&blocks, telegram::MESSAGE_LIMIT),
            purpose: Purpose::Ticket {
                sentence: decision.sentence(),
                because: (!decision.requested()).then(|| decision.because()),
            },
        });
        Ok(())
    }

    /// The operator chats got (some of) a post: link their messages to the ticket,
    /// then tell the person how it went.
    pub(super) fn posted(
        &self,
        ticket: i64,
        purpose: Purpose,
        chats: &[PostedChat],
        out: &mut Vec<Effect>,
    ) -> anyhow::Result<()> {
        let mut reached = 0;
        for posted in chats {
            let linked = posted
                .messages
                .iter()
                .try_for_each(|&m| self.store.link_message(posted.chat, m, ticket));
            match linked {
                Ok(()) if posted.complete => reached += 1,
                Ok(()) => {}
                Err(err) => tracing::error!(
                    ticket,
                    operator_chat = posted.chat,
                    "could not {} to an operator chat: {err:#}",
                    purpose.what()
                ),
            }
        }
        match purpose {
            Purpose::Ticket { sentence, .. } if reached == 0 => {
                self.store
                    .close_ticket(ticket, "operators unreachable", now())?;
                out.push(say(&format!(
                    "{sentence}\n\nI couldn't reach a person just now, I'm sorry. I've noted your question (#{ticket}); please try /human again later."
                )));
            }
            Purpose::Ticket { because, .. } => {
                let because = because
                    .map(|b| format!(", because {b}"))
                    .unwrap_or_default();
                out.push(say(&format!(
                    "I've passed your question to a person (ticket #{ticket}){because}. They'll reply here. Until then, whatever you write goes to them too; /close ends the conversation."
                )));
            }
            Purpose::FollowUp if reached > 0 => {
                out.push(say(&format!(
                    "✉️ Passed on to the person (ticket #{ticket})."
                )));
            }
            Purpose::FollowUp => out.push(say(
                "I couldn't pass that on just now, I'm sorry. Please try again in a moment.",
            )),
        }
        Ok(())
    }

    /// A person's message while their ticket is open: to the operators.
    pub(super) fn follow_up(
        &self,
        person: &Person,
        ticket: &Ticket,
        text: &str,
        out: &mut Vec<Effect>,
    ) -> anyhow::Result<()> {
        self.store.touch(ticket.id, now())?;
        let html = telegram::follow_up(ticket.id, &label(person), text);
        out.push(Effect::Post {
            ticket: ticket.id,
            parts: telegram::split(&[html], telegram::MESSAGE_LIMIT),
            purpose: Purpose::FollowUp,
        });
        Ok(())
    }

    /// An operator replied to one of the bot's messages in an operator chat.
    pub(super) fn operator_reply(
        &self,
        chat: i64,
        replied_to: i64,
        text: Option<String>,
        out: &mut Vec<Effect>,
    ) -> anyhow::Result<()> {
        let Some(text) = text.as_deref().map(str::trim).filter(|t| !t.is_empty()) else {
            out.push(say(TEXT_ONLY));
            return Ok(());
        };
        let Some(ticket) = self.store.ticket_for_message(chat, replied_to)? else {
            out.push(say(NOT_A_TICKET));
            return Ok(());
        };
        let Some(person_chat) = ticket.chat_id.filter(|_| !ticket.is_closed()) else {
            out.push(say(&format!(
                "Ticket #{} is closed, so your reply was not sent. If the person writes again, a new ticket opens.",
                ticket.id
            )));
            return Ok(());
        };
        let html = telegram::relayed_reply(ticket.id, text);
        out.push(Effect::Relay {
            ticket: ticket.id,
            chat: person_chat,
            parts: telegram::split(&[html], telegram::MESSAGE_LIMIT),
        });
        Ok(())
    }

    /// How relaying an operator's reply went: noted on the ticket, told to the operator.
    pub(super) fn relayed(
        &self,
        ticket: i64,
        error: Option<String>,
        out: &mut Vec<Effect>,
    ) -> anyhow::Result<()> {
        let first = self
            .store
            .ticket(ticket)?
            .is_some_and(|t| t.replied_at.is_none());
        self.store.record_reply(ticket, error.as_deref(), now())?;
        let Some(why) = error else {
            // The first answer that reached the person: which passage said it?
            let buttons = if first {
                self.offer_passages(ticket)?
            } else {
                Vec::new()
            };
            let mut text = format!("✓ Sent to the person (ticket #{ticket}).");
            if !buttons.is_empty() {
                text.push_str(" Did one of my passages answer the question? Tap it to suggest it for questions like this one (nothing changes until it is accepted with /suggestions).");
            }
            out.push(Effect::Reply(Message {
                parts: vec![telegram::escape(&text)],
                buttons,
                brief: None,
            }));
            return Ok(());
        };
        out.push(say(&format!(
            "Could not deliver your reply to ticket #{ticket}: {why}. The ticket notes it; /close {ticket} when you're done."
        )));
        Ok(())
    }

    /// `/human [question]`: hand the question (or the chat's last one) to a person.
    pub(super) fn human(
        &self,
        chat: i64,
        person: &Person,
        question: Option<String>,
        log_id: Option<i64>,
        out: &mut Vec<Effect>,
    ) -> anyhow::Result<()> {
        let question = question
            .map(|q| q.trim().to_owned())
            .filter(|q| !q.is_empty())
            .or_else(|| self.recent.last_of(chat, person.id).map(|e| e.question));
        let (question, answer) = match question {
            Some(q) => {
                let answer = self.library.search(&q, 0, self.rules.passages)?;
                (q, answer)
            }
            None => (
                "(asked for a person before asking a question)".to_owned(),
                Answer::empty(""),
            ),
        };
        // The rule runs on the question as the ticket shows it (the placeholder when
        // there is none).
        let asked = Asked {
            decision: requested(handoff::decide(&question, &answer)),
            answer,
            log_id,
        };
        self.hand_over(chat, person, &question, &asked, out)
    }

    /// The "Ask a person" button under logged question `id`.
    pub(super) fn human_button(
        &self,
        chat: i64,
        person: &Person,
        id: i64,
        out: &mut Vec<Effect>,
    ) -> anyhow::Result<()> {
        match self.store.question(id)? {
            Some(logged) if !self.store.is_asker(&logged.person, person.id) => {
                tracing::debug!(
                    question = id,
                    "\"Ask a person\" from someone who did not ask; ignored"
                );
                out.push(Effect::Popup(NOT_YOUR_QUESTION));
                Ok(())
            }
            Some(logged) => self.human(chat, person, Some(logged.question), Some(id), out),
            None => {
                out.push(say(FORGOTTEN));
                Ok(())
            }
        }
    }

    /// `/close [N]`: operators close ticket N (or the one they reply to); a person
    /// closes their own open conversation.
    pub(super) fn close(
        &self,
        chat: i64,
        person: &Person,
        arg: &str,
        replied_to: Option<i64>,
        out: &mut Vec<Effect>,
    ) -> anyhow::Result<()> {
        if self.is_operator(chat) {
            return self.close_as_operator(chat, arg, replied_to, out);
        }
        let Some(ticket) = self.active(chat, person, out)? else {
            out.push(say(NOTHING_TO_CLOSE));
            return Ok(());
        };
        self.store.close_ticket(ticket.id, "person", now())?;
        tracing::info!(ticket = ticket.id, "ticket closed by the person");
        out.push(Effect::Notify {
            html: telegram::closed_by_person(ticket.id, &label(person)),
        });
        out.push(say(&format!(
            "Closed (ticket #{}). I'm answering your questions myself again.",
            ticket.id
        )));
        Ok(())
    }

    fn close_as_operator(
        &self,
        chat: i64,
        arg: &str,
        replied_to: Option<i64>,
        out: &mut Vec<Effect>,
    ) -> anyhow::Result<()> {
        let ticket = match arg.trim().trim_start_matches('#').parse::<i64>() {
            Ok(id) => self.store.ticket(id)?,
            Err(_) => match replied_to {
                Some(m) => self.store.ticket_for_message(chat, m)?,
                None => {
                    out.push(say(CLOSE_HOW));
                    return Ok(());
                }
            },
        };
        let Some(ticket) = ticket else {
            out.push(say(NO_SUCH_TICKET));
            return Ok(());
        };
        if !self.store.close_ticket(ticket.id, "operator", now())? {
            out.push(say(&format!("Ticket #{} was already closed.", ticket.id)));
            return Ok(());
        }
        tracing::info!(ticket = ticket.id, "ticket closed by an operator");
        if let Some(person_chat) = ticket.chat_id {
            out.push(Effect::Tell {
                chat: person_chat,
                message: Message::html(telegram::escape(&format!(
                    "The person has closed this conversation (ticket #{}). I'm answering your questions myself again.",
                    ticket.id
                ))),
            });
        }
        out.push(say(&format!("Ticket #{} closed.", ticket.id)));
        Ok(())
    }

    /// `/tickets`: the open tickets, for operators (closing the timed-out ones).
    pub(super) fn list(&self, chat: i64, out: &mut Vec<Effect>) -> anyhow::Result<()> {
        if !self.is_operator(chat) {
            out.push(say(OPERATORS_ONLY));
            return Ok(());
        }
        let now = now();
        let mut open = Vec::new();
        for t in self.store.open_tickets()? {
            if self.expired(&t, now) {
                self.store.close_ticket(t.id, "timeout", now)?;
            } else {
                open.push(t);
            }
        }
        let lines: Vec<telegram::TicketLine> = open
            .iter()
            .map(|t| {
                // Whole minutes: seconds would only make the list noisy.
                let age = std::time::Duration::from_secs(
                    u64::try_from(now - t.opened_at).unwrap_or(0) / 60 * 60,
                );
                telegram::TicketLine {
                    id: t.id,
                    age: if age.as_secs() == 0 {
                        "just now".to_owned()
                    } else {
                        format!("{} ago", humantime::format_duration(age))
                    },
                    state: match (&t.delivery_error, t.status) {
                        (Some(e), _) => format!("not delivered: {e}"),
                        (None, crate::store::Status::Answered) => "answered".to_owned(),
                        _ => "waiting for a reply".to_owned(),
                    },
                    question: &t.question,
                }
            })
            .collect();
        let html = telegram::open_tickets(&lines);
        out.push(Effect::Reply(Message::parts(telegram::split(
            &[html],
            telegram::MESSAGE_LIMIT,
        ))));
        Ok(())
    }

    /// `/forget`: erases the person's questions and tickets (also tickets others
    /// opened with their question), the answers this process remembers for them and
    /// shows on the wall, and
    /// the ticket messages in the operator chats; operators hear about the open
    /// tickets, whose replies now go nowhere.
    pub(super) fn forget(&self, person: &Person, out: &mut Vec<Effect>) -> anyhow::Result<()> {
        let gone = self.store.forget(person.id)?;
        self.recent.forget(person.id);
        if let Some(wall) = &self.wall {
            wall.forget(person.id);
        }
        tracing::info!(
            person = %self.store.log_id(person.id),
            questions = gone.questions,
            tickets = gone.tickets,
            operator_messages = gone.messages.len(),
            "erased a person's data on request"
        );
        for &id in &gone.open_tickets {
            out.push(Effect::Notify {
                html: telegram::erased(id),
            });
        }
        if !gone.erased.is_empty() {
            out.push(Effect::Erase {
                tickets: gone.erased,
                messages: gone.messages,
            });
        }
        let suggestions = match gone.suggestions {
            0 => String::new(),
            1 => ", and 1 suggestion waiting for approval".to_owned(),
            n => format!(", and {n} suggestions waiting for approval"),
        };
        out.push(say(&format!(
            "Done: I've erased what I stored about you — {} question{} and {} ticket{}{suggestions}.",
            gone.questions,
            if gone.questions == 1 { "" } else { "s" },
            gone.tickets,
            if gone.tickets == 1 { "" } else { "s" },
        )));
        Ok(())
    }

    /// At start: tickets `/forget` blanked whose operator messages were not erased
    /// yet (the bot stopped in between) are erased now.
    pub(super) fn started(&self, out: &mut Vec<Effect>) -> anyhow::Result<()> {
        let crate::store::Erasures { tickets, messages } = self.store.pending_erasures()?;
        if !tickets.is_empty() {
            tracing::info!(
                tickets = tickets.len(),
                "erasing the operator messages of tickets erased before the restart"
            );
            out.push(Effect::Erase { tickets, messages });
        }
        Ok(())
    }

    /// The operator messages of erased tickets are gone: so can the tickets be.
    pub(super) fn erased(&self, tickets: &[i64]) -> anyhow::Result<()> {
        self.store.drop_erased(tickets)?;
        Ok(())
    }

    /// `/reindex`: rebuild now (operators only) and say what changed.
    pub(super) fn reindex(&self, chat: i64, out: &mut Vec<Effect>) {
        if !self.is_operator(chat) {
            out.push(say(OPERATORS_ONLY));
            return;
        }
        let Some(outcome) = self.library.rebuild() else {
            out.push(say(NOT_ENABLED));
            return;
        };
        let text = match outcome {
            Ok(changes) => describe(&changes, &self.library.summary().built_at),
            Err(e) => {
                tracing::error!("/reindex failed: {e}");
                format!("The index could not be rebuilt; the previous index keeps answering.\n{e}")
            }
        };
        out.push(say(&text));
    }
}

/// A rebuild after a change in the corpus folder failed: the operators hear of it.
pub(super) fn rebuild_failed(error: &str, out: &mut Vec<Effect>) {
    out.push(Effect::Notify {
        html: telegram::escape(&format!(
            "⚠️ The index could not be rebuilt after a change in the corpus folder; the previous index keeps answering.\n{error}"
        )),
    });
}

/// What a rebuild changed, in one or a few lines.
pub fn describe(changes: &Changes, built_at: &str) -> String {
    if changes.is_empty() && changes.full_rebuild.is_none() {
        return format!("The index is up to date (built {built_at}); nothing changed.");
    }
    let mut out = format!(
        "Reindexed: {} added, {} changed, {} removed, {} unchanged.",
        changes.added.len(),
        changes.changed.len(),
        changes.removed.len(),
        changes.unchanged
    );
    for (source, _) in &changes.added {
        out.push_str(&format!("\n+ {source}"));
    }
    for (source, _, _) in &changes.changed {
        out.push_str(&format!("\n~ {source}"));
    }
    for (source, _) in &changes.removed {
        out.push_str(&format!("\n- {source}"));
    }
    out
}
