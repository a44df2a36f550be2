//! Fixtures for the CLI and quality tests: a temporary corpus holding the
//! bundled article, and a temporary index folder beside it.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use passagebot::{Engine, Paths};
use tempfile::TempDir;

/// The bundled article, as shipped in `corpus/`.
pub fn article() -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus/sales-vs-marketing.md"),
    )
    .expect("the bundled article exists")
}

/// A scratch folder with `corpus/` (holding the article) and `index/` paths.
pub struct Scratch {
    pub dir: TempDir,
}

impl Scratch {
    pub fn with_article() -> Scratch {
        let s = Scratch::empty();
        std::fs::create_dir_all(s.corpus()).expect("corpus dir");
        std::fs::write(s.corpus().join("sales-vs-marketing.md"), article()).expect("write article");
        s
    }

    pub fn empty() -> Scratch {
        Scratch {
            dir: tempfile::tempdir().expect("tempdir"),
        }
    }

    pub fn corpus(&self) -> PathBuf {
        self.dir.path().join("corpus")
    }

    pub fn index(&self) -> PathBuf {
        self.dir.path().join("index")
    }

    pub fn paths(&self) -> Paths {
        Paths {
            corpus: self.corpus(),
            index: self.index(),
        }
    }

    pub fn engine(&self) -> Engine {
        Engine::open_or_build(&self.paths()).expect("engine opens")
    }

    /// The binary, run from inside the scratch folder (so `corpus`/`index` resolve here).
    pub fn cmd(&self) -> assert_cmd::Command {
        let mut cmd = assert_cmd::Command::cargo_bin("passagebot").expect("binary built");
        cmd.current_dir(self.dir.path())
            .env_remove("PASSAGEBOT_CORPUS")
            .env_remove("PASSAGEBOT_INDEX")
            .env_remove("PASSAGEBOT_TUNING")
            .env_remove("RUST_LOG");
        cmd
    }
}

/// The questions of a fixture file (`tests/fixtures/*.jsonl`, same format as shared/eval).
pub fn questions(file: &str) -> Vec<passagebot::eval::Question> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(file);
    let text = std::fs::read_to_string(path).expect("fixture exists");
    passagebot::eval::parse(&text).expect("valid question file")
}
