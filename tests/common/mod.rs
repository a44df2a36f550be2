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

/// One line of a question file (`tests/fixtures/*.jsonl`, same format as shared/eval).
#[derive(Debug, serde::Deserialize)]
pub struct Question {
    pub q: String,
    #[serde(default)]
    pub gold: Vec<String>,
    #[serde(default)]
    pub expect: Option<String>,
    pub kind: String,
}

pub fn questions(file: &str) -> Vec<Question> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(file);
    std::fs::read_to_string(path)
        .expect("fixture exists")
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).expect("valid question line"))
        .collect()
}

/// Lower-cases and folds typographic quotes and dashes, as the shared scorer does.
pub fn norm(s: &str) -> String {
    let folded: String = s
        .to_lowercase()
        .chars()
        .map(|c| match c {
            '\u{201c}' | '\u{201d}' => '"',
            '\u{2018}' | '\u{2019}' => '\'',
            '\u{2013}' | '\u{2014}' => '-',
            '\u{a0}' => ' ',
            c => c,
        })
        .collect();
    folded.split_whitespace().collect::<Vec<_>>().join(" ")
}
