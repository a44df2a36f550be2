//! The data folder: an embedded SQLite database (rusqlite, bundled) holding tickets, the
//! question log and feedback, so nothing is lost across restarts.
//!
//! # Layout
//! - `mod.rs`: opening (checks, migrations), [`Store`]'s operations;
//! - `folder.rs`: the folder on disk: modes 0700/0600, the opening lock (safe
//!   concurrent first starts), the bot's claim (one bot per folder), files
//!   written aside and renamed;
//! - `salt.rs`: the salt file, and what an empty one means;
//! - `schema.rs`: the migrations, from version 1 on (`PRAGMA user_version`);
//! - `suggestions.rs`: suggested phrasings waiting for an operator, and the
//!   passages each ticket showed.
//!
//! **Privacy.** The folder is 0700 and its files 0600, whatever the umask. People are
//! stored as a keyed hash of their Telegram id (SHA-256 over a
//! random salt kept in its own file beside the database, mode 0600, so neither a copy
//! of the database nor the hash means anything elsewhere), unless the operator turns
//! plain ids on. Logs carry a shorter salted hash ([`Store::log_id`]), never the id.
//! Deleted rows are overwritten (`secure_delete`), and `/forget` empties the WAL. A ticket keeps the chat id it must reply to only while
//! it is open; closing it clears the id. `/forget` deletes a person's questions and
//! tickets, and tickets others opened with their questions.
//!
//! **Failures.** A file that is not a database or fails SQLite's `quick_check`, a
//! database locked by another process, a second bot on the folder, an empty salt file
//! that hashes depend on, or a database written by a newer passagebot is an error
//! at open time that names the file and says what to do: never silently replaced.
//!
//! One connection behind a std mutex: every operation is a few small statements in WAL
//! mode, far shorter than a network round trip, so the conversation calls it directly.

mod folder;
mod salt;
mod schema;
mod suggestions;

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use rusqlite::{Connection, ErrorCode, OptionalExtension, TransactionBehavior, params};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

pub use folder::{BOT_LOCK, OPEN_LOCK};
pub use schema::VERSION as SCHEMA_VERSION;
pub use suggestions::{
    NewSuggestion, SuggestedPassage, Suggestion, SuggestionKind, SuggestionStatus,
};

/// The database's file name inside the data folder.
pub const FILE_NAME: &str = "passagebot.sqlite3";
/// The salt's file name inside the data folder (mode 0600): kept out of the
/// database, so a copy of the database alone cannot be matched against ids.
pub const SALT_FILE: &str = "passagebot.salt";

/// Why the store could not be used.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot create or use the data folder {}: {source}; pass --data DIR somewhere this user can write", path.display())]
    Folder {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "the database {} is damaged or not a passagebot database ({detail}); move it aside (keep it: it holds the tickets and question log) and start again to create a new one",
        path.display()
    )]
    Corrupt { path: PathBuf, detail: String },
    #[error(
        "the database {} is locked by another process; is another passagebot bot running with the same data folder? Stop it, or pass another --data DIR",
        path.display()
    )]
    Locked { path: PathBuf },
    #[error(
        "the database {} was written by a newer passagebot (schema version {found}, this one knows up to {supported}); upgrade passagebot",
        path.display()
    )]
    Newer {
        path: PathBuf,
        found: i64,
        supported: i64,
    },
    #[error(
        "cannot read or write the salt file {}: {source}; free space if the disk is full, and check that this user can read and write the data folder (nothing half-written was left)",
        path.display()
    )]
    Salt {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "the salt file {} is empty (an older passagebot left it so when the disk was full at its first start), and {hashed} question(s) or ticket(s) in the database name people by a hash made with the lost salt. Restore {} from a backup of the data folder. With no backup, delete the empty file and start again: a new salt is made, and those entries stay in the report but no longer match anyone's Telegram id (/forget will not find them)",
        path.display(),
        path.display()
    )]
    EmptySalt { path: PathBuf, hashed: i64 },
    #[error(
        "another passagebot bot{} is using the data folder {}; stop it first, or give this bot another --data DIR (ask --log, chat --log and report work beside a running bot)",
        pid.map(|p| format!(" (process {p})")).unwrap_or_default(),
        dir.display()
    )]
    Busy { dir: PathBuf, pid: Option<u32> },
    #[error("database error in {}: {source}", path.display())]
    Sqlite {
        path: PathBuf,
        source: rusqlite::Error,
    },
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// How to open the store.
#[derive(Debug, Clone)]
pub struct Options {
    /// Store people's ids as they are instead of hashed.
    pub plain_ids: bool,
    /// How long to wait for another process's lock before giving up.
    pub busy_timeout: Duration,
    /// Claim the data folder for as long as the store lives (the bot): another
    /// store opened with `owner` on the same folder is refused.
    pub owner: bool,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            plain_ids: false,
            busy_timeout: Duration::from_secs(5),
            owner: false,
        }
    }
}

/// Ticket states. An open or answered ticket routes the person's messages to the
/// operators; a closed one does not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Open,
    Answered,
    Closed,
}

impl Status {
    fn as_str(self) -> &'static str {
        match self {
            Status::Open => "open",
            Status::Answered => "answered",
            Status::Closed => "closed",
        }
    }
    fn parse(s: &str) -> Status {
        match s {
            "answered" => Status::Answered,
            "closed" => Status::Closed,
            _ => Status::Open,
        }
    }
}

/// One hand-over to a person.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Ticket {
    pub id: i64,
    pub opened_at: i64,
    pub updated_at: i64,
    pub closed_at: Option<i64>,
    /// When an operator's reply first reached the person.
    pub replied_at: Option<i64>,
    pub status: Status,
    pub close_reason: Option<String>,
    pub person: String,
    /// Where replies go; `None` once closed.
    pub chat_id: Option<i64>,
    pub question: String,
    pub reasons: String,
    /// Opened while no operator chat was configured.
    pub no_operator: bool,
    /// Why the last relay to the person failed (e.g. they blocked the bot).
    pub delivery_error: Option<String>,
}

impl Ticket {
    pub fn is_closed(&self) -> bool {
        self.status == Status::Closed
    }
}

/// A passage as shown, for the log (a preview of the text, not the whole passage).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShownPassage {
    pub source: String,
    pub title: String,
    pub paragraph: u32,
    pub preview: String,
}

/// A question to log.
#[derive(Debug, Clone)]
pub struct NewQuestion<'a> {
    pub asked_at: i64,
    pub person: &'a str,
    pub surface: &'a str,
    pub question: &'a str,
    pub confident: bool,
    pub coverage: f32,
    pub passages: &'a [ShownPassage],
    /// Hand-over reason codes ('' when the rule did not fire).
    pub handover: &'a str,
    /// The known phrasing that answered it, when one counted.
    pub asked_before: Option<&'a str>,
}

/// A ticket to open.
#[derive(Debug, Clone, Copy)]
pub struct NewTicket<'a> {
    pub person: &'a str,
    /// Where replies go.
    pub chat_id: i64,
    pub question: &'a str,
    /// Hand-over reason codes.
    pub reasons: &'a str,
    /// The logged question it comes from.
    pub from: Option<i64>,
    /// No operator chat is configured: recorded, closed at once.
    pub no_operator: bool,
    pub at: i64,
}

/// A logged question.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LoggedQuestion {
    pub id: i64,
    pub asked_at: i64,
    pub person: String,
    pub surface: String,
    pub question: String,
    pub confident: bool,
    pub coverage: f32,
    pub passages: Vec<ShownPassage>,
    pub handover: String,
    pub ticket: Option<i64>,
    pub feedback: Option<i8>,
    /// The known phrasing that answered it, when one counted.
    pub asked_before: Option<String>,
}

/// What `/forget` erased.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Forgotten {
    pub questions: usize,
    pub tickets: usize,
    /// Suggested phrasings from their questions that were not accepted yet.
    pub suggestions: usize,
    /// Tickets that were still open (the operators are told).
    pub open_tickets: Vec<i64>,
    /// Tickets blanked but kept until their operator messages are deleted.
    pub erased: Vec<i64>,
    /// Those tickets' messages in operator chats: (operator chat, message id).
    pub messages: Vec<(i64, i64)>,
}

/// Tickets `/forget` blanked whose operator messages are still to be erased.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Erasures {
    pub tickets: Vec<i64>,
    /// (operator chat, message id).
    pub messages: Vec<(i64, i64)>,
}

/// The database. Cheap to share behind an `Arc`.
pub struct Store {
    conn: Mutex<Connection>,
    salt: String,
    plain_ids: bool,
    path: PathBuf,
    /// The bot's claim on the data folder ([`Options::owner`]), released on drop.
    _claim: Option<std::fs::File>,
}

/// The files the store keeps in its folder, all made private (0600) on open.
const PRIVATE_FILES: [&str; 6] = [
    FILE_NAME,
    "passagebot.sqlite3-wal",
    "passagebot.sqlite3-shm",
    SALT_FILE,
    OPEN_LOCK,
    BOT_LOCK,
];

/// Seconds since the Unix epoch.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

impl Store {
    /// Opens (creating if needed) the database in the data folder `dir`, making
    /// the folder and its files private; with [`Options::owner`], first claims the
    /// folder.
    pub fn open(dir: &Path, options: &Options) -> Result<Store> {
        let folder_error = |source| StoreError::Folder {
            path: dir.to_owned(),
            source,
        };
        folder::prepare(dir).map_err(folder_error)?;
        let claim = if options.owner {
            Some(folder::claim(dir).map_err(|e| match e {
                Ok(pid) => StoreError::Busy {
                    dir: dir.to_owned(),
                    pid,
                },
                Err(source) => folder_error(source),
            })?)
        } else {
            None
        };
        let _opening = folder::lock_opening(dir).map_err(folder_error)?;
        let path = dir.join(FILE_NAME);
        // Created here, private, so that SQLite (which gives its -wal and -shm the
        // database's mode) never makes it under the umask.
        drop(folder::open_private(&path).map_err(folder_error)?);
        folder::tighten_files(dir, &PRIVATE_FILES);
        let conn = Connection::open(&path).map_err(|e| classify(&path, e))?;
        let mut store = Store::init(conn, path, options, Some(dir))?;
        store._claim = claim;
        Ok(store)
    }

    /// A database in memory: for tests, benchmarks, and a bot run without a data folder.
    pub fn in_memory(options: &Options) -> Result<Store> {
        let path = PathBuf::from(":memory:");
        let conn = Connection::open_in_memory().map_err(|e| classify(&path, e))?;
        Store::init(conn, path, options, None)
    }

    /// Checks, configures and migrates `conn`, then reads the salt of the data
    /// folder `dir` (a new one in memory). In a folder, called under the opening
    /// lock.
    fn init(
        mut conn: Connection,
        path: PathBuf,
        options: &Options,
        dir: Option<&Path>,
    ) -> Result<Store> {
        let err = |e| classify(&path, e);
        conn.busy_timeout(options.busy_timeout).map_err(err)?;
        let check: String = conn
            .query_row("PRAGMA quick_check", [], |r| r.get(0))
            .map_err(err)?;
        if check != "ok" {
            return Err(StoreError::Corrupt {
                path,
                detail: check,
            });
        }
        // WAL: the report can read while the bot writes.
        let _mode: String = conn
            .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
            .map_err(err)?;
        // secure_delete: erased rows (`/forget`) are overwritten, not left in free pages.
        conn.execute_batch(
            "PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL; PRAGMA secure_delete = ON;",
        )
        .map_err(err)?;
        // Take the write lock once now, so a database another process holds is an
        // error at start-up rather than a lost question later.
        conn.execute_batch("BEGIN IMMEDIATE; COMMIT;")
            .map_err(err)?;
        migrate(&mut conn, &path)?;
        let salt = match dir {
            Some(dir) => salt::load(&conn, &path, dir)?,
            None => salt::new_salt(),
        };
        Ok(Store {
            conn: Mutex::new(conn),
            salt,
            plain_ids: options.plain_ids,
            path,
            _claim: None,
        })
    }

    /// The database file (`:memory:` for an in-memory store).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The schema version of the open database.
    pub fn schema_version(&self) -> Result<i64> {
        self.with(|c| c.query_row("PRAGMA user_version", [], |r| r.get(0)))
    }

    fn with<T>(&self, f: impl FnOnce(&mut Connection) -> rusqlite::Result<T>) -> Result<T> {
        let mut conn = self.lock();
        f(&mut conn).map_err(|e| classify(&self.path, e))
    }

    fn lock(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock left no half-done transaction behind
        // (rusqlite rolls back on drop); the connection is still usable.
        self.conn.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// How a person is stored: a keyed hash of their id, or the plain id when turned on.
    /// (The hash's `:telegram:` tag stays: it keeps existing keys valid.)
    pub fn person_key(&self, user_id: u64) -> String {
        if self.plain_ids {
            plain_key(user_id)
        } else {
            self.hashed_key(user_id)
        }
    }

    /// Whether `stored` (a question's or ticket's person) is `user_id`, under either
    /// key (plain ids may have been on or off when it was stored).
    pub fn is_asker(&self, stored: &str, user_id: u64) -> bool {
        stored == self.hashed_key(user_id) || stored == plain_key(user_id)
    }

    /// A short salted hash of a Telegram id, for logs: the same person gives the same
    /// string within one data folder, and the id itself never reaches the log.
    pub fn log_id(&self, id: u64) -> String {
        let mut h = Sha256::new();
        h.update(self.salt.as_bytes());
        h.update(b":log:");
        h.update(id.to_string().as_bytes());
        let digest = h.finalize();
        let hex: String = digest.iter().take(4).map(|b| format!("{b:02x}")).collect();
        format!("p:{hex}")
    }

    fn hashed_key(&self, user_id: u64) -> String {
        let mut h = Sha256::new();
        h.update(self.salt.as_bytes());
        h.update(b":telegram:");
        h.update(user_id.to_string().as_bytes());
        let digest = h.finalize();
        let hex: String = digest.iter().take(16).map(|b| format!("{b:02x}")).collect();
        format!("h:{hex}")
    }

    // ---- question log ---------------------------------------------------------------

    /// Logs a question; returns its id (the feedback buttons carry it).
    pub fn log_question(&self, q: &NewQuestion<'_>) -> Result<i64> {
        let passages = serde_json::to_string(q.passages).unwrap_or_else(|_| "[]".into());
        self.with(|c| {
            c.execute(
                "INSERT INTO questions (asked_at, person, surface, question, confident, coverage, passages, handover, asked_before)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                params![
                    q.asked_at,
                    q.person,
                    q.surface,
                    q.question,
                    q.confident,
                    f64::from(q.coverage),
                    passages,
                    q.handover,
                    q.asked_before
                ],
            )?;
            Ok(c.last_insert_rowid())
        })
    }

    /// One logged question.
    pub fn question(&self, id: i64) -> Result<Option<LoggedQuestion>> {
        self.with(|c| {
            c.query_row(
                &format!("{QUESTION_COLUMNS} WHERE id = ?1"),
                [id],
                question_row,
            )
            .optional()
        })
    }

    /// Records 👍 (`1`) or 👎 (`-1`) on a logged question; false if it is gone.
    pub fn set_feedback(&self, question: i64, value: i8) -> Result<bool> {
        self.with(|c| {
            let n = c.execute(
                "UPDATE questions SET feedback = ?2 WHERE id = ?1",
                params![question, value.signum()],
            )?;
            Ok(n > 0)
        })
    }

    /// Logged questions since `since` (unix seconds; all when `None`), oldest first.
    pub fn questions(&self, since: Option<i64>) -> Result<Vec<LoggedQuestion>> {
        self.with(|c| {
            let mut stmt = c.prepare(&format!(
                "{QUESTION_COLUMNS} WHERE asked_at >= ?1 ORDER BY asked_at, id"
            ))?;
            let rows = stmt.query_map([since.unwrap_or(i64::MIN)], question_row)?;
            rows.collect()
        })
    }

    // ---- tickets --------------------------------------------------------------------

    /// Opens a ticket (closed at once when no operator is there to take it).
    pub fn open_ticket(&self, t: &NewTicket<'_>) -> Result<Ticket> {
        let NewTicket {
            person,
            chat_id,
            question,
            reasons,
            from,
            no_operator,
            at,
        } = *t;
        let id = self.with(|c| {
            let tx = c.transaction()?;
            tx.execute(
                "INSERT INTO tickets (opened_at, updated_at, status, person, chat_id, question, reasons, no_operator)
                 VALUES (?1, ?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    at,
                    if no_operator { Status::Closed.as_str() } else { Status::Open.as_str() },
                    person,
                    if no_operator { None } else { Some(chat_id) },
                    question,
                    reasons,
                    no_operator
                ],
            )?;
            let id = tx.last_insert_rowid();
            if no_operator {
                tx.execute(
                    "UPDATE tickets SET closed_at = ?2, close_reason = 'no operator' WHERE id = ?1",
                    params![id, at],
                )?;
            }
            if let Some(q) = from {
                tx.execute("UPDATE questions SET ticket = ?2 WHERE id = ?1", params![q, id])?;
            }
            tx.commit()?;
            Ok(id)
        })?;
        self.ticket(id)?.ok_or_else(|| StoreError::Sqlite {
            path: self.path.clone(),
            source: rusqlite::Error::QueryReturnedNoRows,
        })
    }

    pub fn ticket(&self, id: i64) -> Result<Option<Ticket>> {
        self.with(|c| {
            c.query_row(&format!("{TICKET_COLUMNS} WHERE id = ?1"), [id], ticket_row)
                .optional()
        })
    }

    /// Remembers that operator message `message_id` in `operator_chat` is about `ticket`,
    /// so a reply to it reaches the person (also after a restart).
    pub fn link_message(&self, operator_chat: i64, message_id: i64, ticket: i64) -> Result<()> {
        self.with(|c| {
            c.execute(
                "INSERT OR REPLACE INTO ticket_messages (operator_chat, message_id, ticket) VALUES (?1, ?2, ?3)",
                params![operator_chat, message_id, ticket],
            )?;
            Ok(())
        })
    }

    /// The ticket an operator message belongs to.
    pub fn ticket_for_message(
        &self,
        operator_chat: i64,
        message_id: i64,
    ) -> Result<Option<Ticket>> {
        let id: Option<i64> = self.with(|c| {
            c.query_row(
                "SELECT ticket FROM ticket_messages WHERE operator_chat = ?1 AND message_id = ?2",
                params![operator_chat, message_id],
                |r| r.get(0),
            )
            .optional()
        })?;
        match id {
            Some(id) => self.ticket(id),
            None => Ok(None),
        }
    }

    /// The ticket that routes `person`'s messages in `chat_id` (open or answered);
    /// whether it has timed out is the conversation's rule, not the store's.
    pub fn active_ticket(&self, person: &str, chat_id: i64) -> Result<Option<Ticket>> {
        self.with(|c| {
            c.query_row(
                &format!(
                    "{TICKET_COLUMNS} WHERE person = ?1 AND chat_id = ?2 AND status != 'closed' ORDER BY id DESC LIMIT 1"
                ),
                params![person, chat_id],
                ticket_row,
            )
            .optional()
        })
    }

    /// Notes activity on a ticket (a follow-up), for the timeout.
    pub fn touch(&self, id: i64, at: i64) -> Result<()> {
        self.with(|c| {
            c.execute(
                "UPDATE tickets SET updated_at = ?2 WHERE id = ?1",
                params![id, at],
            )?;
            Ok(())
        })
    }

    /// An operator's reply reached the person (or could not: `error`).
    pub fn record_reply(&self, id: i64, error: Option<&str>, at: i64) -> Result<()> {
        self.with(|c| {
            c.execute(
                "UPDATE tickets SET updated_at = ?2, delivery_error = ?3,
                        status = CASE WHEN ?3 IS NULL AND status = 'open' THEN 'answered' ELSE status END,
                        replied_at = CASE WHEN ?3 IS NULL THEN coalesce(replied_at, ?2) ELSE replied_at END
                 WHERE id = ?1",
                params![id, at, error],
            )?;
            Ok(())
        })
    }

    /// Closes a ticket; false when it was already closed or does not exist.
    pub fn close_ticket(&self, id: i64, reason: &str, at: i64) -> Result<bool> {
        self.with(|c| {
            let n = c.execute(
                "UPDATE tickets SET status = 'closed', close_reason = ?2, closed_at = ?3, updated_at = ?3, chat_id = NULL
                 WHERE id = ?1 AND status != 'closed'",
                params![id, reason, at],
            )?;
            Ok(n > 0)
        })
    }

    /// Tickets not closed, oldest first.
    pub fn open_tickets(&self) -> Result<Vec<Ticket>> {
        self.with(|c| {
            let mut stmt = c.prepare(&format!(
                "{TICKET_COLUMNS} WHERE status != 'closed' ORDER BY id"
            ))?;
            let rows = stmt.query_map([], ticket_row)?;
            rows.collect()
        })
    }

    /// Tickets opened since `since` (all when `None`), oldest first.
    pub fn tickets(&self, since: Option<i64>) -> Result<Vec<Ticket>> {
        self.with(|c| {
            let mut stmt = c.prepare(&format!(
                "{TICKET_COLUMNS} WHERE opened_at >= ?1 ORDER BY id"
            ))?;
            let rows = stmt.query_map([since.unwrap_or(i64::MIN)], ticket_row)?;
            rows.collect()
        })
    }

    /// Erases everything stored about the person `user_id` (under its hashed and its
    /// plain key, whichever was in use when it was stored): their questions, their
    /// tickets, and tickets anyone opened with one of their questions.
    ///
    /// Tickets with messages in operator chats are blanked, not deleted: their
    /// mapping rows are what lets the bot delete those messages
    /// ([`Forgotten::messages`]); [`Store::drop_erased`] deletes them afterwards.
    pub fn forget(&self, user_id: u64) -> Result<Forgotten> {
        let keys = [self.hashed_key(user_id), plain_key(user_id)];
        let out = self.with(|c| {
            let tx = c.transaction()?;
            let mut out = Forgotten::default();
            let mut ids: Vec<(i64, bool)> = Vec::new();
            for key in &keys {
                let mut stmt = tx.prepare(
                    "SELECT id, status != 'closed' FROM tickets
                     WHERE person = ?1
                        OR id IN (SELECT ticket FROM questions WHERE person = ?1 AND ticket IS NOT NULL)
                     ORDER BY id",
                )?;
                for row in stmt.query_map([key], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, bool>(1)?)))? {
                    let row = row?;
                    if !ids.iter().any(|(id, _)| *id == row.0) {
                        ids.push(row);
                    }
                }
            }
            for key in &keys {
                out.questions += tx.execute("DELETE FROM questions WHERE person = ?1", [key])?;
                out.suggestions += suggestions::forget(&tx, key)?;
            }
            for &(id, open) in &ids {
                if open {
                    out.open_tickets.push(id);
                }
                let mut stmt = tx.prepare(
                    "SELECT operator_chat, message_id FROM ticket_messages WHERE ticket = ?1 ORDER BY message_id",
                )?;
                let messages = stmt
                    .query_map([id], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?)))?
                    .collect::<rusqlite::Result<Vec<_>>>()?;
                if messages.is_empty() {
                    tx.execute("DELETE FROM tickets WHERE id = ?1", [id])?;
                } else {
                    tx.execute(
                        "UPDATE tickets SET status = 'closed', close_reason = 'forgotten', person = '',
                                chat_id = NULL, question = '', reasons = '', delivery_error = NULL,
                                closed_at = coalesce(closed_at, ?2)
                         WHERE id = ?1",
                        params![id, now()],
                    )?;
                    tx.execute("DELETE FROM ticket_passages WHERE ticket = ?1", [id])?;
                    out.erased.push(id);
                    out.messages.extend(messages);
                }
                out.tickets += 1;
            }
            tx.commit()?;
            Ok(out)
        })?;
        self.checkpoint()?;
        Ok(out)
    }

    /// Tickets blanked by [`Store::forget`] and not yet dropped, with their
    /// operator messages (the bot stopped before erasing them).
    pub fn pending_erasures(&self) -> Result<Erasures> {
        self.with(|c| {
            let mut stmt = c.prepare(
                "SELECT t.id, m.operator_chat, m.message_id FROM tickets t
                 LEFT JOIN ticket_messages m ON m.ticket = t.id
                 WHERE t.close_reason = 'forgotten' ORDER BY t.id, m.message_id",
            )?;
            let mut tickets = Vec::new();
            let mut messages = Vec::new();
            let rows = stmt.query_map([], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, Option<i64>>(1)?,
                    r.get::<_, Option<i64>>(2)?,
                ))
            })?;
            for row in rows {
                let (ticket, chat, message) = row?;
                if tickets.last() != Some(&ticket) {
                    tickets.push(ticket);
                }
                if let (Some(chat), Some(message)) = (chat, message) {
                    messages.push((chat, message));
                }
            }
            Ok(Erasures { tickets, messages })
        })
    }

    /// Deletes tickets blanked by [`Store::forget`], and their mapping rows, once
    /// their operator messages are gone.
    pub fn drop_erased(&self, tickets: &[i64]) -> Result<()> {
        self.with(|c| {
            let tx = c.transaction()?;
            for id in tickets {
                tx.execute(
                    "DELETE FROM tickets WHERE id = ?1 AND close_reason = 'forgotten'",
                    [id],
                )?;
            }
            tx.commit()
        })?;
        self.checkpoint()
    }

    /// Copies the write-ahead log into the database and empties it, so erased rows
    /// do not linger in the WAL (free pages are zeroed by `secure_delete`).
    fn checkpoint(&self) -> Result<()> {
        self.with(|c| c.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(())))
    }
}

fn plain_key(user_id: u64) -> String {
    format!("id:{user_id}")
}

const QUESTION_COLUMNS: &str = "SELECT id, asked_at, person, surface, question, confident, coverage, passages, handover, ticket, feedback, asked_before FROM questions";

fn question_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<LoggedQuestion> {
    let passages: String = r.get(7)?;
    Ok(LoggedQuestion {
        id: r.get(0)?,
        asked_at: r.get(1)?,
        person: r.get(2)?,
        surface: r.get(3)?,
        question: r.get(4)?,
        confident: r.get(5)?,
        coverage: r.get::<_, f64>(6)? as f32,
        passages: serde_json::from_str(&passages).unwrap_or_default(),
        handover: r.get(8)?,
        ticket: r.get(9)?,
        feedback: r.get(10)?,
        asked_before: r.get(11)?,
    })
}

const TICKET_COLUMNS: &str = "SELECT id, opened_at, updated_at, closed_at, replied_at, status, close_reason, person, chat_id, question, reasons, no_operator, delivery_error FROM tickets";

fn ticket_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Ticket> {
    Ok(Ticket {
        id: r.get(0)?,
        opened_at: r.get(1)?,
        updated_at: r.get(2)?,
        closed_at: r.get(3)?,
        replied_at: r.get(4)?,
        status: Status::parse(&r.get::<_, String>(5)?),
        close_reason: r.get(6)?,
        person: r.get(7)?,
        chat_id: r.get(8)?,
        question: r.get(9)?,
        reasons: r.get(10)?,
        no_operator: r.get(11)?,
        delivery_error: r.get(12)?,
    })
}

/// Applies the missing migrations, each in its own transaction.
fn migrate(conn: &mut Connection, path: &Path) -> Result<()> {
    let err = |e| classify(path, e);
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(err)?;
    if version > schema::VERSION {
        return Err(StoreError::Newer {
            path: path.to_owned(),
            found: version,
            supported: schema::VERSION,
        });
    }
    if version == 0 {
        // A database file with tables but no version is not one of ours.
        let tables: i64 = conn
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table'",
                [],
                |r| r.get(0),
            )
            .map_err(err)?;
        if tables > 0 {
            return Err(StoreError::Corrupt {
                path: path.to_owned(),
                detail: format!("it has {tables} table(s) but no passagebot schema version"),
            });
        }
    }
    for (i, sql) in schema::MIGRATIONS.iter().enumerate().skip(version as usize) {
        let to = i as i64 + 1;
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(err)?;
        tx.execute_batch(sql).map_err(err)?;
        tx.pragma_update(None, "user_version", to).map_err(err)?;
        tx.commit().map_err(err)?;
        tracing::info!(version = to, "database schema migrated");
    }
    Ok(())
}

/// Turns SQLite's error codes into the errors an operator can act on.
fn classify(path: &Path, e: rusqlite::Error) -> StoreError {
    if let rusqlite::Error::SqliteFailure(f, msg) = &e {
        match f.code {
            ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt => {
                return StoreError::Corrupt {
                    path: path.to_owned(),
                    detail: msg.clone().unwrap_or_else(|| f.to_string()),
                };
            }
            ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked => {
                return StoreError::Locked {
                    path: path.to_owned(),
                };
            }
            _ => {}
        }
    }
    StoreError::Sqlite {
        path: path.to_owned(),
        source: e,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp() -> tempfile::TempDir {
        tempfile::tempdir().expect("tempdir")
    }

    fn quick() -> Options {
        Options {
            busy_timeout: Duration::from_millis(100),
            ..Options::default()
        }
    }

    fn log(store: &Store, person: &str, q: &str) -> i64 {
        store
            .log_question(&NewQuestion {
                asked_at: 1000,
                person,
                surface: "telegram",
                question: q,
                confident: true,
                coverage: 0.7,
                passages: &[],
                handover: "",
                asked_before: None,
            })
            .expect("log")
    }

    #[test]
    fn a_new_database_is_migrated_to_the_latest_version_and_keeps_its_salt() {
        let dir = temp();
        let store = Store::open(dir.path(), &quick()).expect("open");
        assert_eq!(store.schema_version().expect("version"), SCHEMA_VERSION);
        let key = store.person_key(42);
        // A salted hash, not the id: "h:" and 32 hex digits (which may contain
        // "42" by chance, so compare with the plain key instead).
        assert!(key.starts_with("h:") && key.len() == 34, "{key}");
        assert_ne!(key, plain_key(42));
        drop(store);
        let again = Store::open(dir.path(), &quick()).expect("reopen");
        assert_eq!(again.person_key(42), key, "same salt after a restart");
        let other = Store::in_memory(&quick()).expect("memory");
        assert_ne!(other.person_key(42), key, "salts differ per database");
    }

    #[test]
    fn a_version_1_database_is_upgraded_without_losing_data() {
        let dir = temp();
        let path = dir.path().join(FILE_NAME);
        {
            let conn = Connection::open(&path).expect("create");
            conn.execute_batch(schema::MIGRATIONS[0]).expect("v1");
            conn.pragma_update(None, "user_version", 1)
                .expect("version");
            conn.execute(
                "INSERT INTO questions (asked_at, person, surface, question, confident, coverage, passages, handover)
                 VALUES (5, 'h:x', 'telegram', 'old question', 1, 0.5, '[]', '')",
                [],
            )
            .expect("insert");
        }
        let store = Store::open(dir.path(), &quick()).expect("upgrade");
        assert_eq!(store.schema_version().expect("version"), SCHEMA_VERSION);
        let qs = store.questions(None).expect("questions");
        assert_eq!(qs.len(), 1);
        assert_eq!(qs[0].question, "old question");
    }

    #[test]
    fn a_file_that_is_not_a_database_is_a_clear_error_and_is_left_alone() {
        let dir = temp();
        let path = dir.path().join(FILE_NAME);
        let junk = "this is not a database, but somebody's notes\n".repeat(200);
        std::fs::write(&path, &junk).expect("write");
        let err = Store::open(dir.path(), &quick()).err().expect("refused");
        assert!(matches!(err, StoreError::Corrupt { .. }), "{err:?}");
        let msg = err.to_string();
        assert!(msg.contains("damaged"), "{msg}");
        assert!(msg.contains("move it aside"), "{msg}");
        assert_eq!(std::fs::read_to_string(&path).expect("read"), junk);
    }

    #[test]
    fn a_database_from_a_newer_version_is_refused() {
        let dir = temp();
        {
            let conn = Connection::open(dir.path().join(FILE_NAME)).expect("create");
            conn.pragma_update(None, "user_version", SCHEMA_VERSION + 5)
                .expect("version");
        }
        let err = Store::open(dir.path(), &quick()).err().expect("refused");
        assert!(err.to_string().contains("newer passagebot"), "{err}");
    }

    #[test]
    fn six_stores_opening_a_fresh_folder_at_once_all_open_with_one_salt() {
        for _ in 0..10 {
            let dir = temp();
            let data = dir.path().join("data");
            let keys: Vec<String> = std::thread::scope(|scope| {
                let opening: Vec<_> = (0..6)
                    .map(|_| scope.spawn(|| Store::open(&data, &quick()).map(|s| s.person_key(42))))
                    .collect();
                opening
                    .into_iter()
                    .map(|t| t.join().expect("no panic").expect("opens"))
                    .collect()
            });
            assert!(keys.iter().all(|k| *k == keys[0]), "{keys:?}");
        }
    }

    #[test]
    fn a_second_owner_is_refused_naming_the_first_and_others_still_open() {
        let dir = temp();
        let owner = Options {
            owner: true,
            ..quick()
        };
        let bot = Store::open(dir.path(), &owner).expect("the bot");
        let err = Store::open(dir.path(), &owner).err().expect("a second bot");
        assert!(
            matches!(err, StoreError::Busy { pid: Some(p), .. } if p == std::process::id()),
            "{err:?}"
        );
        assert!(
            err.to_string().contains("another passagebot bot (process "),
            "{err}"
        );
        Store::open(dir.path(), &quick()).expect("ask --log beside the bot");
        drop(bot);
        Store::open(dir.path(), &owner).expect("a bot again");
    }

    #[test]
    fn a_database_locked_by_another_process_is_a_clear_error() {
        let dir = temp();
        drop(Store::open(dir.path(), &quick()).expect("create"));
        let other = Connection::open(dir.path().join(FILE_NAME)).expect("other");
        other.execute_batch("BEGIN EXCLUSIVE;").expect("lock");
        let err = Store::open(dir.path(), &quick()).err().expect("refused");
        assert!(matches!(err, StoreError::Locked { .. }), "{err:?}");
        assert!(err.to_string().contains("another passagebot bot"), "{err}");
        other.execute_batch("COMMIT;").expect("unlock");
        Store::open(dir.path(), &quick()).expect("free again");
    }

    #[test]
    fn tickets_open_answer_time_out_and_close() {
        let store = Store::in_memory(&quick()).expect("store");
        let q = log(&store, "h:a", "my company?");
        let t = store
            .open_ticket(&NewTicket {
                person: "h:a",
                chat_id: 7,
                question: "my company?",
                reasons: "own_situation",
                from: Some(q),
                no_operator: false,
                at: 100,
            })
            .expect("open");
        assert_eq!(t.status, Status::Open);
        assert_eq!(
            store.question(q).expect("q").and_then(|q| q.ticket),
            Some(t.id)
        );
        store.link_message(-5, 900, t.id).expect("link");
        assert_eq!(
            store
                .ticket_for_message(-5, 900)
                .expect("find")
                .map(|t| t.id),
            Some(t.id)
        );
        assert_eq!(store.ticket_for_message(-5, 901).expect("none"), None);
        store.record_reply(t.id, None, 150).expect("reply");
        assert!(
            matches!(store.active_ticket("h:a", 7).expect("a"), Some(t) if t.status == Status::Answered)
        );
        assert_eq!(store.active_ticket("h:a", 8).expect("a"), None);
        assert!(
            store
                .close_ticket(t.id, "timeout", 150 + 3600)
                .expect("close")
        );
        let closed = store.ticket(t.id).expect("t").expect("exists");
        assert_eq!(closed.status, Status::Closed);
        assert_eq!(closed.close_reason.as_deref(), Some("timeout"));
        assert_eq!(closed.chat_id, None, "the chat id is cleared on close");
        assert!(!store.close_ticket(t.id, "operator", 10_000).expect("close"));
    }

    #[test]
    fn forget_erases_questions_and_tickets_of_one_person_only() {
        let store = Store::in_memory(&quick()).expect("store");
        let me = store.person_key(1);
        let other = store.person_key(2);
        log(&store, &me, "one");
        log(&store, &me, "two");
        log(&store, &other, "three");
        let t = store
            .open_ticket(&NewTicket {
                person: &me,
                chat_id: 1,
                question: "one",
                reasons: "asked",
                from: None,
                no_operator: false,
                at: 5,
            })
            .expect("ticket");
        store.link_message(-5, 1, t.id).expect("link");
        let gone = store.forget(1).expect("forget");
        assert_eq!(gone.questions, 2);
        assert_eq!(gone.tickets, 1);
        assert_eq!(gone.open_tickets, vec![t.id]);
        assert_eq!(
            gone.messages,
            vec![(-5, 1)],
            "kept until the message is erased"
        );
        let left = store.questions(None).expect("left");
        assert_eq!(left.len(), 1);
        assert_eq!(left[0].question, "three");
        let blank = store.ticket(t.id).expect("db").expect("blanked, not gone");
        assert!(blank.question.is_empty() && blank.person.is_empty() && blank.is_closed());
        store.drop_erased(&gone.erased).expect("drop");
        assert_eq!(store.ticket_for_message(-5, 1).expect("gone"), None);
        assert_eq!(store.ticket(t.id).expect("db"), None);
    }

    #[test]
    fn the_salt_lives_in_a_private_file_not_in_the_database() {
        let dir = temp();
        let store = Store::open(dir.path(), &quick()).expect("open");
        let key = store.person_key(42);
        let file = dir.path().join(SALT_FILE);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(&file)
                .expect("salt file")
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600, "{mode:o}");
        }
        let in_db: i64 = store
            .with(|c| {
                c.query_row("SELECT count(*) FROM meta WHERE key = 'salt'", [], |r| {
                    r.get(0)
                })
            })
            .expect("count");
        assert_eq!(in_db, 0);
        let secure: i64 = store
            .with(|c| c.query_row("PRAGMA secure_delete", [], |r| r.get(0)))
            .expect("pragma");
        assert_eq!(secure, 1, "secure_delete is on");
        drop(store);
        assert_eq!(
            Store::open(dir.path(), &quick())
                .expect("reopen")
                .person_key(42),
            key
        );
    }

    #[test]
    fn a_salt_kept_in_an_older_database_moves_to_the_file_and_keys_stay_the_same() {
        let dir = temp();
        let store = Store::open(dir.path(), &quick()).expect("open");
        let key = store.person_key(42);
        let salt = std::fs::read_to_string(dir.path().join(SALT_FILE)).expect("salt");
        // As an older version left it: the salt in the database, no file.
        store
            .with(|c| c.execute("INSERT INTO meta (key, value) VALUES ('salt', ?1)", [&salt]))
            .expect("old salt");
        drop(store);
        std::fs::remove_file(dir.path().join(SALT_FILE)).expect("rm");
        let store = Store::open(dir.path(), &quick()).expect("migrate");
        assert_eq!(store.person_key(42), key, "the same hashes");
        assert_eq!(
            std::fs::read_to_string(dir.path().join(SALT_FILE)).expect("file"),
            salt
        );
        let in_db: i64 = store
            .with(|c| {
                c.query_row("SELECT count(*) FROM meta WHERE key = 'salt'", [], |r| {
                    r.get(0)
                })
            })
            .expect("count");
        assert_eq!(in_db, 0, "moved out of the database");
    }

    #[test]
    fn plain_ids_are_stored_as_they_are_and_still_forgotten() {
        let store = Store::in_memory(&Options {
            plain_ids: true,
            ..quick()
        })
        .expect("store");
        assert_eq!(store.person_key(42), "id:42");
        log(&store, "id:42", "q");
        assert_eq!(store.forget(42).expect("forget").questions, 1);
    }

    #[test]
    fn feedback_is_stored_on_the_question() {
        let store = Store::in_memory(&quick()).expect("store");
        let q = log(&store, "h:a", "q");
        assert!(store.set_feedback(q, -1).expect("fb"));
        assert!(store.set_feedback(q, 1).expect("fb"));
        assert_eq!(
            store.question(q).expect("q").and_then(|q| q.feedback),
            Some(1)
        );
        assert!(!store.set_feedback(q + 100, 1).expect("fb"));
    }
}
