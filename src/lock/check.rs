//! Checking a parsed lock, entry by entry, before anything of it is used:
//! every value that can reach pip parses as what PEP 751 says it is
//! (`fields`), every wheel or sdist names its entry's distribution and
//! version (`filename`), every local file is a regular file, and an entry
//! has one source, so a reviewer reads what pip installs.
//!
//! Invariant: [`check`] looks at every entry, whatever its marker (a
//! hostile entry for another platform is as wrong here), and answers the
//! first problem with where it is: the entry's index, its name as written,
//! and the keys of the field.

use std::fmt::Write as _;
use std::path::Path;

use pep440_rs::Version;
use pep508_rs::PackageName;

use super::fields::{self, FILE_SCHEMES};
use super::filename::{self, Kind};
use super::model::{Archive, Artifact, Directory, Package, PyLock, Vcs};

/// A key on the way to a field: a table key or an array index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Key {
    /// `name`, `wheels`, `sha256`.
    Name(String),
    /// `[0]`.
    Index(usize),
}

/// A value of the lock penv refuses, and where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Problem {
    /// The `[[packages]]` entry (0-based), `None` for a top-level key.
    pub(crate) index: Option<usize>,
    /// The entry's name, as written.
    pub(crate) name: String,
    /// The keys from the entry (or the top) to the field.
    pub(crate) keys: Vec<Key>,
    /// What is wrong, as a phrase after the field's name.
    pub(crate) why: String,
}

impl Problem {
    /// The entry, for messages: "`[[packages]]` entry 2 (`six`)".
    pub(crate) fn entry(&self) -> Option<String> {
        self.index.map(|i| entry(i, &self.name))
    }

    /// The field, as PEP 751 writes it: `wheels[0].hashes.sha256`.
    pub(crate) fn field(&self) -> String {
        field(&self.keys)
    }

    /// The keys from the top of the file.
    pub(crate) fn path(&self) -> Vec<Key> {
        let mut path = Vec::new();
        if let Some(index) = self.index {
            path.extend([Key::Name("packages".to_owned()), Key::Index(index)]);
        }
        path.extend(self.keys.iter().cloned());
        path
    }
}

/// An entry, for messages: its 1-based index and its name, escaped.
pub(crate) fn entry(index: usize, name: &str) -> String {
    format!(
        "`[[packages]]` entry {} (`{}`)",
        index + 1,
        fields::shown(name)
    )
}

/// Keys as PEP 751 writes a field: `wheels[0].url`.
pub(crate) fn field(keys: &[Key]) -> String {
    let mut out = String::new();
    for key in keys {
        match key {
            Key::Name(name) if out.is_empty() => out.push_str(name),
            Key::Name(name) => {
                let _ = write!(out, ".{name}");
            }
            Key::Index(i) => {
                let _ = write!(out, "[{i}]");
            }
        }
    }
    out
}

/// What is wrong at some keys below a package.
type Found = (Vec<Key>, String);

fn at(keys: &[&str], why: String) -> Found {
    (
        keys.iter().map(|k| Key::Name((*k).to_owned())).collect(),
        why,
    )
}

/// `found` one level further down: below `key` (and `index`).
fn under(key: &str, index: Option<usize>, (keys, why): Found) -> Found {
    let mut path = vec![Key::Name(key.to_owned())];
    path.extend(index.map(Key::Index));
    path.extend(keys);
    (path, why)
}

/// Checks every entry of `lock` (its relative paths are `lock_dir`'s).
pub(crate) fn check(lock: &PyLock, lock_dir: &Path) -> Result<(), Problem> {
    check_with(lock, lock_dir, false)
}

/// [`check`], where a file of a package with an `index` may name itself
/// (`name`) with neither `url` nor `path`: a lock Poetry wrote, whose
/// files pip finds on the index by name and version and checks by hash.
/// PEP 751 wants one of them, so a `pylock.toml` never gets this.
pub(crate) fn check_by_name(lock: &PyLock, lock_dir: &Path) -> Result<(), Problem> {
    check_with(lock, lock_dir, true)
}

fn check_with(lock: &PyLock, lock_dir: &Path, by_name: bool) -> Result<(), Problem> {
    if let Some(specifier) = &lock.requires_python
        && let Err(why) = fields::specifiers(specifier)
    {
        return Err(Problem {
            index: None,
            name: String::new(),
            keys: vec![Key::Name("requires-python".to_owned())],
            why,
        });
    }
    for (index, package) in lock.packages.iter().enumerate() {
        package_problem(package, lock_dir, by_name && package.index.is_some()).map_err(
            |(keys, why)| Problem {
                index: Some(index),
                name: package.name.clone(),
                keys,
                why,
            },
        )?;
    }
    Ok(())
}

fn package_problem(package: &Package, lock_dir: &Path, by_name: bool) -> Result<(), Found> {
    let name = fields::name(&package.name).map_err(|why| at(&["name"], why))?;
    let version = package
        .version
        .as_deref()
        .map(fields::version)
        .transpose()
        .map_err(|why| at(&["version"], why))?;
    if let Some(specifier) = &package.requires_python {
        fields::specifiers(specifier).map_err(|why| at(&["requires-python"], why))?;
    }
    let sources: Vec<&str> = [
        ("vcs", package.vcs.is_some()),
        ("directory", package.directory.is_some()),
        ("archive", package.archive.is_some()),
        (
            "sdist",
            package.sdist.is_some() || !package.wheels.is_empty(),
        ),
    ]
    .iter()
    .filter(|(_, present)| *present)
    .map(|(key, _)| *key)
    .collect();
    if let [_, second, ..] = sources[..] {
        let key = if second == "sdist" && package.sdist.is_none() {
            "wheels"
        } else {
            second
        };
        return Err(at(
            &[key],
            format!(
                "is a second source beside `{}`: PEP 751 gives an entry one (`vcs`, `directory`, `archive`, or `sdist` and `wheels`), and pip would install another than a reader sees",
                sources[0]
            ),
        ));
    }
    let ours = (&name, version.as_ref());
    for (i, wheel) in package.wheels.iter().enumerate() {
        artifact(wheel, Kind::Wheel, ours, lock_dir, by_name)
            .map_err(|f| under("wheels", Some(i), f))?;
    }
    if let Some(sdist) = &package.sdist {
        artifact(sdist, Kind::Sdist, ours, lock_dir, by_name)
            .map_err(|f| under("sdist", None, f))?;
    }
    if let Some(archive) = &package.archive {
        archive_problem(archive, ours, lock_dir).map_err(|f| under("archive", None, f))?;
    }
    if let Some(vcs) = &package.vcs {
        vcs_problem(vcs).map_err(|f| under("vcs", None, f))?;
    }
    if let Some(directory) = &package.directory {
        directory_problem(directory).map_err(|f| under("directory", None, f))?;
    }
    Ok(())
}

/// The entry's name and version.
type Ours<'a> = (&'a PackageName, Option<&'a Version>);

/// The file names pip would see for a file at `url` or `path` (checked),
/// each with its key; the first problem else.
fn file_names(
    url: Option<&str>,
    path: Option<&str>,
    lock_dir: &Path,
) -> Result<Vec<(&'static str, String)>, Found> {
    let mut names = Vec::new();
    if let Some(text) = url {
        let url = fields::url(text, FILE_SCHEMES).map_err(|why| at(&["url"], why))?;
        fields::regular_file(&url).map_err(|why| at(&["url"], why))?;
        names.push(("url", fields::pip_file_name(&url)));
    }
    if let Some(text) = path {
        fields::path(text).map_err(|why| at(&["path"], why))?;
        let file = fields::file_url(&lock_dir.join(text));
        let url = url::Url::parse(&file).map_err(|e| {
            at(
                &["path"],
                format!("`{}` makes no URL ({e})", fields::shown(text)),
            )
        })?;
        fields::regular_file(&url).map_err(|why| at(&["path"], why))?;
        let name = fields::path_file_name(lock_dir, text).ok_or_else(|| {
            at(
                &["path"],
                format!("`{}` names no file", fields::shown(text)),
            )
        })?;
        names.push(("path", name));
    }
    if names.is_empty() {
        return Err(at(&[], "has neither `url` nor `path`".to_owned()));
    }
    Ok(names)
}

fn hashes(hashes: &super::model::Hashes) -> Result<(), Found> {
    for (algorithm, value) in hashes {
        fields::hash(algorithm, value).map_err(|why| at(&["hashes", algorithm], why))?;
    }
    Ok(())
}

fn artifact(
    artifact: &Artifact,
    kind: Kind,
    ours: Ours<'_>,
    lock_dir: &Path,
    by_name: bool,
) -> Result<(), Found> {
    let names = match (&artifact.name, &artifact.url, &artifact.path) {
        (Some(name), None, None) if by_name => vec![("name", name.clone())],
        _ => file_names(artifact.url.as_deref(), artifact.path.as_deref(), lock_dir)?,
    };
    if let Some(name) = &artifact.name {
        for (key, file) in &names {
            if file != name {
                return Err(at(
                    &["name"],
                    format!(
                        "`{}` is not the file its `{key}` names (`{}`), which is the file pip installs",
                        fields::shown(name),
                        fields::shown(file)
                    ),
                ));
            }
        }
    }
    for (key, file) in &names {
        filename::check(file, kind, ours.0, ours.1).map_err(|why| at(&[key], why))?;
    }
    hashes(&artifact.hashes)
}

fn archive_problem(archive: &Archive, ours: Ours<'_>, lock_dir: &Path) -> Result<(), Found> {
    let names = file_names(archive.url.as_deref(), archive.path.as_deref(), lock_dir)?;
    for (key, file) in &names {
        filename::check(file, Kind::Archive, ours.0, ours.1).map_err(|why| at(&[key], why))?;
    }
    hashes(&archive.hashes)?;
    if let Some(sub) = &archive.subdirectory {
        fields::subdirectory(sub).map_err(|why| at(&["subdirectory"], why))?;
    }
    Ok(())
}

fn vcs_problem(vcs: &Vcs) -> Result<(), Found> {
    let kind = vcs.kind.as_str();
    if !matches!(kind, "git" | "hg" | "bzr" | "svn") {
        return Err(at(
            &["type"],
            format!(
                "`{}` is none of `git`, `hg`, `bzr`, `svn`",
                fields::shown(kind)
            ),
        ));
    }
    match (&vcs.url, &vcs.path) {
        (None, None) => return Err(at(&[], "has neither `url` nor `path`".to_owned())),
        (Some(url), _) => {
            let bare = url.strip_prefix(&format!("{kind}+")).unwrap_or(url);
            fields::url(bare, fields::vcs_schemes(kind)).map_err(|why| at(&["url"], why))?;
        }
        (None, Some(path)) => fields::path(path).map_err(|why| at(&["path"], why))?,
    }
    fields::commit(kind, &vcs.commit_id).map_err(|why| at(&["commit-id"], why))?;
    if let Some(sub) = &vcs.subdirectory {
        fields::subdirectory(sub).map_err(|why| at(&["subdirectory"], why))?;
    }
    Ok(())
}

fn directory_problem(directory: &Directory) -> Result<(), Found> {
    fields::path(&directory.path).map_err(|why| at(&["path"], why))?;
    if let Some(sub) = &directory.subdirectory {
        fields::subdirectory(sub).map_err(|why| at(&["subdirectory"], why))?;
    }
    Ok(())
}

/// The span of the value at `path` in the lock's text, or of the nearest
/// table or array above it that has one.
pub(crate) fn span(text: &str, path: &[Key]) -> Option<std::ops::Range<usize>> {
    let doc = toml_edit::Document::parse(text).ok()?;
    let mut item = doc.as_item();
    let mut best = None;
    for key in path {
        let next = match key {
            Key::Name(name) => item.get(name.as_str()),
            Key::Index(i) => item.get(*i),
        };
        let Some(next) = next else { break };
        item = next;
        best = item.span().or(best);
    }
    best
}

#[cfg(test)]
#[path = "check_tests.rs"]
mod tests;
