//! PDF (`.pdf`), through the pdf-extract crate (text layer only).
//!
//! Paragraphs are the text's blank-line-separated runs; lines inside one are
//! joined, and a word hyphenated across a line break is joined again. A PDF
//! without a text layer (a scan) is skipped with a reason that says so. The
//! title is the file name (PDF metadata is too often "Microsoft Word - …").

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;

use super::format::Format;
use super::{Block, BlockKind, Parsed, normalise_space};

pub struct Pdf;

impl Format for Pdf {
    fn extensions(&self) -> &'static [&'static str] {
        &["pdf"]
    }

    fn parse(&self, _path: &Path, bytes: &[u8]) -> Result<Parsed, String> {
        if !bytes.starts_with(b"%PDF") {
            return Err("not a PDF file (it does not start with %PDF)".into());
        }
        // pdf-extract can panic on malformed files; one bad file must not stop the build.
        let text = catch_unwind(AssertUnwindSafe(|| {
            pdf_extract::extract_text_from_mem(bytes)
        }))
        .map_err(|_| "the PDF is damaged (its text could not be extracted)".to_string())?
        .map_err(|e| format!("cannot read the PDF: {e}"))?;
        let blocks = paragraphs(&text);
        if blocks.is_empty() {
            return Err(
                "the PDF has no text layer (a scan or images only); run it through OCR, e.g. ocrmypdf, and add the result"
                    .into(),
            );
        }
        Ok(Parsed {
            blocks,
            ..Parsed::default()
        })
    }
}

fn paragraphs(text: &str) -> Vec<Block> {
    let mut out = Vec::new();
    for raw in text.split("\n\n") {
        let mut joined = String::new();
        for line in raw.lines().map(str::trim).filter(|l| !l.is_empty()) {
            if let Some(stem) = joined.strip_suffix('-')
                && line.starts_with(|c: char| c.is_lowercase())
            {
                joined = stem.to_string();
            } else if !joined.is_empty() {
                joined.push(' ');
            }
            joined.push_str(line);
        }
        let text = normalise_space(&joined.replace('\u{c}', " "));
        if !text.is_empty() {
            out.push(Block {
                kind: BlockKind::Paragraph,
                text,
                span: 0..0,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_lines_and_hyphenated_words_into_paragraphs() {
        let blocks = paragraphs("First line of a para-\ngraph continues\nhere.\n\n\nSecond one.\n");
        let texts: Vec<&str> = blocks.iter().map(|b| b.text.as_str()).collect();
        assert_eq!(
            texts,
            vec!["First line of a paragraph continues here.", "Second one."]
        );
    }

    #[test]
    fn junk_is_refused_with_a_reason() {
        let err = Pdf
            .parse(Path::new("x.pdf"), b"hello")
            .expect_err("not a pdf");
        assert!(err.contains("%PDF"));
        let err = Pdf
            .parse(Path::new("x.pdf"), b"%PDF-1.4 garbage")
            .expect_err("damaged");
        assert!(err.contains("PDF"), "{err}");
    }
}
