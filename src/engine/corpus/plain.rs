//! Plain text (`.txt`): paragraphs are separated by blank lines; a first line
//! starting with `# ` is the title; front matter is read as in Markdown.

use std::path::Path;

use super::format::Format;
use super::{Block, BlockKind, Parsed, frontmatter, normalise_space};

pub struct Plain;

impl Format for Plain {
    fn extensions(&self) -> &'static [&'static str] {
        &["txt", "text"]
    }

    fn parse(&self, _path: &Path, bytes: &[u8]) -> Result<Parsed, String> {
        let decoded = super::format::text(bytes)?;
        let text: &str = &decoded;
        let (meta, body_at) = frontmatter::split(text);
        let mut parsed = Parsed::with_meta(meta);
        for (start, end) in paragraphs(&text[body_at..]) {
            let raw = &text[body_at + start..body_at + end];
            let (kind, clean) = match raw.strip_prefix("# ") {
                Some(heading) if !heading.contains('\n') => {
                    (BlockKind::Heading(1), normalise_space(heading))
                }
                _ => (BlockKind::Paragraph, normalise_space(raw)),
            };
            if clean.is_empty() {
                continue;
            }
            parsed.blocks.push(Block {
                kind,
                text: clean,
                span: body_at + start..body_at + end,
            });
        }
        Ok(parsed.title_from_first_heading())
    }
}

/// Byte ranges of the blank-line-separated paragraphs of `text`, trimmed.
fn paragraphs(text: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start: Option<usize> = None;
    let mut end = 0;
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        if line.trim().is_empty() {
            if let Some(s) = start.take() {
                out.push((s, end));
            }
        } else {
            let lead = line.len() - line.trim_start().len();
            start.get_or_insert(at + lead);
            end = at + line.trim_end().len();
        }
        at += line.len();
    }
    if let Some(s) = start {
        out.push((s, end));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blank_lines_separate_paragraphs_and_spans_are_exact() {
        let src = "# Title\n\nFirst line\nsame para.\n\n\n  Second.  \n";
        let p = Plain
            .parse(Path::new("a.txt"), src.as_bytes())
            .expect("parses");
        assert_eq!(p.title.as_deref(), Some("Title"));
        assert_eq!(p.blocks.len(), 3);
        assert_eq!(p.blocks[1].text, "First line same para.");
        assert_eq!(&src[p.blocks[2].span.clone()], "Second.");
    }
}
