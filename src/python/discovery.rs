//! Where interpreters are looked for, in order, and how one is chosen.
//!
//! Sources, in search order: an explicit path; `PATH` (`python`, `python3`,
//! `python3.X`, `pypy3*`); pyenv's versions (`$PYENV_ROOT/versions/*/bin`,
//! inactive versions too, never the shims); uv-managed installs; the usual
//! system directories. Each binary is probed once (cached) and deduplicated
//! by its canonical path. The choice: the highest version that satisfies
//! the request; equal versions go to the one found first.

use std::collections::HashSet;
use std::fmt;
use std::path::{Path, PathBuf};

use super::interpreter::{InterpreterInfo, Probed, Prober};
use super::request::Request;
use crate::env_vars::EnvVars;
use crate::platform;

/// The oldest Python penv builds envs for.
pub const MIN_VERSION: (u64, u64) = (3, 7);

/// Where a candidate was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Source {
    /// Named by path in the request.
    Explicit,
    /// A directory of `PATH`.
    Path,
    /// `$PYENV_ROOT/versions`.
    Pyenv,
    /// uv's managed installs.
    Uv,
    /// A usual system directory.
    System,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Explicit => "explicit path",
            Self::Path => "PATH",
            Self::Pyenv => "pyenv",
            Self::Uv => "uv",
            Self::System => "system",
        })
    }
}

/// A binary found by discovery.
#[derive(Debug, Clone)]
pub struct Candidate {
    /// The path as found (may be a symlink).
    pub path: PathBuf,
    /// Where it was found.
    pub source: Source,
    /// What the probe said.
    pub probed: Probed,
}

impl Candidate {
    /// The probe's answer, when it gave one.
    pub fn info(&self) -> Option<&InterpreterInfo> {
        self.probed.result.as_ref().ok()
    }
}

/// A directory that was searched, for "not found" messages that never lie.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Searched {
    /// The source.
    pub source: Source,
    /// The directory.
    pub dir: PathBuf,
}

/// Everything discovery found.
#[derive(Debug, Clone, Default)]
pub struct Discovery {
    /// Candidates in search order, deduplicated by canonical path.
    pub candidates: Vec<Candidate>,
    /// The directories looked in.
    pub searched: Vec<Searched>,
}

/// The verdict on one candidate for one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// The one chosen.
    Chosen,
    /// Passed over, and why.
    PassedOver(String),
}

/// Finds every interpreter on the machine (for `python list` and for requests
/// that are not a path).
pub fn discover(env: &EnvVars, prober: &Prober) -> Discovery {
    let mut discovery = Discovery::default();
    let mut seen = HashSet::new();
    for (source, dir) in search_dirs(env) {
        discovery.searched.push(Searched {
            source,
            dir: dir.clone(),
        });
        for path in interpreter_names_in(&dir) {
            let Some(probed) = prober.probe(&path) else {
                continue;
            };
            if !seen.insert(probed.fingerprint.path.clone()) {
                continue;
            }
            discovery.candidates.push(Candidate {
                path,
                source,
                probed,
            });
        }
    }
    discovery
}

/// Probes one explicitly named interpreter.
pub fn explicit(path: &Path, prober: &Prober) -> Discovery {
    let mut discovery = Discovery::default();
    discovery.searched.push(Searched {
        source: Source::Explicit,
        dir: path.to_owned(),
    });
    if let Some(probed) = prober.probe(path) {
        discovery.candidates.push(Candidate {
            path: path.to_owned(),
            source: Source::Explicit,
            probed,
        });
    }
    discovery
}

/// Judges every candidate against the request: the chosen one (if any) and
/// why each other one was passed over.
pub fn choose(request: &Request, candidates: &[Candidate]) -> Vec<Verdict> {
    choose_keeping(request, candidates, None)
}

/// Like [`choose`], but `kept` (the canonical path of the interpreter an
/// env was built with) wins over newer ones while it satisfies the request.
pub fn choose_keeping(
    request: &Request,
    candidates: &[Candidate],
    kept: Option<&Path>,
) -> Vec<Verdict> {
    let mut verdicts: Vec<Verdict> = candidates
        .iter()
        .map(|c| match &c.probed.result {
            Err(e) => Verdict::PassedOver(e.clone()),
            Ok(info) if info.is_venv() => Verdict::PassedOver(
                "a virtual environment's python, not a base interpreter".to_owned(),
            ),
            Ok(info) if !supported(info) => Verdict::PassedOver(format!(
                "Python {} is older than {}.{}, the oldest penv supports",
                info.version, MIN_VERSION.0, MIN_VERSION.1
            )),
            Ok(info) if !info.has_venv => Verdict::PassedOver(
                "has no `venv` module (on Debian: install `python3-venv`)".to_owned(),
            ),
            Ok(info) if !request.matches(info) => Verdict::PassedOver(format!(
                "{} {} does not satisfy `{request}`",
                info.implementation, info.version
            )),
            Ok(_) => Verdict::Chosen,
        })
        .collect();
    // Highest version wins; on a tie the first in search order.
    let best = candidates
        .iter()
        .enumerate()
        .filter(|(i, _)| verdicts[*i] == Verdict::Chosen)
        .max_by(|(ia, a), (ib, b)| {
            a.info()
                .and_then(InterpreterInfo::pep440_version)
                .cmp(&b.info().and_then(InterpreterInfo::pep440_version))
                .then(ib.cmp(ia))
        })
        .map(|(i, _)| i);
    let kept = kept.and_then(|k| {
        (0..candidates.len())
            .find(|&i| verdicts[i] == Verdict::Chosen && candidates[i].probed.fingerprint.path == k)
    });
    if let Some(kept) = kept {
        for (i, verdict) in verdicts.iter_mut().enumerate() {
            if i != kept && *verdict == Verdict::Chosen {
                *verdict = Verdict::PassedOver(format!(
                    "the env's interpreter `{}` is kept while it satisfies the request",
                    candidates[kept].probed.fingerprint.path.display()
                ));
            }
        }
        return verdicts;
    }
    if let Some(best) = best {
        let best_info = candidates[best]
            .info()
            .expect("chosen candidates were probed");
        for (i, verdict) in verdicts.iter_mut().enumerate() {
            if i != best && *verdict == Verdict::Chosen {
                let info = candidates[i].info().expect("chosen candidates were probed");
                *verdict = Verdict::PassedOver(if info.version == best_info.version {
                    format!(
                        "same version as `{}`, found earlier",
                        candidates[best].path.display()
                    )
                } else {
                    format!(
                        "{} is lower than the chosen {}",
                        info.version, best_info.version
                    )
                });
            }
        }
    }
    verdicts
}

fn supported(info: &InterpreterInfo) -> bool {
    info.pep440_version()
        .is_some_and(|v| v.release() >= [MIN_VERSION.0, MIN_VERSION.1].as_slice())
}

/// The directories searched, in order, with their source.
fn search_dirs(env: &EnvVars) -> Vec<(Source, PathBuf)> {
    let mut dirs = Vec::new();
    let pyenv_root = env
        .pyenv_root
        .clone()
        .or_else(|| env.home.as_ref().map(|h| h.join(".pyenv")));
    for dir in env.path_dirs() {
        // pyenv's shims are scripts whose target depends on the active
        // version; the real binaries are found under versions/ instead.
        let is_shims = dir.ends_with("shims")
            && (pyenv_root.as_ref().is_some_and(|r| dir.starts_with(r))
                || dir.components().any(|c| c.as_os_str() == ".pyenv"));
        if !is_shims && dir.is_absolute() {
            dirs.push((Source::Path, dir));
        }
    }
    if let Some(root) = pyenv_root {
        dirs.extend(
            sorted_subdirs(&root.join("versions"))
                .into_iter()
                .map(|d| (Source::Pyenv, d.join(platform::BIN_DIR))),
        );
    }
    let uv_dir = env.uv_python_install_dir.clone().or_else(|| {
        env.xdg_data_home
            .clone()
            .or_else(|| env.home.as_ref().map(|h| h.join(".local/share")))
            .map(|d| d.join("uv/python"))
    });
    if let Some(uv) = uv_dir {
        dirs.extend(
            sorted_subdirs(&uv)
                .into_iter()
                .map(|d| (Source::Uv, d.join(platform::BIN_DIR))),
        );
    }
    dirs.extend(
        platform::SYSTEM_DIRS
            .iter()
            .map(|d| (Source::System, PathBuf::from(d))),
    );
    let mut seen = HashSet::new();
    dirs.retain(|(_, d)| seen.insert(d.clone()));
    dirs
}

/// Subdirectories, newest-looking version first (`3.13.0` before `3.9.18`),
/// for a stable search order.
fn sorted_subdirs(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut dirs: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort_by_cached_key(|d| {
        let name = d
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        std::cmp::Reverse((version_numbers(&name), name))
    });
    dirs
}

/// The runs of digits in a directory name, as numbers: `3.13.0` → `[3, 13, 0]`.
fn version_numbers(name: &str) -> Vec<u64> {
    name.split(|c: char| !c.is_ascii_digit())
        .filter_map(|run| run.parse().ok())
        .collect()
}

/// The files in `dir` named like interpreters: `python`, `python3`,
/// `python3.X`, `pypy`, `pypy3`, `pypy3.X` (with `.exe` on Windows).
fn interpreter_names_in(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut found: Vec<PathBuf> = entries
        .flatten()
        .filter(|e| e.file_name().to_str().is_some_and(is_interpreter_name))
        .map(|e| e.path())
        .filter(|p| platform::is_executable(p))
        .collect();
    // `python3.12` before `python3` before `python`: the most specific name first.
    found.sort_by(|a, b| {
        b.file_name()
            .map(std::ffi::OsStr::len)
            .cmp(&a.file_name().map(std::ffi::OsStr::len))
            .then(a.cmp(b))
    });
    found
}

fn is_interpreter_name(name: &str) -> bool {
    let name = name.strip_suffix(platform::EXE_SUFFIX).unwrap_or(name);
    let rest = name
        .strip_prefix("python")
        .or_else(|| name.strip_prefix("pypy"));
    match rest {
        Some("" | "3") => true,
        Some(r) => r
            .strip_prefix("3.")
            .is_some_and(|minor| !minor.is_empty() && minor.bytes().all(|b| b.is_ascii_digit())),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::super::interpreter::Fingerprint;
    use super::*;

    fn candidate(path: &str, version: &str, result_ok: bool) -> Candidate {
        let info = InterpreterInfo {
            implementation: "cpython".into(),
            version: version.into(),
            executable: path.into(),
            base_executable: path.into(),
            prefix: "/p".into(),
            base_prefix: "/p".into(),
            stdlib: "/p/lib".into(),
            platform: "linux".into(),
            pointer_bits: 64,
            has_venv: true,
            has_ensurepip: true,
        };
        Candidate {
            path: path.into(),
            source: Source::Path,
            probed: Probed {
                fingerprint: Fingerprint {
                    path: path.into(),
                    size: 1,
                    mtime_ns: 1,
                    inode: 1,
                },
                result: if result_ok {
                    Ok(info)
                } else {
                    Err("boom".into())
                },
            },
        }
    }

    #[test]
    fn highest_matching_version_wins_ties_go_to_the_first() {
        let cands = vec![
            candidate("/a/python3.11", "3.11.7", true),
            candidate("/b/python3.12", "3.12.1", true),
            candidate("/c/python3.12", "3.12.1", true),
            candidate("/d/python3.13", "3.13.0", true),
            candidate("/e/python3", "3.14.0", false),
        ];
        let req = Request::parse("<3.13").unwrap();
        let verdicts = choose(&req, &cands);
        assert_eq!(verdicts[1], Verdict::Chosen);
        assert!(matches!(&verdicts[0], Verdict::PassedOver(r) if r.contains("lower")));
        assert!(matches!(&verdicts[2], Verdict::PassedOver(r) if r.contains("found earlier")));
        assert!(matches!(&verdicts[3], Verdict::PassedOver(r) if r.contains("does not satisfy")));
        assert!(matches!(&verdicts[4], Verdict::PassedOver(r) if r == "boom"));
    }

    #[test]
    fn the_envs_interpreter_is_kept_while_it_satisfies_the_request() {
        let cands = vec![
            candidate("/a/python3.11", "3.11.7", true),
            candidate("/d/python3.13", "3.13.0", true),
        ];
        let req = Request::parse(">=3.11").unwrap();
        let verdicts = choose_keeping(&req, &cands, Some(Path::new("/a/python3.11")));
        assert_eq!(verdicts[0], Verdict::Chosen);
        assert!(matches!(&verdicts[1], Verdict::PassedOver(r) if r.contains("is kept")));
        // No longer satisfying the request: the newest again.
        let req = Request::parse(">=3.12").unwrap();
        let verdicts = choose_keeping(&req, &cands, Some(Path::new("/a/python3.11")));
        assert_eq!(verdicts[1], Verdict::Chosen);
    }

    #[test]
    fn old_pythons_are_passed_over() {
        let cands = vec![candidate("/a/python3.6", "3.6.15", true)];
        let verdicts = choose(&Request::Any, &cands);
        assert!(matches!(&verdicts[0], Verdict::PassedOver(r) if r.contains("older")));
    }

    #[test]
    fn interpreter_names() {
        for ok in [
            "python",
            "python3",
            "python3.12",
            "pypy3",
            "pypy3.10",
            "pypy",
        ] {
            assert!(is_interpreter_name(ok), "{ok}");
        }
        for bad in [
            "python3-config",
            "python3.12-config",
            "pythonw",
            "python2",
            "python3.",
            "ipython3",
        ] {
            assert!(!is_interpreter_name(bad), "{bad}");
        }
    }

    #[test]
    fn version_directories_newest_first() {
        let tmp = tempfile::tempdir().unwrap();
        for name in ["3.9.18", "3.13.0", "3.12.1", "pypy3.10-7.3.12", "3.10.13"] {
            std::fs::create_dir(tmp.path().join(name)).unwrap();
        }
        let names: Vec<String> = sorted_subdirs(tmp.path())
            .iter()
            .map(|d| d.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(
            names,
            ["3.13.0", "3.12.1", "3.10.13", "pypy3.10-7.3.12", "3.9.18"]
        );
    }
}
