//! The one reader for every file penv reads that a project, or whoever
//! committed it, controls: `penv.toml`, `pyproject.toml`, `.python-version`,
//! requirement and constraint files and their includes, `pyvenv.cfg`,
//! penv's state file, probe cache entries.
//!
//! Invariant: reading never blocks and never takes more memory than the
//! file kind's cap. The file is opened without waiting (`O_NONBLOCK`: opening
//! a FIFO does not wait for a writer) and without becoming the controlling
//! terminal (`O_NOCTTY`); the *opened* descriptor is checked to be a regular
//! file (a check of the path before opening could be raced, and would not
//! see through to what was opened); and at most cap + 1 bytes are read,
//! whatever size the file reports (a `/proc` file reports 0 and has more).

use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use crate::diagnostics::{Location, display_path, escape_path};
use crate::fs::FsError;

/// A kind of file penv reads, with the most bytes it reads of one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Kind {
    /// What the file is, with its article, for messages: "a project file".
    pub(crate) what: &'static str,
    /// Larger files are refused.
    pub(crate) cap: u64,
}

const KIB: u64 = 1024;
const MIB: u64 = 1024 * KIB;

/// `penv.toml` and `pyproject.toml`.
pub(crate) const PROJECT_FILE: Kind = Kind {
    what: "a project file",
    cap: 4 * MIB,
};
/// A requirement or constraint file, top-level or included.
pub(crate) const REQUIREMENT_FILE: Kind = Kind {
    what: "a requirement file",
    cap: 16 * MIB,
};
/// pyenv's `.python-version`.
pub(crate) const PYTHON_VERSION_FILE: Kind = Kind {
    what: "a `.python-version` file",
    cap: 64 * KIB,
};
/// An env's `pyvenv.cfg`.
pub(crate) const PYVENV_CFG: Kind = Kind {
    what: "a `pyvenv.cfg`",
    cap: 64 * KIB,
};
/// `penv-state.json`. It holds a snapshot of the spec, requirement files'
/// lines included (at most `spec::reqfile::MAX_TOTAL_SIZE` of them, which JSON
/// escaping can make a few times larger), so its cap is well above theirs:
/// a state penv wrote is never too large for penv to read back.
pub(crate) const STATE_FILE: Kind = Kind {
    what: "a penv state file",
    cap: 256 * MIB,
};
/// An entry of the interpreter probe cache (a few hundred bytes of JSON).
pub(crate) const PROBE_CACHE_ENTRY: Kind = Kind {
    what: "an interpreter probe cache entry",
    cap: MIB,
};

/// Why a file could not be read as text.
#[derive(Debug, thiserror::Error)]
pub enum TextFileError {
    /// A FIFO, a device, a socket or a directory where a file was expected.
    #[error("`{}`{} is {file_type}, not a regular file", display_path(path), link.as_ref().map(|l| format!(" (a symlink to `{}`)", escape_path(l))).unwrap_or_default())]
    NotRegular {
        /// The path as given.
        path: PathBuf,
        /// Where it points, when it is a symlink.
        link: Option<PathBuf>,
        /// "a FIFO (named pipe)", "a character device", …
        file_type: &'static str,
        /// The kind of file it was read as.
        kind: Kind,
    },
    /// More bytes than the kind's cap.
    #[error(
        "`{}` is {}; {} is at most {} bytes",
        display_path(path),
        size.map_or_else(|| format!("more than {} bytes", kind.cap), |s| format!("{s} bytes")),
        kind.what,
        kind.cap
    )]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// Its size, as reported; `None` when it reported less than it held.
        size: Option<u64>,
        /// The kind of file it was read as.
        kind: Kind,
    },
    /// Bytes that are not UTF-8.
    #[error("{}: the file is not valid UTF-8", location.position())]
    NotUtf8 {
        /// The first invalid byte.
        location: Location,
    },
    /// Opening or reading failed (missing, permission denied, …).
    #[error(transparent)]
    Io(#[from] FsError),
}

impl TextFileError {
    /// Whether the file does not exist.
    pub(crate) fn is_not_found(&self) -> bool {
        matches!(self, Self::Io(e) if e.source.kind() == io::ErrorKind::NotFound)
    }

    /// Whether the path is a directory.
    pub(crate) fn is_directory(&self) -> bool {
        matches!(self, Self::NotRegular { file_type, .. } if *file_type == DIRECTORY)
    }

    /// The first invalid byte, for `NotUtf8`.
    pub(crate) fn location(&self) -> Option<&Location> {
        match self {
            Self::NotUtf8 { location } => Some(location),
            _ => None,
        }
    }

    /// What to do.
    pub(crate) fn hint(&self) -> String {
        match self {
            Self::NotRegular { file_type, .. } if *file_type == DIRECTORY => {
                "name a file, not a directory".to_owned()
            }
            Self::NotRegular { path, kind, .. } => format!(
                "replace `{}` with a regular file: penv does not read {} from a FIFO, a device or a socket (one waits forever, another never ends)",
                display_path(path),
                kind.what
            ),
            Self::TooLarge { kind, .. } => format!(
                "{} is a few lines of text; check that this is the file you meant",
                capitalized(kind.what)
            ),
            Self::NotUtf8 { .. } => "save the file as UTF-8".to_owned(),
            Self::Io(_) => "check that the file exists and is readable by you".to_owned(),
        }
    }
}

fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

const DIRECTORY: &str = "a directory";

/// Reads `path` as UTF-8 text of at most `kind.cap` bytes.
pub(crate) fn read(path: &Path, kind: Kind) -> Result<String, TextFileError> {
    decode(path, read_bytes(path, kind)?)
}

/// Like [`read`], with `Ok(None)` when the file does not exist.
pub(crate) fn read_optional(path: &Path, kind: Kind) -> Result<Option<String>, TextFileError> {
    read_bytes_optional(path, kind)?
        .map(|bytes| decode(path, bytes))
        .transpose()
}

/// Like [`read_bytes`], with `Ok(None)` when the file does not exist.
pub(crate) fn read_bytes_optional(
    path: &Path,
    kind: Kind,
) -> Result<Option<Vec<u8>>, TextFileError> {
    match read_bytes(path, kind) {
        Err(e) if e.is_not_found() => Ok(None),
        other => other.map(Some),
    }
}

/// Reads at most `kind.cap` bytes of the regular file `path` (through
/// symlinks), refusing anything else without blocking on it.
pub(crate) fn read_bytes(path: &Path, kind: Kind) -> Result<Vec<u8>, TextFileError> {
    let file = open(path, kind)?;
    let meta = file
        .metadata()
        .map_err(|e| FsError::new("inspect", path, e))?;
    if !meta.is_file() {
        return Err(not_regular(path, file_type_name(meta.file_type()), kind));
    }
    if meta.len() > kind.cap {
        return Err(TextFileError::TooLarge {
            path: path.to_owned(),
            size: Some(meta.len()),
            kind,
        });
    }
    let mut bytes = Vec::new();
    file.take(kind.cap + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| FsError::new("read", path, e))?;
    if bytes.len() as u64 > kind.cap {
        return Err(TextFileError::TooLarge {
            path: path.to_owned(),
            size: None,
            kind,
        });
    }
    Ok(bytes)
}

/// Checks that bytes read from `path` are UTF-8, pointing at the first bad one.
pub(crate) fn decode(path: &Path, bytes: Vec<u8>) -> Result<String, TextFileError> {
    String::from_utf8(bytes).map_err(|e| {
        let valid = e.utf8_error().valid_up_to();
        // The valid prefix is the same in the lossy text, so `valid` is an
        // offset there too.
        let text = String::from_utf8_lossy(e.as_bytes());
        TextFileError::NotUtf8 {
            location: Location::from_span(path, &text, valid..valid + 1),
        }
    })
}

fn open(path: &Path, kind: Kind) -> Result<File, TextFileError> {
    #[cfg(not(unix))]
    let _ = kind;
    crate::fs::open_no_wait(path).map_err(|e| {
        // Opening a Unix socket fails (ENXIO) rather than opening something
        // that is not a file; say what it is.
        #[cfg(unix)]
        if e.raw_os_error() == Some(nix::errno::Errno::ENXIO as i32)
            && let Ok(meta) = std::fs::metadata(path)
            && !meta.is_file()
        {
            return not_regular(path, file_type_name(meta.file_type()), kind);
        }
        FsError::new("read", path, e).into()
    })
}

fn not_regular(path: &Path, file_type: &'static str, kind: Kind) -> TextFileError {
    TextFileError::NotRegular {
        path: path.to_owned(),
        link: std::fs::read_link(path).ok(),
        file_type,
        kind,
    }
}

fn file_type_name(file_type: std::fs::FileType) -> &'static str {
    crate::fs::file_type_name(file_type)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    const SMALL: Kind = Kind {
        what: "a test file",
        cap: 16,
    };

    /// Runs `read_bytes` on another thread: a read that blocks or runs away
    /// fails the test after a few seconds instead of hanging it.
    fn read_within_seconds(path: &Path, kind: Kind) -> Result<Vec<u8>, TextFileError> {
        let (tx, rx) = std::sync::mpsc::channel();
        let path = path.to_owned();
        std::thread::spawn(move || {
            let _ = tx.send(read_bytes(&path, kind));
        });
        rx.recv_timeout(Duration::from_secs(10))
            .expect("reading returned within 10 s")
    }

    #[cfg(unix)]
    #[test]
    fn a_fifo_is_refused_without_blocking() {
        let tmp = tempfile::tempdir().unwrap();
        let fifo = tmp.path().join(".python-version");
        nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::S_IRWXU).unwrap();
        match read_within_seconds(&fifo, PYTHON_VERSION_FILE).unwrap_err() {
            TextFileError::NotRegular {
                file_type, link, ..
            } => assert_eq!((file_type, link), ("a FIFO (named pipe)", None)),
            other => panic!("{other}"),
        }
    }

    #[cfg(unix)]
    #[test]
    fn devices_are_refused_directly_and_through_a_symlink() {
        let tmp = tempfile::tempdir().unwrap();
        let link = tmp.path().join("requirements.txt");
        std::os::unix::fs::symlink("/dev/zero", &link).unwrap();
        for (path, expected_link) in [
            (Path::new("/dev/zero"), None),
            (link.as_path(), Some(PathBuf::from("/dev/zero"))),
        ] {
            let err = read_within_seconds(path, REQUIREMENT_FILE).unwrap_err();
            let message = err.to_string();
            match err {
                TextFileError::NotRegular {
                    file_type, link, ..
                } => {
                    assert_eq!(file_type, "a character device", "{message}");
                    assert_eq!(link, expected_link, "{message}");
                }
                other => panic!("{other}"),
            }
        }
        let message = read_within_seconds(&link, REQUIREMENT_FILE)
            .unwrap_err()
            .to_string();
        assert!(
            message.ends_with(
                "requirements.txt` (a symlink to `/dev/zero`) is a character device, not a regular file"
            ),
            "{message}"
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_socket_is_refused_as_what_it_is() {
        let tmp = tempfile::tempdir().unwrap();
        let socket = tmp.path().join("penv.toml");
        let _listener = std::os::unix::net::UnixListener::bind(&socket).unwrap();
        let err = read_within_seconds(&socket, PROJECT_FILE).unwrap_err();
        assert!(
            matches!(
                err,
                TextFileError::NotRegular {
                    file_type: "a socket",
                    ..
                }
            ),
            "{err}"
        );
    }

    #[test]
    fn a_directory_is_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let err = read_within_seconds(tmp.path(), PROJECT_FILE).unwrap_err();
        assert!(
            matches!(
                err,
                TextFileError::NotRegular {
                    file_type: DIRECTORY,
                    ..
                }
            ),
            "{err}"
        );
        assert_eq!(err.hint(), "name a file, not a directory");
    }

    #[test]
    fn the_cap_is_checked_on_the_reported_size_and_on_what_is_read() {
        let tmp = tempfile::tempdir().unwrap();
        let exact = tmp.path().join("exact");
        std::fs::write(&exact, [b'x'; 16]).unwrap();
        assert_eq!(read_within_seconds(&exact, SMALL).unwrap().len(), 16);
        let sparse = tmp.path().join("sparse");
        std::fs::File::create(&sparse).unwrap().set_len(17).unwrap();
        match read_within_seconds(&sparse, SMALL).unwrap_err() {
            TextFileError::TooLarge { size, .. } => assert_eq!(size, Some(17)),
            other => panic!("{other}"),
        }
    }

    /// `/proc` files are regular files that report a size of 0: the cap
    /// must hold on what is read, not on what the size says.
    #[cfg(target_os = "linux")]
    #[test]
    fn a_file_that_reports_less_than_it_holds_is_cut_at_the_cap() {
        let proc_file = Path::new("/proc/self/status");
        let reported = std::fs::metadata(proc_file).unwrap().len();
        assert_eq!(reported, 0, "/proc reports no size");
        let err = read_within_seconds(proc_file, SMALL).unwrap_err();
        assert!(
            matches!(err, TextFileError::TooLarge { size: None, .. }),
            "{err}"
        );
        assert!(
            err.to_string()
                .ends_with("is more than 16 bytes; a test file is at most 16 bytes"),
            "{err}"
        );
    }

    #[test]
    fn not_utf8_points_at_the_first_bad_byte() {
        let tmp = tempfile::tempdir().unwrap();
        let file = tmp.path().join("r.txt");
        std::fs::write(&file, b"rich\ncaf\xe9\n").unwrap();
        match read(&file, SMALL).unwrap_err() {
            TextFileError::NotUtf8 { location } => {
                assert_eq!((location.line, location.column), (2, 4));
            }
            other => panic!("{other}"),
        }
    }

    #[test]
    fn a_missing_file_is_none_only_when_optional() {
        let tmp = tempfile::tempdir().unwrap();
        let missing = tmp.path().join("missing");
        assert!(read_optional(&missing, SMALL).unwrap().is_none());
        assert!(read(&missing, SMALL).unwrap_err().is_not_found());
        std::fs::write(&missing, "3.12\n").unwrap();
        assert_eq!(read_optional(&missing, SMALL).unwrap().unwrap(), "3.12\n");
    }
}
