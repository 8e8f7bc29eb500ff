//! Resolving a request to one base interpreter: the env's own while it
//! still serves, else discovery's choice; an explicit venv python is
//! followed to the base it was made from.
//!
//! Invariant: what is returned is a base interpreter (never a venv's
//! python), with the fingerprint it had when probed; keeping the env's
//! interpreter is decided here and nowhere else.

use std::path::{Path, PathBuf};

use super::choice::{self, Verdict};
use super::discovery::{self, Discovery};
use super::error::PythonError;
use super::interpreter::{Fingerprint, InterpreterInfo, Prober};
use super::report::search_report;
use super::request::{Request, RequestSource};
use crate::diagnostics::display_path;
use crate::env_vars::EnvVars;

/// The interpreter an env is (to be) built with.
#[derive(Debug, Clone)]
pub struct Resolved {
    /// What was asked.
    pub(crate) request: Request,
    /// Where the request came from.
    pub(crate) source: RequestSource,
    /// What the interpreter is.
    pub(crate) info: InterpreterInfo,
    /// Its identity on disk.
    pub(crate) fingerprint: Fingerprint,
    /// Kept as the env's interpreter (it still serves the request), not
    /// searched for: another one found may be newer.
    pub(crate) kept: bool,
}

/// Resolves a request to an interpreter. When `preferred` (the interpreter
/// the env was built with) is unchanged and still satisfies the request, it
/// is kept without searching — a newly installed Python does not rebuild a
/// working env (uv behaves the same way).
pub(crate) fn resolve(
    request: &Request,
    source: &RequestSource,
    vars: &EnvVars,
    prober: &Prober,
    preferred: Option<&Fingerprint>,
) -> Result<Resolved, PythonError> {
    if let Some(kept) = kept_base(request, source, vars, prober, preferred) {
        return Ok(kept);
    }
    let discovery = match request {
        Request::Path(p) => {
            let path = expand_home(p, vars);
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
        _ => discovery::discover(vars, prober),
    };
    resolved_from(request, source, &discovery)
}

/// The one rule of keeping: the interpreter the env was built with
/// (`preferred`, the recorded base) is kept while its binary is unchanged
/// (so its cached probe still holds) and it still serves the request —
/// found without searching and without running anything.
fn kept_base(
    request: &Request,
    source: &RequestSource,
    vars: &EnvVars,
    prober: &Prober,
    preferred: Option<&Fingerprint>,
) -> Option<Resolved> {
    let fp = preferred?;
    if Fingerprint::of(&fp.path).as_ref() != Some(fp) {
        return None;
    }
    let info = prober.cached(fp)?;
    if let Request::Path(p) = request
        && Fingerprint::of(&expand_home(p, vars)).is_none_or(|f| f.path != fp.path)
    {
        return None;
    }
    (choice::judge(request, &info) == Verdict::Chosen).then(|| Resolved {
        request: request.clone(),
        source: source.clone(),
        info,
        fingerprint: fp.clone(),
        kept: true,
    })
}

/// The interpreter `discovery` chooses for `request`.
fn resolved_from(
    request: &Request,
    source: &RequestSource,
    discovery: &Discovery,
) -> Result<Resolved, PythonError> {
    let verdicts = choice::choose(request, &discovery.candidates, None);
    let chosen = verdicts.iter().position(|v| *v == Verdict::Chosen);
    match chosen {
        Some(i) => {
            let c = &discovery.candidates[i];
            Ok(Resolved {
                request: request.clone(),
                source: source.clone(),
                info: c.info().expect("chosen candidates were probed").clone(),
                fingerprint: c.probed.fingerprint.clone(),
                kept: false,
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
pub(crate) const MAX_BASE_CHAIN: usize = 8;

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

/// `~/x` with the home directory for `~`.
fn expand_home(path: &Path, vars: &EnvVars) -> PathBuf {
    match (path.strip_prefix("~"), &vars.home) {
        (Ok(rest), Some(home)) => home.join(rest),
        _ => path.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::super::discovery::{Candidate, SearchSource};
    use super::super::interpreter::Probed;
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
            base_executable: base.map_or_else(|| path.to_owned(), PathBuf::from),
            base_prefix: if base.is_some() {
                "/usr".into()
            } else {
                prefix.clone()
            },
            prefix,
            stdlib: "/usr/lib/python3.12".into(),
            has_venv: true,
            markers: None,
            tags: None,
        };
        d.candidates.push(Candidate {
            path: path.to_owned(),
            source: SearchSource::Explicit,
            probed: Probed {
                fingerprint: Fingerprint {
                    path: path.to_owned(),
                    size: 1,
                    mtime_ns: 1,
                    inode: 1,
                },
                result: Ok(info),
            },
            venv: None,
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
