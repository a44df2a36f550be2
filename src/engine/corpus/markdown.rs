//! Markdown (`.md`, `.markdown`), parsed with pulldown-cmark so that markup
//! (emphasis, links, code spans, list markers) never shows in passages.

use std::path::Path;

use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag, TagEnd};

use super::format::Format;
use super::{Block, BlockKind, Parsed, frontmatter, normalise_space};

pub struct Markdown;

impl Format for Markdown {
    fn extensions(&self) -> &'static [&'static str] {
        &["md", "markdown"]
    }

    fn parse(&self, _path: &Path, bytes: &[u8]) -> Result<Parsed, String> {
        let decoded = super::format::text(bytes)?;
        let text: &str = &decoded;
        let (meta, body_at) = frontmatter::split(text);
        let parsed = Parsed {
            blocks: blocks(&text[body_at..], body_at),
            ..Parsed::with_meta(meta)
        };
        Ok(parsed.title_from_first_heading())
    }
}

/// Where text events currently go.
struct Open {
    kind: BlockKind,
    start: usize,
    /// Finished lines (list items, table rows); joined with '\n'.
    lines: Vec<String>,
    line: String,
}

impl Open {
    fn new(kind: BlockKind, start: usize) -> Self {
        Open {
            kind,
            start,
            lines: Vec::new(),
            line: String::new(),
        }
    }

    fn end_line(&mut self) {
        let line = normalise_space(&self.line);
        if !line.is_empty() {
            self.lines.push(line);
        }
        self.line.clear();
    }
}

/// The document's blocks. `base` is added to every span (the front matter's length).
fn blocks(body: &str, base: usize) -> Vec<Block> {
    let mut out = Vec::new();
    let mut open: Option<Open> = None;
    // Depth of containers (lists, quotes, tables) whose contents form one block.
    let mut container_depth = 0usize;
    let mut in_image = 0usize;
    let options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH;
    for (event, range) in Parser::new_ext(body, options).into_offset_iter() {
        match event {
            Event::Start(tag) => match tag {
                Tag::Heading { level, .. } if container_depth == 0 => {
                    open = Some(Open::new(
                        BlockKind::Heading(heading_level(level)),
                        range.start,
                    ));
                }
                Tag::Paragraph | Tag::CodeBlock(_) if container_depth == 0 => {
                    open = Some(Open::new(BlockKind::Paragraph, range.start));
                }
                Tag::List(_) | Tag::Table(_) => {
                    if container_depth == 0 {
                        open = Some(Open::new(BlockKind::Paragraph, range.start));
                    }
                    container_depth += 1;
                }
                Tag::Image { .. } => in_image += 1,
                _ => {}
            },
            Event::End(tag) => match tag {
                TagEnd::Heading(_) | TagEnd::Paragraph | TagEnd::CodeBlock
                    if container_depth == 0 =>
                {
                    close(&mut open, range.end, base, &mut out);
                }
                TagEnd::Item | TagEnd::TableRow | TagEnd::TableHead => {
                    if let Some(o) = open.as_mut() {
                        o.end_line();
                    }
                }
                TagEnd::List(_) | TagEnd::Table => {
                    container_depth = container_depth.saturating_sub(1);
                    if container_depth == 0 {
                        close(&mut open, range.end, base, &mut out);
                    }
                }
                TagEnd::Image => in_image = in_image.saturating_sub(1),
                TagEnd::TableCell => {
                    if let Some(o) = open.as_mut() {
                        o.line.push_str(" | ");
                    }
                }
                _ => {}
            },
            Event::Text(text) | Event::Code(text) if in_image == 0 => {
                if let Some(o) = open.as_mut() {
                    o.line.push_str(&text);
                }
            }
            Event::SoftBreak | Event::HardBreak => {
                if let Some(o) = open.as_mut() {
                    o.line.push(' ');
                }
            }
            _ => {}
        }
    }
    out
}

fn close(open: &mut Option<Open>, end: usize, base: usize, out: &mut Vec<Block>) {
    if let Some(mut o) = open.take() {
        o.end_line();
        let text = o
            .lines
            .iter()
            .map(|l| {
                l.trim_end_matches(" |")
                    .trim_start_matches("| ")
                    .to_string()
            })
            .collect::<Vec<_>>()
            .join("\n");
        if !text.is_empty() {
            out.push(Block {
                kind: o.kind,
                text,
                span: base + o.start..base + end,
            });
        }
    }
}

fn heading_level(level: HeadingLevel) -> u8 {
    match level {
        HeadingLevel::H1 => 1,
        HeadingLevel::H2 => 2,
        HeadingLevel::H3 => 3,
        HeadingLevel::H4 => 4,
        HeadingLevel::H5 => 5,
        HeadingLevel::H6 => 6,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Parsed {
        Markdown
            .parse(Path::new("x.md"), text.as_bytes())
            .expect("parses")
    }

    #[test]
    fn markup_never_shows_in_text() {
        let p = parse("# Title\n\nSome **bold**, _em_, `code` and a [link](http://x.y).\n");
        assert_eq!(p.title.as_deref(), Some("Title"));
        assert_eq!(p.blocks[1].text, "Some bold, em, code and a link.");
    }

    #[test]
    fn list_items_are_lines_of_one_block() {
        let p = parse("Intro.\n\n- first item\n- second *item*\n\nAfter.\n");
        let texts: Vec<_> = p.blocks.iter().map(|b| b.text.as_str()).collect();
        assert_eq!(texts, vec!["Intro.", "first item\nsecond item", "After."]);
    }

    #[test]
    fn spans_cover_the_source_block_after_front_matter() {
        let src = "---\ntitle: T\n---\n# H\n\nPara one\ncontinues.\n";
        let p = parse(src);
        assert_eq!(p.title.as_deref(), Some("T"));
        let para = &p.blocks[1];
        assert_eq!(para.text, "Para one continues.");
        assert!(src[para.span.clone()].starts_with("Para one"));
    }
}
