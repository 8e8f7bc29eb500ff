//! The values of a lock that reach pip, parsed, and what pip gets rendered
//! from them.
//!
//! A lock arrives with a pull request like any other file, so what pip gets
//! from it must be what a reviewer of the file can see. Every value that
//! reaches pip — a package name, a URL, a hash, a commit, a subdirectory, a
//! path — is parsed here into what it means ([`PackageName`], [`Url`], a
//! digest, path components), and pip gets penv's rendering of that, never
//! the text as written (STYLE: "untrusted text is parsed, then
//! re-rendered"). Versions and `requires-python` do not reach pip; they are
//! parsed so a file name can be compared with them and a package is never
//! skipped over a specifier nobody can read.
//!
//! Invariant: whatever these functions accept renders as one token of
//! pip's requirement-file syntax — no whitespace (an option, or a ` #`
//! comment, would follow), no `;` (a marker), no `{` (pip expands `${NAME}`
//! in requirement files), no fragment but the `#subdirectory=` penv writes
//! itself, no credentials — or, for a directory, one argument pip reads as
//! that directory. Each error is a phrase that follows the field's name:
//! "`url` has a fragment …".

use std::path::{Component, Path};
use std::str::FromStr;

use pep440_rs::{Version, VersionSpecifiers};
use pep508_rs::PackageName;
use url::Url;

/// The schemes a file (a wheel, an sdist, an archive) may be fetched from.
pub(crate) const FILE_SCHEMES: &[&str] = &["https", "http", "file"];

/// The hash algorithms pip checks (`--hash`), and their hex digest lengths.
const PIP_HASHES: [(&str, usize); 3] = [("sha256", 64), ("sha384", 96), ("sha512", 128)];

/// A value as an error message shows it: escaped (a newline is `\n`, a
/// terminal escape `\u{1b}`, a right-to-left override `\u{202e}`), and
/// cut short.
pub(crate) fn shown(text: &str) -> String {
    const MAX: usize = 80;
    // `escape_debug`, but quotes stay as they are: a value is shown in
    // backticks, and `'nope'` reads better than `\'nope\'`.
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '\'' | '"') {
            escaped.push(c);
        } else {
            escaped.extend(c.escape_debug());
        }
    }
    match escaped.char_indices().nth(MAX) {
        Some((at, _)) => format!("{}…", &escaped[..at]),
        None => escaped,
    }
}

/// The first character of `text` that is whitespace or a control
/// character, as an error: such text would be more than one token.
fn one_token(text: &str) -> Result<(), String> {
    match text.chars().find(|c| c.is_whitespace() || c.is_control()) {
        Some(c) => Err(format!("`{}` holds {}", shown(text), describe_char(c))),
        None => Ok(()),
    }
}

fn describe_char(c: char) -> String {
    match c {
        '\n' => "a newline".to_owned(),
        ' ' => "a space".to_owned(),
        '\t' => "a tab".to_owned(),
        c if c.is_control() => format!("the control character `{}`", c.escape_unicode()),
        c => format!("the whitespace `{}`", c.escape_unicode()),
    }
}

/// The first line of a parser's message (`pep440_rs` draws the input and a
/// caret row under it, which the error's own snippet does already).
fn first_line(message: &str) -> &str {
    message
        .lines()
        .next()
        .unwrap_or(message)
        .trim_end_matches(':')
}

/// A package name: PEP 508's letters, digits, `-`, `_` and `.`, starting
/// and ending with a letter or digit. pip gets its normalized form.
pub(crate) fn name(text: &str) -> Result<PackageName, String> {
    if text.is_empty() {
        return Err("is empty".to_owned());
    }
    PackageName::from_str(text).map_err(|_| {
        format!(
            "`{}` is not a PEP 508 package name (letters, digits, `-`, `_` and `.`, starting and ending with a letter or digit)",
            shown(text)
        )
    })
}

/// A PEP 440 version.
pub(crate) fn version(text: &str) -> Result<Version, String> {
    one_token(text)?;
    if text.is_empty() || text.len() > 128 {
        return Err(format!("`{}` is not a PEP 440 version", shown(text)));
    }
    Version::from_str(text).map_err(|e| {
        format!(
            "`{}` is not a PEP 440 version ({})",
            shown(text),
            first_line(&e.to_string())
        )
    })
}

/// PEP 440 version specifiers (`requires-python`).
pub(crate) fn specifiers(text: &str) -> Result<VersionSpecifiers, String> {
    if let Some(c) = text.chars().find(|c| c.is_control()) {
        return Err(format!("`{}` holds {}", shown(text), describe_char(c)));
    }
    VersionSpecifiers::from_str(text).map_err(|e| {
        format!(
            "`{}` is not PEP 440 version specifiers ({})",
            shown(text),
            first_line(&e.to_string())
        )
    })
}

/// An absolute URL with one of `schemes`: no whitespace or control
/// character, no character RFC 3986 leaves out of URLs (`"`, `<`, `>`,
/// `\`, `^`, a backtick, `{`, `|`, `}`), no fragment (PEP 751 keeps
/// hashes and subdirectories in keys of their own), no credentials (a
/// lock records none; `lock::auth` adds the index's at install time) but
/// an SSH checkout's bare `git@`, and a `file:` URL names no host.
pub(crate) fn url(text: &str, schemes: &[&str]) -> Result<Url, String> {
    one_token(text)?;
    if text.len() > 8192 {
        return Err("is longer than 8192 characters".to_owned());
    }
    if let Some(c) = text.chars().find(|c| "\"<>\\^`{|}".contains(*c)) {
        return Err(format!(
            "`{}` holds `{c}`, which a URL may not",
            shown(text)
        ));
    }
    let url = Url::parse(text).map_err(|e| format!("`{}` is not a URL ({e})", shown(text)))?;
    if !schemes.contains(&url.scheme()) {
        let allowed: Vec<String> = schemes.iter().map(|s| format!("`{s}`")).collect();
        let (last, rest) = allowed.split_last().expect("a scheme");
        return Err(format!(
            "`{}` has the scheme `{}`; penv installs from {} and {last} URLs only",
            shown(text),
            url.scheme(),
            rest.join(", ")
        ));
    }
    if url.fragment().is_some() {
        return Err(format!(
            "`{}` has a fragment (`#…`): PEP 751 gives hashes and the subdirectory keys of their own, and pip would read one there",
            shown(text)
        ));
    }
    let bare_git_user = url.scheme() == "ssh" && url.username() == "git";
    if (!url.username().is_empty() && !bare_git_user) || url.password().is_some() {
        return Err(format!(
            "`{}` holds credentials (`…@` before the host): a lock records none (penv gives pip the index's own at install time)",
            shown(text)
        ));
    }
    if url.scheme() == "file" {
        if url
            .host_str()
            .is_some_and(|h| !h.is_empty() && h != "localhost")
        {
            return Err(format!(
                "`{}` names a host: a `file:` URL must be local",
                shown(text)
            ));
        }
        if url.query().is_some() {
            return Err(format!("`{}` has a query (`?…`)", shown(text)));
        }
    }
    Ok(url)
}

/// The schemes a repository of `kind` (`git`, `hg`, `bzr`, `svn`) may be
/// fetched with.
pub(crate) fn vcs_schemes(kind: &str) -> &'static [&'static str] {
    match kind {
        "git" => &["https", "http", "ssh", "file", "git"],
        "svn" => &["https", "http", "ssh", "file", "svn"],
        _ => &["https", "http", "ssh", "file"],
    }
}

/// A URL penv made for pip's `name @ URL` (a checkout's
/// `git+https://…@<commit>`, an archive's `https://…`), checked again as
/// it goes to pip: [`url`]'s rules (a checkout's scheme without its
/// `git+`), and no fragment but `#subdirectory=` with a [`subdirectory`].
pub(crate) fn direct_url(text: &str) -> Result<String, String> {
    let base = match text.split_once('#') {
        Some((base, fragment)) => {
            let sub = fragment.strip_prefix("subdirectory=").ok_or_else(|| {
                format!(
                    "`{}` has a fragment other than `#subdirectory=`",
                    shown(text)
                )
            })?;
            subdirectory(sub)?;
            base
        }
        None => text,
    };
    let vcs = ["git", "hg", "bzr", "svn"]
        .into_iter()
        .find_map(|kind| Some((kind, base.strip_prefix(kind)?.strip_prefix('+')?)));
    match vcs {
        Some((kind, bare)) => url(bare, vcs_schemes(kind))?,
        None => url(base, FILE_SCHEMES)?,
    };
    Ok(text.to_owned())
}

/// The hash pip gets for `algorithm = "value"`: `sha256:<hex>` for an
/// algorithm pip checks, its digest of the right length, in lowercase;
/// `None` for another algorithm (pip is not given it, so it is not judged).
pub(crate) fn hash(algorithm: &str, value: &str) -> Result<Option<String>, String> {
    let Some((_, digits)) = PIP_HASHES.iter().find(|(name, _)| *name == algorithm) else {
        return Ok(None);
    };
    let bytes = (value.len() == *digits)
        .then(|| hex::decode(value).ok())
        .flatten()
        .ok_or_else(|| format!("`{}` is not {digits} hex digits", shown(value)))?;
    Ok(Some(format!("{algorithm}:{}", hex::encode(bytes))))
}

/// A commit pip checks out: a full hash for `git` (40 or 64 hex digits)
/// and `hg` (40), a revision number for `svn` and `bzr`; lowercase. Never a
/// branch or tag, and never an abbreviated hash (another commit can be
/// made to share it).
pub(crate) fn commit(kind: &str, text: &str) -> Result<String, String> {
    let hex = |lengths: &[usize]| {
        lengths.contains(&text.len()) && text.bytes().all(|b| b.is_ascii_hexdigit())
    };
    let ok = match kind {
        "git" => hex(&[40, 64]),
        "hg" => hex(&[40]),
        _ => (1..=20).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_digit()),
    };
    if ok {
        Ok(text.to_ascii_lowercase())
    } else {
        Err(format!(
            "`{}` is not a full commit of `{kind}` ({})",
            shown(text),
            match kind {
                "git" => "40 or 64 hex digits",
                "hg" => "40 hex digits",
                _ => "a revision number",
            }
        ))
    }
}

/// A subdirectory inside a checkout, archive or directory: relative,
/// components of letters, digits, `-`, `_`, `.` and `+`, none `.` or `..`,
/// joined with `/`.
pub(crate) fn subdirectory(text: &str) -> Result<String, String> {
    let bad = || {
        format!(
            "`{}` is not a relative path of plain names (letters, digits, `-`, `_`, `.`, `+`; no `..`)",
            shown(text)
        )
    };
    if text.is_empty() || text.len() > 1024 {
        return Err(bad());
    }
    let mut parts = Vec::new();
    for part in text.trim_end_matches('/').split('/') {
        let plain = part
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '+'));
        if part.is_empty() || part == "." || part == ".." || !plain {
            return Err(bad());
        }
        parts.push(part);
    }
    Ok(parts.join("/"))
}

/// A path the lock gives (a file, a directory, a repository): text pip
/// reads as a path and nothing else — no control character, no leading or
/// trailing whitespace (pip strips it), no `;` (pip reads a marker after
/// one), no `[`, `]` (extras) and no `#`.
pub(crate) fn path(text: &str) -> Result<(), String> {
    if text.is_empty() {
        return Err("is empty".to_owned());
    }
    if text.len() > 4096 {
        return Err("is longer than 4096 characters".to_owned());
    }
    if let Some(c) = text
        .chars()
        .find(|c| c.is_control() || (c.is_whitespace() && *c != ' '))
    {
        return Err(format!("`{}` holds {}", shown(text), describe_char(c)));
    }
    if text.trim() != text {
        return Err(format!("`{}` starts or ends with a space", shown(text)));
    }
    if let Some(c) = text.chars().find(|c| matches!(c, ';' | '[' | ']' | '#')) {
        return Err(format!(
            "`{}` holds `{c}`, which pip reads as more than a path",
            shown(text)
        ));
    }
    Ok(())
}

/// The argument pip gets for a directory: `dir` as text, which pip reads
/// as that directory — absolute (never an option), and none of what pip
/// strips or splits off (a `;` and a marker, trailing `[extras]`, leading
/// or trailing whitespace, a control character).
pub(crate) fn dir_argument(dir: &Path) -> Result<String, String> {
    let Some(text) = dir.to_str() else {
        return Err(format!("`{}` is not UTF-8", dir.display()));
    };
    if !dir.is_absolute() {
        return Err(format!("`{}` is not absolute", shown(text)));
    }
    if let Some(c) = text.chars().find(|c| c.is_control()) {
        return Err(format!("`{}` holds {}", shown(text), describe_char(c)));
    }
    if text.contains(';') || text.ends_with(']') || text.trim() != text {
        return Err(format!(
            "`{}` holds a `;`, ends with `]` or with a space, which pip reads as more than a path",
            shown(text)
        ));
    }
    Ok(text.to_owned())
}

/// Whether the local file a `file:` URL names is one pip can read to its
/// end: a regular file (through symlinks), or nothing yet (pip says so).
/// A FIFO or a device would keep pip reading for ever, a directory is not
/// an archive.
pub(crate) fn regular_file(url: &Url) -> Result<(), String> {
    if url.scheme() != "file" {
        return Ok(());
    }
    let Ok(path) = url.to_file_path() else {
        return Err(format!("`{url}` is not a local path"));
    };
    // Not found, or not readable: pip's own error says which.
    let Ok(meta) = std::fs::metadata(&path) else {
        return Ok(());
    };
    if meta.is_file() {
        return Ok(());
    }
    Err(format!(
        "`{}` is {}, not a regular file",
        shown(&path.display().to_string()),
        file_kind(meta.file_type())
    ))
}

fn file_kind(kind: std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if kind.is_fifo() {
            return "a FIFO (pip would wait on it for ever)";
        }
        if kind.is_char_device() || kind.is_block_device() {
            return "a device (pip would read it for ever)";
        }
        if kind.is_socket() {
            return "a socket";
        }
    }
    if kind.is_dir() {
        "a directory"
    } else {
        "not a regular file"
    }
}

/// The file name pip gives the file at `url`, as its `Link.filename`
/// does: the last segment of the percent-decoded path (trailing `/`
/// dropped), decoded again.
pub(crate) fn pip_file_name(url: &Url) -> String {
    let decode = |s: &str| {
        percent_encoding::percent_decode_str(s)
            .decode_utf8_lossy()
            .into_owned()
    };
    let path = decode(url.path());
    let path = path.trim_end_matches('/');
    decode(path.rsplit('/').next().unwrap_or(path))
}

/// The file name of a lock's `path` as the URL penv makes of it
/// ([`file_url`]): joined to `lock_dir`, `..` resolved lexically.
pub(crate) fn path_file_name(lock_dir: &Path, text: &str) -> Option<String> {
    let joined = lock_dir.join(text);
    let absolute = std::path::absolute(&joined).unwrap_or(joined);
    let normal = crate::fs::normalize_lexically(&absolute);
    match normal.components().next_back()? {
        Component::Normal(name) => Some(name.to_string_lossy().into_owned()),
        _ => None,
    }
}

/// What a `file://` URL percent-encodes in a path.
const SET: &percent_encoding::AsciiSet = &percent_encoding::CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'`')
    .add(b'{')
    .add(b'}')
    // Left out of URLs by RFC 3986: `fields::url` refuses them unencoded.
    .add(b'^')
    .add(b'|')
    .add(b'\\');

/// A `file://` URL for a local path (made absolute), percent-encoded.
pub(crate) fn file_url(path: &Path) -> String {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| std::path::PathBuf::from(path));
    let absolute = crate::fs::normalize_lexically(&absolute);
    let text = absolute.to_string_lossy().replace('\\', "/");
    let encoded = percent_encoding::utf8_percent_encode(&text, SET).to_string();
    if encoded.starts_with('/') {
        format!("file://{encoded}")
    } else {
        format!("file:///{encoded}")
    }
}

#[cfg(test)]
#[path = "fields_tests.rs"]
mod tests;
