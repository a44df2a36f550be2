//! HTML (`.html`, `.htm`), parsed with scraper (html5ever, the browsers'
//! parsing algorithm) so that broken real-world markup still yields its text.
//!
//! The main text is kept: `<main>` or `<article>` when the page has one, else
//! `<body>`; scripts, styles, navigation, headers, footers, asides and forms
//! are dropped. The title is `<title>`, else the first `<h1>`; the author is
//! `<meta name="author">`. Byte spans are not tracked for HTML (`0..0`).

use std::path::Path;

use ego_tree::NodeRef;
use scraper::{ElementRef, Html as Document, Node, Selector};

use super::format::{Format, utf8};
use super::{Block, BlockKind, Parsed, normalise_space};

pub struct Html;

/// Elements whose whole subtree is not document text.
const DROPPED: &[&str] = &[
    "script", "style", "noscript", "nav", "header", "footer", "aside", "form", "button", "svg",
    "template", "iframe", "select", "canvas", "menu", "dialog",
];

/// Elements that are one paragraph of text each.
const PARAGRAPHS: &[&str] = &[
    "p",
    "pre",
    "blockquote",
    "dd",
    "dt",
    "figcaption",
    "caption",
    "address",
    "summary",
];

impl Format for Html {
    fn extensions(&self) -> &'static [&'static str] {
        &["html", "htm"]
    }

    fn parse(&self, _path: &Path, bytes: &[u8]) -> Result<Parsed, String> {
        let text = utf8(bytes)?;
        let doc = Document::parse_document(text);
        let mut parsed = Parsed {
            title: first_text(&doc, "title"),
            author: meta(&doc, "author"),
            ..Parsed::default()
        };
        let root = ["main", "article", "body"]
            .iter()
            .find_map(|name| select_first(&doc, name))
            .unwrap_or_else(|| doc.root_element());
        let mut loose = String::new();
        walk(*root, &mut parsed.blocks, &mut loose);
        flush(&mut loose, &mut parsed.blocks);
        Ok(parsed.title_from_first_heading())
    }
}

fn select_first<'a>(doc: &'a Document, name: &str) -> Option<ElementRef<'a>> {
    let selector = Selector::parse(name).ok()?;
    doc.select(&selector).next()
}

fn first_text(doc: &Document, name: &str) -> Option<String> {
    let text = normalise_space(&select_first(doc, name)?.text().collect::<String>());
    (!text.is_empty()).then_some(text)
}

fn meta(doc: &Document, name: &str) -> Option<String> {
    let selector = Selector::parse(&format!("meta[name=\"{name}\"]")).ok()?;
    let content = doc.select(&selector).next()?.value().attr("content")?;
    let content = normalise_space(content);
    (!content.is_empty()).then_some(content)
}

/// Walks the tree: headings, paragraph elements and lists become blocks;
/// text directly inside other elements gathers in `loose` until the next block.
fn walk(node: NodeRef<'_, Node>, out: &mut Vec<Block>, loose: &mut String) {
    for child in node.children() {
        match child.value() {
            Node::Text(t) => loose.push_str(t),
            Node::Element(e) => {
                let name = e.name();
                if DROPPED.contains(&name) {
                    continue;
                }
                if let Some(level) = heading_level(name) {
                    flush(loose, out);
                    push(out, BlockKind::Heading(level), text_of(child));
                } else if PARAGRAPHS.contains(&name) {
                    flush(loose, out);
                    push(out, BlockKind::Paragraph, text_of(child));
                } else if matches!(name, "ul" | "ol" | "dl" | "table") {
                    flush(loose, out);
                    let lines: Vec<String> = child
                        .descendants()
                        .filter(|d| {
                            matches!(d.value(), Node::Element(e) if matches!(e.name(), "li" | "tr" | "dt" | "dd"))
                        })
                        .filter(|d| !has_ancestor_item_below(*d, child))
                        .map(|d| normalise_space(&text_of(d)))
                        .filter(|l| !l.is_empty())
                        .collect();
                    push(out, BlockKind::Paragraph, lines.join("\n"));
                } else if name == "br" {
                    loose.push(' ');
                } else {
                    let is_block = matches!(
                        name,
                        "div"
                            | "section"
                            | "article"
                            | "main"
                            | "body"
                            | "li"
                            | "figure"
                            | "details"
                    );
                    if is_block {
                        flush(loose, out);
                    }
                    walk(child, out, loose);
                    if is_block {
                        flush(loose, out);
                    }
                }
            }
            _ => {}
        }
    }
}

/// Whether a list item sits inside another item of the same list (nested lists
/// are read as part of their parent item).
fn has_ancestor_item_below(node: NodeRef<'_, Node>, list: NodeRef<'_, Node>) -> bool {
    node.ancestors()
        .take_while(|a| a.id() != list.id())
        .any(|a| matches!(a.value(), Node::Element(e) if matches!(e.name(), "li" | "tr")))
}

/// The text of a subtree, without dropped elements.
fn text_of(node: NodeRef<'_, Node>) -> String {
    let mut out = String::new();
    for d in node.descendants() {
        if let Node::Text(t) = d.value() {
            let dropped = d
                .ancestors()
                .any(|a| matches!(a.value(), Node::Element(e) if DROPPED.contains(&e.name())));
            if !dropped {
                out.push_str(t);
            }
        } else if let Node::Element(e) = d.value()
            && e.name() == "br"
        {
            out.push(' ');
        }
    }
    out
}

fn flush(loose: &mut String, out: &mut Vec<Block>) {
    push(out, BlockKind::Paragraph, std::mem::take(loose));
}

fn push(out: &mut Vec<Block>, kind: BlockKind, text: String) {
    let text = if text.contains('\n') && kind == BlockKind::Paragraph && !text.trim().is_empty() {
        // Lists keep one item per line.
        text.lines()
            .map(normalise_space)
            .filter(|l| !l.is_empty())
            .collect::<Vec<_>>()
            .join("\n")
    } else {
        normalise_space(&text)
    };
    if !text.is_empty() {
        out.push(Block {
            kind,
            text,
            span: 0..0,
        });
    }
}

fn heading_level(name: &str) -> Option<u8> {
    match name {
        "h1" => Some(1),
        "h2" => Some(2),
        "h3" => Some(3),
        "h4" => Some(4),
        "h5" => Some(5),
        "h6" => Some(6),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(html: &str) -> Parsed {
        Html.parse(Path::new("x.html"), html.as_bytes())
            .expect("parses")
    }

    #[test]
    fn keeps_main_text_and_drops_furniture() {
        let p = parse(
            "<html><head><title>Handout</title><meta name=\"author\" content=\"Ann Lee\">\
             <style>p{}</style><script>var x = 1;</script></head><body>\
             <nav>Home | About</nav><header>Site name</header>\
             <h1>Week 3</h1><p>Pricing is <b>hard</b>&nbsp;to get right.</p>\
             <ul><li>first point</li><li>second <i>point</i></li></ul>\
             <footer>© 2026</footer></body></html>",
        );
        assert_eq!(p.title.as_deref(), Some("Handout"));
        assert_eq!(p.author.as_deref(), Some("Ann Lee"));
        let texts: Vec<&str> = p.blocks.iter().map(|b| b.text.as_str()).collect();
        assert_eq!(
            texts,
            vec![
                "Week 3",
                "Pricing is hard to get right.",
                "first point\nsecond point"
            ]
        );
    }

    #[test]
    fn prefers_article_and_falls_back_to_h1_for_the_title() {
        let p = parse(
            "<body><div>menu junk</div><article><h1>Real</h1><div>Loose text here.</div></article></body>",
        );
        assert_eq!(p.title.as_deref(), Some("Real"));
        let texts: Vec<&str> = p.blocks.iter().map(|b| b.text.as_str()).collect();
        assert_eq!(texts, vec!["Real", "Loose text here."]);
    }
}
