//! pip requirement files: read, with their `-r`/`-c` includes followed
//! relative to the including file, so that the spec can hash every byte
//! that decides what gets installed.
//!
//! Invariant: every file pip will read is in the result, each once, and a
//! cycle of includes is an error naming the whole cycle (pip itself would
//! recurse until it gives up). The walk is bounded: includes nest at most
//! [`MAX_INCLUDE_DEPTH`] deep, all files together are at most
//! [`MAX_TOTAL_SIZE`] bytes, and each is read through [`crate::text_file`]
//! (regular files only, never more than its cap).

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::diagnostics::{Location, display_path, excerpt};
use crate::text_file::{self, TextFileError};

/// A requirement file larger than this is refused.
pub const MAX_SIZE: u64 = text_file::REQUIREMENT_FILE.cap;

/// Includes (`-r`/`-c`) nested deeper than this are refused. Real projects
/// nest two or three; pip itself recurses once per level and dies of a
/// `RecursionError` near a thousand, and an unbounded walk here overflowed
/// penv's stack on a chain of ~12,000 files.
pub const MAX_INCLUDE_DEPTH: usize = 64;

/// The most bytes all the requirement files of one spec may hold together:
/// they are kept in memory and their lines in the state file.
pub const MAX_TOTAL_SIZE: u64 = 2 * MAX_SIZE;

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
    /// Includes nested deeper than [`MAX_INCLUDE_DEPTH`].
    #[error(
        "requirement file include chain deeper than {MAX_INCLUDE_DEPTH} files at {} (starting from `{}`)",
        location.position(),
        display_path(top)
    )]
    TooDeep {
        /// The top-level file the chain starts from.
        top: PathBuf,
        /// The include one level too deep.
        location: Location,
    },
    /// More than [`MAX_TOTAL_SIZE`] bytes in all the files together.
    #[error(
        "requirement files hold more than {MAX_TOTAL_SIZE} bytes together, reached at `{}`{}",
        display_path(path),
        from_suffix(location.as_ref())
    )]
    TotalTooLarge {
        /// The file that went over.
        path: PathBuf,
        /// Where it is named.
        location: Option<Location>,
    },
    /// A file that cannot be read as a requirement file: not a regular file
    /// (a FIFO, a device), too large, not UTF-8, unreadable.
    #[error("{source}{}", from_suffix(location.as_ref()))]
    Read {
        /// What is wrong.
        source: TextFileError,
        /// Where the file is named.
        location: Option<Location>,
    },
    /// A line pip would read as a requirement, but that is not one.
    #[error("invalid requirement `{}` in `{}`: {message}", excerpt(text), display_path(&location.path))]
    BadRequirement {
        /// The requirement text.
        text: String,
        /// What is wrong with it.
        message: String,
        /// Its line.
        location: Location,
    },
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
            | Self::Cycle { location, .. }
            | Self::TotalTooLarge { location, .. } => location.as_ref(),
            // A bad byte is shown where it is; anything else where the file is named.
            Self::Read { source, location } => source.location().or(location.as_ref()),
            Self::BadRequirement { location, .. } | Self::TooDeep { location, .. } => {
                Some(location)
            }
        }
    }

    /// What to do.
    pub fn hint(&self) -> Option<String> {
        Some(match self {
            Self::Missing { .. } => "paths in `requirement-files`, and after `-r`/`-c` in `[pip] args`, are relative to the project file; paths after `-r`/`-c` in a requirement file are relative to that file".to_owned(),
            Self::IsDirectory { .. } => "name a file, e.g. `requirements/base.txt`".to_owned(),
            Self::Cycle { .. } => "remove one of the `-r`/`-c` lines of the cycle".to_owned(),
            Self::TooDeep { .. } => format!("flatten the chain: a file may include many files, but includes nest at most {MAX_INCLUDE_DEPTH} deep"),
            Self::TotalTooLarge { .. } => "requirement files list packages, one a line; check for a file that is not one (a log, a data file) among them".to_owned(),
            Self::Read { source: TextFileError::TooLarge { .. }, .. } => "a requirement file lists packages, one a line; check that this is the file you meant".to_owned(),
            Self::Read { source, .. } => source.hint(),
            Self::BadRequirement { .. } => "write a PEP 508 requirement (`requests>=2.32`), a pip option (`-r base.txt`), a path or a URL".to_owned(),
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
    let mut walk = Walk::default();
    for (path, location, constraint) in top {
        walk.top.clone_from(path);
        read_one(path, location.clone(), *constraint, &mut walk)?;
    }
    Ok(walk.out)
}

/// The state of one walk through the include tree.
#[derive(Default)]
struct Walk {
    /// The top-level file being walked, for messages.
    top: PathBuf,
    /// The chain of includes from it to the file being read: each file's
    /// path as named, and what it resolves to (symlinks followed), so a
    /// cycle through a symlink (`-r loop/x.txt`, `loop -> .`) is found too.
    stack: Vec<(PathBuf, PathBuf)>,
    /// Every file read so far, in order.
    out: Vec<RequirementFile>,
    /// Their paths, to read each once without a quadratic search.
    seen: std::collections::HashSet<PathBuf>,
    /// Their bytes, together.
    total: u64,
}

fn read_one(
    path: &Path,
    location: Option<Location>,
    constraint: bool,
    walk: &mut Walk,
) -> Result<(), ReqFileError> {
    let path = std::path::absolute(path).unwrap_or_else(|_| path.to_owned());
    let path = normalize(&path);
    let resolved = std::fs::canonicalize(&path).unwrap_or_else(|_| path.clone());
    if let Some(start) = walk.stack.iter().position(|(_, r)| *r == resolved) {
        let mut chain: Vec<PathBuf> = walk.stack[start..].iter().map(|(p, _)| p.clone()).collect();
        chain.push(path);
        return Err(ReqFileError::Cycle { chain, location });
    }
    if walk.seen.contains(&path) {
        return Ok(());
    }
    if walk.stack.len() >= MAX_INCLUDE_DEPTH
        && let Some(location) = location
    {
        return Err(ReqFileError::TooDeep {
            top: walk.top.clone(),
            location,
        });
    }
    let bytes = match text_file::read_bytes(&path, text_file::REQUIREMENT_FILE) {
        Ok(bytes) => bytes,
        Err(e) if e.is_not_found() => return Err(ReqFileError::Missing { path, location }),
        Err(e) if e.is_directory() => {
            return Err(ReqFileError::IsDirectory { path, location });
        }
        Err(source) => return Err(ReqFileError::Read { source, location }),
    };
    walk.total += bytes.len() as u64;
    if walk.total > MAX_TOTAL_SIZE {
        return Err(ReqFileError::TotalTooLarge { path, location });
    }
    let sha256 = hex(&Sha256::digest(&bytes));
    let text = text_file::decode(&path, bytes).map_err(|source| ReqFileError::Read {
        source,
        location: None,
    })?;
    let logical = logical_lines(&text);
    let index = walk.out.len();
    walk.seen.insert(path.clone());
    walk.out.push(RequirementFile {
        path: path.clone(),
        sha256,
        lines: logical.iter().map(|(_, l)| l.clone()).collect(),
        constraint,
    });
    walk.stack.push((path.clone(), resolved));
    let dir = path.parent().unwrap_or(Path::new("/")).to_owned();
    for (line_no, line) in &logical {
        if let Some((target, is_constraint)) = include_target(line) {
            // A URL: pip fetches it. `${VAR}`: pip expands it from its own
            // environment. Either way its text is hashed as part of this line.
            if target.contains("://") || target.contains("${") {
                continue;
            }
            let location = Location::line(&path, *line_no, line);
            read_one(&dir.join(target), Some(location), is_constraint, walk)?;
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
    walk.stack.pop();
    // Keep the including file before what it includes (already the case).
    debug_assert!(walk.out[index].path == path);
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
    crate::fs::normalize_lexically(path)
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

    /// `r0.txt` includes `r1.txt` … includes `r{n}.txt`, which holds `rich`.
    fn include_chain(dir: &Path, n: usize) -> PathBuf {
        for i in 0..n {
            std::fs::write(
                dir.join(format!("r{i}.txt")),
                format!("-r r{}.txt\n", i + 1),
            )
            .unwrap();
        }
        std::fs::write(dir.join(format!("r{n}.txt")), "rich\n").unwrap();
        dir.join("r0.txt")
    }

    #[cfg(unix)]
    #[test]
    fn a_cycle_through_a_symlinked_directory_is_named_as_a_cycle() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().canonicalize().unwrap();
        // `loop/x.txt`, `loop/loop/x.txt`, … are all `x.txt`: every path is
        // new, but the file is not.
        std::os::unix::fs::symlink(".", root.join("loop")).unwrap();
        std::fs::write(root.join("x.txt"), "rich\n-r loop/x.txt\n").unwrap();
        match read_all(&[(root.join("x.txt"), None)]).unwrap_err() {
            ReqFileError::Cycle { chain, location } => {
                assert_eq!(chain, [root.join("x.txt"), root.join("loop/x.txt")]);
                assert_eq!(location.unwrap().line, 2);
            }
            other => panic!("{other}"),
        }
    }

    #[test]
    fn include_chains_are_bounded_and_the_bound_is_named_where_it_is_crossed() {
        let tmp = tempfile::tempdir().unwrap();
        // 64 files nested: fine.
        let top = include_chain(tmp.path(), MAX_INCLUDE_DEPTH - 1);
        assert_eq!(read_all(&[(top, None)]).unwrap().len(), MAX_INCLUDE_DEPTH);
        // One more: refused at the include that crosses the bound.
        let top = include_chain(tmp.path(), MAX_INCLUDE_DEPTH);
        match read_all(&[(top.clone(), None)]).unwrap_err() {
            ReqFileError::TooDeep {
                top: from,
                location,
            } => {
                assert_eq!(from, top);
                assert!(location.path.ends_with("r63.txt"), "{location:?}");
                assert_eq!((location.line, location.text.as_str()), (1, "-r r64.txt"));
            }
            other => panic!("{other}"),
        }
    }

    /// A chain of ~12,000 includes overflowed the stack (exit 134) before
    /// the walk was bounded; here it must be an error, on a test thread's
    /// small stack.
    #[test]
    fn a_chain_of_twelve_thousand_includes_is_an_error_not_a_stack_overflow() {
        let tmp = tempfile::tempdir().unwrap();
        let top = include_chain(tmp.path(), 12_000);
        let err = read_all(&[(top, None)]).unwrap_err();
        assert!(matches!(err, ReqFileError::TooDeep { .. }), "{err}");
        assert!(
            err.to_string()
                .starts_with("requirement file include chain deeper than 64 files at "),
            "{err}"
        );
    }

    #[test]
    fn requirement_files_are_bounded_in_total_not_only_each() {
        let tmp = tempfile::tempdir().unwrap();
        // Three files under the cap of one, over the cap of all (sparse: NULs).
        for i in 0..3 {
            std::fs::File::create(tmp.path().join(format!("big{i}.txt")))
                .unwrap()
                .set_len(MAX_TOTAL_SIZE / 3 + 1)
                .unwrap();
        }
        let includes = "-r big0.txt\n-r big1.txt\n-r big2.txt\n";
        let top = tmp.path().join("requirements.txt");
        std::fs::write(&top, includes).unwrap();
        match read_all(&[(top, None)]).unwrap_err() {
            ReqFileError::TotalTooLarge { path, location } => {
                assert!(path.ends_with("big2.txt"), "{}", path.display());
                assert_eq!(location.unwrap().line, 3);
            }
            other => panic!("{other}"),
        }
    }

    #[cfg(unix)]
    #[test]
    fn an_include_that_is_a_fifo_or_a_device_is_named_where_it_is_included() {
        let tmp = tempfile::tempdir().unwrap();
        let fifo = tmp.path().join("fifo.txt");
        nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::S_IRWXU).unwrap();
        std::os::unix::fs::symlink("/dev/zero", tmp.path().join("zero.txt")).unwrap();
        for (name, file_type) in [
            ("fifo.txt", "a FIFO (named pipe)"),
            ("zero.txt", "a character device"),
        ] {
            let top = tmp.path().join("requirements.txt");
            std::fs::write(&top, format!("rich\n-r {name}\n")).unwrap();
            let (tx, rx) = std::sync::mpsc::channel();
            std::thread::spawn(move || {
                let _ = tx.send(read_all(&[(top, None)]));
            });
            let err = rx
                .recv_timeout(std::time::Duration::from_secs(10))
                .expect("no hang")
                .unwrap_err();
            match &err {
                ReqFileError::Read {
                    source: TextFileError::NotRegular { file_type: t, .. },
                    location: Some(location),
                } => {
                    assert_eq!(*t, file_type);
                    assert_eq!(location.line, 2);
                    assert!(err.to_string().ends_with("requirements.txt:2:1)"), "{err}");
                }
                other => panic!("{other}"),
            }
        }
    }
}
