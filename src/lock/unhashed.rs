//! Lock entries pip cannot check against a hash: a `directory` (a source
//! tree, `-e ./pkg`), a `vcs` checkout and an `archive` the lock gives no
//! hash for. pip's `--require-hashes` refuses all three (a tree and a
//! checkout have no file to hash), so they are installed in a second pass,
//! `pip install --no-deps [-e] …`, after the hash-checked one.
//!
//! Invariant: what pip gets from an entry is one argument per entry,
//! never an option, rendered from parsed values (`fields`): a directory is
//! an absolute path pip reads as nothing but that path; a checkout or an
//! archive is PEP 508's `name @ URL`, the name normalized, the URL one
//! token with at most penv's own `#subdirectory=`. A `vcs` entry is
//! installed at its recorded `commit-id` (a full hash), never at a branch.
//! Each is checked again as it is rendered for pip.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::fields::{self, FILE_SCHEMES};
use super::model::{Archive, Directory, Package, Vcs};
use super::select_error::SelectError;

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

/// What is wrong, and with which field.
type Refusal = (&'static str, String);

impl Unhashed {
    /// The arguments of `pip install` for this entry: `-e DIR`, `DIR`, or
    /// `name @ URL`, each checked again as it is rendered. A relative
    /// directory is joined to `root`, pip's working directory. An
    /// archive's URL, once checked, goes through `credentials` (`lock::auth`
    /// adds an index's userinfo).
    pub(crate) fn pip_args(
        &self,
        root: &Path,
        credentials: impl FnOnce(&str) -> Option<String>,
    ) -> Result<Vec<String>, SelectError> {
        let refused = |(field, why): Refusal| SelectError::Refused {
            entry: format!("package `{}`", fields::shown(&self.name)),
            field: field.to_owned(),
            why,
        };
        match &self.source {
            UnhashedSource::Directory { path, editable } => {
                let dir = fields::dir_argument(&root.join(path))
                    .map_err(|why| refused(("directory.path", why)))?;
                Ok(if *editable {
                    vec!["-e".to_owned(), dir]
                } else {
                    vec![dir]
                })
            }
            UnhashedSource::Vcs { url } | UnhashedSource::Archive { url } => {
                let name = fields::name(&self.name).map_err(|why| refused(("name", why)))?;
                let url = fields::direct_url(url).map_err(|why| refused(("url", why)))?;
                let url = match &self.source {
                    UnhashedSource::Archive { .. } => credentials(&url).unwrap_or(url),
                    _ => url,
                };
                Ok(vec![format!("{name} @ {url}")])
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
        directory_source(directory, lock_dir)
    } else if let Some(vcs) = &package.vcs {
        vcs_source(vcs, lock_dir)
    } else {
        match &package.archive {
            Some(archive) if archive.hashes.is_empty() => archive_source(archive, lock_dir),
            _ => return None,
        }
    };
    let checked = fields::name(&package.name)
        .map_err(|why| ("name", why))
        .and(source);
    Some(match checked {
        Ok(source) => Ok(Unhashed {
            name: package.name.clone(),
            version: package.version.clone(),
            source,
        }),
        Err((field, why)) => Err(SelectError::Refused {
            entry: format!("package `{}`", fields::shown(&package.name)),
            field: field.to_owned(),
            why,
        }),
    })
}

fn directory_source(directory: &Directory, lock_dir: &Path) -> Result<UnhashedSource, Refusal> {
    fields::path(&directory.path).map_err(|why| ("directory.path", why))?;
    let mut dir = lock_dir.join(&directory.path);
    if let Some(sub) = &directory.subdirectory {
        dir.push(fields::subdirectory(sub).map_err(|why| ("directory.subdirectory", why))?);
    }
    let dir = absolute(&dir);
    Ok(UnhashedSource::Directory {
        path: fields::dir_argument(&dir).map_err(|why| ("directory.path", why))?,
        editable: directory.editable.unwrap_or(false),
    })
}

fn vcs_source(vcs: &Vcs, lock_dir: &Path) -> Result<UnhashedSource, Refusal> {
    let kind = vcs.kind.as_str();
    if !matches!(kind, "git" | "hg" | "bzr" | "svn") {
        return Err((
            "vcs.type",
            format!(
                "`{}` is none of `git`, `hg`, `bzr`, `svn`",
                fields::shown(kind)
            ),
        ));
    }
    let repository = match (&vcs.url, &vcs.path) {
        (Some(url), _) => {
            let bare = url.strip_prefix(&format!("{kind}+")).unwrap_or(url);
            let url =
                fields::url(bare, fields::vcs_schemes(kind)).map_err(|why| ("vcs.url", why))?;
            local_host(url.as_str())
        }
        (None, Some(path)) => {
            fields::path(path).map_err(|why| ("vcs.path", why))?;
            local_host(&fields::file_url(&lock_dir.join(path)))
        }
        (None, None) => {
            return Err(("vcs", "has neither `url` nor `path`".to_owned()));
        }
    };
    let commit = fields::commit(kind, &vcs.commit_id).map_err(|why| ("vcs.commit-id", why))?;
    let mut url = format!("{kind}+{repository}@{commit}");
    if let Some(sub) = &vcs.subdirectory {
        url.push_str("#subdirectory=");
        url.push_str(&fields::subdirectory(sub).map_err(|why| ("vcs.subdirectory", why))?);
    }
    let url = fields::direct_url(&url).map_err(|why| ("vcs", why))?;
    Ok(UnhashedSource::Vcs { url })
}

/// A `file:` URL with `localhost` as its host: pip before 24 refuses a
/// `git+file:` URL without one.
fn local_host(url: &str) -> String {
    match url.strip_prefix("file:///") {
        Some(rest) => format!("file://localhost/{rest}"),
        None => url.to_owned(),
    }
}

fn archive_source(archive: &Archive, lock_dir: &Path) -> Result<UnhashedSource, Refusal> {
    let url = match (&archive.url, &archive.path) {
        (Some(url), _) => fields::url(url, FILE_SCHEMES).map_err(|why| ("archive.url", why))?,
        (None, Some(path)) => {
            fields::path(path).map_err(|why| ("archive.path", why))?;
            fields::url(&fields::file_url(&lock_dir.join(path)), FILE_SCHEMES)
                .map_err(|why| ("archive.path", why))?
        }
        (None, None) => return Err(("archive", "has neither `url` nor `path`".to_owned())),
    };
    let mut url = url.to_string();
    if let Some(sub) = &archive.subdirectory {
        url.push_str("#subdirectory=");
        url.push_str(&fields::subdirectory(sub).map_err(|why| ("archive.subdirectory", why))?);
    }
    Ok(UnhashedSource::Archive { url })
}

fn absolute(path: &Path) -> PathBuf {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_owned());
    crate::fs::normalize_lexically(&absolute)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lock::parse;

    const COMMIT: &str = "0123456789abcdef0123456789abcdef01234567";

    fn one(body: &str) -> Option<Result<Unhashed, SelectError>> {
        let text = format!("lock-version = \"1.0\"\ncreated-by = \"x\"\n[[packages]]\n{body}");
        let lock = parse(&text, Path::new("pylock.toml")).unwrap();
        unhashed(&lock.packages[0], Path::new("/proj"))
    }

    fn args(entry: &Unhashed, root: &str) -> Vec<String> {
        entry.pip_args(Path::new(root), |_| None).unwrap()
    }

    #[test]
    fn directories_checkouts_and_hashless_archives_become_pip_arguments() {
        let dir = one("name = \"pkg\"\ndirectory = { path = \"libs/pkg\", editable = true }\n")
            .unwrap()
            .unwrap();
        assert_eq!(args(&dir, "/elsewhere"), ["-e", "/proj/libs/pkg"]);
        assert_eq!(dir.kind(), "directory");
        let plain = one("name = \"pkg\"\ndirectory = { path = \"../x\", subdirectory = \"py\" }\n")
            .unwrap()
            .unwrap();
        assert_eq!(args(&plain, "/"), ["/x/py"]);
        let git = one(&format!(
            "name = \"R\"\nvcs = {{ type = \"git\", url = \"https://g/o/r.git\", requested-revision = \"main\", commit-id = \"{}\", subdirectory = \"sub\" }}\n",
            COMMIT.to_uppercase()
        ))
        .unwrap()
        .unwrap();
        assert_eq!(
            args(&git, "/"),
            [format!(
                "r @ git+https://g/o/r.git@{COMMIT}#subdirectory=sub"
            )],
            "the commit, not the branch; the name normalized"
        );
        let local = one(&format!(
            "name = \"r\"\nvcs = {{ type = \"git\", path = \"/repos/r\", commit-id = \"{COMMIT}\" }}\n"
        ))
        .unwrap()
        .unwrap();
        assert_eq!(
            args(&local, "/"),
            [format!("r @ git+file://localhost/repos/r@{COMMIT}")]
        );
        let archive = one(
            "name = \"a\"\nversion = \"1\"\narchive = { url = \"https://h/a-1.tar.gz\", hashes = {} }\n",
        )
        .unwrap()
        .unwrap();
        assert_eq!(args(&archive, "/"), ["a @ https://h/a-1.tar.gz"]);
        assert_eq!(archive.kind(), "archive");
        assert_eq!(
            archive
                .pip_args(Path::new("/"), |url| Some(url.replace("://", "://u:t@")))
                .unwrap(),
            ["a @ https://u:t@h/a-1.tar.gz"],
            "credentials are added to the URL once it is checked"
        );
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
                "name = \"a\"\nsdist = {{ url = \"https://h/a-1.tar.gz\", hashes = {{ sha256 = \"{hash}\" }} }}\n"
            ))
            .is_none()
        );
    }

    /// What a spec records is checked again as it is rendered for pip: an
    /// entry that did not come from a checked lock is refused there.
    #[test]
    fn what_would_reach_pip_as_more_than_one_value_is_refused() {
        let entry = |name: &str, source: UnhashedSource| Unhashed {
            name: name.to_owned(),
            version: None,
            source,
        };
        let refused = |entry: Unhashed| match entry.pip_args(Path::new("/p"), |_| None) {
            Err(SelectError::Refused { field, .. }) => field,
            other => panic!("{other:?}"),
        };
        let archive = |url: &str| UnhashedSource::Archive {
            url: url.to_owned(),
        };
        let dir = |path: &str| UnhashedSource::Directory {
            path: path.to_owned(),
            editable: false,
        };
        assert_eq!(
            refused(entry("--index-url", archive("https://h/a-1.tar.gz"))),
            "name"
        );
        assert_eq!(
            refused(entry(
                "a ; python_version < '0'",
                archive("https://h/a-1.tar.gz")
            )),
            "name"
        );
        assert_eq!(
            refused(entry("a", archive("https://h/a-1.tar.gz --no-index"))),
            "url"
        );
        assert_eq!(
            refused(entry("a", archive("https://h/a-1.tar.gz#egg=b"))),
            "url"
        );
        assert_eq!(
            refused(entry(
                "a",
                UnhashedSource::Vcs {
                    url: "git+ext::sh -c evil".to_owned()
                }
            )),
            "url"
        );
        assert_eq!(
            refused(entry("a", dir("pkg;sys_platform=='nope'"))),
            "directory.path"
        );
        assert_eq!(refused(entry("a", dir("pkg[extra]"))), "directory.path");
        assert_eq!(refused(entry("a", dir("pkg\n-e"))), "directory.path");
    }
}
