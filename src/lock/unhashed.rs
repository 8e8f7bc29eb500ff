//! Lock entries pip cannot check against a hash: a `directory` (a source
//! tree, `-e ./pkg`), a `vcs` checkout and an `archive` the lock gives no
//! hash for. pip's `--require-hashes` refuses all three (a tree and a
//! checkout have no file to hash), so they are installed in a second pass,
//! `pip install --no-deps [-e] …`, after the hash-checked one.
//!
//! Invariant: what pip gets from an entry is one argument per entry,
//! never an option (a path is absolute or starts with `./`; a URL is the
//! PEP 508 `name @ URL` form, and a name or URL holding whitespace or
//! starting with `-` is refused), and a `vcs` entry is installed at its
//! recorded `commit-id`, never at a branch.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::model::{Archive, Directory, Package, Vcs};
use super::select::SelectError;

/// One entry to install without a hash check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) struct Unhashed {
    /// The package name as the lock writes it.
    pub(crate) name: String,
    /// Its version, when the lock says (a tree or a checkout has none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) version: Option<String>,
    /// What pip installs.
    pub(crate) source: UnhashedSource,
}

/// Where an [`Unhashed`] entry comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "kind")]
pub(crate) enum UnhashedSource {
    /// A local source tree: absolute when selected, relative to the project
    /// root (or absolute when outside it) once in a spec.
    Directory {
        /// The directory (with the entry's `subdirectory` applied).
        path: String,
        /// `pip install -e`.
        editable: bool,
    },
    /// A checkout at one commit: `git+https://…@<commit>`.
    Vcs {
        /// The URL pip gets after `name @ `.
        url: String,
    },
    /// An archive without a hash: its URL (`https://…`, `file://…`).
    Archive {
        /// The URL pip gets after `name @ `.
        url: String,
    },
}

impl Unhashed {
    /// The arguments of `pip install` for this entry: `-e DIR`, `DIR`, or
    /// `name @ URL`. A relative directory is joined to `root`, pip's working
    /// directory.
    pub(crate) fn pip_args(&self, root: &Path) -> Vec<String> {
        match &self.source {
            UnhashedSource::Directory { path, editable } => {
                let dir = root.join(path).display().to_string();
                if *editable {
                    vec!["-e".to_owned(), dir]
                } else {
                    vec![dir]
                }
            }
            UnhashedSource::Vcs { url } | UnhashedSource::Archive { url } => {
                vec![format!("{} @ {url}", self.name)]
            }
        }
    }

    /// What it is, for messages: `directory`, `version-control`, `archive`.
    pub(crate) fn kind(&self) -> &'static str {
        match self.source {
            UnhashedSource::Directory { .. } => "directory",
            UnhashedSource::Vcs { .. } => "version-control",
            UnhashedSource::Archive { .. } => "archive",
        }
    }
}

/// The entry of `package` when it is one pip cannot hash-check: a
/// directory, a checkout, or an archive with no hash at all; `None` for a
/// package with wheels or an sdist (selected as files), or an archive with
/// hashes. Paths are the lock's, relative to `lock_dir`.
pub(super) fn unhashed(
    package: &Package,
    lock_dir: &Path,
) -> Option<Result<Unhashed, SelectError>> {
    let source = if let Some(directory) = &package.directory {
        Ok(directory_source(directory, lock_dir))
    } else if let Some(vcs) = &package.vcs {
        vcs_source(vcs, lock_dir)
    } else {
        match &package.archive {
            Some(archive) if archive.hashes.is_empty() => archive_source(archive, lock_dir),
            _ => return None,
        }
    };
    Some(checked_name(&package.name).and(source).map_or_else(
        |reason| {
            Err(SelectError::NothingInstallable {
                name: package.name.clone(),
                reason,
            })
        },
        |source| {
            Ok(Unhashed {
                name: package.name.clone(),
                version: package.version.clone(),
                source,
            })
        },
    ))
}

fn directory_source(directory: &Directory, lock_dir: &Path) -> UnhashedSource {
    let mut dir = lock_dir.join(&directory.path);
    if let Some(sub) = &directory.subdirectory {
        dir.push(sub);
    }
    let dir = absolute(&dir);
    UnhashedSource::Directory {
        path: dir.display().to_string(),
        editable: directory.editable.unwrap_or(false),
    }
}

fn vcs_source(vcs: &Vcs, lock_dir: &Path) -> Result<UnhashedSource, String> {
    let kind = vcs.kind.as_str();
    if !matches!(kind, "git" | "hg" | "bzr" | "svn") {
        return Err(format!(
            "its `vcs` type `{kind}` is none of `git`, `hg`, `bzr`, `svn`"
        ));
    }
    let repository = match (&vcs.url, &vcs.path) {
        (Some(url), _) => url
            .strip_prefix(&format!("{kind}+"))
            .unwrap_or(url)
            .to_owned(),
        // `localhost`: pip before 24 refuses a `git+file:` URL without a host.
        (None, Some(path)) => {
            super::select::file_url(&lock_dir.join(path)).replacen("file://", "file://localhost", 1)
        }
        (None, None) => return Err("its `vcs` table has neither `url` nor `path`".to_owned()),
    };
    if vcs.commit_id.is_empty() || vcs.commit_id.contains(['@', '#']) {
        return Err(format!(
            "its `commit-id` `{}` is not a commit",
            vcs.commit_id
        ));
    }
    let mut url = format!("{kind}+{repository}@{}", vcs.commit_id);
    if let Some(sub) = &vcs.subdirectory {
        url.push_str("#subdirectory=");
        url.push_str(sub);
    }
    checked_url(url).map(|url| UnhashedSource::Vcs { url })
}

fn archive_source(archive: &Archive, lock_dir: &Path) -> Result<UnhashedSource, String> {
    let mut url = match (&archive.url, &archive.path) {
        (Some(url), _) => url.clone(),
        (None, Some(path)) => super::select::file_url(&lock_dir.join(path)),
        (None, None) => return Err("its archive has neither `url` nor `path`".to_owned()),
    };
    if let Some(sub) = &archive.subdirectory {
        url.push_str("#subdirectory=");
        url.push_str(sub);
    }
    checked_url(url).map(|url| UnhashedSource::Archive { url })
}

/// A URL that is one argument and no option.
fn checked_url(url: String) -> Result<String, String> {
    if url.chars().any(char::is_whitespace) || url.starts_with('-') {
        return Err(format!(
            "its URL `{}` holds whitespace or starts with `-`",
            url.escape_debug()
        ));
    }
    Ok(url)
}

/// A name pip reads as a name before ` @ `: PEP 508's letters, digits, `-_.`.
fn checked_name(name: &str) -> Result<(), String> {
    let ok = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphanumeric())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if ok {
        Ok(())
    } else {
        Err(format!(
            "its name `{}` is not a PEP 508 name",
            name.escape_debug()
        ))
    }
}

fn absolute(path: &Path) -> PathBuf {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_owned());
    crate::fs::normalize_lexically(&absolute)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lock::model::parse;

    fn one(body: &str) -> Option<Result<Unhashed, SelectError>> {
        let text = format!("lock-version = \"1.0\"\ncreated-by = \"x\"\n[[packages]]\n{body}");
        let lock = parse(&text, Path::new("pylock.toml")).unwrap();
        unhashed(&lock.packages[0], Path::new("/proj"))
    }

    #[test]
    fn directories_checkouts_and_hashless_archives_become_pip_arguments() {
        let dir = one("name = \"pkg\"\ndirectory = { path = \"libs/pkg\", editable = true }\n")
            .unwrap()
            .unwrap();
        assert_eq!(
            dir.pip_args(Path::new("/elsewhere")),
            ["-e", "/proj/libs/pkg"]
        );
        assert_eq!(dir.kind(), "directory");
        let plain = one("name = \"pkg\"\ndirectory = { path = \"../x\", subdirectory = \"py\" }\n")
            .unwrap()
            .unwrap();
        assert_eq!(plain.pip_args(Path::new("/")), ["/x/py"]);
        let git = one(
            "name = \"r\"\nvcs = { type = \"git\", url = \"https://g/o/r.git\", requested-revision = \"main\", commit-id = \"c0ffee\", subdirectory = \"sub\" }\n",
        )
        .unwrap()
        .unwrap();
        assert_eq!(
            git.pip_args(Path::new("/")),
            ["r @ git+https://g/o/r.git@c0ffee#subdirectory=sub"],
            "the commit, not the branch"
        );
        let local = one(
            "name = \"r\"\nvcs = { type = \"git\", path = \"/repos/r\", commit-id = \"abc\" }\n",
        )
        .unwrap()
        .unwrap();
        assert_eq!(
            local.pip_args(Path::new("/")),
            ["r @ git+file://localhost/repos/r@abc"]
        );
        let archive = one(
            "name = \"a\"\nversion = \"1\"\narchive = { url = \"https://h/a-1.tar.gz\", hashes = {} }\n",
        )
        .unwrap()
        .unwrap();
        assert_eq!(
            archive.pip_args(Path::new("/")),
            ["a @ https://h/a-1.tar.gz"]
        );
        assert_eq!(archive.kind(), "archive");
    }

    #[test]
    fn files_with_hashes_are_not_unhashed() {
        let hash = "a".repeat(64);
        assert!(
            one(&format!(
                "name = \"a\"\narchive = {{ url = \"https://h/a.tar.gz\", hashes = {{ sha256 = \"{hash}\" }} }}\n"
            ))
            .is_none()
        );
        assert!(
            one(&format!(
                "name = \"a\"\nsdist = {{ url = \"https://h/a.tar.gz\", hashes = {{ sha256 = \"{hash}\" }} }}\n"
            ))
            .is_none()
        );
    }

    #[test]
    fn what_would_reach_pip_as_an_option_is_refused() {
        let reason = |body: &str| match one(body).unwrap().unwrap_err() {
            SelectError::NothingInstallable { reason, .. } => reason,
            other => panic!("{other:?}"),
        };
        assert!(
            reason("name = \"--index-url\"\ndirectory = { path = \".\" }\n")
                .contains("PEP 508 name")
        );
        assert!(
            reason("name = \"r\"\nvcs = { type = \"git\", url = \"https://g/r --index-url x\", commit-id = \"c\" }\n")
                .contains("whitespace")
        );
        assert!(
            reason(
                "name = \"r\"\nvcs = { type = \"cvs\", url = \"https://g/r\", commit-id = \"c\" }\n"
            )
            .contains("`cvs`")
        );
        assert!(reason("name = \"r\"\nvcs = { type = \"git\", url = \"https://g/r\", commit-id = \"main@x\" }\n").contains("not a commit"));
    }
}
