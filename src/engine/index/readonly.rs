//! A tantivy directory that never writes: how a live generation is opened
//! for answering (issue #23).
//!
//! tantivy's reader takes a lock file (`.tantivy-meta.lock`) in the index's
//! own folder while it opens the segments, so that a writer's garbage
//! collection cannot delete them meanwhile; creating it fails in a read-only
//! folder, and so did every `ask`. No writer ever works in a live generation
//! here (a build writes a new one aside, and an old one is removed whole,
//! its memory-mapped files outliving the unlinking), so the lock guards
//! nothing: this directory hands out a lock that holds no file, refuses
//! every write, and watches nothing (readers reload by hand).

use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use tantivy::directory::error::{DeleteError, LockError, OpenReadError, OpenWriteError};
use tantivy::directory::{
    Directory, DirectoryLock, FileHandle, Lock, MmapDirectory, WatchCallback, WatchHandle, WritePtr,
};

/// A [`MmapDirectory`] opened for reading only.
#[derive(Clone, Debug)]
pub struct ReadOnly(MmapDirectory);

impl ReadOnly {
    pub fn open(path: &Path) -> tantivy::Result<ReadOnly> {
        Ok(ReadOnly(MmapDirectory::open(path)?))
    }
}

/// Why a write was refused (tantivy only writes when something else is
/// wrong: a reader never writes once the lock is no file).
fn refused() -> Arc<io::Error> {
    Arc::new(io::Error::new(
        io::ErrorKind::PermissionDenied,
        "a live index generation is opened read-only",
    ))
}

impl Directory for ReadOnly {
    fn get_file_handle(&self, path: &Path) -> Result<Arc<dyn FileHandle>, OpenReadError> {
        self.0.get_file_handle(path)
    }

    fn delete(&self, path: &Path) -> Result<(), DeleteError> {
        Err(DeleteError::IoError {
            io_error: refused(),
            filepath: path.to_path_buf(),
        })
    }

    fn exists(&self, path: &Path) -> Result<bool, OpenReadError> {
        self.0.exists(path)
    }

    fn open_write(&self, path: &Path) -> Result<WritePtr, OpenWriteError> {
        Err(OpenWriteError::IoError {
            io_error: refused(),
            filepath: PathBuf::from(path),
        })
    }

    fn atomic_read(&self, path: &Path) -> Result<Vec<u8>, OpenReadError> {
        self.0.atomic_read(path)
    }

    fn atomic_write(&self, _path: &Path, _data: &[u8]) -> io::Result<()> {
        Err(io::Error::new(
            io::ErrorKind::PermissionDenied,
            "a live index generation is opened read-only",
        ))
    }

    fn sync_directory(&self) -> io::Result<()> {
        Ok(())
    }

    fn acquire_lock(&self, _lock: &Lock) -> Result<DirectoryLock, LockError> {
        // See the module's comment: nothing in a live generation changes.
        Ok(DirectoryLock::from(Box::new(())))
    }

    fn watch(&self, _watch_callback: WatchCallback) -> tantivy::Result<WatchHandle> {
        Ok(WatchHandle::empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tantivy::directory::META_LOCK;

    #[test]
    fn its_lock_holds_no_file_and_every_write_is_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let ro = ReadOnly::open(dir.path()).expect("opens");
        let lock = ro.acquire_lock(&META_LOCK).expect("a lock");
        assert!(ro.open_write(Path::new("x")).is_err());
        assert!(ro.atomic_write(Path::new("meta.json"), b"{}").is_err());
        assert!(ro.delete(Path::new("x")).is_err());
        drop(lock);
        let left: Vec<_> = std::fs::read_dir(dir.path()).expect("read").collect();
        assert!(left.is_empty(), "{left:?}");
    }
}
