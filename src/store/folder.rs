//! The data folder on disk: private modes, the lock that makes opening safe when
//! several processes start at once, the bot's claim on the folder, and files
//! written aside then renamed.
//!
//! - Modes: the folder is 0700 and every file in it 0600, set explicitly (not left
//!   to the umask) on every open, so a folder an older passagebot made 0755/0644
//!   is tightened. SQLite gives its `-wal` and `-shm` files the database's mode.
//! - Opening: creating the database, switching it to WAL and migrating happen
//!   under an exclusive lock on [`OPEN_LOCK`]; SQLite's busy timeout does not
//!   cover all of those, and six processes starting at once on a fresh folder
//!   failed ("locked by another process") without it.
//! - The bot holds [`BOT_LOCK`] for its whole life, so a second bot on the same
//!   folder is refused at start; `ask --log`, `chat --log` and `report` do not
//!   take it and work beside a running bot.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{self, Read as _, Seek as _, Write as _};
use std::path::Path;

/// Held (exclusively) while a process opens the database.
pub const OPEN_LOCK: &str = "passagebot.open.lock";
/// Held (exclusively) by a running bot; it holds the bot's process id.
pub const BOT_LOCK: &str = "passagebot.bot.lock";

const FOLDER_MODE: u32 = 0o700;
const FILE_MODE: u32 = 0o600;

/// Creates `dir` if needed and makes it private (0700), saying so when it was not.
pub fn prepare(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt as _;
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(FOLDER_MODE)
            .create(dir)?;
    }
    #[cfg(not(unix))]
    std::fs::create_dir_all(dir)?;
    tighten(dir, FOLDER_MODE);
    Ok(())
}

/// Makes the files the store keeps in `dir` private (0600), those that exist
/// (regular files only: a link is left to whoever made it).
pub fn tighten_files(dir: &Path, names: &[&str]) {
    for name in names {
        let path = dir.join(name);
        if std::fs::symlink_metadata(&path).is_ok_and(|meta| meta.is_file()) {
            tighten(&path, FILE_MODE);
        }
    }
}

/// Sets `path`'s permission bits to `mode` if they differ, logging the change. A
/// failure (a folder or file this user does not own) is a warning, not a refusal
/// to start: the store still works, and the operator is told what to fix.
#[cfg(unix)]
fn tighten(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt as _;
    let changed = std::fs::metadata(path).and_then(|meta| {
        let was = meta.permissions().mode() & 0o7777;
        if was != mode {
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))?;
        }
        Ok(was)
    });
    match changed {
        Ok(was) if was != mode => {
            tracing::info!("made {} private (mode {was:o} to {mode:o})", path.display())
        }
        Ok(_) => {}
        Err(err) => tracing::warn!(
            "could not make {} private: {err}; set its mode yourself (chmod {mode:o})",
            path.display()
        ),
    }
}

#[cfg(not(unix))]
fn tighten(_path: &Path, _mode: u32) {}

/// Opens (creating, private) a file to read and write, without truncating it.
pub fn open_private(path: &Path) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, FILE_MODE);
    let file = options.open(path)?;
    // The mode given at creation is cut by the umask; this one is not.
    tighten(path, FILE_MODE);
    Ok(file)
}

/// Waits for the lock on `dir`'s [`OPEN_LOCK`]; it is released when the file
/// returned is dropped.
pub fn lock_opening(dir: &Path) -> io::Result<File> {
    let file = open_private(&dir.join(OPEN_LOCK))?;
    file.lock()?;
    Ok(file)
}

/// Takes `dir`'s [`BOT_LOCK`] for as long as the returned file lives, and writes
/// this process's id in it. `Err(Ok(pid))` when another process holds it (with its
/// id, if it wrote one).
pub fn claim(dir: &Path) -> Result<File, Result<Option<u32>, io::Error>> {
    let mut file = open_private(&dir.join(BOT_LOCK)).map_err(Err)?;
    match file.try_lock() {
        Ok(()) => {}
        Err(TryLockError::WouldBlock) => {
            let mut text = String::new();
            let pid = file
                .read_to_string(&mut text)
                .ok()
                .and_then(|_| text.trim().parse().ok());
            return Err(Ok(pid));
        }
        Err(TryLockError::Error(e)) => return Err(Err(e)),
    }
    // The id only helps the operator find the other bot; failing to write it (a
    // full disk) must not stop this one.
    let _ = file
        .set_len(0)
        .and_then(|()| file.rewind())
        .and_then(|()| writeln!(file, "{}", std::process::id()));
    Ok(file)
}

/// Writes `text` to `dir/name` as a whole or not at all: into a private file
/// beside it, synced, then renamed over it, and the folder synced. On failure
/// nothing is left but what was there before.
pub fn write_aside(dir: &Path, name: &str, text: &str) -> io::Result<()> {
    let aside = dir.join(format!(".{name}.new"));
    let written = (|| {
        let mut file = open_private(&aside)?;
        file.set_len(0)?;
        file.write_all(text.as_bytes())?;
        file.sync_all()?;
        std::fs::rename(&aside, dir.join(name))?;
        sync_folder(dir)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&aside);
    }
    written
}

/// Makes a rename in `dir` durable (a no-op where folders cannot be opened).
fn sync_folder(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    File::open(dir)?.sync_all()?;
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::PermissionsExt as _;

    use super::*;

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path).expect("meta").permissions().mode() & 0o777
    }

    #[test]
    fn a_loose_folder_and_its_files_are_made_private() {
        let dir = tempfile::tempdir().expect("tempdir");
        let data = dir.path().join("data");
        std::fs::create_dir(&data).expect("mkdir");
        std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        std::fs::write(data.join("a"), "x").expect("write");
        std::fs::set_permissions(data.join("a"), std::fs::Permissions::from_mode(0o644))
            .expect("chmod");
        prepare(&data).expect("prepare");
        tighten_files(&data, &["a", "missing"]);
        assert_eq!(mode(&data), 0o700);
        assert_eq!(mode(&data.join("a")), 0o600);
    }

    #[test]
    fn a_second_claim_is_refused_with_the_first_ones_pid_until_it_ends() {
        let dir = tempfile::tempdir().expect("tempdir");
        let first = claim(dir.path()).expect("first");
        let Err(Ok(pid)) = claim(dir.path()) else {
            panic!("a second claim is refused");
        };
        assert_eq!(pid, Some(std::process::id()));
        drop(first);
        claim(dir.path()).expect("free again");
    }

    #[test]
    fn writing_aside_replaces_the_file_whole_and_a_failure_leaves_nothing() {
        let dir = tempfile::tempdir().expect("tempdir");
        write_aside(dir.path(), "salt", "one").expect("write");
        write_aside(dir.path(), "salt", "two").expect("rewrite");
        assert_eq!(
            std::fs::read_to_string(dir.path().join("salt")).expect("read"),
            "two"
        );
        assert_eq!(mode(&dir.path().join("salt")), 0o600);
        // A folder in the final name's place: the rename fails.
        std::fs::create_dir(dir.path().join("taken")).expect("mkdir");
        std::fs::write(dir.path().join("taken").join("x"), "x").expect("fill");
        assert!(write_aside(dir.path(), "taken", "three").is_err());
        let left: Vec<_> = std::fs::read_dir(dir.path())
            .expect("list")
            .map(|e| e.expect("entry").file_name())
            .collect();
        assert_eq!(left.len(), 2, "no file left aside: {left:?}");
    }
}
