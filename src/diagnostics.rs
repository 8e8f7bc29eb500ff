//! How errors look: one renderer for every error penv reports.
//!
//! `error: <what failed>`, then `  Caused by: <source>` lines, then for errors
//! that point into a file the offending line with a caret, then a blank line
//! and `hint: <what to do>`. The renderer knows errors only through
//! [`Diagnostic`] (message, causes, location, detail, hint), so it imports
//! none of penv's stages, and hints hang off the error variants that
//! implement it, beside the condition they explain. Invariant: the rendered
//! text is the same with and without colour once the styles are stripped.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anstyle::{AnsiColor, Style};

/// An error the renderer can show: its `Display` is the message, `source()`
/// the causes, and these the parts that follow them.
pub trait Diagnostic: std::error::Error {
    /// Where in a file the problem is, for the snippet.
    fn location(&self) -> Option<&Location>;
    /// Extra lines after the causes: a subprocess's output, a search report.
    fn detail(&self) -> Option<String>;
    /// What to do about it.
    fn hint(&self) -> Option<String>;
}

/// A place in a text file: the file, 1-based line and column, and the line's text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// The file, as shown to the user.
    pub(crate) path: PathBuf,
    /// 1-based line number.
    pub(crate) line: usize,
    /// 1-based column (in characters).
    pub(crate) column: usize,
    /// The text of that line, for the snippet.
    pub(crate) text: String,
    /// How many characters to underline (at least 1).
    pub(crate) width: usize,
}

impl Location {
    /// The location of byte offset `span.start` in `source`, underlining the span.
    pub(crate) fn from_span(path: &Path, source: &str, span: std::ops::Range<usize>) -> Self {
        let start = floor_char_boundary(source, span.start.min(source.len()));
        let end = floor_char_boundary(source, span.end.clamp(start, source.len()));
        let line_start = source[..start].rfind('\n').map_or(0, |i| i + 1);
        let line_end = source[start..]
            .find('\n')
            .map_or(source.len(), |i| start + i);
        let line = source[..start].matches('\n').count() + 1;
        let column = source[line_start..start].chars().count() + 1;
        let text = source[line_start..line_end]
            .trim_end_matches('\r')
            .to_owned();
        let width = source[start..end.min(line_end).max(start)]
            .chars()
            .count()
            .max(1);
        Self {
            path: path.to_owned(),
            line,
            column,
            text,
            width,
        }
    }

    /// A location for a whole line (column 1), e.g. in a requirements file.
    pub(crate) fn line(path: &Path, line: usize, text: &str) -> Self {
        Self {
            path: path.to_owned(),
            line,
            column: 1,
            text: text.to_owned(),
            width: text.chars().count().max(1),
        }
    }

    /// `path:line:column`.
    pub(crate) fn position(&self) -> String {
        format!("{}:{}:{}", display_path(&self.path), self.line, self.column)
    }

    /// The snippet: the line with a caret row under the span. A long line
    /// (a hostile or generated file) is cut to a window around the column.
    pub(crate) fn snippet(&self) -> String {
        let number = self.line.to_string();
        let pad = " ".repeat(number.len());
        let chars: Vec<char> = self
            .text
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        let col = (self.column - 1).min(chars.len());
        let start = if chars.len() > SNIPPET_WIDTH {
            col.saturating_sub(SNIPPET_WIDTH / 4)
        } else {
            0
        };
        let end = chars.len().min(start + SNIPPET_WIDTH);
        let mut text: String = chars[start..end].iter().collect();
        let mut caret_at = col - start;
        if start > 0 {
            text.insert(0, '…');
            caret_at += 1;
        }
        if end < chars.len() {
            text.push('…');
        }
        let width = self.width.min(end.saturating_sub(col).max(1));
        format!(
            "{pad} |\n{number} | {text}\n{pad} | {}{}",
            " ".repeat(caret_at),
            "^".repeat(width)
        )
    }
}

/// `text` cut to at most [`SNIPPET_WIDTH`] characters (with `…`), for
/// quoting user input in a one-line message: a hostile 100,000-character
/// requirement is shown whole in the snippet's window, not in the message.
pub(crate) fn excerpt(text: &str) -> std::borrow::Cow<'_, str> {
    match text.char_indices().nth(SNIPPET_WIDTH) {
        Some((end, _)) => format!("{}…", &text[..end]).into(),
        None => text.into(),
    }
}

/// The most characters of a line a snippet shows.
const SNIPPET_WIDTH: usize = 120;

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Set once by a command that prints JSON ([`for_machines`]): paths in
/// messages are then shown whole.
static WHOLE_PATHS: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// From now on (the rest of this process), [`display_path`] shows paths
/// whole: a command printing JSON calls it before it words anything, so
/// what a program reads does not depend on the directory penv ran in.
pub(crate) fn for_machines() {
    WHOLE_PATHS.store(true, std::sync::atomic::Ordering::Relaxed);
}

/// A message as a program reads it (a JSON value): without the Markdown
/// backticks that quote paths, commands and names for people.
pub(crate) fn plain(text: &str) -> String {
    text.replace('`', "")
}

/// A path as shown in messages: relative to the current directory when it is
/// inside it, else as it is (always as it is after [`for_machines`]);
/// escaped by [`escape_path`] either way.
pub(crate) fn display_path(path: &Path) -> String {
    if !WHOLE_PATHS.load(std::sync::atomic::Ordering::Relaxed)
        && let Ok(cwd) = std::env::current_dir()
        && let Ok(rel) = path.strip_prefix(&cwd)
    {
        if rel.as_os_str().is_empty() {
            return ".".to_owned();
        }
        return escape_path(rel);
    }
    escape_path(path)
}

/// A path as text, never ambiguous and never more than one line: as it is
/// when it is valid UTF-8 without control characters (and does not start
/// with `"`); else between double quotes, with `\"`, `\\`, `\n`, `\r`,
/// `\t`, `\u{…}` for other control characters and `\xNN` for each byte
/// that is not UTF-8 — as git quotes unusual paths. The one way penv puts a
/// path into text meant for people.
pub(crate) fn escape_path(path: &Path) -> String {
    let bytes = path.as_os_str().as_encoded_bytes();
    let plain = std::str::from_utf8(bytes)
        .ok()
        .filter(|s| !s.starts_with('"') && !s.chars().any(char::is_control));
    if let Some(text) = plain {
        return text.to_owned();
    }
    let mut out = String::with_capacity(bytes.len() + 2);
    out.push('"');
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\t' => out.push_str("\\t"),
                c if c.is_control() => {
                    let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
                }
                c => out.push(c),
            }
        }
        for b in chunk.invalid() {
            let _ = write!(out, "\\x{b:02x}");
        }
    }
    out.push('"');
    out
}

/// A path as a JSON value, lossless or marked: a string when the path is
/// valid UTF-8 (control characters and all: JSON escapes them), else an
/// object `{"lossy": …, "hex": …}` — the path with each invalid sequence
/// replaced by U+FFFD, for people, and its bytes in hex (on Windows, its
/// WTF-8 form), for programs. Never an error, never a silent U+FFFD.
pub(crate) fn json_path(path: &Path) -> serde_json::Value {
    if let Some(text) = path.to_str() {
        return serde_json::Value::String(text.to_owned());
    }
    let mut hex = String::new();
    for b in path.as_os_str().as_encoded_bytes() {
        let _ = write!(hex, "{b:02x}");
    }
    serde_json::json!({
        "lossy": path.to_string_lossy(),
        "hex": hex,
    })
}

/// For `#[serde(serialize_with = "…")]` on a path field printed as JSON:
/// [`json_path`]'s form.
pub(crate) fn serialize_path<S: serde::Serializer>(path: &Path, s: S) -> Result<S::Ok, S::Error> {
    serde::Serialize::serialize(&json_path(path), s)
}

/// [`serialize_path`] for an optional path (`null` when absent).
#[expect(
    clippy::ref_option,
    reason = "serde's `serialize_with` passes the field by reference"
)]
pub(crate) fn serialize_opt_path<S: serde::Serializer>(
    path: &Option<PathBuf>,
    s: S,
) -> Result<S::Ok, S::Error> {
    serde::Serialize::serialize(&path.as_deref().map(json_path), s)
}

/// The closest of `candidates` to `word`, if it is close enough to be a likely typo.
pub(crate) fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(word, c), c))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

/// How `error:` is shown on a terminal.
const ERROR: Style = Style::new()
    .bold()
    .fg_color(Some(anstyle::Color::Ansi(AnsiColor::Red)));
/// How `hint:` is shown on a terminal.
const HINT: Style = Style::new()
    .bold()
    .fg_color(Some(anstyle::Color::Ansi(AnsiColor::Cyan)));

/// Renders an error and its causes, with its location and hint, as plain text.
pub fn render(err: &dyn Diagnostic) -> String {
    render_with(err, Style::new(), Style::new())
}

/// [`render`] with `error:` and `hint:` styled, for a stream that strips
/// the styles when colour is off (see `printer`), so nothing re-parses the
/// rendered text to colour it.
pub(crate) fn render_styled(err: &dyn Diagnostic) -> String {
    render_with(err, ERROR, HINT)
}

fn render_with(err: &dyn Diagnostic, error: Style, hint_style: Style) -> String {
    let mut out = format!("{error}error:{error:#} {err}\n");
    let mut last = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        // A wrapper that shows its cause's words (a rolled-back build) would
        // otherwise say the same thing twice.
        let text = cause.to_string();
        if !last.contains(&text) {
            let _ = writeln!(out, "  Caused by: {text}");
        }
        last = text;
        source = cause.source();
    }
    if let Some(location) = err.location() {
        // Errors that do not start with `file:line:col` get it as a pointer
        // above the snippet, so every located error names its file and line.
        let position = location.position();
        if !out.contains(&position) {
            let pad = " ".repeat(location.line.to_string().len());
            let _ = writeln!(out, "{pad}--> {position}");
        }
        let _ = writeln!(out, "{}", location.snippet());
    }
    if let Some(detail) = err.detail() {
        out.push('\n');
        out.push_str(detail.trim_end());
        out.push('\n');
    }
    if let Some(hint) = err.hint() {
        let _ = write!(out, "\n{hint_style}hint:{hint_style:#} {hint}\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_escaped_onto_one_line_and_json_is_lossless_or_marked() {
        assert_eq!(escape_path(Path::new("/a b/c\\d")), "/a b/c\\d");
        assert_eq!(
            escape_path(Path::new("/new\nline/\"q\"\t")),
            r#""/new\nline/\"q\"\t""#
        );
        assert_eq!(escape_path(Path::new("/x\u{1b}[31m")), r#""/x\u{1b}[31m""#);
        assert_eq!(escape_path(Path::new("\"quoted\"")), r#""\"quoted\"""#);
        assert_eq!(
            json_path(Path::new("/new\nline")),
            serde_json::json!("/new\nline")
        );
        #[cfg(unix)]
        {
            use std::os::unix::ffi::OsStrExt as _;
            let odd = Path::new(std::ffi::OsStr::from_bytes(b"/caf\xe9\\"));
            assert_eq!(escape_path(odd), r#""/caf\xe9\\""#);
            assert_eq!(
                json_path(odd),
                serde_json::json!({"lossy": "/caf\u{fffd}\\", "hex": "2f636166e95c"})
            );
        }
    }

    #[test]
    fn location_counts_lines_and_characters() {
        let src = "a = 1\nbé = [\"x\"]\n";
        let at = src.find('[').unwrap();
        let loc = Location::from_span(Path::new("/p/penv.toml"), src, at..at + 5);
        assert_eq!((loc.line, loc.column, loc.width), (2, 6, 5));
        assert_eq!(loc.snippet(), "  |\n2 | bé = [\"x\"]\n  |      ^^^^^");
    }

    #[test]
    fn long_lines_are_cut_around_the_column() {
        let src = format!("x = {}\n", "[".repeat(5000));
        let loc = Location::from_span(Path::new("penv.toml"), &src, 2000..2001);
        let snippet = loc.snippet();
        assert!(snippet.len() < 2 * SNIPPET_WIDTH * 3, "{snippet}");
        let lines: Vec<&str> = snippet.lines().collect();
        let caret = lines[2].find('^').unwrap();
        assert_eq!(lines[1].chars().nth(caret), Some('['));
        assert!(lines[1].starts_with("1 | …") && lines[1].ends_with('…'));
    }

    #[test]
    fn excerpts_are_cut_at_the_snippet_width() {
        assert_eq!(excerpt("rich>=13"), "rich>=13");
        let long = "é".repeat(SNIPPET_WIDTH + 1);
        let cut = excerpt(&long);
        assert_eq!(cut.chars().count(), SNIPPET_WIDTH + 1);
        assert!(cut.ends_with("é…"));
        assert_eq!(
            excerpt(&long[..SNIPPET_WIDTH * 2]),
            long[..SNIPPET_WIDTH * 2]
        );
    }

    #[test]
    fn did_you_mean_finds_typos_only() {
        let keys = ["requirements", "requirement-files", "python"];
        assert_eq!(did_you_mean("requirments", keys), Some("requirements"));
        assert_eq!(did_you_mean("pyhton", keys), Some("python"));
        assert_eq!(did_you_mean("zzz", keys), None);
    }

    /// A test error with every part a report can have.
    #[derive(Debug, thiserror::Error)]
    #[error("outer failed")]
    struct Outer {
        #[source]
        source: std::io::Error,
        location: Location,
    }

    impl Diagnostic for Outer {
        fn location(&self) -> Option<&Location> {
            Some(&self.location)
        }
        fn detail(&self) -> Option<String> {
            Some("  - a detail".to_owned())
        }
        fn hint(&self) -> Option<String> {
            Some("do this".to_owned())
        }
    }

    #[test]
    fn styled_reports_are_the_plain_report_once_stripped() {
        let err = Outer {
            source: std::io::Error::other("inner"),
            location: Location::line(Path::new("/r/requirements.txt"), 3, "rich>="),
        };
        let plain = render(&err);
        assert_eq!(
            plain,
            "error: outer failed\n  Caused by: inner\n --> /r/requirements.txt:3:1\n  |\n3 | rich>=\n  | ^^^^^^\n\n  - a detail\n\nhint: do this\n"
        );
        let styled = render_styled(&err);
        assert_ne!(styled, plain);
        assert!(styled.starts_with(&format!("{ERROR}error:{ERROR:#} ")));
        assert!(styled.contains(&format!("\n{HINT}hint:{HINT:#} do this")));
        assert_eq!(anstream::adapter::strip_str(&styled).to_string(), plain);
    }
}
