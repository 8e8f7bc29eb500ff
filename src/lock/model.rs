//! The PEP 751 `pylock.toml` file as serde types, and [`parse`], which
//! reads one with errors that point into it.
//!
//! The types follow the "pylock.toml Specification" of the Python Packaging
//! User Guide field by field, so a lock uv, pdm or pipenv wrote reads as
//! well as one penv wrote. Keys the spec does not name are ignored (the
//! spec lets tools add keys only under `[tool]`, which is kept as raw TOML),
//! and `upload-time`, a TOML datetime, is kept as one so it round-trips.
//! Invariant: a [`PyLock`] returned by [`parse`] has a `lock-version` whose
//! major version is 1 (the spec: a tool MUST refuse a major version it does
//! not know), and every package has a name; and every value of it that can
//! reach pip has passed `check` (a lock comes with pull requests: it is
//! data, and what pip gets from it is penv's rendering of parsed values).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::diagnostics::{Location, display_path};

/// The lock-file version penv writes, and whose major version it reads.
pub(crate) const LOCK_VERSION: &str = "1.0";

/// Hash algorithm name → lowercase hex digest (`sha256 = "…"`).
pub(crate) type Hashes = BTreeMap<String, String>;

/// Free-form tool data: `[tool.<name>]` tables, kept as data (a TOML
/// datetime in one reads as a table; penv looks only at `[tool.penv]`).
pub(crate) type ToolTable = BTreeMap<String, serde_json::Value>;

/// A free-form inline table (`dependencies`, `attestation-identities`).
pub(crate) type Entry = BTreeMap<String, serde_json::Value>;

/// A whole `pylock.toml`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) struct PyLock {
    /// `"1.0"`; only the major version must be known.
    pub(crate) lock_version: String,
    /// Markers of the environments the lock is meant for; any may match.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) environments: Option<Vec<String>>,
    /// A PEP 440 specifier for the Python versions the lock supports.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) requires_python: Option<String>,
    /// The extras the lock supports (names for `'x' in extras` markers).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) extras: Vec<String>,
    /// The dependency groups the lock supports.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) dependency_groups: Vec<String>,
    /// The groups installed when none are asked for.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) default_groups: Vec<String>,
    /// The tool that wrote the lock.
    pub(crate) created_by: String,
    /// Every package the lock may install.
    #[serde(default)]
    pub(crate) packages: Vec<Package>,
    /// `[tool.<name>]` tables.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub(crate) tool: ToolTable,
}

/// One `[[packages]]` entry: a name, at most one version, its source.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) struct Package {
    /// The project name, normalized or not (compare with PEP 503 normalization).
    pub(crate) name: String,
    /// Required unless the source is `vcs` or `directory`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) version: Option<String>,
    /// When to install it: a PEP 508 marker, possibly with
    /// `'group' in dependency_groups` / `'x' in extras`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) marker: Option<String>,
    /// The Python versions the package supports.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) requires_python: Option<String>,
    /// Tables naming other `[[packages]]` entries (informational).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) dependencies: Vec<Entry>,
    /// The index the package came from (its simple-API base URL).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) index: Option<String>,
    /// A version-control checkout.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) vcs: Option<Vcs>,
    /// A local source tree.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) directory: Option<Directory>,
    /// A direct-URL or local archive (a wheel or sdist not from an index).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) archive: Option<Archive>,
    /// The source distribution from an index (or find-links).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) sdist: Option<Artifact>,
    /// The wheels from an index (or find-links); several for several tags.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) wheels: Vec<Artifact>,
    /// Trusted-publisher identities (informational; penv does not check them).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) attestation_identities: Vec<Entry>,
    /// `[packages.tool.<name>]` tables.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub(crate) tool: ToolTable,
}

/// A `[packages.vcs]` table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) struct Vcs {
    /// `git`, `hg`, `bzr` or `svn`.
    #[serde(rename = "type")]
    pub(crate) kind: String,
    /// The repository URL (this or `path`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) url: Option<String>,
    /// A local repository (this or `url`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) path: Option<String>,
    /// The revision as the user asked for it (a branch, a tag).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) requested_revision: Option<String>,
    /// The exact commit (required).
    pub(crate) commit_id: String,
    /// Where the project is inside the repository.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) subdirectory: Option<String>,
}

/// A `[packages.directory]` table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) struct Directory {
    /// The directory, relative to the lock file or absolute.
    pub(crate) path: String,
    /// Install it editable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) editable: Option<bool>,
    /// Where the project is inside the directory.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) subdirectory: Option<String>,
}

/// A `[packages.archive]` table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) struct Archive {
    /// Where to get it (this or `path`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) url: Option<String>,
    /// A local file, relative to the lock file or absolute.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) path: Option<String>,
    /// Its size in bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) size: Option<u64>,
    /// When the file was uploaded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) upload_time: Option<toml_edit::Datetime>,
    /// At least one hash (PEP 751 requires one; penv writes a sha256, and
    /// installs an archive another tool left without any unchecked, after
    /// the hash-checked files).
    #[serde(default)]
    pub(crate) hashes: Hashes,
    /// Where the project is inside the archive.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) subdirectory: Option<String>,
}

/// A `[packages.sdist]` table or a `[[packages.wheels]]` entry: one file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) struct Artifact {
    /// The file name (`pkg-1.0-py3-none-any.whl`); derived from `url` or
    /// `path` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) name: Option<String>,
    /// Where to get it (this or `path`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) url: Option<String>,
    /// A local file, relative to the lock file or absolute.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) path: Option<String>,
    /// When the file was uploaded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) upload_time: Option<toml_edit::Datetime>,
    /// Its size in bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) size: Option<u64>,
    /// At least one hash (required).
    pub(crate) hashes: Hashes,
}

impl Artifact {
    /// The file name: `name`, else the last segment of `url` or `path`.
    pub(crate) fn file_name(&self) -> Option<&str> {
        if let Some(name) = &self.name {
            return Some(name);
        }
        let place = self.url.as_deref().or(self.path.as_deref())?;
        let place = place.split(['?', '#']).next().unwrap_or(place);
        place.rsplit(['/', '\\']).next().filter(|s| !s.is_empty())
    }
}

/// Why a `pylock.toml` could not be read.
#[derive(Debug, thiserror::Error)]
pub enum LockFileError {
    /// The file could not be read (unreadable, too large, not UTF-8).
    #[error(transparent)]
    Read(#[from] crate::text_file::TextFileError),
    /// Not TOML, or a key of the wrong type, or a required key missing.
    #[error("{}: {message}", location.position())]
    Invalid {
        /// Where.
        location: Location,
        /// What is wrong.
        message: String,
    },
    /// A value of an entry that is not what PEP 751 says it is, or that
    /// would reach pip as more than that value (`super::check`).
    #[error("{}: {}`{field}` {why}", location.position(), entry.as_ref().map(|e| format!("{e}: ")).unwrap_or_default())]
    Entry {
        /// Where the value is.
        location: Location,
        /// The entry: its index and its name, escaped (`None`: a top-level key).
        entry: Option<String>,
        /// The field: `name`, `wheels[0].url`.
        field: String,
        /// What is wrong with it.
        why: String,
    },
    /// A `uv.lock`, `poetry.lock` or `pdm.lock` penv cannot read, or an
    /// entry of it penv refuses.
    #[error("{}: {message}", location.position())]
    Uv {
        /// Where.
        location: Location,
        /// What is wrong.
        message: String,
    },
    /// A `lock-version` whose major version penv does not know.
    #[error(
        "`{}` has `lock-version = \"{version}\"`; penv reads version 1 locks",
        display_path(path)
    )]
    UnsupportedVersion {
        /// The lock file.
        path: PathBuf,
        /// The version it declares.
        version: String,
        /// Where the key is.
        location: Option<Location>,
    },
}

impl LockFileError {
    /// Where in the file the problem is.
    pub(crate) fn location(&self) -> Option<&Location> {
        match self {
            Self::Read(e) => e.location(),
            Self::Invalid { location, .. }
            | Self::Entry { location, .. }
            | Self::Uv { location, .. } => Some(location),
            Self::UnsupportedVersion { location, .. } => location.as_ref(),
        }
    }

    /// What to do about it.
    pub(crate) fn hint(&self) -> String {
        match self {
            Self::Read(e) => e.hint(),
            Self::Invalid { .. } => "the file is not a valid `pylock.toml` (PEP 751); fix it, or run `penv lock` to write it again".to_owned(),
            Self::Entry { .. } => "penv gives pip nothing of a lock but values it can read as what PEP 751 says they are: fix the entry, or delete the file and run `penv lock` to write it again, and find out where the change came from".to_owned(),
            Self::Uv { location, .. } => {
                let file = location
                    .path
                    .file_name()
                    .map_or_else(|| "uv.lock".into(), |n| n.to_string_lossy());
                let tool = crate::lock::relock_command(&location.path);
                format!(
                    "penv reads a `{file}` as its tool writes it and gives pip nothing of it but values it can read as what they are: run `{tool}` to write it again, or delete it (penv then resolves from `pyproject.toml`), and find out where a change came from"
                )
            }
            Self::UnsupportedVersion { .. } => "the lock was written by a newer tool; upgrade penv, or run `penv lock` to write a version 1.0 lock".to_owned(),
        }
    }
}

/// Parses the text of a `pylock.toml` read from `path` (named in errors)
/// into its model, unchecked: [`super::parse`] checks every entry too.
pub(super) fn parse_unchecked(text: &str, path: &Path) -> Result<PyLock, LockFileError> {
    let doc = toml_edit::Document::parse(text.to_owned()).map_err(|e| LockFileError::Invalid {
        location: Location::from_span(path, text, e.span().unwrap_or(0..0)),
        message: format!("invalid TOML: {}", e.message().trim_end()),
    })?;
    // The version first: a version 2 lock may not fit version 1's types, and
    // must be refused for its version, not for a missing key.
    let version_item = doc.get("lock-version");
    if let Some(version) = version_item.and_then(toml_edit::Item::as_str) {
        let major = version.split('.').next().unwrap_or_default();
        if major != "1" {
            return Err(LockFileError::UnsupportedVersion {
                path: path.to_owned(),
                version: version.to_owned(),
                location: version_item
                    .and_then(toml_edit::Item::span)
                    .map(|s| Location::from_span(path, text, s)),
            });
        }
    }
    let lock: PyLock = toml_edit::de::from_document(doc).map_err(|e| LockFileError::Invalid {
        location: Location::from_span(path, text, e.span().unwrap_or(0..0)),
        message: e.message().trim_end().replace("a sequence", "an array"),
    })?;
    Ok(lock)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lock::parse;

    /// A lock in the shape `uv export --format pylock.toml` writes.
    const UV_STYLE: &str = r#"
lock-version = "1.0"
created-by = "uv"
requires-python = ">=3.9"

[[packages]]
name = "idna"
version = "3.10"
index = "https://pypi.org/simple"
sdist = { url = "https://files.pythonhosted.org/packages/idna-3.10.tar.gz", upload-time = 2024-09-15T18:07:39Z, size = 12582, hashes = { sha256 = "12f65c9b470abda6dc35cf8e63cc574b1c52b11df2c86030af0ac09b01b13ea9" } }
wheels = [{ url = "https://files.pythonhosted.org/packages/idna-3.10-py3-none-any.whl", upload-time = 2024-09-15T18:07:37Z, size = 70442, hashes = { sha256 = "946d195a0d259cbba61165e88e65941f16e9b36ea6ddb97f00452bae8b1287d3" } }]

[[packages]]
name = "markupsafe"
version = "3.0.2"
marker = "python_full_version >= '3.9' and 'dev' in dependency_groups"
index = "https://pypi.org/simple"
wheels = [
    { url = "https://example.org/MarkupSafe-3.0.2-cp311-cp311-manylinux_2_17_x86_64.whl", upload-time = 2024-10-18T15:21:13.777Z, size = 23120, hashes = { sha256 = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" } },
    { url = "https://example.org/MarkupSafe-3.0.2-cp311-cp311-win_amd64.whl", size = 15506, hashes = { sha256 = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb" } },
]

[[packages]]
name = "tool-thing"
directory = { path = "libs/thing", editable = true }

[[packages]]
name = "from-git"
vcs = { type = "git", url = "https://github.com/o/r", commit-id = "0123456789abcdef0123456789abcdef01234567" }

[tool.uv]
something = { nested = 1 }
"#;

    #[test]
    fn parses_a_uv_style_lock() {
        let lock = parse(UV_STYLE, Path::new("pylock.toml")).unwrap();
        assert_eq!(lock.lock_version, "1.0");
        assert_eq!(lock.created_by, "uv");
        assert_eq!(lock.requires_python.as_deref(), Some(">=3.9"));
        assert_eq!(lock.packages.len(), 4);
        let idna = &lock.packages[0];
        assert_eq!(idna.version.as_deref(), Some("3.10"));
        let sdist = idna.sdist.as_ref().unwrap();
        assert_eq!(sdist.size, Some(12582));
        assert_eq!(sdist.file_name(), Some("idna-3.10.tar.gz"));
        assert_eq!(
            sdist.upload_time.as_ref().unwrap().to_string(),
            "2024-09-15T18:07:39Z"
        );
        let markupsafe = &lock.packages[1];
        assert_eq!(markupsafe.wheels.len(), 2);
        assert_eq!(markupsafe.wheels[1].hashes["sha256"], "bb".repeat(32));
        assert_eq!(
            markupsafe.wheels[0].file_name(),
            Some("MarkupSafe-3.0.2-cp311-cp311-manylinux_2_17_x86_64.whl")
        );
        assert!(
            markupsafe
                .marker
                .as_deref()
                .unwrap()
                .contains("dependency_groups")
        );
        let dir = lock.packages[2].directory.as_ref().unwrap();
        assert_eq!(
            (dir.path.as_str(), dir.editable),
            ("libs/thing", Some(true))
        );
        assert_eq!(
            lock.packages[3].vcs.as_ref().unwrap().commit_id,
            "0123456789abcdef0123456789abcdef01234567"
        );
        assert!(lock.tool.contains_key("uv"));
    }

    #[test]
    fn round_trips_through_serialize() {
        let lock = parse(UV_STYLE, Path::new("pylock.toml")).unwrap();
        let text = toml_edit::ser::to_string(&lock).unwrap();
        assert_eq!(parse(&text, Path::new("again.toml")).unwrap(), lock);
    }

    #[test]
    fn refuses_another_major_version_with_its_line() {
        let text = "created-by = \"x\"\nlock-version = \"2.0\"\n";
        let err = parse(text, Path::new("pylock.toml")).unwrap_err();
        assert!(
            matches!(&err, LockFileError::UnsupportedVersion { version, .. } if version == "2.0")
        );
        assert_eq!(err.location().unwrap().line, 2);
    }

    #[test]
    fn accepts_a_newer_minor_version() {
        let text = "lock-version = \"1.3\"\ncreated-by = \"x\"\n";
        assert_eq!(parse(text, Path::new("p")).unwrap().packages, vec![]);
    }

    #[test]
    fn a_missing_required_key_points_into_the_file() {
        let text = "lock-version = \"1.0\"\ncreated-by = \"x\"\n\n[[packages]]\nversion = \"1\"\n";
        let err = parse(text, Path::new("pylock.toml")).unwrap_err();
        let LockFileError::Invalid { message, location } = &err else {
            panic!("{err:?}")
        };
        assert!(message.contains("name"), "{message}");
        assert!(location.line >= 4, "{location:?}");
    }

    #[test]
    fn bad_toml_reports_its_line() {
        let text = "lock-version = \"1.0\"\ncreated-by = \n";
        let err = parse(text, Path::new("pylock.toml")).unwrap_err();
        assert_eq!(err.location().unwrap().line, 2);
        assert!(err.to_string().starts_with("pylock.toml:2:"), "{err}");
    }
}
