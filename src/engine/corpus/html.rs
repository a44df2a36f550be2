//! HTML (`.html`, `.htm`), parsed with scraper (html5ever, the browsers'
//! parsing algorithm) so that broken real-world markup still yields its text.
//!
//! The main text is kept: `<main>` or `<article>` when the page has one, else
//! `<body>`; scripts, styles, navigation, headers, footers, asides and forms
//! are dropped. The title is `<title>`, else the first `<h1>`; the author is
//! `<meta name="author">`. Byte spans are not tracked for HTML (`0..0`).
//!
//! A page whose elements nest deeper than [`MAX_HTML_DEPTH`] is skipped
//! before parsing (the parser's time grows with the square of the depth);
//! the tree is walked without recursion (a page of 200,000 nested elements
//! once overflowed the stack), each node once, and elements still deeper
//! than the limit only contribute their text, with a warning.

use std::path::Path;

use ego_tree::NodeRef;
use ego_tree::iter::Edge;
use scraper::{ElementRef, Html as Document, Node, Selector};

use super::format::{Format, text_declared};
use super::limits::{MAX_HTML_DEPTH, too_deep};
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

    fn parse(&self, path: &Path, bytes: &[u8]) -> Result<Parsed, String> {
        let decoded = text_declared(bytes, declared_charset(bytes))?;
        let text: &str = &decoded;
        let depth = nesting_depth(text, MAX_HTML_DEPTH);
        if depth > MAX_HTML_DEPTH {
            return Err(too_deep(depth));
        }
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
        let deepest = walk(*root, &mut parsed.blocks);
        if deepest > MAX_HTML_DEPTH {
            tracing::warn!(
                "{}: elements nest {deepest} levels deep; below level {MAX_HTML_DEPTH} only their text is read, as one paragraph",
                path.display()
            );
        }
        Ok(parsed.title_from_first_heading())
    }
}

/// Elements that never have content, or whose end tag may be left out (a
/// new `<p>` or `<li>` closes the open one): neither nests by itself.
const NOT_NESTING: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
    "track", "wbr", "p", "li", "dt", "dd", "tr", "td", "th", "thead", "tbody", "tfoot", "option",
    "optgroup", "rb", "rt", "rp", "colgroup", "caption", "html", "head", "body",
];

/// Elements whose content is text up to their end tag, not markup.
const RAW_TEXT: &[&str] = &[
    "script", "style", "textarea", "title", "xmp", "iframe", "noembed", "noframes",
];

/// How deep the elements of `html` nest, counted on the raw markup in one
/// pass (opening tags minus closing tags, leaving out elements that do not
/// nest), and no further than just past `stop`. An estimate: it is what
/// decides whether the page is parsed at all.
fn nesting_depth(html: &str, stop: usize) -> usize {
    let lower = html.to_ascii_lowercase();
    let mut depth = 0usize;
    let mut deepest = 0usize;
    let mut at = 0;
    while let Some(found) = lower[at..].find('<') {
        at += found + 1;
        let rest = &lower[at..];
        if rest.starts_with("!--") {
            at += rest.find("-->").map_or(rest.len(), |i| i + 3);
            continue;
        }
        if rest.starts_with('!') || rest.starts_with('?') {
            at += rest.find('>').map_or(rest.len(), |i| i + 1);
            continue;
        }
        let closing = rest.starts_with('/');
        let name_at = usize::from(closing);
        let name_len = rest[name_at..]
            .find(|c: char| !c.is_ascii_alphanumeric())
            .unwrap_or(rest.len() - name_at);
        let name = &rest[name_at..name_at + name_len];
        if name.is_empty() || !name.starts_with(|c: char| c.is_ascii_alphabetic()) {
            continue;
        }
        let tag_len = rest.find('>').map_or(rest.len(), |i| i + 1);
        let self_closing = rest[..tag_len].ends_with("/>");
        at += tag_len;
        if !closing && RAW_TEXT.contains(&name) {
            let end = format!("</{name}");
            at += lower[at..].find(&end).unwrap_or(lower.len() - at);
            continue;
        }
        if self_closing || NOT_NESTING.contains(&name) || RAW_TEXT.contains(&name) {
            continue;
        }
        if closing {
            depth = depth.saturating_sub(1);
        } else {
            depth += 1;
            deepest = deepest.max(depth);
            if deepest > stop {
                break;
            }
        }
    }
    deepest
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

/// Walks the tree below `root`: headings, paragraph elements and lists
/// become blocks; text directly inside other elements gathers until the next
/// block. Returns the deepest level seen (the root's children are level 1).
fn walk(root: NodeRef<'_, Node>, out: &mut Vec<Block>) -> usize {
    let mut loose = String::new();
    let mut depth = 0usize;
    let mut deepest = 0usize;
    // The subtree being passed over (dropped, or read whole as one block).
    let mut skipping: Option<ego_tree::NodeId> = None;
    for edge in root.traverse() {
        match edge {
            Edge::Open(node) if node.id() == root.id() => {}
            Edge::Close(node) if node.id() == root.id() => {}
            Edge::Open(node) => {
                depth += 1;
                deepest = deepest.max(depth);
                if skipping.is_some() {
                    continue;
                }
                match node.value() {
                    Node::Text(t) => loose.push_str(t),
                    Node::Element(e) => {
                        let name = e.name();
                        if DROPPED.contains(&name) {
                            skipping = Some(node.id());
                        } else if depth > MAX_HTML_DEPTH {
                            // Text only; a space keeps the words of two elements apart.
                            loose.push(' ');
                        } else if let Some(level) = heading_level(name) {
                            flush(&mut loose, out);
                            push(out, BlockKind::Heading(level), text_of(node));
                            skipping = Some(node.id());
                        } else if PARAGRAPHS.contains(&name) {
                            flush(&mut loose, out);
                            push(out, BlockKind::Paragraph, text_of(node));
                            skipping = Some(node.id());
                        } else if matches!(name, "ul" | "ol" | "dl" | "table") {
                            flush(&mut loose, out);
                            push(out, BlockKind::Paragraph, list_items(node).join("\n"));
                            skipping = Some(node.id());
                        } else if name == "br" {
                            loose.push(' ');
                        } else if is_block(name) {
                            flush(&mut loose, out);
                        }
                    }
                    _ => {}
                }
            }
            Edge::Close(node) => {
                if skipping == Some(node.id()) {
                    skipping = None;
                } else if skipping.is_none()
                    && depth <= MAX_HTML_DEPTH
                    && matches!(node.value(), Node::Element(e) if is_block(e.name()))
                {
                    flush(&mut loose, out);
                }
                depth -= 1;
            }
        }
    }
    flush(&mut loose, out);
    deepest
}

/// Elements that end the loose text before and after them.
fn is_block(name: &str) -> bool {
    matches!(
        name,
        "div" | "section" | "article" | "main" | "body" | "li" | "figure" | "details"
    )
}

/// The items of a list or table, one line each. An item inside another item
/// (a nested list) is read as part of its parent item.
fn list_items(list: NodeRef<'_, Node>) -> Vec<String> {
    let mut lines = Vec::new();
    let mut skipping: Option<ego_tree::NodeId> = None;
    for edge in list.traverse() {
        match edge {
            Edge::Open(node) if skipping.is_none() => {
                if matches!(node.value(), Node::Element(e) if matches!(e.name(), "li" | "tr" | "dt" | "dd"))
                {
                    let line = normalise_space(&text_of(node));
                    if !line.is_empty() {
                        lines.push(line);
                    }
                    skipping = Some(node.id());
                }
            }
            Edge::Close(node) if skipping == Some(node.id()) => skipping = None,
            _ => {}
        }
    }
    lines
}

/// The text of a subtree, without dropped elements; `<br>` is a space.
fn text_of(node: NodeRef<'_, Node>) -> String {
    let mut out = String::new();
    let mut dropped: Option<ego_tree::NodeId> = None;
    for edge in node.traverse() {
        match edge {
            Edge::Open(d) if dropped.is_none() => match d.value() {
                Node::Text(t) => out.push_str(t),
                Node::Element(e) if DROPPED.contains(&e.name()) => dropped = Some(d.id()),
                Node::Element(e) if e.name() == "br" => out.push(' '),
                _ => {}
            },
            Edge::Close(d) if dropped == Some(d.id()) => dropped = None,
            _ => {}
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

/// The encoding a page declares in its first 1,024 bytes (`<meta charset="…">` or
/// `content="text/html; charset=…"`), as browsers look for it before parsing.
fn declared_charset(bytes: &[u8]) -> Option<&'static encoding_rs::Encoding> {
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(1024)]).to_ascii_lowercase();
    let at = head.find("charset=")? + "charset=".len();
    let label: String = head[at..]
        .trim_start_matches(['"', '\''])
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':'))
        .collect();
    encoding_rs::Encoding::for_label(label.as_bytes())
}

#[cfg(test)]
mod tests {

    #[test]
    fn a_page_in_the_encoding_it_declares() {
        // "Tōkyō" in Shift_JIS would be nonsense read as Windows-1252.
        let (bytes, _, _) = encoding_rs::SHIFT_JIS.encode("<html><head><meta charset=\"shift_jis\"><title>東京</title></head><body><p>東京の天気</p></body></html>");
        let parsed = Html.parse(Path::new("a.html"), &bytes).expect("parses");
        assert_eq!(parsed.title.as_deref(), Some("東京"));
        assert_eq!(
            declared_charset(
                b"<meta http-equiv=\"Content-Type\" content=\"text/html; charset=ISO-8859-1\">"
            ),
            Some(encoding_rs::WINDOWS_1252)
        );
        assert_eq!(declared_charset(b"<p>no charset</p>"), None);
    }
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

    /// Issue 14, item 3: `walk` recursed once per level and a page of
    /// 200,000 nested `<div>`s overflowed the stack (exit 134); the parser
    /// itself takes minutes on it. Such a page is now refused before
    /// parsing, with the depth and the limit.
    #[test]
    fn a_page_nested_deeper_than_the_limit_is_refused_quickly() {
        let deep = 200_000;
        let page = format!(
            "<html><body>{}<p>Deep text.</p>{}</body></html>",
            "<div>".repeat(deep),
            "</div>".repeat(deep)
        );
        let started = std::time::Instant::now();
        let err = Html
            .parse(Path::new("deep.html"), page.as_bytes())
            .expect_err("too deep");
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
        assert!(
            err.contains("1025 levels") && err.contains("limit of 1024"),
            "{err}"
        );
    }

    #[test]
    fn nesting_is_counted_on_the_markup_without_elements_that_do_not_nest() {
        let d = |html: &str| nesting_depth(html, usize::MAX);
        assert_eq!(d("<div><div></div><section><b>x</b></section></div>"), 3);
        assert_eq!(d(&"<p>para<li>item<br><img src=x><hr/>".repeat(5_000)), 0);
        assert_eq!(
            d("<!-- <div><div> --><script>if (a<b) {'<div>'}</script><div/>"),
            0
        );
        assert_eq!(d("<DIV><Div>< div>a < b</div></DIV>"), 2);
        assert_eq!(
            d("<div><script></script><style>x</style><div></div></div>"),
            2
        );
        assert_eq!(d(&"<div>".repeat(3_000)), 3_000);
        assert_eq!(nesting_depth(&"<div>".repeat(3_000), 1024), 1025);
    }

    /// Past the pre-check (a tree deeper than the markup suggested), the
    /// walk uses no stack per level and reads deep elements as text only.
    #[test]
    fn a_deep_tree_is_walked_on_a_small_stack_and_read_as_text_below_the_limit() {
        let deep = 50_000;
        let page = format!(
            "<body><ul>{}deep item{}</ul>{}<h2>Deep heading</h2><p>deep para</p>{}</body>",
            "<li>x<ul>".repeat(500),
            "</ul></li>".repeat(500),
            "<span>".repeat(deep),
            "</span>".repeat(deep)
        );
        let started = std::time::Instant::now();
        let (deepest, blocks) = std::thread::Builder::new()
            .stack_size(256 * 1024)
            .spawn(move || {
                let doc = Document::parse_document(&page);
                let mut blocks = Vec::new();
                let root = select_first(&doc, "body").expect("body");
                let deepest = walk(*root, &mut blocks);
                (deepest, blocks)
            })
            .expect("spawn")
            .join()
            .expect("no stack overflow");
        assert!(deepest > deep, "{deepest}");
        let texts: Vec<&str> = blocks.iter().map(|b| b.text.as_str()).collect();
        assert_eq!(texts.len(), 2, "{texts:?}");
        assert!(texts[0].starts_with("xxx") && texts[0].ends_with("deep item"));
        assert!(!texts[0].contains('\n'), "one top-level item");
        assert_eq!(texts[1], "Deep heading deep para");
        assert!(
            started.elapsed() < std::time::Duration::from_secs(30),
            "{:?}",
            started.elapsed()
        );
    }

    #[test]
    fn text_between_nested_blocks_stays_in_document_order() {
        let p = parse(
            "<body><div>one<section>two<br>half<div>three<script>x</script></div>four</section>five</div>\
             <dl><dt>term</dt><dd>meaning <nav>menu</nav>here</dd></dl></body>",
        );
        let texts: Vec<&str> = p.blocks.iter().map(|b| b.text.as_str()).collect();
        assert_eq!(
            texts,
            vec![
                "one",
                "two half",
                "three",
                "four",
                "five",
                "term\nmeaning here"
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
