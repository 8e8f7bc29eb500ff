//! `find-links` directories: a local directory pip looks for archives in
//! is part of the spec by its listing (the name and sha256 of each file),
//! so adding, replacing or rebuilding a wheel there makes the env stale.
//!
//! Invariant: a location is listed only when it is a local directory (a
//! path or a `file://` URL); URLs and locations naming `${VAR}` are pip's,
//! hashed as written. Each directory is listed once, by its path relative
//! to the project root.

use std::path::{Path, PathBuf};

use super::{FindLinks, SpecError, local, pip_args, relative_display, reqfile};
use crate::credentials::PipUrl;
use crate::project::Project;

/// The `[pip] find-links` locations, each with its listing when it is a
/// local directory (a path, or a `file://` URL); a relative path stays
/// relative, so the hash does not depend on where the project is checked
/// out. A directory that is not there is an error naming the entry.
pub(super) fn configured(project: &Project) -> Result<Vec<FindLinks>, SpecError> {
    let config = &project.config;
    let mut find_links = Vec::new();
    for (i, link) in config.pip.find_links.iter().enumerate() {
        // A location naming a variable is only known when pip runs:
        // left to pip, like a URL, and hashed as written.
        if !crate::credentials::var_names(link).is_empty() {
            find_links.push(FindLinks {
                location: PipUrl::new(link.clone()),
                files: Vec::new(),
            });
            continue;
        }
        let local = if link.starts_with("file://") {
            // `file:///a%20b`, `file://localhost/a`; a `file://` page of
            // links, or a directory that is not there, is left to pip.
            local::file_url_path(link).filter(|p| p.is_dir())
        } else {
            (!link.contains("://")).then(|| PathBuf::from(link))
        };
        let Some(local) = local else {
            find_links.push(FindLinks {
                location: PipUrl::new(link.clone()),
                files: Vec::new(),
            });
            continue;
        };
        let dir = project.root.join(&local);
        let Some(listing) = listing(&dir) else {
            return Err(SpecError::FindLinksMissing {
                path: dir,
                location: project.locate(&["pip", "find-links", &i.to_string()]),
            });
        };
        let location = if link.starts_with("file://") || local.is_absolute() {
            link.clone()
        } else {
            relative_display(&dir, &project.root)
        };
        find_links.push(FindLinks {
            location: PipUrl::new(location),
            files: listing,
        });
    }
    Ok(find_links)
}

/// The local directories `-f`/`--find-links` names in requirement files
/// and `[pip] args`, with their listings, each once. As pip reads them: in
/// a requirement file, relative to that file's directory when it exists
/// there, else to pip's working directory (the project root); in `[pip]
/// args`, relative to the project root. URLs other than `file://`, `${VAR}`
/// and paths that are not directories are pip's.
pub(super) fn named(
    root: &Path,
    files: &[reqfile::RequirementFile],
    named: &pip_args::Named,
) -> Vec<FindLinks> {
    let resolve = |value: &str, beside: Option<&Path>| -> Option<PathBuf> {
        if value.contains("${") {
            return None;
        }
        if value.starts_with("file:") {
            return local::file_url_path(value);
        }
        if value.contains("://") {
            return None;
        }
        match beside.map(|dir| dir.join(value)) {
            Some(there) if there.exists() => Some(there),
            _ => Some(root.join(value)),
        }
    };
    let mut dirs: Vec<PathBuf> = named
        .find_links
        .iter()
        .filter_map(|(_, value)| resolve(value, None))
        .collect();
    for file in files {
        let beside = file.path.parent();
        for line in file.lines.iter().filter(|l| l.starts_with('-')) {
            let Some(words) = shlex::split(line) else {
                continue;
            };
            dirs.extend(
                pip_args::parse(&words)
                    .find_links
                    .iter()
                    .filter_map(|(_, value)| resolve(value, beside)),
            );
        }
    }
    let mut out: Vec<FindLinks> = Vec::new();
    for dir in dirs {
        let dir = crate::fs::normalize_lexically(&dir);
        let location = PipUrl::new(relative_display(&dir, root));
        if out.iter().any(|f| f.location == location) || !dir.is_dir() {
            continue;
        }
        if let Some(files) = listing(&dir) {
            out.push(FindLinks { location, files });
        }
    }
    out
}

/// `name sha256` of each regular file in `dir`, sorted: a wheel rebuilt
/// with the same name and size is another listing. `None` when the
/// directory cannot be listed or a file in it cannot be read.
fn listing(dir: &Path) -> Option<Vec<String>> {
    let mut listing = Vec::new();
    // Each file's digest is remembered by its identity (`fs::DirDigests`):
    // a no-op sync stats a large directory rather than reading it.
    let mut digests = crate::fs::DirDigests::open(dir);
    for entry in std::fs::read_dir(dir).ok()?.flatten() {
        let path = entry.path();
        // Followed, as pip follows it; a FIFO or a directory is no archive.
        if !std::fs::metadata(&path).is_ok_and(|m| m.is_file()) {
            continue;
        }
        let name = entry.file_name().to_string_lossy().into_owned();
        let digest = digests.sha256(&path, &name).ok()?;
        listing.push(format!("{name} {digest}"));
    }
    digests.save();
    listing.sort();
    Some(listing)
}
