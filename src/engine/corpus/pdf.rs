//! PDF (`.pdf`), through the pdf-extract crate (text layer only).
//!
//! Paragraphs are the text's blank-line-separated runs; lines inside one are
//! joined, and a word hyphenated across a line break is joined again. In a
//! double-spaced PDF the extractor puts a blank line after every line, so
//! there a line continues the paragraph when the line before it is full
//! width, or when it starts in lower case; a short line ends a paragraph. A PDF
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
    let runs: Vec<Vec<&str>> = text
        .split("\n\n")
        .map(|raw| {
            raw.lines()
                .map(|l| l.trim_matches(|c: char| c.is_whitespace() || c == '\u{c}'))
                .filter(|l| !l.is_empty())
                .collect::<Vec<_>>()
        })
        .filter(|lines| !lines.is_empty())
        .collect();
    let runs = if is_double_spaced(&runs) {
        rejoin(runs)
    } else {
        runs
    };
    let mut out = Vec::new();
    for lines in runs {
        let mut joined = String::new();
        for line in lines {
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

/// Whether (nearly) every blank-line-separated run is a single line: the
/// text layer of a double-spaced document, where blank lines do not mark
/// paragraphs.
fn is_double_spaced(runs: &[Vec<&str>]) -> bool {
    let single = runs.iter().filter(|r| r.len() == 1).count();
    runs.len() >= 4 && single * 10 >= runs.len() * 8
}

/// Joins the runs of a double-spaced text into paragraphs: a run continues
/// the paragraph when the line before it is full (at least 70% of the
/// width of a full line, taken as the 80th percentile of line lengths, so
/// it wrapped rather than ended) or when it starts in lower case.
fn rejoin(runs: Vec<Vec<&str>>) -> Vec<Vec<&str>> {
    let mut lengths: Vec<usize> = runs.iter().flatten().map(|l| l.chars().count()).collect();
    lengths.sort_unstable();
    let width = lengths.get(lengths.len() * 8 / 10).copied().unwrap_or(0);
    let full = |line: &str| line.chars().count() * 10 >= width * 7;
    let mut out: Vec<Vec<&str>> = Vec::new();
    for run in runs {
        let continues = out
            .last()
            .and_then(|p| p.last())
            .is_some_and(|last| full(last) || run[0].starts_with(|c: char| c.is_lowercase()));
        match out.last_mut() {
            Some(paragraph) if continues => paragraph.extend(run),
            _ => out.push(run),
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

    /// Issue 14, item 10: in a double-spaced PDF every line became a
    /// passage, and answers stopped mid-sentence.
    #[test]
    fn double_spaced_lines_join_into_paragraphs_and_short_lines_end_them() {
        let text = "Pricing\n\n\
            Our pricing reviews happen every quarter so that the\n\n\
            discounts our field teams offer stay honest and fair to\n\n\
            every customer we serve.\n\n\
            Marketing reaches many people at once through ads and\n\n\
            websites; sales talks to one.\n\n\
            The end.\n";
        let blocks = paragraphs(text);
        let texts: Vec<&str> = blocks.iter().map(|b| b.text.as_str()).collect();
        assert_eq!(
            texts,
            vec![
                "Pricing",
                "Our pricing reviews happen every quarter so that the discounts our field teams offer stay honest and fair to every customer we serve.",
                "Marketing reaches many people at once through ads and websites; sales talks to one.",
                "The end."
            ]
        );
    }

    #[test]
    fn single_spaced_paragraphs_are_left_as_they_were() {
        let text = "A first paragraph that is long enough to be a full line\nand goes on.\n\n\
            A second paragraph that is long enough to be a full line\nand ends.\n\n\
            Short one.\n\nAnother paragraph that is long enough for a full line.\n";
        assert_eq!(paragraphs(text).len(), 4);
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
