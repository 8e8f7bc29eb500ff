//! Why the requirement files could not be read, each error with where the
//! offending file is named and what to do about it.

use std::path::PathBuf;

use super::{MAX_INCLUDE_DEPTH, MAX_TOTAL_SIZE};
use crate::diagnostics::{Location, display_path, excerpt};
use crate::text_file::TextFileError;

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
    /// Includes nested deeper than `MAX_INCLUDE_DEPTH`.
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
    /// More than `MAX_TOTAL_SIZE` bytes in all the files together.
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
    pub(crate) fn location(&self) -> Option<&Location> {
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
    pub(crate) fn hint(&self) -> String {
        match self {
            Self::Missing { .. } => "paths in `requirement-files`, and after `-r`/`-c` in `[pip] args`, are relative to the project file; paths after `-r`/`-c` in a requirement file are relative to that file".to_owned(),
            Self::IsDirectory { .. } => "name a file, e.g. `requirements/base.txt`".to_owned(),
            Self::Cycle { .. } => "remove one of the `-r`/`-c` lines of the cycle".to_owned(),
            Self::TooDeep { .. } => format!("flatten the chain: a file may include many files, but includes nest at most {MAX_INCLUDE_DEPTH} deep"),
            Self::TotalTooLarge { .. } => "requirement files list packages, one a line; check for a file that is not one (a log, a data file) among them".to_owned(),
            Self::Read { source: TextFileError::TooLarge { .. }, .. } => "a requirement file lists packages, one a line; check that this is the file you meant".to_owned(),
            Self::Read { source, .. } => source.hint(),
            Self::BadRequirement { .. } => "write a PEP 508 requirement (`requests>=2.32`), a pip option (`-r base.txt`), a path or a URL".to_owned(),
        }
    }
}
