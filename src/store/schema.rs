//! The database schema as a list of migrations. The database's `PRAGMA user_version`
//! is the number of migrations applied; opening applies the missing ones in order, each
//! in its own transaction. Never edit a released migration: add a new one.

/// Migration `i` (0-based) brings the schema from version `i` to `i + 1`.
pub const MIGRATIONS: &[&str] = &[
    // 1: the first schema.
    "
    CREATE TABLE meta (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
    CREATE TABLE tickets (
        id             INTEGER PRIMARY KEY,
        opened_at      INTEGER NOT NULL,   -- unix seconds
        updated_at     INTEGER NOT NULL,
        closed_at      INTEGER,
        replied_at     INTEGER,            -- first operator reply delivered
        status         TEXT NOT NULL,      -- open | answered | closed
        close_reason   TEXT,               -- operator | person | timeout | forgotten
        person         TEXT NOT NULL,      -- hashed (or plain) person id
        chat_id        INTEGER,            -- where replies go; cleared on close
        question       TEXT NOT NULL,
        reasons        TEXT NOT NULL,      -- hand-over reason codes
        no_operator    INTEGER NOT NULL DEFAULT 0,
        delivery_error TEXT
    );
    CREATE TABLE ticket_messages (
        operator_chat INTEGER NOT NULL,
        message_id    INTEGER NOT NULL,
        ticket        INTEGER NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
        PRIMARY KEY (operator_chat, message_id)
    );
    CREATE TABLE questions (
        id        INTEGER PRIMARY KEY,
        asked_at  INTEGER NOT NULL,        -- unix seconds
        person    TEXT NOT NULL,
        surface   TEXT NOT NULL,           -- telegram | chat
        question  TEXT NOT NULL,
        confident INTEGER NOT NULL,
        coverage  REAL NOT NULL,
        passages  TEXT NOT NULL,           -- JSON: the passages shown
        handover  TEXT NOT NULL,           -- reason codes, '' when none fired
        ticket    INTEGER REFERENCES tickets(id) ON DELETE SET NULL,
        feedback  INTEGER                  -- 1, -1 or NULL
    );
    ",
    // 2: indexes for the bot's lookups and the report.
    "
    CREATE INDEX questions_asked_at ON questions(asked_at);
    CREATE INDEX questions_person ON questions(person);
    CREATE INDEX tickets_person ON tickets(person, status);
    ",
    // 3: suggested phrasings (a question and the passage that answers it), waiting
    // for an operator; the passages a ticket showed, for "This answered it"; the
    // known phrasing that answered a logged question.
    "
    CREATE TABLE suggestions (
        id         INTEGER PRIMARY KEY,
        created_at INTEGER NOT NULL,       -- unix seconds
        kind       TEXT NOT NULL,          -- operator | choice | thumbs | rephrased
        person     TEXT NOT NULL,          -- whose question (hashed), for /forget; '' once forgotten
        question   TEXT NOT NULL,
        source     TEXT NOT NULL,          -- the passage's document
        paragraph  INTEGER NOT NULL,
        passage    TEXT NOT NULL,          -- the passage's text
        sentence   TEXT,                   -- its sentence that answers best, if known
        ticket     INTEGER,                -- the ticket it came from (kind operator)
        status     TEXT NOT NULL DEFAULT 'pending', -- pending | accepted | rejected
        decided_at INTEGER
    );
    CREATE INDEX suggestions_status ON suggestions(status, id);
    CREATE INDEX suggestions_person ON suggestions(person);
    CREATE TABLE ticket_passages (
        ticket    INTEGER NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
        n         INTEGER NOT NULL,        -- 1-based, as the ticket message numbers them
        source    TEXT NOT NULL,
        paragraph INTEGER NOT NULL,
        passage   TEXT NOT NULL,
        sentence  TEXT,
        PRIMARY KEY (ticket, n)
    );
    ALTER TABLE questions ADD COLUMN asked_before TEXT;
    ",
];

/// The schema version this program writes.
pub const VERSION: i64 = MIGRATIONS.len() as i64;
