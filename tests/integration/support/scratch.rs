//! Scratch folders for the CLI, index and quality tests: a temporary corpus holding the
//! bundled article, and a temporary index folder beside it.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

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

    /// [`Scratch::with_article`] with the article's index already in `index/`: a
    /// copy of one built once per test run, fresh for this corpus (the article is
    /// written with the same modification time), so neither the binary nor
    /// [`Scratch::engine`] builds again. For tests about answers, not about building:
    /// each build encodes the article, seconds of every test run.
    pub fn with_article_index() -> Scratch {
        let built = built_article();
        let s = Scratch::with_article();
        let file = s.corpus().join("sales-vs-marketing.md");
        let modified = std::fs::metadata(built.path().join("corpus/sales-vs-marketing.md"))
            .and_then(|m| m.modified())
            .expect("the built article's time");
        std::fs::File::options()
            .write(true)
            .open(&file)
            .and_then(|f| f.set_modified(modified))
            .expect("set the article's time");
        copy_dir(&built.path().join("index"), &s.index());
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
        Engine::open_or_build(&self.paths(), Default::default()).expect("engine opens")
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

/// The scratch folder whose index [`Scratch::with_article_index`] copies, built
/// the first time a test asks for it.
fn built_article() -> &'static TempDir {
    static BUILT: OnceLock<TempDir> = OnceLock::new();
    BUILT.get_or_init(|| {
        // Built by the binary, as the tests run it: from inside the folder, so the
        // passages' sources read `corpus/…`.
        let s = Scratch::with_article();
        s.cmd().arg("index").assert().success();
        s.dir
    })
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create a folder");
    for entry in std::fs::read_dir(from).expect("read a folder") {
        let entry = entry.expect("a folder entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("a file type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy a file");
        }
    }
}

/// The questions of a fixture file (`tests/fixtures/*.jsonl`, same format as shared/eval).
pub fn questions(file: &str) -> Vec<passagebot::engine::eval::Question> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(file);
    let text = std::fs::read_to_string(path).expect("fixture exists");
    passagebot::engine::eval::parse(&text).expect("valid question file")
}

/// A minimal one-page PDF whose text layer holds `lines` (Helvetica, ASCII);
/// with no lines, a page without any text (as a scan looks to a text extractor).
pub fn minimal_pdf(lines: &[&str]) -> Vec<u8> {
    let mut content = String::from("BT /F1 12 Tf 72 720 Td\n");
    for (i, line) in lines.iter().enumerate() {
        if i > 0 {
            content.push_str("0 -36 Td\n");
        }
        let escaped = line
            .replace('\\', "\\\\")
            .replace('(', "\\(")
            .replace(')', "\\)");
        content.push_str(&format!("({escaped}) Tj\n"));
    }
    content.push_str("ET\n");
    if lines.is_empty() {
        content = "0 0 1 rg 72 72 200 200 re f\n".into();
    }
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_string(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>".to_string(),
        format!("<< /Length {} >>\nstream\n{content}endstream", content.len()),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>".to_string(),
    ];
    let mut pdf = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, body) in objects.iter().enumerate() {
        offsets.push(pdf.len());
        pdf.extend_from_slice(format!("{} 0 obj\n{body}\nendobj\n", i + 1).as_bytes());
    }
    let xref = pdf.len();
    pdf.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for o in offsets {
        pdf.extend_from_slice(format!("{o:010} 00000 n \n").as_bytes());
    }
    pdf.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    pdf
}
