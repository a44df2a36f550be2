//! PDF (`.pdf`), through the pdf-extract crate (text layer only).
//!
//! pdf-extract 0.12 knows no `'` and `"` operators (move to the next line,
//! then show a string; PDF 32000-1 §9.4.3), and drops the strings they show.
//! Ghostscript writes every line after the first that way (`enscript` then
//! `ps2pdf`, the common way to print text to PDF on Linux), so such a file
//! lost all but its page headers (issue #23). Before extracting, each page's
//! content (and each form's) is rewritten with those operators spelled out
//! as the ones they stand for (`T*` then `Tj`; `Tw`, `Tc` first for `"`).
//! A PDF whose text is far shorter than its pages suggest is still indexed,
//! with a warning naming it ([`MIN_CHARS_PER_PAGE`]).
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

use pdf_extract::content::{Content, Operation};
use pdf_extract::{Document, Object, OutputError, PlainTextOutput};

use super::format::Format;
use super::{Block, BlockKind, Parsed, normalise_space};

pub struct Pdf;

impl Format for Pdf {
    fn extensions(&self) -> &'static [&'static str] {
        &["pdf"]
    }

    fn parse(&self, path: &Path, bytes: &[u8]) -> Result<Parsed, String> {
        if !bytes.starts_with(b"%PDF") {
            return Err("not a PDF file (it does not start with %PDF)".into());
        }
        // pdf-extract can panic on malformed files; one bad file must not stop the build.
        let (text, pages) = catch_unwind(AssertUnwindSafe(|| extract(bytes)))
            .map_err(|_| "the PDF is damaged (its text could not be extracted)".to_string())?
            .map_err(|e| format!("cannot read the PDF: {e}"))?;
        let blocks = paragraphs(&text);
        if let Some(warning) = too_little_text(&blocks, pages) {
            tracing::warn!("{}: {warning}", path.display());
        }
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

/// Fewest characters of text a page is expected to give, on average, below
/// which a PDF's text layer is taken to be missing most of its text (a page
/// of prose holds 1,500 to 3,000; a slide or a title page a few dozen).
pub const MIN_CHARS_PER_PAGE: usize = 80;

/// The text of every page, and the number of pages.
fn extract(bytes: &[u8]) -> Result<(String, usize), OutputError> {
    let mut doc = Document::load_mem(bytes)?;
    if doc.is_encrypted() {
        // As pdf-extract does: many PDFs are encrypted with an empty password.
        doc.decrypt("")?;
    }
    spell_out_quotes(&mut doc);
    let pages = doc.get_pages().len();
    let mut text = String::new();
    pdf_extract::output_doc(&doc, &mut PlainTextOutput::new(&mut text))?;
    Ok((text, pages))
}

/// Rewrites the `'` and `"` operators of every page and form as the
/// operators they stand for, which pdf-extract knows (see the module's
/// comment). A content stream that cannot be decoded is left as it was.
fn spell_out_quotes(doc: &mut Document) {
    for page in doc.get_pages().into_values() {
        let Ok(raw) = doc.get_page_content(page) else {
            continue;
        };
        if let Some(rewritten) = rewritten(&raw) {
            let _ = doc.change_page_content(page, rewritten);
        }
    }
    for object in doc.objects.values_mut() {
        let Object::Stream(stream) = object else {
            continue;
        };
        let is_form = stream
            .dict
            .get(b"Subtype")
            .and_then(|s| s.as_name())
            .is_ok_and(|name| name == b"Form");
        if !is_form {
            continue;
        }
        let Ok(raw) = stream.decompressed_content() else {
            continue;
        };
        if let Some(rewritten) = rewritten(&raw) {
            stream.set_plain_content(rewritten);
        }
    }
}

/// `raw` content with `'` and `"` spelled out, or None when it has none (or
/// cannot be decoded).
fn rewritten(raw: &[u8]) -> Option<Vec<u8>> {
    let content = Content::decode(raw).ok()?;
    if !content
        .operations
        .iter()
        .any(|op| op.operator == "'" || op.operator == "\"")
    {
        return None;
    }
    let operations = spell_out(content.operations);
    Content { operations }.encode().ok()
}

/// The operations with `'` (string) as `T*`, `Tj` (string), and `"` (word
/// spacing, character spacing, string) as `Tw`, `Tc`, `T*`, `Tj`.
pub fn spell_out(operations: Vec<Operation>) -> Vec<Operation> {
    let mut out = Vec::with_capacity(operations.len());
    for op in operations {
        match (op.operator.as_str(), op.operands.as_slice()) {
            // Only a string is spelled out: pdf-extract's `Tj` panics on anything else.
            ("'", [text @ Object::String(..)]) => {
                out.push(Operation::new("T*", vec![]));
                out.push(Operation::new("Tj", vec![text.clone()]));
            }
            ("\"", [word, char, text @ Object::String(..)]) => {
                out.push(Operation::new("Tw", vec![word.clone()]));
                out.push(Operation::new("Tc", vec![char.clone()]));
                out.push(Operation::new("T*", vec![]));
                out.push(Operation::new("Tj", vec![text.clone()]));
            }
            _ => out.push(op),
        }
    }
    out
}

/// A warning when `blocks` hold far less text than `pages` pages suggest.
fn too_little_text(blocks: &[Block], pages: usize) -> Option<String> {
    let chars: usize = blocks.iter().map(|b| b.text.chars().count()).sum();
    (pages > 0 && chars < pages * MIN_CHARS_PER_PAGE).then(|| {
        format!(
            "its text layer gave only {chars} characters for {pages} page{}; \
             some text may be missing (pictures of text, or a PDF this reader misreads): \
             compare with `pdftotext`, and if text is missing, save it again as text or \
             run it through OCR, e.g. ocrmypdf",
            if pages == 1 { "" } else { "s" }
        )
    })
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

    /// Issue #23: a PDF made by Ghostscript (`enscript` then `ps2pdf`, see
    /// tests/fixtures/pdf/README.md) kept only its page header.
    #[test]
    fn a_ghostscript_pdf_gives_all_its_text() {
        let bytes = include_bytes!("../../../tests/fixtures/pdf/ghostscript-enscript.pdf");
        let parsed = Pdf.parse(Path::new("g.pdf"), bytes).expect("parses");
        let text: Vec<&str> = parsed.blocks.iter().map(|b| b.text.as_str()).collect();
        let all = text.join("\n");
        for words in [
            "Walrus Pricing Handbook",
            "needs the written consent of the regional director",
            "goes to the complaints desk instead of the sales team.",
        ] {
            assert!(all.contains(words), "{words:?} missing from {text:?}");
        }
        let (_, pages) = extract(bytes).expect("extracts");
        assert_eq!(pages, 1);
        assert_eq!(too_little_text(&parsed.blocks, pages), None);
    }

    #[test]
    fn quote_operators_are_spelled_out_as_next_line_and_show() {
        let text = || Object::string_literal("line");
        let ops = vec![
            Operation::new("'", vec![text()]),
            Operation::new("\"", vec![1.into(), 2.into(), text()]),
            // Not a string: left alone (pdf-extract's `Tj` would panic on it).
            Operation::new("'", vec![3.into()]),
        ];
        let names: Vec<String> = spell_out(ops).into_iter().map(|o| o.operator).collect();
        assert_eq!(names, ["T*", "Tj", "Tw", "Tc", "T*", "Tj", "'"]);
    }

    #[test]
    fn far_too_little_text_for_the_pages_is_warned_about() {
        let block = |text: &str| Block {
            kind: BlockKind::Paragraph,
            text: text.into(),
            span: 0..0,
        };
        let header = [block("ts.txt Sat Dec 05 00:55:18 2026 1")];
        let warning = too_little_text(&header, 3).expect("warned");
        assert!(
            warning.contains("3 pages") && warning.contains("pdftotext"),
            "{warning}"
        );
        let page = [block(&"word ".repeat(40))];
        assert_eq!(too_little_text(&page, 1), None);
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
