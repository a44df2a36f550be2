//! One trait for every document format, and what text formats share.
//!
//! Adding a format means writing one module with a type implementing
//! [`Format`] and listing it in [`super::formats::FORMATS`]; nothing else changes.

use std::borrow::Cow;
use std::path::Path;

use encoding_rs::{Encoding, WINDOWS_1252};

use super::Parsed;

/// A document format: which file extensions it reads and how.
pub trait Format: Sync {
    /// Lower-case file extensions without the dot.
    fn extensions(&self) -> &'static [&'static str];
    /// Parses a file's bytes into metadata and clean blocks.
    ///
    /// Errors are reasons a person can act on ("no text layer", …).
    fn parse(&self, path: &Path, bytes: &[u8]) -> Result<Parsed, String>;
}

/// How text files are read, in the index's settings: an index built when files that
/// were not UTF-8 were skipped (1) is rebuilt, so they are read now (2).
pub const VERSION: u32 = 2;

/// The bytes of a text format as text, or why they are not:
///
/// - with a byte-order mark, in the encoding it names (UTF-8, or UTF-16 as Windows
///   Notepad saves "Unicode" text), the mark left out;
/// - else as UTF-8 when they are;
/// - else as Windows-1252, the Western European encoding older Windows tools save
///   text in ("smart quotes" as bytes 0x93 and 0x94): every byte is a character there,
///   so a teacher's old handout is read rather than skipped.
///
/// A zero byte without a byte-order mark says binary, not text.
pub fn text(bytes: &[u8]) -> Result<Cow<'_, str>, String> {
    text_declared(bytes, None)
}

/// [`text`], with the encoding the file declares (an HTML page's `charset`) used
/// in place of Windows-1252 when it is not UTF-8.
pub fn text_declared<'a>(
    bytes: &'a [u8],
    declared: Option<&'static Encoding>,
) -> Result<Cow<'a, str>, String> {
    if let Some((encoding, _)) = Encoding::for_bom(bytes) {
        // Malformed sequences become U+FFFD; the rest of the file is kept.
        let (text, _) = encoding.decode_with_bom_removal(bytes);
        return Ok(text);
    }
    if bytes.iter().take(8192).any(|&b| b == 0) {
        return Err("binary file, not text".into());
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => Ok(Cow::Borrowed(text)),
        Err(_) => Ok(declared
            .unwrap_or(WINDOWS_1252)
            .decode_without_bom_handling(bytes)
            .0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_in_the_encodings_people_save_it_in() {
        assert_eq!(text(b"plain").as_deref(), Ok("plain"));
        // A byte-order mark is left out, so a first heading is still one.
        assert_eq!(text(b"\xef\xbb\xbf# Notes").as_deref(), Ok("# Notes"));
        // Windows Notepad's "Unicode": UTF-16, little-endian, with its mark.
        let utf16: Vec<u8> = [0xff, 0xfe]
            .into_iter()
            .chain("Refunds: 5 days".encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        assert_eq!(text(&utf16).as_deref(), Ok("Refunds: 5 days"));
        // Windows-1252: smart quotes, an e acute and the euro sign.
        assert_eq!(
            text(b"\x93five\x94 days, caf\xe9, 5 \x80").as_deref(),
            Ok("\u{201c}five\u{201d} days, caf\u{e9}, 5 \u{20ac}")
        );
        assert!(text(b"PK\x03\x04\x00\x00").is_err());
    }
}
