//! pip requirement files: read, with their `-r`/`-c` includes followed
//! relative to the including file, so that the spec can hash every byte
//! that decides what gets installed.
//!
//! Invariant: every file pip will read is in the result, each once, and a
//! cycle of includes is an error naming the whole cycle (pip itself would
//! recurse until it gives up).

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::diagnostics::{Location, display_path};
use crate::fs::FsError;

/// A requirement file larger than this is refused.
pub const MAX_SIZE: u64 = 16 * 1024 * 1024;

/// A requirement or constraint file that was read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequirementFile {
    /// Its absolute path.
    pub path: PathBuf,
    /// sha256 of its bytes, hex.
    pub sha256: String,
    /// Its meaningful lines (comments, blanks and continuations folded), for diffs.
    pub lines: Vec<String>,
    /// Whether it was included with `-c` (constraints) rather than `-r`.
    pub constraint: bool,
}

/// Errors reading requirement files.
#[derive(Debug, thiserror::Error)]
pub enum ReqFileError {
    /// A file that does not exist.
    #[error("requirement file `{}` does not exist{}", display_path(path), from_suffix(.location.as_ref()))]
    Missing {
        /// The missing file.
        path: PathBuf,
        /// Where it is named.
        location: Option<Location>,
    },
    /// A directory where a file was expected.
    #[error("requirement file `{}` is a directory{}", display_path(path), from_suffix(.location.as_ref()))]
    IsDirectory {
        /// The directory.
        path: PathBuf,
        /// Where it is named.
        location: Option<Location>,
    },
    /// An include cycle.
    #[error("requirement files include each other in a cycle: {}", chain.iter().map(|p| format!("`{}`", display_path(p))).collect::<Vec<_>>().join(" -> "))]
    Cycle {
        /// The files of the cycle, the first repeated at the end.
        chain: Vec<PathBuf>,
        /// The include that closes it.
        location: Option<Location>,
    },
    /// A file too large to be a requirement file.
    #[error(
        "requirement file `{}` is {size} bytes; at most {MAX_SIZE} are read",
        display_path(path)
    )]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// Its size.
        size: u64,
    },
    /// A file that is not UTF-8.
    #[error(
        "requirement file `{}` is not valid UTF-8 (line {line})",
        display_path(path)
    )]
    NotUtf8 {
        /// The file.
        path: PathBuf,
        /// The first bad line.
        line: usize,
    },
    /// A line pip would read as a requirement, but that is not one.
    #[error("invalid requirement `{text}` in `{}`: {message}", display_path(&location.path))]
    BadRequirement {
        /// The requirement text.
        text: String,
        /// What is wrong with it.
        message: String,
        /// Its line.
        location: Location,
    },
    /// Any other I/O error (e.g. permission denied).
    #[error(transparent)]
    Io(#[from] FsError),
}

fn from_suffix(location: Option<&Location>) -> String {
    location
        .map(|l| format!(" (named at {})", l.position()))
        .unwrap_or_default()
}

impl ReqFileError {
    /// Where the offending file is named.
    pub fn location(&self) -> Option<&Location> {
        match self {
            Self::Missing { location, .. }
            | Self::IsDirectory { location, .. }
            | Self::Cycle { location, .. } => location.as_ref(),
            Self::BadRequirement { location, .. } => Some(location),
            Self::TooLarge { .. } | Self::NotUtf8 { .. } | Self::Io(_) => None,
        }
    }

    /// What to do.
    pub fn hint(&self) -> Option<String> {
        Some(match self {
            Self::Missing { .. } => "paths in `requirement-files`, and after `-r`/`-c` in `[pip] args`, are relative to the project file; paths after `-r`/`-c` in a requirement file are relative to that file".to_owned(),
            Self::IsDirectory { .. } => "name a file, e.g. `requirements/base.txt`".to_owned(),
            Self::Cycle { .. } => "remove one of the `-r`/`-c` lines of the cycle".to_owned(),
            Self::NotUtf8 { .. } => "save the file as UTF-8".to_owned(),
            Self::TooLarge { .. } => "a requirement file lists packages, one a line; check that this is the file you meant".to_owned(),
            Self::BadRequirement { .. } => "write a PEP 508 requirement (`requests>=2.32`), a pip option (`-r base.txt`), a path or a URL".to_owned(),
            Self::Io(_) => "check that the file is readable by you".to_owned(),
        })
    }
}

/// Reads the top-level files (each with where it is named) and everything
/// they include, depth first, each file once.
pub fn read_all(top: &[(PathBuf, Option<Location>)]) -> Result<Vec<RequirementFile>, ReqFileError> {
    let top: Vec<_> = top
        .iter()
        .map(|(path, location)| (path.clone(), location.clone(), false))
        .collect();
    read_files(&top)
}

/// [`read_all`] for top-level files that may be constraint files (`-c` in
/// `[pip] args`): `(path, where it is named, constraint)`.
pub fn read_files(
    top: &[(PathBuf, Option<Location>, bool)],
) -> Result<Vec<RequirementFile>, ReqFileError> {
    let mut out = Vec::new();
    for (path, location, constraint) in top {
        let mut stack = Vec::new();
        read_one(path, location.clone(), *constraint, &mut stack, &mut out)?;
    }
    Ok(out)
}

fn read_one(
    path: &Path,
    location: Option<Location>,
    constraint: bool,
    stack: &mut Vec<PathBuf>,
    out: &mut Vec<RequirementFile>,
) -> Result<(), ReqFileError> {
    let path = std::path::absolute(path).unwrap_or_else(|_| path.to_owned());
    let path = normalize(&path);
    let meta = match std::fs::metadata(&path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(ReqFileError::Missing { path, location });
        }
        Err(e) => return Err(FsError::new("read", path, e).into()),
    };
    if meta.is_dir() {
        return Err(ReqFileError::IsDirectory { path, location });
    }
    if meta.len() > MAX_SIZE {
        return Err(ReqFileError::TooLarge {
            path,
            size: meta.len(),
        });
    }
    if let Some(start) = stack.iter().position(|p| *p == path) {
        let mut chain = stack[start..].to_vec();
        chain.push(path);
        return Err(ReqFileError::Cycle { chain, location });
    }
    if out.iter().any(|f: &RequirementFile| f.path == path) {
        return Ok(());
    }
    let bytes = std::fs::read(&path).map_err(|e| FsError::new("read", &path, e))?;
    let sha256 = hex(&Sha256::digest(&bytes));
    let text = String::from_utf8(bytes).map_err(|e| {
        let line = e.as_bytes()[..e.utf8_error().valid_up_to()]
            .split(|b| *b == b'\n')
            .count();
        ReqFileError::NotUtf8 {
            path: path.clone(),
            line,
        }
    })?;
    let logical = logical_lines(&text);
    let index = out.len();
    out.push(RequirementFile {
        path: path.clone(),
        sha256,
        lines: logical.iter().map(|(_, l)| l.clone()).collect(),
        constraint,
    });
    stack.push(path.clone());
    let dir = path.parent().unwrap_or(Path::new("/")).to_owned();
    for (line_no, line) in &logical {
        if let Some((target, is_constraint)) = include_target(line) {
            // A URL: pip fetches it. `${VAR}`: pip expands it from its own
            // environment. Either way its text is hashed as part of this line.
            if target.contains("://") || target.contains("${") {
                continue;
            }
            let location = Location::line(&path, *line_no, line);
            read_one(&dir.join(target), Some(location), is_constraint, stack, out)?;
        } else if let Some(text) = requirement_part(line)
            && let Err(message) = crate::spec::normalize_requirement(text)
        {
            return Err(ReqFileError::BadRequirement {
                text: text.to_owned(),
                message,
                location: Location::line(&path, *line_no, line),
            });
        }
    }
    stack.pop();
    // Keep the including file before what it includes (already the case).
    debug_assert!(out[index].path == path);
    Ok(())
}

/// Lines with comments stripped, continuations joined and blanks dropped,
/// each with the number of the line it starts on.
pub fn logical_lines(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut start = 0;
    for (i, raw) in text.lines().enumerate() {
        if current.is_empty() {
            start = i + 1;
        }
        // pip: a comment starts at `#` at line start or after whitespace.
        let without_comment = match raw.find(" #").or_else(|| raw.find("\t#")) {
            Some(pos) => &raw[..pos],
            None if raw.trim_start().starts_with('#') => "",
            None => raw,
        };
        if let Some(cont) = without_comment.strip_suffix('\\') {
            current.push_str(cont);
            continue;
        }
        current.push_str(without_comment);
        let line = current.trim().to_owned();
        current.clear();
        if !line.is_empty() {
            out.push((start, line));
        }
    }
    let line = current.trim().to_owned();
    if !line.is_empty() {
        out.push((start, line));
    }
    out
}

/// The target of an include line: `-r f`, `-rf`, `--requirement f`,
/// `--requirement=f`, and the same for `-c`/`--constraint`. pip splits an
/// option line as a shell would (`shlex`): quotes group words
/// (`-r "sub dir/x.txt"`), and only the first word after the option is the file.
pub fn include_target(line: &str) -> Option<(String, bool)> {
    let words = shlex::split(line)?;
    let (first, next) = (words.first()?, words.get(1));
    // pip (optparse) takes any unambiguous abbreviation of a long option:
    // `--requirem` (not `--require`: `--require-hashes`), `--cons` (not
    // `--con`: `--config-settings`).
    let (name, inline) = match first.split_once('=') {
        Some((name, value)) => (name, Some(value)),
        None => (first.as_str(), None),
    };
    for (long, shortest, short, constraint) in [
        ("--requirement", "--requirem", "-r", false),
        ("--constraint", "--cons", "-c", true),
    ] {
        let is_long = name.starts_with(shortest) && long.starts_with(name);
        let target = if is_long {
            inline.map(str::to_owned).or_else(|| next.cloned())
        } else if first == short {
            next.cloned()
        } else if !first.starts_with("--") {
            first.strip_prefix(short).map(str::to_owned)
        } else {
            None
        };
        if let Some(target) = target.filter(|t| !t.is_empty()) {
            return Some((target, constraint));
        }
    }
    None
}

/// The PEP 508 requirement a line holds, when pip would read it as one: not
/// an option, a path, a URL, an archive, a line with `${VAR}` or `===`; without the
/// per-requirement options after it (`--hash=…`). Anything pip reads some
/// other way is left to pip, so this never refuses a file pip accepts.
fn requirement_part(line: &str) -> Option<&str> {
    const ARCHIVES: &[&str] = &[
        ".whl", ".zip", ".tar.gz", ".tgz", ".tar.bz2", ".tbz", ".tar.xz", ".txz", ".tar",
    ];
    if !line.starts_with(|c: char| c.is_ascii_alphanumeric()) {
        return None;
    }
    let text = line
        .find(" --")
        .or_else(|| line.find("\t--"))
        .map_or(line, |i| &line[..i])
        .trim();
    // `===` compares any string (PEP 440 arbitrary equality), which pip
    // accepts and `pep508_rs` does not: left to pip.
    let looks_elsewhere = text.contains("://")
        || text.contains("===")
        || text.contains('/')
        || text.contains('\\')
        || text.contains("${")
        || ARCHIVES
            .iter()
            .any(|a| text.to_ascii_lowercase().ends_with(a));
    (!looks_elsewhere).then_some(text)
}

/// `a/./b/../c` → `a/c`, without touching the file system (symlinks kept).
pub(crate) fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// Lowercase hex.
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn include_forms() {
        let target = include_target;
        let r = |t: &str| Some((t.to_owned(), false));
        assert_eq!(target("-r base.txt"), r("base.txt"));
        assert_eq!(target("-rbase.txt"), r("base.txt"));
        assert_eq!(target("--requirement base.txt"), r("base.txt"));
        assert_eq!(target("--requirement=base.txt"), r("base.txt"));
        assert_eq!(target("-c c.txt"), Some(("c.txt".to_owned(), true)));
        assert_eq!(
            target("--constraint=c.txt"),
            Some(("c.txt".to_owned(), true))
        );
        // As pip reads them: quotes group, an unquoted space ends the file name.
        assert_eq!(target("-r \"sub dir/x.txt\""), r("sub dir/x.txt"));
        assert_eq!(target("-r 'sub dir/x.txt'"), r("sub dir/x.txt"));
        assert_eq!(target("-r ./sub dir/x.txt"), r("./sub"));
        assert_eq!(target("requests"), None);
        assert_eq!(target("--require-hashes"), None);
        assert_eq!(target("--requirement"), None);
        assert_eq!(target("-r \"unbalanced"), None);
        // Abbreviations pip accepts, and those it finds ambiguous.
        assert_eq!(target("--requireme=x.txt"), r("x.txt"));
        assert_eq!(target("--requirem x.txt"), r("x.txt"));
        assert_eq!(target("--cons c.txt"), Some(("c.txt".to_owned(), true)));
        assert_eq!(target("--require x.txt"), None);
        assert_eq!(target("--con c.txt"), None);
    }

    #[test]
    fn requirement_lines_are_checked_and_everything_else_left_to_pip() {
        assert_eq!(requirement_part("rich>=13"), Some("rich>=13"));
        assert_eq!(
            requirement_part("rich==13.9 --hash=sha256:00"),
            Some("rich==13.9")
        );
        for other in [
            "-e .",
            "./pkg",
            "src/pkg",
            "pkg-1.0.tar.gz",
            "pkg-1.0-py3-none-any.whl",
            "git+https://example.org/x.git#egg=x",
            "${PKG}",
            "[extra]",
        ] {
            assert_eq!(requirement_part(other), None, "{other}");
        }
        let tmp = tempfile::tempdir().unwrap();
        let file = tmp.path().join("requirements.txt");
        std::fs::write(&file, "rich\n# ok\nrequests=>2\n").unwrap();
        match read_all(&[(file, None)]).unwrap_err() {
            ReqFileError::BadRequirement { text, location, .. } => {
                assert_eq!((text.as_str(), location.line), ("requests=>2", 3));
            }
            other => panic!("{other}"),
        }
    }

    #[test]
    fn logical_lines_fold_comments_and_continuations() {
        let text = "# top\nrequests==2.32 # pinned\n\nrich \\\n  ==13.9\nurl#egg=x\n";
        assert_eq!(
            logical_lines(text),
            vec![
                (2, "requests==2.32".to_owned()),
                (4, "rich   ==13.9".to_owned()),
                (6, "url#egg=x".to_owned()),
            ]
        );
    }

    #[test]
    fn follows_includes_relative_to_the_including_file_and_names_cycles() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        std::fs::create_dir(root.join("req")).unwrap();
        std::fs::write(
            root.join("requirements.txt"),
            "-r req/base.txt\n-c req/c.txt\nx\n",
        )
        .unwrap();
        std::fs::write(root.join("req/base.txt"), "six\n").unwrap();
        std::fs::write(root.join("req/c.txt"), "six==1.16\n").unwrap();
        let files = read_all(&[(root.join("requirements.txt"), None)]).unwrap();
        let names: Vec<_> = files
            .iter()
            .map(|f| f.path.strip_prefix(root).unwrap().to_owned())
            .collect();
        assert_eq!(
            names,
            [
                Path::new("requirements.txt"),
                Path::new("req/base.txt"),
                Path::new("req/c.txt")
            ]
        );
        assert!(files[2].constraint);

        std::fs::write(root.join("req/base.txt"), "-r ../requirements.txt\n").unwrap();
        let err = read_all(&[(root.join("requirements.txt"), None)]).unwrap_err();
        match err {
            ReqFileError::Cycle { chain, location } => {
                assert_eq!(chain.len(), 3);
                assert_eq!(chain[0], chain[2]);
                assert_eq!(location.unwrap().line, 1);
            }
            other => panic!("{other}"),
        }
    }
}
