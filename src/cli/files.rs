//! The process's limit on open files, raised at start-up.
//!
//! systemd and most shells start a process with a soft limit of 1,024 files and
//! a much higher hard limit. The bot holds the Telegram connections, the index's
//! segment files, SQLite and, with `--wall`, a file per page showing the wall;
//! raising the soft limit to the hard one (which any process may) keeps a busy
//! classroom from running it out of files. The wall caps its own connections
//! well below either (`wall::CONNECTIONS`).

/// Raises the soft limit on open files to the hard limit; the limits before and
/// after, or `None` when they cannot be read or set (the old limit then stays).
#[cfg(unix)]
pub fn raise() -> Option<(libc::rlim_t, libc::rlim_t)> {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit and setrlimit only read and write the struct passed.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } != 0 {
        return None;
    }
    let before = limit.rlim_cur;
    if before >= limit.rlim_max {
        return Some((before, before));
    }
    limit.rlim_cur = limit.rlim_max;
    // SAFETY: as above.
    if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &limit) } != 0 {
        return None;
    }
    Some((before, limit.rlim_cur))
}

/// Raises the limit and logs it (at info: the bot's log says it, the terminal
/// commands stay quiet).
#[cfg(unix)]
pub fn raise_and_log() {
    match raise() {
        Some((before, after)) if after > before => {
            tracing::info!(before, after, "raised the limit on open files");
        }
        Some((limit, _)) => tracing::debug!(limit, "the limit on open files"),
        None => tracing::warn!(
            "could not read or raise the limit on open files: {}",
            std::io::Error::last_os_error()
        ),
    }
}

/// Elsewhere there is no such limit to raise.
#[cfg(not(unix))]
pub fn raise_and_log() {}

#[cfg(all(test, unix))]
mod tests {
    #[test]
    fn the_soft_limit_ends_at_the_hard_limit() {
        let (before, after) = super::raise().expect("limits");
        assert!(after >= before);
        let mut limit = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: getrlimit writes the struct passed.
        assert_eq!(
            unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) },
            0
        );
        assert_eq!(limit.rlim_cur, limit.rlim_max);
        assert_eq!(limit.rlim_cur, after);
    }
}
