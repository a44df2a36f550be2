//! The salt people's ids are hashed with: its own file in the data folder
//! ([`super::SALT_FILE`], 0600), made on first start, written aside and renamed so
//! that a full disk leaves no half-written salt.
//!
//! An empty salt file is what an older passagebot left when the disk was full at
//! its first start (it wrote the file in place). If nothing in the database was
//! stored with it (no hashed person), it is treated as absent and a new salt is
//! written. If something was, the store refuses to start and says how to recover
//! ([`StoreError::EmptySalt`]): those hashes cannot be matched without the lost
//! salt, and only the operator can decide to give that up.

use std::path::Path;

use rusqlite::{Connection, OptionalExtension};
use sha2::{Digest, Sha256};

use super::{StoreError, classify, folder};
use crate::store::Result;

/// The salt of the data folder `dir` whose database is `conn` (at `db`). A salt
/// an older version kept in the database moves to the file (written and synced
/// before the row is deleted, so a crash in between loses nothing). Called under
/// the opening lock, so two processes never write it at once.
pub(super) fn load(conn: &Connection, db: &Path, dir: &Path) -> Result<String> {
    let file = dir.join(super::SALT_FILE);
    let io = |source| StoreError::Salt {
        path: file.clone(),
        source,
    };
    let in_db: Option<String> = conn
        .query_row("SELECT value FROM meta WHERE key = 'salt'", [], |r| {
            r.get(0)
        })
        .optional()
        .map_err(|e| classify(db, e))?;
    let stored = match std::fs::read_to_string(&file) {
        Ok(text) => Some(text.trim().to_owned()).filter(|t| !t.is_empty()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(io(e)),
    };
    let salt = match (stored, in_db.clone()) {
        (Some(salt), _) => salt,
        (None, Some(salt)) => {
            folder::write_aside(dir, super::SALT_FILE, &salt).map_err(io)?;
            salt
        }
        (None, None) => {
            let hashed = hashed_rows(conn).map_err(|e| classify(db, e))?;
            if hashed > 0 && file.exists() {
                return Err(StoreError::EmptySalt { path: file, hashed });
            }
            if hashed > 0 {
                tracing::warn!(
                    hashed,
                    "no salt file {}: made a new salt; the people already stored no longer match their Telegram ids",
                    file.display()
                );
            }
            let salt = new_salt();
            folder::write_aside(dir, super::SALT_FILE, &salt).map_err(io)?;
            salt
        }
    };
    if in_db.is_some() {
        conn.execute("DELETE FROM meta WHERE key = 'salt'", [])
            .map_err(|e| classify(db, e))?;
        tracing::info!(
            "moved the id salt out of the database into {}",
            file.display()
        );
    }
    Ok(salt)
}

/// Questions and tickets whose person is a hash made with the salt.
fn hashed_rows(conn: &Connection) -> rusqlite::Result<i64> {
    conn.query_row(
        "SELECT (SELECT count(*) FROM questions WHERE person LIKE 'h:%')
              + (SELECT count(*) FROM tickets WHERE person LIKE 'h:%')",
        [],
        |r| r.get(0),
    )
}

/// A fresh random salt, as hex.
pub(super) fn new_salt() -> String {
    let mut bytes = [0u8; 16];
    if let Err(e) = getrandom::fill(&mut bytes) {
        // No OS randomness is extraordinary; fall back to the clock and process id,
        // which still makes the hashes differ between databases.
        tracing::warn!("no OS randomness for the id salt ({e}); using the clock");
        let seed = format!("{:?}{}", std::time::SystemTime::now(), std::process::id());
        bytes.copy_from_slice(&Sha256::digest(seed.as_bytes())[..16]);
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
