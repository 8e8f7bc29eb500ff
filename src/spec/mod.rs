//! The spec: the canonical form of everything that decides what an env
//! contains, and its sha256 — the env's identity.
//!
//! Invariant: two project states that install the same thing have the same
//! hash (keys reordered, requirements reordered or re-spaced, comments in
//! penv.toml), and anything that can change what pip installs changes it:
//! the interpreter (canonical path, implementation, full version), the venv
//! options, the requirement lines, the selected groups, the pip options, the
//! bytes of every requirement file (those of `requirement-files` and those
//! named by `-r`/`-c` in `[pip] args`, with their includes), the metadata
//! files of every local project directory a requirement names (`-e .`,
//! `./pkg`, `pkg @ file:///…`) and the file listing of local `find-links`
//! directories. The env's path is not in the hash (it is
//! checked on its own, as "project moved"), so `penv hash` works as a cache key.
//!
//! Where each part lives: the types, `SPEC_FORMAT` and the hash here;
//! gathering them from a project in `build`, the `find-links` listings in
//! `find_links`, local project directories in `local`, requirement files
//! in `reqfile`, `[pip] args` in `pip_args`, what changed between two specs
//! in `diff`, and the errors in `error`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::credentials::{PipUrl, Redactor};
use crate::diagnostics::Location;
use crate::env_vars::UrlVars;

mod build;
mod dependency_files;
mod diff;
mod error;
mod find_links;
pub(crate) mod local;
mod locked;
pub(crate) mod own;
pub(crate) mod pip_args;
pub mod reqfile;
mod shared;

pub(crate) use build::GroupSelection;
pub(crate) use diff::{changed_files, diff};
pub use error::SpecError;
pub(crate) use local::{LocalArchive, LocalProject};
pub(crate) use locked::{LockSpec, ReadLock, foreign_lock_path, the_one_index};

/// Bumped when the serialization changes; part of the hashed bytes.
/// 2: the pip request (`venv.pip-version`); `[pip]` URLs redacted.
pub(crate) const SPEC_FORMAT: u32 = 2;

/// The pip seeded when `[venv] pip-version` is not set: the newest the
/// project's index or `find-links` offers, and at least 23.3, the first pip
/// that normalizes extras (PEP 685): older ones install `pkg[with_extra]`
/// without the extra when the package declares `with-extra`, and exit 0.
pub(crate) const DEFAULT_PIP_REQUEST: &str = ">=23.3";

/// The canonical spec. Field order is the serialization order: do not reorder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Spec {
    /// [`SPEC_FORMAT`].
    pub(crate) format: u32,
    /// The base interpreter.
    pub(crate) interpreter: InterpreterSpec,
    /// Venv options.
    pub(crate) venv: VenvSpec,
    /// Requirement strings of `requirements`, normalized, sorted, deduplicated.
    pub(crate) requirements: Vec<String>,
    /// The selected groups and their requirements (normalized, sorted).
    pub(crate) groups: BTreeMap<String, Vec<String>>,
    /// Every requirement file pip will read, in reading order.
    pub(crate) requirement_files: Vec<FileSpec>,
    /// pip options.
    pub(crate) pip: PipSpec,
    /// The local project directories the requirements name, in the order
    /// they are named, each once. Left out when there are none, so the hash
    /// of every spec without one is unchanged.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) local_projects: Vec<LocalProject>,
    /// Local `find-links` directories named by `-f`/`--find-links` in
    /// requirement files and `[pip] args` (those of `[pip] find-links` are in
    /// [`PipSpec`]), with their listings; left out when there are none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) named_find_links: Vec<FindLinks>,
    /// The top requirement files of the selected groups (`requirement-files`
    /// of a group table), by group, relative to the project root; their
    /// contents are in `requirement_files`. Left out when there are none.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub(crate) group_files: BTreeMap<String, Vec<String>>,
    /// The project itself, installed editable (`-e .[extras]`); its
    /// metadata files are in `local_projects`. Left out when it is not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) package: Option<PackageSpec>,
    /// The selected extras of a project that is not installed itself, with
    /// their requirements (normalized, sorted). Left out when there are none.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub(crate) extras: BTreeMap<String, Vec<String>>,
    /// Installed from `pylock.toml`: the lock and what is selected from it
    /// (then the requirement fields above are empty). Left out otherwise,
    /// so the hash of every spec without a lock is unchanged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) lock: Option<LockSpec>,
    /// The local archive files the requirements name (`./dist/pkg.whl`,
    /// `pkg @ file:///…/pkg.whl`), by the sha256 of their bytes: a wheel
    /// rebuilt under the same name is another spec. Left out when there
    /// are none, so the hash of every spec without one is unchanged.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) local_archives: Vec<LocalArchive>,
}

/// The project installed itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct PackageSpec {
    /// The extras selected (normalized, sorted): `-e .[a,b]`.
    pub(crate) extras: Vec<String>,
}

impl PackageSpec {
    /// What pip is given, for the project at `root`: `root[a,b]`.
    pub(crate) fn editable(&self, root: &Path) -> String {
        let mut text = root.display().to_string();
        if !self.extras.is_empty() {
            text.push('[');
            text.push_str(&self.extras.join(","));
            text.push(']');
        }
        text
    }
}

/// The interpreter part of the spec.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct InterpreterSpec {
    /// Canonical path of the base executable.
    pub(crate) path: PathBuf,
    /// `cpython`, `pypy`, …
    pub(crate) implementation: String,
    /// Full version.
    pub(crate) version: String,
}

/// The venv options part of the spec.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) struct VenvSpec {
    /// `include-system-site-packages`.
    pub(crate) system_site_packages: bool,
    /// Whether pip is seeded.
    pub(crate) pip: bool,
    /// The activation prompt, when set.
    pub(crate) prompt: Option<String>,
    /// The pip to seed, as PEP 440 specifiers (`==24.3.1`, `>=23.3`):
    /// `[venv] pip-version`, else [`DEFAULT_PIP_REQUEST`]; the version
    /// actually seeded is recorded in the state. `None` without pip.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) pip_version: Option<String>,
    /// `[venv] installer` (or `PENV_INSTALLER`); left out when pip, so
    /// the hash of a pip env is what it was before there was a choice.
    #[serde(default, skip_serializing_if = "crate::project::Installer::is_pip")]
    pub(crate) installer: crate::project::Installer,
}

/// One requirement file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct FileSpec {
    /// Its path relative to the project root (absolute when outside it).
    pub(crate) path: String,
    /// sha256 of its bytes.
    pub(crate) sha256: String,
    /// `-c` constraints rather than requirements.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub(crate) constraint: bool,
    /// Its meaningful lines, for diffs (derived from the bytes).
    pub(crate) lines: Vec<String>,
}

/// The pip options part of the spec (`default()`: no option, `PyPI` only).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct PipSpec {
    /// `--index-url` (redacted in the serialization, see [`crate::credentials`]).
    pub(crate) index_url: Option<PipUrl>,
    /// `--extra-index-url`, in order.
    pub(crate) extra_index_urls: Vec<PipUrl>,
    /// `--find-links` locations (absolute paths or URLs) with their listings.
    pub(crate) find_links: Vec<FindLinks>,
    /// `--no-index`.
    pub(crate) no_index: bool,
    /// Byte-compile at install time (pip's default) instead of `--no-compile`.
    /// Left out of the serialization when off, so the hash of every spec
    /// that does not ask for it is unchanged.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub(crate) compile_bytecode: bool,
    /// Extra `pip install` arguments, in order.
    pub(crate) args: Vec<String>,
}

/// A `find-links` location.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct FindLinks {
    /// A directory (relative to the project root, or absolute) or a URL.
    pub(crate) location: PipUrl,
    /// For a local directory: `name sha256` of each file, sorted.
    pub(crate) files: Vec<String>,
}

impl Spec {
    /// The sha256 of the canonical serialization, hex.
    pub(crate) fn hash(&self) -> String {
        let json = serde_json::to_vec(self).expect("a spec serializes");
        let mut hasher = Sha256::new();
        hasher.update(b"penv-spec\0");
        hasher.update(&json);
        hex::encode(hasher.finalize())
    }

    /// Every requirement string to install: `requirements`, the selected
    /// groups' and the selected extras' (of a project not installed itself).
    pub(crate) fn all_requirements(&self) -> Vec<&str> {
        let mut all: Vec<&str> = self.requirements.iter().map(String::as_str).collect();
        for reqs in self.groups.values().chain(self.extras.values()) {
            all.extend(reqs.iter().map(String::as_str));
        }
        all
    }

    /// The selected groups' top requirement files, in group order.
    pub(crate) fn group_top_files(&self) -> Vec<String> {
        self.group_files.values().flatten().cloned().collect()
    }
}

impl PipSpec {
    /// These options as pip gets them: `${NAME}` in the URLs and
    /// `find-links` expanded from `vars` (only when pip is called: the
    /// spec and its hash keep the text as written), and a [`Redactor`] for
    /// anything penv shows that may hold what pip was given. An unset
    /// variable is an error naming the key (pip would pass `${NAME}` on as
    /// it is, to fail later with a less clear message).
    pub(crate) fn expanded(
        &self,
        vars: &UrlVars,
        locate: impl Fn(&[&str]) -> Option<Location>,
    ) -> Result<(Self, Redactor), SpecError> {
        let mut redactor = Redactor::default();
        let mut one = |url: &PipUrl, key: &'static str, index: Option<usize>| {
            url.expanded(|name| vars.get(name), &mut redactor)
                .map_err(|name| {
                    let index = index.map(|i| i.to_string());
                    let mut path = vec!["pip", key];
                    path.extend(index.as_deref());
                    SpecError::UndefinedVariable {
                        name,
                        key,
                        location: locate(&path),
                    }
                })
        };
        let index_url = match &self.index_url {
            Some(url) => Some(one(url, "index-url", None)?),
            None => None,
        };
        let mut extra_index_urls = Vec::new();
        for (i, url) in self.extra_index_urls.iter().enumerate() {
            extra_index_urls.push(one(url, "extra-index-urls", Some(i))?);
        }
        let mut find_links = Vec::new();
        for (i, link) in self.find_links.iter().enumerate() {
            find_links.push(FindLinks {
                location: one(&link.location, "find-links", Some(i))?,
                files: link.files.clone(),
            });
        }
        Ok((
            Self {
                index_url,
                extra_index_urls,
                find_links,
                ..self.clone()
            },
            redactor,
        ))
    }
}

/// `path` relative to the project root, as the spec writes it (absolute
/// when outside the root), so the hash does not depend on where the
/// project is checked out.
fn relative_display(path: &Path, root: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .display()
        .to_string()
}

/// A spec for tests in this and other modules.
#[cfg(test)]
pub(crate) fn example() -> Spec {
    Spec {
        format: SPEC_FORMAT,
        interpreter: InterpreterSpec {
            path: "/usr/bin/python3.12".into(),
            implementation: "cpython".into(),
            version: "3.12.1".into(),
        },
        venv: VenvSpec {
            system_site_packages: false,
            pip: true,
            prompt: None,
            pip_version: Some(DEFAULT_PIP_REQUEST.to_owned()),
            installer: crate::project::Installer::Pip,
        },
        requirements: vec!["requests>=2.32".into(), "rich==13.*".into()],
        groups: BTreeMap::new(),
        requirement_files: vec![FileSpec {
            path: "requirements.txt".into(),
            sha256: "0".repeat(64),
            constraint: false,
            lines: vec!["six".into()],
        }],
        pip: PipSpec::default(),
        local_projects: vec![],
        named_find_links: vec![],
        group_files: BTreeMap::new(),
        package: None,
        extras: BTreeMap::new(),
        lock: None,
        local_archives: vec![],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn golden_hash() {
        // Changing this value means every user's env is rebuilt on upgrade:
        // only do it on purpose, with SPEC_FORMAT bumped.
        assert_eq!(
            example().hash(),
            "753d8a930b2366777cb3816c140c3dc8e9fd694152e97522682c59e70ae20930"
        );
    }

    #[test]
    fn the_installer_is_in_the_hash_and_pip_leaves_it_as_it_was() {
        let pip = example();
        let mut uv = example();
        uv.venv.installer = crate::project::Installer::Uv;
        assert_ne!(pip.hash(), uv.hash());
        assert!(!serde_json::to_string(&pip).unwrap().contains("installer"));
        assert!(
            serde_json::to_string(&uv)
                .unwrap()
                .contains(r#""installer":"uv""#)
        );
    }

    #[test]
    fn credentials_are_not_in_the_hash_or_the_serialization() {
        let with = |url: &str| {
            let mut spec = example();
            spec.pip.index_url = Some(PipUrl::new(url));
            spec.pip.extra_index_urls = vec![PipUrl::new(url.replace("/simple", "/extra"))];
            spec.pip.find_links = vec![FindLinks {
                location: PipUrl::new(url.replace("/simple", "/links/")),
                files: vec![],
            }];
            spec
        };
        let old = with("https://alice:OLD-TOKEN@host/simple");
        let new = with("https://alice:NEW-TOKEN@host/simple");
        assert_eq!(old.hash(), new.hash(), "rotating a token does not rebuild");
        let json = serde_json::to_string(&old).unwrap();
        assert!(!json.contains("OLD-TOKEN"), "{json}");
        assert!(json.contains("https://alice:***@host/simple"), "{json}");
        assert_ne!(
            old.hash(),
            with("https://bob:OLD-TOKEN@host/simple").hash(),
            "another user or host is another spec"
        );
        assert_ne!(old.hash(), example().hash());
        // A spec read back from a state file compares equal to the wanted one.
        let back: Spec = serde_json::from_str(&json).unwrap();
        assert_eq!(back, old);
        assert_eq!(back.hash(), old.hash());
    }

    #[test]
    fn an_unset_variable_is_an_error_naming_the_key() {
        let mut pip = example().pip;
        pip.extra_index_urls = vec![
            PipUrl::new("https://a/simple"),
            PipUrl::new("https://u:${NOPE}@b/simple"),
        ];
        let err = pip.expanded(&UrlVars::default(), |_| None).unwrap_err();
        assert_eq!(
            err.to_string(),
            "`${NOPE}` in `[pip] extra-index-urls` is not set in the environment"
        );
        let vars = UrlVars::from_pairs([("NOPE", "yes")]);
        let (expanded, _) = pip.expanded(&vars, |_| None).unwrap();
        assert_eq!(
            expanded.extra_index_urls[1].for_pip(),
            "https://u:yes@b/simple"
        );
        assert_eq!(expanded, pip, "the spec is unchanged");
    }
}
