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

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::credentials::{PipUrl, Redactor};
use crate::diagnostics::{Location, display_path};
use crate::env_vars::UrlVars;
use crate::fs::FsError;
use crate::project::Project;
use crate::python::Resolved;
use crate::reqfile::{self, ReqFileError, hex};

pub mod local;
pub(crate) mod pip_args;

pub use local::LocalProject;

/// Bumped when the serialization changes; part of the hashed bytes.
/// 2: the pip request (`venv.pip-version`); `[pip]` URLs redacted.
pub const SPEC_FORMAT: u32 = 2;

/// The pip seeded when `[venv] pip-version` is not set: the newest the
/// project's index or `find-links` offers, and at least 23.3, the first pip
/// that normalizes extras (PEP 685): older ones install `pkg[with_extra]`
/// without the extra when the package declares `with-extra`, and exit 0.
pub const DEFAULT_PIP_REQUEST: &str = ">=23.3";

/// The canonical spec. Field order is the serialization order: do not reorder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Spec {
    /// [`SPEC_FORMAT`].
    pub format: u32,
    /// The base interpreter.
    pub interpreter: InterpreterSpec,
    /// Venv options.
    pub venv: VenvSpec,
    /// Requirement strings of `requirements`, normalized, sorted, deduplicated.
    pub requirements: Vec<String>,
    /// The selected groups and their requirements (normalized, sorted).
    pub groups: BTreeMap<String, Vec<String>>,
    /// Every requirement file pip will read, in reading order.
    pub requirement_files: Vec<FileSpec>,
    /// pip options.
    pub pip: PipSpec,
    /// The local project directories the requirements name, in the order
    /// they are named, each once. Left out when there are none, so the hash
    /// of every spec without one is unchanged.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub local_projects: Vec<LocalProject>,
    /// Local `find-links` directories named by `-f`/`--find-links` in
    /// requirement files and `[pip] args` (those of `[pip] find-links` are in
    /// [`PipSpec`]), with their listings; left out when there are none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub named_find_links: Vec<FindLinks>,
}

/// The interpreter part of the spec.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InterpreterSpec {
    /// Canonical path of the base executable.
    pub path: PathBuf,
    /// `cpython`, `pypy`, …
    pub implementation: String,
    /// Full version.
    pub version: String,
}

/// The venv options part of the spec.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct VenvSpec {
    /// `include-system-site-packages`.
    pub system_site_packages: bool,
    /// Whether pip is seeded.
    pub pip: bool,
    /// The activation prompt, when set.
    pub prompt: Option<String>,
    /// The pip to seed, as PEP 440 specifiers (`==24.3.1`, `>=23.3`):
    /// `[venv] pip-version`, else [`DEFAULT_PIP_REQUEST`]; the version
    /// actually seeded is recorded in the state. `None` without pip.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pip_version: Option<String>,
}

/// One requirement file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileSpec {
    /// Its path relative to the project root (absolute when outside it).
    pub path: String,
    /// sha256 of its bytes.
    pub sha256: String,
    /// `-c` constraints rather than requirements.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub constraint: bool,
    /// Its meaningful lines, for diffs (derived from the bytes).
    pub lines: Vec<String>,
}

/// The pip options part of the spec.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct PipSpec {
    /// `--index-url` (redacted in the serialization, see [`crate::credentials`]).
    pub index_url: Option<PipUrl>,
    /// `--extra-index-url`, in order.
    pub extra_index_urls: Vec<PipUrl>,
    /// `--find-links` locations (absolute paths or URLs) with their listings.
    pub find_links: Vec<FindLinks>,
    /// `--no-index`.
    pub no_index: bool,
    /// Byte-compile at install time (pip's default) instead of `--no-compile`.
    /// Left out of the serialization when off, so the hash of every spec
    /// that does not ask for it is unchanged.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub compile_bytecode: bool,
    /// Extra `pip install` arguments, in order.
    pub args: Vec<String>,
}

/// A `find-links` location.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FindLinks {
    /// A directory (relative to the project root, or absolute) or a URL.
    pub location: PipUrl,
    /// For a local directory: `name size` of each file, sorted.
    pub files: Vec<String>,
}

/// Errors building the spec.
#[derive(Debug, thiserror::Error)]
pub enum SpecError {
    /// A requirement file problem.
    #[error(transparent)]
    ReqFile(#[from] ReqFileError),
    /// A `find-links` directory that does not exist.
    #[error("`find-links` directory `{}` does not exist", display_path(path))]
    FindLinksMissing {
        /// The directory.
        path: PathBuf,
        /// Where it is named.
        location: Option<Location>,
    },
    /// `[venv] pip-version` is neither a version nor PEP 440 specifiers.
    #[error(
        "`[venv] pip-version = \"{value}\"` is neither a pip version nor PEP 440 version specifiers"
    )]
    BadPipVersion {
        /// The value.
        value: String,
        /// Where it is written.
        location: Option<Location>,
    },
    /// A `${NAME}` in a `[pip]` URL names no environment variable.
    #[error("`${{{name}}}` in `[pip] {key}` is not set in the environment")]
    UndefinedVariable {
        /// The variable.
        name: String,
        /// The key (`index-url`, `extra-index-urls`, `find-links`).
        key: &'static str,
        /// Where the URL is written.
        location: Option<Location>,
    },
    /// `--group` names a group the project does not define.
    #[error("there is no group `{name}` in `{}`", display_path(file))]
    UnknownGroup {
        /// The group asked for.
        name: String,
        /// The project file.
        file: PathBuf,
        /// The groups there are.
        known: Vec<String>,
    },
    /// A local project's metadata file that cannot be read.
    #[error(transparent)]
    Metadata(FsError),
}

impl SpecError {
    /// Where in a file the problem is.
    pub fn location(&self) -> Option<&Location> {
        match self {
            Self::ReqFile(e) => e.location(),
            Self::FindLinksMissing { location, .. }
            | Self::BadPipVersion { location, .. }
            | Self::UndefinedVariable { location, .. } => location.as_ref(),
            Self::UnknownGroup { .. } | Self::Metadata(_) => None,
        }
    }

    /// What to do.
    pub fn hint(&self) -> Option<String> {
        match self {
            Self::ReqFile(e) => e.hint(),
            Self::Metadata(_) => Some(
                "penv hashes a local project's `pyproject.toml`, `setup.cfg` and `setup.py` to notice when its dependencies change; make them readable".to_owned(),
            ),
            Self::FindLinksMissing { .. } => Some(
                "create the directory, or fix the path (relative to the project file)".to_owned(),
            ),
            Self::BadPipVersion { .. } => Some(
                "write a version (`\"24.3.1\"`) or specifiers (`\">=24, <26\"`), or remove the key for the newest pip available".to_owned(),
            ),
            Self::UndefinedVariable { name, .. } => Some(format!(
                "set `{name}` before running penv (`export {name}=…`), or write the value in penv.toml; pip's keyring and netrc support need no variable"
            )),
            Self::UnknownGroup { name, known, .. } => Some(match crate::diagnostics::did_you_mean(
                name,
                known.iter().map(String::as_str),
            ) {
                Some(best) => format!("did you mean `{best}`?"),
                None if known.is_empty() => "the project defines no `[groups]`".to_owned(),
                None => format!(
                    "the groups are {}",
                    known
                        .iter()
                        .map(|g| format!("`{g}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            }),
        }
    }
}

/// Which groups to install.
#[derive(Debug, Clone, Default)]
pub struct GroupSelection {
    /// `--group` (repeatable).
    pub groups: Vec<String>,
    /// `--no-default-groups`.
    pub no_default_groups: bool,
}

impl Spec {
    /// Builds the spec of `project` for interpreter `python`.
    pub fn build(
        project: &Project,
        python: &Resolved,
        selection: &GroupSelection,
    ) -> Result<Self, SpecError> {
        let config = &project.config;
        let mut groups = BTreeMap::new();
        let defaults = if selection.no_default_groups {
            &[][..]
        } else {
            config.default_groups.as_deref().unwrap_or(&[])
        };
        for name in defaults.iter().chain(&selection.groups) {
            let Some(reqs) = config.groups.get(name) else {
                return Err(SpecError::UnknownGroup {
                    name: name.clone(),
                    file: project.file.clone(),
                    known: config.groups.keys().cloned().collect(),
                });
            };
            groups.insert(name.clone(), canonical_requirements(reqs));
        }
        let named = pip_args::parse(&config.pip.args);
        let mut top: Vec<(PathBuf, Option<Location>, bool)> = config
            .requirement_files
            .iter()
            .enumerate()
            .map(|(i, f)| {
                (
                    project.root.join(f),
                    project.locate(&["requirement-files", &i.to_string()]),
                    false,
                )
            })
            .collect();
        // `-r`/`-c` in `[pip] args`: relative to pip's working directory,
        // the project root. A URL or a `${VAR}` is pip's, as in includes.
        for (i, file, constraint) in &named.files {
            if !file.contains("://") && !file.contains("${") {
                let location = project.locate(&["pip", "args", &i.to_string()]);
                top.push((project.root.join(file), location, *constraint));
            }
        }
        let read = reqfile::read_files(&top)?;
        let named_find_links = named_find_links(&project.root, &read, &named);
        let files: Vec<FileSpec> = read
            .into_iter()
            .map(|f| FileSpec {
                path: relative_display(&f.path, &project.root),
                sha256: f.sha256,
                constraint: f.constraint,
                lines: f.lines,
            })
            .collect();
        let requirements = canonical_requirements(&config.requirements);
        let local_projects = local_projects(&project.root, &requirements, &groups, &files, &named)?;
        let mut find_links = Vec::new();
        for (i, link) in config.pip.find_links.iter().enumerate() {
            // A local directory (a path, or a `file://` URL) is hashed by its
            // listing; a relative path stays relative, so the hash does not
            // depend on where the project is checked out.
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
        let pip_version = if config.venv.pip {
            let request = config.venv.pip_version.as_deref();
            Some(
                canonical_pip_request(request).ok_or_else(|| SpecError::BadPipVersion {
                    value: request.unwrap_or_default().to_owned(),
                    location: project.locate(&["venv", "pip-version"]),
                })?,
            )
        } else {
            None
        };
        Ok(Self {
            format: SPEC_FORMAT,
            interpreter: InterpreterSpec {
                path: python.fingerprint.path.clone(),
                implementation: python.info.implementation.clone(),
                version: python.info.version.clone(),
            },
            venv: VenvSpec {
                system_site_packages: config.venv.system_site_packages,
                pip: config.venv.pip,
                prompt: config.venv.prompt.clone(),
                pip_version,
            },
            requirements,
            groups,
            requirement_files: files,
            pip: PipSpec {
                index_url: config.pip.index_url.clone().map(PipUrl::new),
                extra_index_urls: config
                    .pip
                    .extra_index_urls
                    .iter()
                    .cloned()
                    .map(PipUrl::new)
                    .collect(),
                find_links,
                no_index: config.pip.no_index,
                compile_bytecode: config.pip.compile_bytecode,
                args: config.pip.args.clone(),
            },
            local_projects,
            named_find_links,
        })
    }

    /// The sha256 of the canonical serialization, hex.
    pub fn hash(&self) -> String {
        let json = serde_json::to_vec(self).expect("a spec serializes");
        let mut hasher = Sha256::new();
        hasher.update(b"penv-spec\0");
        hasher.update(&json);
        hex(&hasher.finalize())
    }

    /// Every requirement string to install: `requirements` and the selected groups'.
    pub fn all_requirements(&self) -> Vec<&str> {
        let mut all: Vec<&str> = self.requirements.iter().map(String::as_str).collect();
        for reqs in self.groups.values() {
            all.extend(reqs.iter().map(String::as_str));
        }
        all
    }
}

impl PipSpec {
    /// These options as pip gets them: `${NAME}` in the URLs and
    /// `find-links` expanded from `vars` (only when pip is called: the
    /// spec and its hash keep the text as written), and a [`Redactor`] for
    /// anything penv shows that may hold what pip was given. An unset
    /// variable is an error naming the key (pip would pass `${NAME}` on as
    /// it is, to fail later with a less clear message).
    pub fn expanded(
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

/// The canonical form of a `[venv] pip-version` request: a version
/// (`24.3.1`) means exactly it (`==24.3.1`); specifiers are normalized
/// (`>= 24,<26` → `>=24, <26`); none is [`DEFAULT_PIP_REQUEST`].
pub fn canonical_pip_request(request: Option<&str>) -> Option<String> {
    let Some(text) = request.map(str::trim) else {
        return Some(DEFAULT_PIP_REQUEST.to_owned());
    };
    if let Ok(version) = pep440_rs::Version::from_str(text) {
        return Some(format!("=={version}"));
    }
    let specifiers = pep440_rs::VersionSpecifiers::from_str(text).ok()?;
    (!specifiers.is_empty()).then(|| specifiers.to_string())
}

/// Checks a PEP 508 requirement and returns its normalized form
/// (`Rich == 13.*` → `rich==13.*`), or the reason it is not one.
///
/// `pep508_rs` 0.9.2 panics on two kinds of input that `just fuzz` found: a
/// name ending in `-`, `.` or `_` followed by more text (`foo->=1`), and
/// non-ASCII text (it counts characters where it means bytes). The first is
/// answered here. Non-ASCII characters, legal only inside URLs and marker
/// strings, are checked as `~`, which is legal in exactly those places too;
/// such a requirement is kept as written rather than normalized.
pub fn normalize_requirement(text: &str) -> Result<String, String> {
    if text.is_ascii() {
        return parse_ascii_requirement(text).map(|r| r.to_string());
    }
    let ascii: String = text
        .chars()
        .map(|c| if c.is_ascii() { c } else { '~' })
        .collect();
    parse_ascii_requirement(&ascii)?;
    Ok(text.trim().to_owned())
}

fn parse_ascii_requirement(
    text: &str,
) -> Result<pep508_rs::Requirement<pep508_rs::VerbatimUrl>, String> {
    let trimmed = text.trim_start();
    let name_len = trimmed
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_')))
        .unwrap_or(trimmed.len());
    let name = &trimmed[..name_len];
    if let Some(last) = name.chars().last()
        && name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && !last.is_ascii_alphanumeric()
    {
        return Err(format!(
            "a package name must end with a letter or digit, not `{last}` (`{name}`)"
        ));
    }
    // `pep508_rs` parses parenthesised markers recursively, a stack frame
    // or more per `(`: a line of 100,000 of them overflowed penv's stack,
    // an abort that no `catch_unwind` contains. Real markers nest two or three.
    if paren_depth(text) > MAX_PAREN_DEPTH {
        return Err(format!(
            "parentheses nested more than {MAX_PAREN_DEPTH} deep"
        ));
    }
    parse_contained(text)
}

/// The deepest nesting of parentheses a requirement may have.
const MAX_PAREN_DEPTH: usize = 32;

/// How deep parentheses nest in `text`, outside quoted strings (an
/// unclosed `(` counts: the parser recurses into it all the same).
fn paren_depth(text: &str) -> usize {
    let (mut depth, mut deepest, mut quote) = (0usize, 0, None);
    for c in text.chars() {
        match (quote, c) {
            (Some(q), _) if c == q => quote = None,
            (None, '\'' | '"') => quote = Some(c),
            (None, '(') => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            (None, ')') => depth = depth.saturating_sub(1),
            // Inside a string, or any other character.
            _ => {}
        }
    }
    deepest
}

/// `pep508_rs` 0.9.2 panics on some malformed input instead of returning an
/// error: `just fuzz` found three kinds (a name or an extra ending in `-`,
/// non-ASCII text). The known ones are answered before it is called; any
/// other panic inside it is contained here and reported as an invalid
/// requirement, with the panic hook silent for that one call only.
fn parse_contained(text: &str) -> Result<pep508_rs::Requirement<pep508_rs::VerbatimUrl>, String> {
    use std::cell::Cell;
    thread_local! {
        static CONTAINING: Cell<bool> = const { Cell::new(false) };
    }
    static HOOK: std::sync::Once = std::sync::Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !CONTAINING.with(Cell::get) {
                previous(info);
            }
        }));
    });
    CONTAINING.with(|c| c.set(true));
    let result = std::panic::catch_unwind(|| {
        pep508_rs::Requirement::<pep508_rs::VerbatimUrl>::from_str(text)
    });
    CONTAINING.with(|c| c.set(false));
    match result {
        Ok(parsed) => parsed.map_err(|e| e.message.to_string()),
        Err(_) => Err(
            "not a PEP 508 requirement (a name, extra or version in it is malformed)".to_owned(),
        ),
    }
}

/// Normalized (PEP 508 form: `rich[jupyter]==13.*`), sorted and deduplicated.
fn canonical_requirements(reqs: &[String]) -> Vec<String> {
    let mut out: Vec<String> = reqs
        .iter()
        .map(|r| normalize_requirement(r).unwrap_or_else(|_| r.trim().to_owned()))
        .collect();
    out.sort();
    out.dedup();
    out
}

/// `name size` of each file in `dir`, sorted; `None` when it cannot be listed.
fn listing(dir: &Path) -> Option<Vec<String>> {
    let mut listing: Vec<String> = std::fs::read_dir(dir)
        .ok()?
        .flatten()
        .filter_map(|e| {
            let meta = e.metadata().ok()?;
            meta.is_file()
                .then(|| format!("{} {}", e.file_name().to_string_lossy(), meta.len()))
        })
        .collect();
    listing.sort();
    Some(listing)
}

/// The local directories `-f`/`--find-links` names in requirement files
/// and `[pip] args`, with their listings, each once. As pip reads them: in
/// a requirement file, relative to that file's directory when it exists
/// there, else to pip's working directory (the project root); in `[pip]
/// args`, relative to the project root. URLs other than `file://`, `${VAR}`
/// and paths that are not directories are pip's.
fn named_find_links(
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
        let dir = reqfile::normalize(&dir);
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

/// The local project directories named by the requirements, the requirement
/// files (not constraint files: pip takes no paths there) and `[pip] args`,
/// each once, in that order, with their metadata. Relative paths are
/// relative to the project root, pip's working directory.
fn local_projects(
    root: &Path,
    requirements: &[String],
    groups: &BTreeMap<String, Vec<String>>,
    files: &[FileSpec],
    named: &pip_args::Named,
) -> Result<Vec<LocalProject>, SpecError> {
    let mut found: Vec<(String, PathBuf)> = Vec::new();
    for req in requirements.iter().chain(groups.values().flatten()) {
        found.extend(local::requirement_dir(req, root).map(|d| (req.clone(), d)));
    }
    for file in files.iter().filter(|f| !f.constraint) {
        for line in &file.lines {
            if line.starts_with('-') {
                let Some(words) = shlex::split(line) else {
                    continue;
                };
                for (_, value) in pip_args::parse(&words).editables {
                    found.extend(
                        local::editable_dir(&value, root).map(|d| (format!("-e {value}"), d)),
                    );
                }
            } else {
                let text = local::requirement_part(line);
                found.extend(local::requirement_dir(&text, root).map(|d| (text.clone(), d)));
            }
        }
    }
    for (_, value) in &named.editables {
        found.extend(local::editable_dir(value, root).map(|d| (format!("-e {value}"), d)));
    }
    for (_, text) in &named.requirements {
        found.extend(local::requirement_dir(text, root).map(|d| (text.clone(), d)));
    }
    let mut out: Vec<LocalProject> = Vec::new();
    for (requirement, dir) in found {
        let dir = reqfile::normalize(&dir);
        let path = match relative_display(&dir, root) {
            p if p.is_empty() => ".".to_owned(),
            p => p,
        };
        if out.iter().any(|p| p.path == path) {
            continue;
        }
        out.push(LocalProject {
            requirement,
            path,
            metadata: local::metadata(&dir).map_err(SpecError::Metadata)?,
        });
    }
    Ok(out)
}

fn relative_display(path: &Path, root: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .display()
        .to_string()
}

/// The reasons a recorded spec differs from the wanted one, one short line each.
pub fn diff(old: &Spec, new: &Spec) -> Vec<String> {
    let mut out = Vec::new();
    let (oi, ni) = (&old.interpreter, &new.interpreter);
    if oi.version != ni.version || oi.implementation != ni.implementation {
        out.push(format!(
            "interpreter {} {} → {} {}",
            oi.implementation, oi.version, ni.implementation, ni.version
        ));
    } else if oi.path != ni.path {
        out.push(format!(
            "interpreter `{}` → `{}`",
            oi.path.display(),
            ni.path.display()
        ));
    }
    if old.venv != new.venv {
        let (o, n) = (&old.venv, &new.venv);
        if o.system_site_packages != n.system_site_packages {
            out.push(format!(
                "system-site-packages {} → {}",
                o.system_site_packages, n.system_site_packages
            ));
        }
        if o.pip != n.pip {
            out.push(format!("venv pip {} → {}", o.pip, n.pip));
        }
        if o.pip && n.pip && o.pip_version != n.pip_version {
            let shown = |v: &Option<String>| v.clone().unwrap_or_else(|| "(any)".to_owned());
            out.push(format!(
                "pip-version {} → {}",
                shown(&o.pip_version),
                shown(&n.pip_version)
            ));
        }
        if o.prompt != n.prompt {
            let shown = |p: &Option<String>| {
                p.as_ref()
                    .map_or_else(|| "(the env's name)".to_owned(), |p| format!("\"{p}\""))
            };
            out.push(format!(
                "prompt {} → {}",
                shown(&o.prompt),
                shown(&n.prompt)
            ));
        }
    }
    list_diff(&mut out, "", &old.requirements, &new.requirements);
    let names: std::collections::BTreeSet<&String> =
        old.groups.keys().chain(new.groups.keys()).collect();
    for name in names {
        match (old.groups.get(name), new.groups.get(name)) {
            (None, Some(_)) => out.push(format!("group `{name}` selected")),
            (Some(_), None) => out.push(format!("group `{name}` no longer selected")),
            (Some(o), Some(n)) => list_diff(&mut out, &format!("group `{name}`: "), o, n),
            (None, None) => {}
        }
    }
    for file in &new.requirement_files {
        match old.requirement_files.iter().find(|f| f.path == file.path) {
            None => out.push(format!("`{}` added", file.path)),
            Some(o) if o.sha256 != file.sha256 => {
                let before = out.len();
                list_diff(
                    &mut out,
                    &format!("`{}`: ", file.path),
                    &o.lines,
                    &file.lines,
                );
                if out.len() == before {
                    out.push(format!("`{}` changed", file.path));
                }
            }
            Some(_) => {}
        }
    }
    for file in &old.requirement_files {
        if !new.requirement_files.iter().any(|f| f.path == file.path) {
            out.push(format!("`{}` removed", file.path));
        }
    }
    if old.pip != new.pip {
        out.push("pip options changed".to_owned());
    }
    for project in &new.local_projects {
        if let Some(o) = old.local_projects.iter().find(|o| o.path == project.path) {
            local::diff(&mut out, o, project);
        }
    }
    for links in &new.named_find_links {
        if let Some(o) = old
            .named_find_links
            .iter()
            .find(|o| o.location == links.location)
            && o.files != links.files
        {
            out.push(format!(
                "files in `find-links` directory `{}` changed",
                links.location
            ));
        }
    }
    if out.is_empty() && old != new {
        out.push("spec changed".to_owned());
    }
    out
}

/// The files whose contents differ between two specs of one project, as a
/// message names them: requirement files, local projects' metadata files,
/// `find-links` directories (whose listing changed).
pub fn changed_files(old: &Spec, new: &Spec) -> Vec<String> {
    let mut out = Vec::new();
    let mut push = |name: String| {
        let name = format!("`{name}`");
        if !out.contains(&name) {
            out.push(name);
        }
    };
    for file in &new.requirement_files {
        if old
            .requirement_files
            .iter()
            .find(|f| f.path == file.path)
            .is_none_or(|o| o.sha256 != file.sha256)
        {
            push(file.path.clone());
        }
    }
    for file in &old.requirement_files {
        if !new.requirement_files.iter().any(|f| f.path == file.path) {
            push(file.path.clone());
        }
    }
    for project in &new.local_projects {
        let old_metadata = old
            .local_projects
            .iter()
            .find(|o| o.path == project.path)
            .map(|o| &o.metadata);
        for name in local::METADATA_FILES {
            if old_metadata.and_then(|m| m.get(*name)) != project.metadata.get(*name) {
                push(if project.path == "." {
                    (*name).to_owned()
                } else {
                    Path::new(&project.path).join(name).display().to_string()
                });
            }
        }
    }
    for links in new.pip.find_links.iter().chain(&new.named_find_links) {
        if !old.pip.find_links.contains(links) && !old.named_find_links.contains(links) {
            push(links.location.to_string());
        }
    }
    out
}

fn list_diff(out: &mut Vec<String>, prefix: &str, old: &[String], new: &[String]) {
    let added: Vec<String> = new
        .iter()
        .filter(|r| !old.contains(r))
        .map(|r| format!("+{r}"))
        .collect();
    let removed: Vec<String> = old
        .iter()
        .filter(|r| !new.contains(r))
        .map(|r| format!("-{r}"))
        .collect();
    if !added.is_empty() || !removed.is_empty() {
        let all: Vec<String> = added.into_iter().chain(removed).collect();
        out.push(format!("{prefix}{}", all.join(", ")));
    }
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
        },
        requirements: canonical_requirements(&["requests >= 2.32".into(), "Rich==13.*".into()]),
        groups: BTreeMap::new(),
        requirement_files: vec![FileSpec {
            path: "requirements.txt".into(),
            sha256: "0".repeat(64),
            constraint: false,
            lines: vec!["six".into()],
        }],
        pip: PipSpec {
            index_url: None,
            extra_index_urls: vec![],
            find_links: vec![],
            no_index: false,
            compile_bytecode: false,
            args: vec![],
        },
        local_projects: vec![],
        named_find_links: vec![],
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn deeply_nested_markers_are_refused_before_the_parser_overflows_its_stack() {
        let nested = |n: usize| {
            format!(
                "rich; {}python_version > \"3\"{}",
                "(".repeat(n),
                ")".repeat(n)
            )
        };
        assert!(normalize_requirement(&nested(MAX_PAREN_DEPTH)).is_ok());
        for text in [
            nested(MAX_PAREN_DEPTH + 1),
            nested(100_000),
            format!("rich; {}", "(".repeat(100_000)),
            format!("rich; {}", "(".repeat(100_000)).replace("rich", "ric\u{e9}"),
        ] {
            let err = normalize_requirement(&text).unwrap_err();
            assert_eq!(err, "parentheses nested more than 32 deep");
        }
        // Quoted parentheses are a string's characters, not nesting.
        let quoted = format!("rich; platform_release == '{}'", "(".repeat(100));
        assert!(normalize_requirement(&quoted).is_ok());
        assert_eq!(paren_depth("a (>=1) ; (b == 'x(' or (c))"), 2);
    }
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
    fn pip_requests_are_canonical() {
        assert_eq!(
            canonical_pip_request(None).as_deref(),
            Some(DEFAULT_PIP_REQUEST)
        );
        assert_eq!(
            canonical_pip_request(Some("24.3.1")).as_deref(),
            Some("==24.3.1")
        );
        assert_eq!(
            canonical_pip_request(Some(" 24.3.1 ")).as_deref(),
            Some("==24.3.1")
        );
        assert_eq!(
            canonical_pip_request(Some("<26,>= 24")).as_deref(),
            Some(">=24, <26")
        );
        assert_eq!(
            canonical_pip_request(Some("==25.*")).as_deref(),
            Some("==25.*")
        );
        for bad in ["", "latest", "pip>=24", ">=", "24.x"] {
            assert!(canonical_pip_request(Some(bad)).is_none(), "{bad}");
        }
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

    #[test]
    fn bad_names_are_errors_not_panics() {
        for text in ["foo->=1", "foo.>=1", "foo_ ==1", "a-b-[x]"] {
            let err = normalize_requirement(text).unwrap_err();
            assert!(
                err.contains("must end with a letter or digit"),
                "{text}: {err}"
            );
        }
        for text in [
            "foo-bar>=1",
            "a",
            "rich[jupyter]==13.*",
            "x @ https://e.com/x.whl",
        ] {
            assert!(normalize_requirement(text).is_ok(), "{text}");
        }
        assert!(normalize_requirement("-r x.txt").is_err());
        assert!(normalize_requirement("").is_err());
        // Non-ASCII: no panic; legal in URLs and marker strings, kept as written.
        assert_eq!(
            normalize_requirement("pkg @ file:///home/jos\u{e9}/pkg.whl ").as_deref(),
            Ok("pkg @ file:///home/jos\u{e9}/pkg.whl")
        );
        assert!(normalize_requirement("pkg ; python_version >= '\u{e9}\u{e9}\u{e9}'").is_ok());
        assert!(normalize_requirement("pkg ; python_version >= '\u{e9}\u{e9}").is_err());
        assert!(normalize_requirement("f\u{e9}o>=1").is_err());
        assert!(normalize_requirement("foo>=1.\u{e9}").is_err());
        // An extra ending in `-` panics inside pep508_rs: contained.
        let err = normalize_requirement("pkg[extra-1-]>=1").unwrap_err();
        assert!(err.contains("malformed"), "{err}");
    }

    #[test]
    fn requirements_are_canonical() {
        assert_eq!(
            canonical_requirements(&[
                "rich==13.*".into(),
                "requests>=2.32".into(),
                "Rich == 13.*".into()
            ]),
            vec!["requests>=2.32", "rich==13.*"]
        );
    }

    #[test]
    fn diff_names_what_changed() {
        let old = example();
        let mut new = example();
        new.interpreter.version = "3.12.4".into();
        new.requirements =
            canonical_requirements(&["requests>=2.32".into(), "httpx==0.28.1".into()]);
        new.requirement_files[0].sha256 = "1".repeat(64);
        new.requirement_files[0].lines = vec!["six".into(), "attrs".into()];
        assert_eq!(
            diff(&old, &new),
            vec![
                "interpreter cpython 3.12.1 → cpython 3.12.4",
                "+httpx==0.28.1, -rich==13.*",
                "`requirements.txt`: +attrs",
            ]
        );
    }

    #[test]
    fn diff_and_changed_files_name_local_projects_and_find_links() {
        let mut old = example();
        old.local_projects = vec![LocalProject {
            requirement: "-e .".into(),
            path: ".".into(),
            metadata: BTreeMap::from([("pyproject.toml".into(), "0".repeat(64))]),
        }];
        old.named_find_links = vec![FindLinks {
            location: PipUrl::new("req/wheels"),
            files: vec!["a-1.0-py3-none-any.whl 10".into()],
        }];
        let mut new = old.clone();
        new.local_projects[0]
            .metadata
            .insert("pyproject.toml".into(), "1".repeat(64));
        new.named_find_links[0]
            .files
            .push("b-1.0-py3-none-any.whl 10".into());
        assert_ne!(old.hash(), new.hash());
        assert_eq!(
            diff(&old, &new),
            vec![
                "`pyproject.toml` of `-e .` changed",
                "files in `find-links` directory `req/wheels` changed",
            ]
        );
        assert_eq!(
            changed_files(&old, &new),
            vec!["`pyproject.toml`", "`req/wheels`"]
        );
        // Without them the serialization (and the golden hash) is as before.
        assert!(
            !serde_json::to_string(&example())
                .unwrap()
                .contains("local-projects")
        );
    }
}
