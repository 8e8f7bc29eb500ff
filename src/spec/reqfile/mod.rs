//! pip requirement files: read, with their `-r`/`-c` includes followed
//! relative to the including file, so that the spec can hash every byte
//! that decides what gets installed.
//!
//! Invariant: every file pip will read is in the result, each once, and a
//! cycle of includes is an error naming the whole cycle (pip itself would
//! recurse until it gives up). The walk is bounded: includes nest at most
//! `MAX_INCLUDE_DEPTH` deep, all files together are at most
//! `MAX_TOTAL_SIZE` bytes, and each is read through `crate::text_file`
//! (regular files only, never more than its cap).
//!
//! The line syntax (comments, continuations, `-r`/`-c` options, which
//! lines are requirements) is in `lines`; the errors in `error`.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::diagnostics::Location;
use crate::requirement::normalize_requirement;
use crate::text_file;

mod error;
mod lines;
#[cfg(test)]
mod tests;

pub use error::ReqFileError;
use lines::requirement_part;
pub use lines::{include_target, logical_lines};

/// A requirement file larger than this is refused.
pub(crate) const MAX_SIZE: u64 = text_file::REQUIREMENT_FILE.cap;

/// Includes (`-r`/`-c`) nested deeper than this are refused. Real projects
/// nest two or three; pip itself recurses once per level and dies of a
/// `RecursionError` near a thousand, and an unbounded walk here overflowed
/// penv's stack on a chain of ~12,000 files.
pub(crate) const MAX_INCLUDE_DEPTH: usize = 64;

/// The most bytes all the requirement files of one spec may hold together:
/// they are kept in memory and their lines in the state file.
pub(crate) const MAX_TOTAL_SIZE: u64 = 2 * MAX_SIZE;

/// A requirement or constraint file that was read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequirementFile {
    /// Its absolute path.
    pub(crate) path: PathBuf,
    /// sha256 of its bytes, hex.
    pub(crate) sha256: String,
    /// Its meaningful lines (comments, blanks and continuations folded), for diffs.
    pub(crate) lines: Vec<String>,
    /// Whether it was included with `-c` (constraints) rather than `-r`.
    pub(crate) constraint: bool,
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
pub(crate) fn read_files(
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
    let path = crate::fs::normalize_lexically(&path);
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
    let sha256 = hex::encode(Sha256::digest(&bytes));
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
            && let Err(message) = normalize_requirement(text)
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
