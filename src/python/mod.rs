//! Finding the base interpreter: the request (from the command line, the
//! environment, the project file, `.python-version` or `requires-python`),
//! discovery of what is on the machine, and the choice.
//!
//! Invariant: the chosen interpreter is a base interpreter (never a venv's
//! python or a pyenv shim), identified by its canonical path and
//! fingerprint, and what it is comes from the probe cache whenever the
//! binary is unchanged.

pub mod discovery;
pub mod interpreter;
pub mod request;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use discovery::{Candidate, Discovery, Verdict};
use interpreter::{Fingerprint, InterpreterInfo, Prober};
use request::{Request, RequestSource};

use crate::diagnostics::{Location, display_path};
use crate::env_vars::EnvVars;
use crate::project::Project;
use crate::text_file::{self, TextFileError};

/// Errors of interpreter resolution.
#[derive(Debug, thiserror::Error)]
pub enum PythonError {
    /// A request string that does not parse.
    #[error("{source} (from {from})")]
    BadRequest {
        /// The parse error.
        source: request::RequestError,
        /// Where the request came from.
        from: RequestSource,
        /// Its place in a file, when it has one.
        location: Option<Location>,
    },
    /// `.python-version` could not be read.
    #[error(transparent)]
    VersionFile(#[from] TextFileError),
    /// No interpreter satisfies the request.
    #[error("no interpreter found for Python `{request}` (from {from})")]
    NotFound {
        /// What was asked.
        request: Request,
        /// Where it came from.
        from: RequestSource,
        /// What was searched and found.
        report: String,
    },
    /// An explicit path that is not an interpreter.
    #[error(
        "`{}` is not a usable Python interpreter: {reason}",
        display_path(path)
    )]
    NotAnInterpreter {
        /// The path.
        path: PathBuf,
        /// Why.
        reason: String,
        /// Where the project file names it, when it does.
        location: Option<Location>,
    },
    /// `--python` picked a version the project says it does not support.
    #[error(
        "Python {version} (from {from}) does not satisfy `requires-python = \"{requires}\"` in `{}`",
        display_path(file)
    )]
    Conflict {
        /// The chosen version.
        version: String,
        /// Where the request came from.
        from: RequestSource,
        /// The project's `requires-python`.
        requires: String,
        /// pyproject.toml.
        file: PathBuf,
        /// Where `requires-python` is in it.
        location: Option<Location>,
    },
}

impl PythonError {
    /// What to do about it.
    pub fn hint(&self) -> Option<String> {
        match self {
            Self::BadRequest { .. } => Some(Request::HINT.to_owned()),
            Self::NotFound { .. } => Some(
                "install a matching Python (e.g. with pyenv or your package manager), or change the request; `penv python list` shows what penv sees".to_owned(),
            ),
            Self::NotAnInterpreter { .. } => {
                Some("point `python` at a base Python 3 executable (not a virtual environment's), e.g. `/usr/bin/python3.12`; `penv python list` shows the ones penv finds".to_owned())
            }
            Self::Conflict { .. } => Some(
                "choose a Python that the project supports, or widen `requires-python`".to_owned(),
            ),
            Self::VersionFile(e) => Some(e.hint()),
        }
    }

    /// The place in a file, for bad requests read from one.
    pub fn location(&self) -> Option<&Location> {
        match self {
            Self::BadRequest { location, .. }
            | Self::NotAnInterpreter { location, .. }
            | Self::Conflict { location, .. } => location.as_ref(),
            Self::VersionFile(e) => e.location(),
            Self::NotFound { .. } => None,
        }
    }

    /// The search report of `NotFound`.
    pub fn detail(&self) -> Option<&str> {
        match self {
            Self::NotFound { report, .. } => Some(report),
            _ => None,
        }
    }
}

/// The interpreter an env is (to be) built with.
#[derive(Debug, Clone)]
pub struct Resolved {
    /// What was asked.
    pub request: Request,
    /// Where the request came from.
    pub source: RequestSource,
    /// What the interpreter is.
    pub info: InterpreterInfo,
    /// Its identity on disk.
    pub fingerprint: Fingerprint,
}

/// The request that applies to a project, and where it came from.
pub fn project_request(
    project: &Project,
    cli: Option<&str>,
    env: &EnvVars,
) -> Result<(Request, RequestSource), PythonError> {
    let bad = |source, from, location| PythonError::BadRequest {
        source,
        from,
        location,
    };
    if let Some(raw) = cli {
        return Request::parse(raw)
            .map(|r| (r, RequestSource::CommandLine))
            .map_err(|e| bad(e, RequestSource::CommandLine, None));
    }
    if let Some(raw) = &env.penv_python {
        return Request::parse(raw)
            .map(|r| (r, RequestSource::EnvVar))
            .map_err(|e| bad(e, RequestSource::EnvVar, None));
    }
    if let Some(raw) = &project.config.python {
        let from = RequestSource::ProjectFile(project.file.clone());
        // A relative path in the project file is relative to the project file.
        if let Ok(Request::Path(p)) = Request::parse(raw)
            && p.is_relative()
            && !p.starts_with("~")
        {
            // `./python` → `root/python` (a leading `.` is the only one
            // `components` keeps; `..` stays, symlinks may depend on it).
            let p: PathBuf = p
                .components()
                .filter(|c| !matches!(c, std::path::Component::CurDir))
                .collect();
            return Ok((Request::Path(project.root.join(p)), from));
        }
        // Validated when the project loaded.
        return Request::parse(raw)
            .map(|r| (r, from.clone()))
            .map_err(|e| bad(e, from, project.locate(&["python"])));
    }
    let version_file = project.python_version_file();
    // Missing: the next source applies. Anything else wrong with it (not
    // UTF-8, a FIFO, unreadable) is an error, never a silent fall-through
    // to another request.
    if let Some(text) = text_file::read_optional(&version_file, text_file::PYTHON_VERSION_FILE)? {
        // pyenv allows several versions, one per line or on one line; the
        // first is the one it prefers.
        let found = text
            .lines()
            .enumerate()
            .map(|(i, l)| (i + 1, l.split_whitespace().next().unwrap_or_default()))
            .find(|(_, l)| !l.is_empty() && !l.starts_with('#'));
        if let Some((line, raw)) = found {
            let from = RequestSource::PythonVersionFile(version_file.clone(), line);
            let parsed = if raw == "system" {
                Ok(Request::Any)
            } else {
                Request::parse(strip_pyenv_suffix(raw))
            };
            return parsed.map(|r| (r, from.clone())).map_err(|e| {
                let location = Location::line(&version_file, line, raw);
                bad(e, from, Some(location))
            });
        }
    }
    if let Some(requires) = &project.requires_python {
        let from = RequestSource::RequiresPython(requires.file.clone());
        return Request::parse(&requires.value)
            .map(|r| (r, from.clone()))
            .map_err(|e| bad(e, from, requires.location.clone()));
    }
    Ok((Request::Any, RequestSource::Default))
}

/// pyenv names like `pypy3.10-7.3.12` carry a distribution version after a dash.
fn strip_pyenv_suffix(raw: &str) -> &str {
    if raw.starts_with("pypy") {
        raw.split_once('-').map_or(raw, |(head, _)| head)
    } else {
        raw
    }
}

/// Resolves a request to an interpreter. When `preferred` (the interpreter
/// the env was built with) is unchanged and still satisfies the request, it
/// is kept without searching — a newly installed Python does not rebuild a
/// working env (uv behaves the same way).
pub fn resolve(
    request: &Request,
    source: &RequestSource,
    env: &EnvVars,
    prober: &Prober,
    preferred: Option<&Fingerprint>,
) -> Result<Resolved, PythonError> {
    if let Some(fp) = preferred
        && Fingerprint::of(&fp.path).as_ref() == Some(fp)
        && let Some(info) = prober.cached(fp)
    {
        let matches_path = match request {
            Request::Path(p) => {
                Fingerprint::of(&expand_home(p, env)).is_some_and(|f| f.path == fp.path)
            }
            _ => true,
        };
        if matches_path && request.matches(&info) && !info.is_venv() {
            return Ok(Resolved {
                request: request.clone(),
                source: source.clone(),
                info,
                fingerprint: fp.clone(),
            });
        }
    }
    let discovery = match request {
        Request::Path(p) => {
            let path = expand_home(p, env);
            let (base, d) = follow_to_base(&path, |p| discovery::explicit(p, prober))?;
            if base != path {
                // A `--copies` venv's python: use the base it was made from.
                return Ok(Resolved {
                    request: Request::Path(base),
                    ..resolved_from(request, source, &d)?
                });
            }
            d
        }
        _ => discovery::discover(env, prober),
    };
    resolved_from(request, source, &discovery)
}

/// The interpreter `discovery` chooses for `request`.
fn resolved_from(
    request: &Request,
    source: &RequestSource,
    discovery: &Discovery,
) -> Result<Resolved, PythonError> {
    let verdicts = discovery::choose(request, &discovery.candidates);
    let chosen = verdicts.iter().position(|v| *v == Verdict::Chosen);
    match chosen {
        Some(i) => {
            let c = &discovery.candidates[i];
            Ok(Resolved {
                request: request.clone(),
                source: source.clone(),
                info: c.info().expect("chosen candidates were probed").clone(),
                fingerprint: c.probed.fingerprint.clone(),
            })
        }
        None => Err(PythonError::NotFound {
            request: request.clone(),
            from: source.clone(),
            report: search_report(discovery, &verdicts),
        }),
    }
}

/// The most venv pythons penv follows from an explicit path to the base
/// interpreter (a `--copies` venv made from another one's python…).
pub const MAX_BASE_CHAIN: usize = 8;

/// Probes the interpreter at `path` (with `probe`, one explicit discovery)
/// and, while it is a virtual environment's python, the base it names, until
/// a base interpreter: returns its path and discovery. A base that leads back
/// to a python already seen (a `--copies` venv whose `pyvenv.cfg` `home` is
/// its own `bin/` reports itself as its base) or a chain longer than
/// [`MAX_BASE_CHAIN`] is an error saying so, never an endless walk.
fn follow_to_base(
    path: &Path,
    probe: impl Fn(&Path) -> Discovery,
) -> Result<(PathBuf, Discovery), PythonError> {
    let not_usable = |reason: String| PythonError::NotAnInterpreter {
        path: path.to_owned(),
        reason,
        location: None,
    };
    let show = |chain: &[PathBuf]| {
        chain
            .iter()
            .map(|p| format!("`{}`", display_path(p)))
            .collect::<Vec<_>>()
            .join(" -> ")
    };
    // Canonical paths of the venv pythons followed so far.
    let mut chain: Vec<PathBuf> = Vec::new();
    let mut current = path.to_owned();
    loop {
        let d = probe(&current);
        let Some(candidate) = d.candidates.first() else {
            return Err(if chain.is_empty() {
                not_usable("no such file".to_owned())
            } else {
                not_usable(format!(
                    "it is a virtual environment's python whose base interpreter `{}` does not exist",
                    display_path(&current)
                ))
            });
        };
        let canonical = candidate.probed.fingerprint.path.clone();
        if let Some(start) = chain.iter().position(|p| *p == canonical) {
            let mut cycle = chain[start..].to_vec();
            cycle.push(canonical);
            return Err(not_usable(if cycle.len() == 2 {
                format!(
                    "it is a virtual environment's python whose base interpreter is itself (`sys._base_executable` names {}, as in a `--copies` venv whose `pyvenv.cfg` `home` is its own `bin/`), so there is no base interpreter to build from",
                    show(&cycle[..1])
                )
            } else {
                format!(
                    "it is a virtual environment's python whose base interpreters lead back in a cycle: {}",
                    show(&cycle)
                )
            }));
        }
        match &candidate.probed.result {
            Err(reason) if chain.is_empty() => return Err(not_usable(reason.clone())),
            Err(reason) => {
                return Err(not_usable(format!(
                    "it is a virtual environment's python whose base interpreter `{}` is not usable: {reason}",
                    display_path(&current)
                )));
            }
            Ok(info) if info.is_venv() => {
                chain.push(canonical);
                if chain.len() > MAX_BASE_CHAIN {
                    return Err(not_usable(format!(
                        "it is a virtual environment's python whose base interpreters are venvs more than {MAX_BASE_CHAIN} deep: {} -> …",
                        show(&chain)
                    )));
                }
                current.clone_from(&info.base_executable);
            }
            Ok(_) => return Ok((current, d)),
        }
    }
}

/// Checks a command-line or environment request against `requires-python`.
pub fn check_requires_python(project: &Project, resolved: &Resolved) -> Result<(), PythonError> {
    if !matches!(
        resolved.source,
        RequestSource::CommandLine | RequestSource::EnvVar
    ) {
        return Ok(());
    }
    let Some(requires) = &project.requires_python else {
        return Ok(());
    };
    let Ok(Request::Version { version, .. }) = Request::parse(&requires.value) else {
        return Ok(());
    };
    if version.matches(&resolved.info.pep440_version()) {
        Ok(())
    } else {
        Err(PythonError::Conflict {
            version: resolved.info.version.clone(),
            from: resolved.source.clone(),
            requires: requires.value.clone(),
            file: requires.file.clone(),
            location: requires.location.clone(),
        })
    }
}

/// "Looked in … Found: …", built from the data that drove the search.
pub fn search_report(discovery: &Discovery, verdicts: &[Verdict]) -> String {
    let mut out = String::from("Looked in:\n");
    let mut sources: Vec<String> = Vec::new();
    for s in &discovery.searched {
        let line = format!("  {} `{}`", s.source, display_path(&s.dir));
        if !sources.contains(&line) {
            sources.push(line);
        }
    }
    out.push_str(&sources.join("\n"));
    out.push('\n');
    if discovery.candidates.is_empty() {
        out.push_str("Found no interpreter there.");
    } else {
        out.push_str("Found:");
        for (c, v) in discovery.candidates.iter().zip(verdicts) {
            let _ = write!(out, "\n  {}", describe(c));
            if let Verdict::PassedOver(why) = v {
                let _ = write!(out, ": {why}");
            }
        }
    }
    out
}

/// `cpython 3.12.1 at /usr/bin/python3.12 (PATH)`.
pub fn describe(c: &Candidate) -> String {
    match c.info() {
        Some(info) => format!(
            "{} {} `{}` ({})",
            info.implementation,
            info.version,
            display_path(&c.path),
            c.source
        ),
        None => format!("`{}` ({})", display_path(&c.path), c.source),
    }
}

fn expand_home(path: &Path, env: &EnvVars) -> PathBuf {
    match (path.strip_prefix("~"), &env.home) {
        (Ok(rest), Some(home)) => home.join(rest),
        _ => path.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::discovery::{Candidate, Source};
    use super::interpreter::Probed;
    use super::*;

    /// An explicit discovery of `path` from a table of fake interpreters:
    /// `(path, base)` where a `base` of `Some` makes it a venv's python.
    fn fake_probe(table: &[(&str, Option<&str>)], path: &Path) -> Discovery {
        let mut d = Discovery::default();
        let Some((_, base)) = table.iter().find(|(p, _)| Path::new(p) == path) else {
            return d;
        };
        let prefix = PathBuf::from(format!("{}-prefix", path.display()));
        let info = InterpreterInfo {
            implementation: "cpython".into(),
            version: "3.12.1".into(),
            executable: path.into(),
            base_executable: base.map_or_else(|| path.to_owned(), PathBuf::from),
            base_prefix: if base.is_some() {
                "/usr".into()
            } else {
                prefix.clone()
            },
            prefix,
            stdlib: "/usr/lib/python3.12".into(),
            platform: "linux".into(),
            pointer_bits: 64,
            has_venv: true,
            has_ensurepip: true,
        };
        d.candidates.push(Candidate {
            path: path.to_owned(),
            source: Source::Explicit,
            probed: Probed {
                fingerprint: Fingerprint {
                    path: path.to_owned(),
                    size: 1,
                    mtime_ns: 1,
                    inode: 1,
                },
                result: Ok(info),
            },
        });
        d
    }

    fn follow(table: &[(&str, Option<&str>)], start: &str) -> Result<PathBuf, String> {
        follow_to_base(Path::new(start), |p| fake_probe(table, p))
            .map(|(base, _)| base)
            .map_err(|e| match e {
                PythonError::NotAnInterpreter { path, reason, .. } => {
                    assert_eq!(path, Path::new(start));
                    reason
                }
                other => panic!("{other}"),
            })
    }

    #[test]
    fn a_venvs_python_leads_to_its_base() {
        let table = [
            ("/usr/bin/python3.12", None),
            ("/v1/bin/python", Some("/usr/bin/python3.12")),
            ("/v2/bin/python", Some("/v1/bin/python")),
        ];
        assert_eq!(
            follow(&table, "/usr/bin/python3.12").unwrap(),
            Path::new("/usr/bin/python3.12")
        );
        assert_eq!(
            follow(&table, "/v2/bin/python").unwrap(),
            Path::new("/usr/bin/python3.12")
        );
    }

    #[test]
    fn a_venv_python_that_is_its_own_base_is_an_error_not_an_endless_walk() {
        let table = [("/v/bin/python", Some("/v/bin/python"))];
        let reason = follow(&table, "/v/bin/python").unwrap_err();
        assert!(
            reason.contains("whose base interpreter is itself"),
            "{reason}"
        );
        assert!(reason.contains("`/v/bin/python`"), "{reason}");
    }

    #[test]
    fn a_cycle_of_bases_is_named() {
        let table = [
            ("/a/bin/python", Some("/b/bin/python")),
            ("/b/bin/python", Some("/a/bin/python")),
        ];
        let reason = follow(&table, "/a/bin/python").unwrap_err();
        assert!(
            reason.ends_with(
                "lead back in a cycle: `/a/bin/python` -> `/b/bin/python` -> `/a/bin/python`"
            ),
            "{reason}"
        );
    }

    #[test]
    fn base_chains_are_bounded() {
        let names: Vec<String> = (0..=MAX_BASE_CHAIN + 1)
            .map(|i| format!("/v{i}/bin/python"))
            .collect();
        let table: Vec<(&str, Option<&str>)> = names
            .iter()
            .enumerate()
            .map(|(i, n)| (n.as_str(), names.get(i + 1).map(String::as_str)))
            .collect();
        // The last is a base: MAX_BASE_CHAIN venvs before it are followed…
        let start = &names[1];
        assert_eq!(
            follow(&table, start).unwrap(),
            Path::new(names.last().unwrap())
        );
        // …one more is not.
        let reason = follow(&table, &names[0]).unwrap_err();
        assert!(reason.contains("more than 8 deep"), "{reason}");
    }

    #[test]
    fn a_missing_base_is_named() {
        let table = [("/v/bin/python", Some("/gone/bin/python3"))];
        let reason = follow(&table, "/v/bin/python").unwrap_err();
        assert!(
            reason.contains("base interpreter `/gone/bin/python3` does not exist"),
            "{reason}"
        );
        assert_eq!(follow(&table, "/nothing").unwrap_err(), "no such file");
    }
}
