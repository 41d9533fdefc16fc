//! Positions and addresses: byte offsets to LSP line / UTF-16 positions and back, and
//! `file:` URIs to paths and back. LSP counts columns in UTF-16 code units, grantlog's
//! spans count bytes, so every conversion goes through a [`LineIndex`].

use lsp_types::{Position, Range, Uri};
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// Where each line of a text starts, for offset <-> position conversions.
pub struct LineIndex<'a> {
    text: &'a str,
    starts: Vec<usize>,
}

impl<'a> LineIndex<'a> {
    pub fn new(text: &'a str) -> LineIndex<'a> {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { text, starts }
    }

    /// The position of a byte offset (clamped to the text, and to a character boundary).
    pub fn position(&self, offset: usize) -> Position {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.starts.partition_point(|&s| s <= offset) - 1;
        let col: usize = self.text[self.starts[line]..offset]
            .chars()
            .map(char::len_utf16)
            .sum();
        Position::new(line as u32, col as u32)
    }

    pub fn range(&self, start: usize, end: usize) -> Range {
        Range::new(self.position(start), self.position(end.max(start)))
    }

    /// The byte offset of a position; past the end of a line is the end of that line.
    pub fn offset(&self, pos: Position) -> usize {
        let Some(&start) = self.starts.get(pos.line as usize) else {
            return self.text.len();
        };
        let end = self
            .starts
            .get(pos.line as usize + 1)
            .map_or(self.text.len(), |e| e - 1);
        let mut units = 0;
        for (i, c) in self.text[start..end].char_indices() {
            if units >= pos.character as usize {
                return start + i;
            }
            units += c.len_utf16();
        }
        end
    }
}

/// The path of a `file:` URI (percent-decoded); `None` for other schemes.
pub fn uri_path(uri: &str) -> Option<PathBuf> {
    let rest = uri.strip_prefix("file://")?;
    // `file://host/path` is not local; `file:///path` has an empty host.
    let path = rest.strip_prefix("localhost").unwrap_or(rest);
    if !path.starts_with('/') {
        return None;
    }
    let bytes = path.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    Some(PathBuf::from(String::from_utf8_lossy(&out).into_owned()))
}

/// The `file:` URI of an absolute path, with everything outside the unreserved set and
/// `/` percent-encoded.
pub fn path_uri(path: &Path) -> Uri {
    let mut s = String::from("file://");
    for b in path.to_string_lossy().bytes() {
        if b.is_ascii_alphanumeric() || b"/-._~".contains(&b) {
            s.push(b as char);
        } else {
            s.push_str(&format!("%{b:02X}"));
        }
    }
    Uri::from_str(&s).unwrap_or_else(|_| Uri::from_str("file:///").expect("valid uri"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_utf16_units_and_round_trip() {
        // 'é' is 2 bytes and 1 UTF-16 unit; '𝒜' is 4 bytes and 2 units.
        let text = "ab\né𝒜x\n";
        let ix = LineIndex::new(text);
        assert_eq!(ix.position(0), Position::new(0, 0));
        assert_eq!(ix.position(3), Position::new(1, 0));
        assert_eq!(ix.position(5), Position::new(1, 1));
        assert_eq!(ix.position(9), Position::new(1, 3));
        for off in [0, 1, 3, 5, 9, 10] {
            assert_eq!(ix.offset(ix.position(off)), off, "offset {off}");
        }
        // A character past the line's end is the line's end.
        assert_eq!(ix.offset(Position::new(0, 40)), 2);
        assert_eq!(ix.offset(Position::new(9, 0)), text.len());
    }

    #[test]
    fn file_uris_round_trip_with_escapes() {
        let p = Path::new("/tmp/a dir/r\u{e9}gles.dl");
        let uri = path_uri(p);
        assert_eq!(uri.as_str(), "file:///tmp/a%20dir/r%C3%A9gles.dl");
        assert_eq!(uri_path(uri.as_str()).as_deref(), Some(p));
        assert_eq!(uri_path("untitled:1"), None);
    }
}
