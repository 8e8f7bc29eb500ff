//! How one interpreter is chosen from those discovery found: the highest
//! version that satisfies the request; equal versions go to the one found
//! first; the interpreter the project resolved to (which keeps the env's)
//! wins while it is eligible.
//!
//! Invariant: every candidate gets a verdict, and every one passed over
//! says why, so `penv python list` and "not found" reports never guess.

use crate::diagnostics::escape_path;
use std::path::Path;

use super::discovery::Candidate;
use super::interpreter::InterpreterInfo;
use super::request::Request;

/// The verdict on one candidate for one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// The one chosen.
    Chosen,
    /// Passed over, and why.
    PassedOver(String),
}

/// Whether one interpreter may serve `request`: [`Verdict::Chosen`] or why
/// not. The one test of eligibility, for discovery's choice and for keeping
/// the env's interpreter alike.
pub(crate) fn judge(request: &Request, info: &InterpreterInfo) -> Verdict {
    if let Some(why) = info.unusable() {
        Verdict::PassedOver(why)
    } else if !request.matches(info) {
        Verdict::PassedOver(format!(
            "{} {} does not satisfy `{request}`",
            info.implementation, info.version
        ))
    } else {
        Verdict::Chosen
    }
}

/// Judges every candidate against the request: the chosen one (if any) and
/// why each other one was passed over. The highest version wins, unless
/// `resolved` (the canonical path [`super::resolve`] picked for the project,
/// which keeps the env's interpreter) is among the eligible: then it does.
pub(crate) fn choose(
    request: &Request,
    candidates: &[Candidate],
    resolved: Option<&Path>,
) -> Vec<Verdict> {
    let mut verdicts: Vec<Verdict> = candidates
        .iter()
        .map(|c| match (c.unusable(), &c.probed.result) {
            (Some(why), _) => Verdict::PassedOver(why),
            (None, Ok(info)) => judge(request, info),
            (None, Err(e)) => Verdict::PassedOver(e.clone()),
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
    let kept = resolved.and_then(|k| {
        (0..candidates.len())
            .find(|&i| verdicts[i] == Verdict::Chosen && candidates[i].probed.fingerprint.path == k)
    });
    if let Some(kept) = kept {
        for (i, verdict) in verdicts.iter_mut().enumerate() {
            if i != kept && *verdict == Verdict::Chosen {
                *verdict = Verdict::PassedOver(format!(
                    "the env's interpreter `{}` is kept while it satisfies the request",
                    escape_path(&candidates[kept].probed.fingerprint.path)
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
                        escape_path(&candidates[best].path)
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

#[cfg(test)]
mod tests {
    use super::super::discovery::SearchSource;
    use super::super::interpreter::{Fingerprint, Probed};
    use super::*;

    fn candidate(path: &str, version: &str, result_ok: bool) -> Candidate {
        let info = InterpreterInfo {
            implementation: "cpython".into(),
            version: version.into(),
            base_executable: path.into(),
            prefix: "/p".into(),
            base_prefix: "/p".into(),
            stdlib: "/p/lib".into(),
            has_venv: true,
            markers: None,
            tags: None,
        };
        Candidate {
            path: path.into(),
            source: SearchSource::Path,
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
            venv: None,
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
        let verdicts = choose(&req, &cands, None);
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
        let verdicts = choose(&req, &cands, Some(Path::new("/a/python3.11")));
        assert_eq!(verdicts[0], Verdict::Chosen);
        assert!(matches!(&verdicts[1], Verdict::PassedOver(r) if r.contains("is kept")));
        // No longer satisfying the request: the newest again.
        let req = Request::parse(">=3.12").unwrap();
        let verdicts = choose(&req, &cands, Some(Path::new("/a/python3.11")));
        assert_eq!(verdicts[1], Verdict::Chosen);
    }

    #[test]
    fn old_pythons_are_passed_over() {
        let cands = vec![candidate("/a/python3.6", "3.6.15", true)];
        let verdicts = choose(&Request::Any, &cands, None);
        assert!(matches!(&verdicts[0], Verdict::PassedOver(r) if r.contains("older")));
    }
}
