//! Positions and snippets in scanned content.

use std::{ops::Range, sync::LazyLock};

use regex::bytes::Regex;

/// Maps byte offsets to 1-based lines and character columns.
pub(crate) struct LineIndex<'a> {
    content: &'a [u8],
    /// The byte offset at which each line starts.
    starts: Vec<usize>,
}

impl<'a> LineIndex<'a> {
    pub fn new(content: &'a [u8]) -> Self {
        let mut starts = vec![0];
        starts.extend(memchr::memchr_iter(b'\n', content).map(|newline| newline + 1));
        Self { content, starts }
    }

    /// The 0-based line index holding `offset`.
    fn line_of(&self, offset: usize) -> usize {
        match self.starts.binary_search(&offset) {
            Ok(line) => line,
            Err(next) => next - 1,
        }
    }

    /// The 1-based line and character column of `offset`.
    pub fn position(&self, offset: usize) -> (u32, u32) {
        let line = self.line_of(offset);
        let start = self.starts[line];
        let column = self.content[start..offset]
            .iter()
            .filter(|byte| (**byte & 0b1100_0000) != 0b1000_0000)
            .count();
        (to_u32(line + 1), to_u32(column + 1))
    }

    /// The 1-based line of the span's last byte and the character column just
    /// after it (SARIF's exclusive `endColumn`).
    pub fn end_position(&self, span: &Range<usize>) -> (u32, u32) {
        if span.is_empty() {
            return self.position(span.start);
        }
        let last = span.end - 1;
        let line = self.line_of(last);
        let start = self.starts[line];
        let columns = self.content[start..span.end]
            .iter()
            .filter(|byte| (**byte & 0b1100_0000) != 0b1000_0000)
            .count();
        (to_u32(line + 1), to_u32(columns + 1))
    }

    /// The byte range of the line holding `offset`, without its line ending.
    pub fn line_bounds(&self, offset: usize) -> Range<usize> {
        let line = self.line_of(offset);
        let start = self.starts[line];
        let mut end = self
            .starts
            .get(line + 1)
            .map_or(self.content.len(), |next| next - 1);
        if end > start && self.content[end - 1] == b'\r' {
            end -= 1;
        }
        start..end
    }

    /// The byte range of every line the span touches, without the last ending.
    pub fn lines_bounds(&self, span: &Range<usize>) -> Range<usize> {
        let first = self.line_bounds(span.start);
        let last = self.line_bounds(span.end.saturating_sub(1).max(span.start));
        first.start..last.end.max(first.end)
    }
}

fn to_u32(value: usize) -> u32 {
    u32::try_from(value).unwrap_or(u32::MAX)
}

/// Runs of token characters long enough to be a secret nobody has a rule for.
static TOKEN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"[A-Za-z0-9+/_\-.~]{16,}={0,2}").expect("the token pattern is valid")
});

/// The longest snippet kept, in characters.
const SNIPPET_MAX_CHARS: usize = 160;

/// Builds the snippet for a match: the line it starts on, with every known
/// secret on that line replaced by its preview and any other long, random-looking
/// token replaced by `…`, cut to a window around the match.
pub(crate) fn snippet(
    content: &[u8],
    line: Range<usize>,
    redactions: &[(Range<usize>, &str)],
    focus: usize,
) -> String {
    let mut pieces: Vec<(String, bool)> = Vec::new();
    let mut cursor = line.start;
    let mut focus_at = 0usize;
    let mut sorted: Vec<&(Range<usize>, &str)> = redactions
        .iter()
        .filter(|(span, _)| span.start < line.end && span.end > line.start)
        .collect();
    sorted.sort_by_key(|(span, _)| span.start);
    for (span, preview) in sorted {
        let start = span.start.max(line.start);
        if start < cursor {
            continue;
        }
        pieces.push((
            String::from_utf8_lossy(&content[cursor..start]).into_owned(),
            false,
        ));
        if span.start <= focus && focus < span.end {
            focus_at = pieces.iter().map(|(text, _)| text.chars().count()).sum();
        }
        pieces.push(((*preview).to_string(), true));
        cursor = span.end.min(line.end);
    }
    pieces.push((
        String::from_utf8_lossy(&content[cursor..line.end]).into_owned(),
        false,
    ));
    let text: String = pieces
        .into_iter()
        .map(|(text, redacted)| if redacted { text } else { mask_tokens(&text) })
        .collect();
    window(&text, focus_at)
}

/// Masks long random-looking tokens (which may be secrets no rule knows).
fn mask_tokens(text: &str) -> String {
    let replaced = TOKEN.replace_all(text.as_bytes(), |caps: &regex::bytes::Captures<'_>| {
        let token = &caps[0];
        let has_digit = token.iter().any(u8::is_ascii_digit);
        if has_digit && crate::shannon_entropy(token) >= 3.0 {
            "…".as_bytes().to_vec()
        } else {
            token.to_vec()
        }
    });
    String::from_utf8_lossy(&replaced).into_owned()
}

/// Cuts `text` to at most [`SNIPPET_MAX_CHARS`] around character `focus`.
fn window(text: &str, focus: usize) -> String {
    let trimmed_start = text.len() - text.trim_start().len();
    let chars: Vec<char> = text.trim().chars().collect();
    let focus = focus.saturating_sub(text[..trimmed_start].chars().count());
    if chars.len() <= SNIPPET_MAX_CHARS {
        return chars.into_iter().collect();
    }
    let start = focus
        .saturating_sub(SNIPPET_MAX_CHARS / 4)
        .min(chars.len() - SNIPPET_MAX_CHARS);
    let end = start + SNIPPET_MAX_CHARS;
    let mut out = String::new();
    if start > 0 {
        out.push('…');
    }
    out.extend(&chars[start..end]);
    if end < chars.len() {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_lines_and_characters() {
        let content = "ab\nçd = SECRET\r\nlast".as_bytes();
        let index = LineIndex::new(content);
        let secret = content
            .windows(6)
            .position(|w| w == b"SECRET")
            .expect("present");
        assert_eq!(index.position(0), (1, 1));
        assert_eq!(index.position(secret), (2, 6));
        assert_eq!(index.line_bounds(secret), 3..content.len() - 6);
        assert_eq!(index.position(content.len() - 1), (3, 4));
    }

    #[test]
    fn snippets_hide_known_and_unknown_secrets() {
        let content = b"key=AKIAUJZDEGXDNCF32EPF other=Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5 name=plain";
        let span = 4..24;
        let snippet = snippet(content, 0..content.len(), &[(span, "AKIA…2EPF")], 4);
        assert_eq!(snippet, "key=AKIA…2EPF other=… name=plain");
    }

    #[test]
    fn long_lines_are_windowed() {
        let line = format!("{}SECRET{}", "a ".repeat(200), " b".repeat(200));
        let content = line.as_bytes();
        let at = line.find("SECRET").expect("present");
        let snippet = snippet(content, 0..content.len(), &[(at..at + 6, "S…T")], at);
        assert!(snippet.contains("S…T"), "{snippet}");
        assert!(snippet.chars().count() <= SNIPPET_MAX_CHARS + 2);
        assert!(snippet.starts_with('…') && snippet.ends_with('…'));
    }
}
