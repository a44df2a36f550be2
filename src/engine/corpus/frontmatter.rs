//! Front matter (`---` … `---` with `key: value` lines) and "By …" bylines.

/// Metadata keys passagebot reads from front matter.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct FrontMatter {
    pub title: Option<String>,
    pub author: Option<String>,
    pub url: Option<String>,
}

/// Splits leading front matter off `text`.
///
/// Returns the metadata and the byte offset where the body starts (0 when
/// there is no front matter). Only simple `key: value` lines are read; quotes
/// around a value are removed; other keys are ignored.
pub fn split(text: &str) -> (FrontMatter, usize) {
    let mut meta = FrontMatter::default();
    let body = text.strip_prefix('\u{feff}').unwrap_or(text);
    let bom = text.len() - body.len();
    let Some(rest) = body.strip_prefix("---") else {
        return (meta, 0);
    };
    let Some(rest) = rest
        .strip_prefix('\n')
        .or_else(|| rest.strip_prefix("\r\n"))
    else {
        return (meta, 0);
    };
    let mut offset = bom + (body.len() - rest.len());
    for line in rest.split_inclusive('\n') {
        offset += line.len();
        let trimmed = line.trim();
        if trimmed == "---" || trimmed == "..." {
            return (meta, offset);
        }
        if let Some((key, value)) = trimmed.split_once(':') {
            let value = value.trim().trim_matches(|c| c == '"' || c == '\'').trim();
            if value.is_empty() {
                continue;
            }
            let slot = match key.trim().to_ascii_lowercase().as_str() {
                "title" => &mut meta.title,
                "author" => &mut meta.author,
                "url" => &mut meta.url,
                _ => continue,
            };
            *slot = Some(value.to_string());
        }
    }
    // No closing fence: not front matter after all.
    (FrontMatter::default(), 0)
}

/// The author's name when `text` is a byline such as "By Joe Candido".
pub fn byline(text: &str) -> Option<String> {
    let rest = text.trim().strip_prefix("By ")?.trim();
    let words = rest.split_whitespace().count();
    // A byline is a name, not a sentence that happens to start with "By".
    let looks_like_name = (1..=6).contains(&words)
        && !rest.ends_with(['.', '?', '!', ':'])
        && rest
            .split_whitespace()
            .all(|w| w.chars().next().is_some_and(|c| c.is_uppercase()) || w == "and");
    looks_like_name.then(|| rest.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_title_author_url_and_body_offset() {
        let text =
            "---\ntitle: \"A Title\"\nauthor: Ann Lee\nurl: https://x.y/z\ntags: a\n---\nBody";
        let (meta, at) = split(text);
        assert_eq!(meta.title.as_deref(), Some("A Title"));
        assert_eq!(meta.author.as_deref(), Some("Ann Lee"));
        assert_eq!(meta.url.as_deref(), Some("https://x.y/z"));
        assert_eq!(&text[at..], "Body");
    }

    #[test]
    fn unclosed_front_matter_is_body() {
        let (meta, at) = split("---\ntitle: x\nno end");
        assert_eq!(meta, FrontMatter::default());
        assert_eq!(at, 0);
    }

    #[test]
    fn bylines_are_names_not_sentences() {
        assert_eq!(byline("By Joe Candido").as_deref(), Some("Joe Candido"));
        assert_eq!(byline("By the way, sales matter."), None);
        assert_eq!(byline("Bypass"), None);
    }
}
