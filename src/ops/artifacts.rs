//! What each distribution in an env was installed from: every `pip install`
//! penv runs into an env writes pip's `--report`, and the sha256 of each
//! wheel or sdist it installed is recorded with the env
//! ([`crate::state::AsBuilt::artifacts`]). That is a distribution's
//! identity by content: a derive keeps one only when it equals the
//! target's artifact, so a wheel rebuilt under the same name and version
//! is installed again. uv writes no report (nor does a pip before 22.2):
//! what it installs from a lock is known by what it was given, one file
//! per line, hash-checked (`--require-hashes`), and recorded so
//! ([`Recorder::installed_locked`]).
//!
//! Invariant: an identity is recorded only as pip reported it, or as the
//! hash uv checked, and only for a distribution still in the env at the
//! version recorded; what has none (the seeded pip, a source tree, a pip
//! older than 22.2, a report penv could not read, uv's installs of
//! requirements) is never kept by a derive.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::str::FromStr;

use crate::state::{Artifact, AsBuilt};

/// The first pip whose `install` takes `--report`.
const REPORTING_PIP: &str = "22.2";

/// Collects the artifacts of the installs of one build.
#[derive(Debug)]
pub(crate) struct Recorder {
    /// Where pip writes its report (in `.penv/`, outside the env), when
    /// the env's pip writes one.
    report: Option<PathBuf>,
    /// Normalized name → (version, artifact), the last install's winning.
    artifacts: BTreeMap<String, (String, Artifact)>,
}

impl Recorder {
    /// A recorder for installs into an env of `paths` whose pip is
    /// `pip_version` (none: nothing is recorded).
    pub(crate) fn new(paths: &crate::venv::EnvPaths, pip_version: Option<&str>) -> Self {
        let reports = pip_version
            .and_then(|v| pep440_rs::Version::from_str(v).ok())
            .is_some_and(|v| v >= pep440_rs::Version::from_str(REPORTING_PIP).expect("a version"));
        Self {
            report: reports.then(|| paths.work.join(format!("{}.report.json", paths.name))),
            artifacts: BTreeMap::new(),
        }
    }

    /// A recorder holding what `state`'s env was installed from (a clone
    /// of it, with no pip run).
    pub(crate) fn carried(state: &crate::state::State) -> Self {
        let mut out = Self {
            report: None,
            artifacts: BTreeMap::new(),
        };
        out.carry(state);
        out
    }

    /// Adds what `state`'s env was installed from (a clone of it).
    pub(crate) fn carry(&mut self, state: &crate::state::State) {
        if let Some(built) = &state.as_built {
            for (name, artifact) in &built.artifacts {
                if let Some(dist) = built.dists.iter().find(|d| &d.name == name) {
                    self.keep(name, &dist.version, artifact);
                }
            }
        }
    }

    /// `args` (a `pip install` command line) with `--report` added.
    pub(crate) fn args(&self, mut args: Vec<String>) -> Vec<String> {
        if let Some(report) = &self.report
            && args.first().is_some_and(|a| a == "install")
        {
            args.extend(["--report".to_owned(), report.display().to_string()]);
        }
        args
    }

    /// Reads the report of the install that just succeeded. Best effort:
    /// an unreadable report records nothing (those distributions are then
    /// installed again by the next derive, never trusted).
    pub(crate) fn read(&mut self) {
        let Some(report) = &self.report else {
            return;
        };
        let Ok(bytes) = crate::fs::read(report) else {
            return;
        };
        let _ = crate::fs::delete_file(report);
        if let Ok(found) =
            crate::lock::report::installed_artifacts(&String::from_utf8_lossy(&bytes))
        {
            self.artifacts.extend(found);
        }
    }

    /// Records the files of a lock's selection (`selected`) as installed,
    /// when no report says what was (uv): each line was one file with its
    /// hashes, checked by the installer (`--require-hashes`), so that file
    /// is what it installed under that name. With a report, pip's word is
    /// the record, and this adds nothing.
    pub(crate) fn installed_locked(&mut self, selected: &[crate::lock::select::Selected]) {
        if self.report.is_some() {
            return;
        }
        for s in selected {
            let (Some(version), Some(sha256)) = (&s.version, sha256_of(&s.hashes)) else {
                continue;
            };
            let artifact = Artifact {
                sha256: sha256.to_owned(),
                direct_url: s.direct_url().map(str::to_owned),
            };
            self.artifacts.insert(
                crate::requirement::normalize_name(&s.name),
                (version.clone(), artifact),
            );
        }
    }

    /// Records `name` as installed from `artifact` at `version` (a derive's
    /// kept distribution, carried over from its donor).
    pub(crate) fn keep(&mut self, name: &str, version: &str, artifact: &Artifact) {
        self.artifacts
            .insert(name.to_owned(), (version.to_owned(), artifact.clone()));
    }

    /// The artifacts of the distributions `as_built` holds, each at the
    /// version it was installed at.
    pub(crate) fn finish(mut self, as_built: &mut AsBuilt) {
        as_built.artifacts = std::mem::take(&mut self.artifacts)
            .into_iter()
            .filter(|(name, (version, _))| {
                as_built
                    .dists
                    .iter()
                    .any(|d| &d.name == name && &d.version == version)
            })
            .map(|(name, (_, artifact))| (name, artifact))
            .collect();
    }
}

/// pip writes its report once it has resolved, before it installs: an
/// install that failed or was interrupted leaves it (megabytes for a large
/// env), which goes with the build that asked for it.
impl Drop for Recorder {
    fn drop(&mut self) {
        if let Some(report) = &self.report {
            let _ = crate::fs::delete_file(report);
        }
    }
}

/// The sha256 among a target's `algorithm:hex` hashes.
pub(crate) fn sha256_of(hashes: &[String]) -> Option<&str> {
    hashes.iter().find_map(|h| h.strip_prefix("sha256:"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::Dist;

    fn paths() -> crate::venv::EnvPaths {
        crate::venv::EnvPaths::new("/p/.venv".into())
    }

    #[test]
    fn only_a_pip_that_reports_is_asked_to() {
        let args = vec!["install".to_owned(), "six".to_owned()];
        assert!(
            Recorder::new(&paths(), Some("24.0"))
                .args(args.clone())
                .contains(&"--report".to_owned())
        );
        assert!(
            Recorder::new(&paths(), Some("22.2"))
                .args(args.clone())
                .contains(&"--report".to_owned())
        );
        assert_eq!(
            Recorder::new(&paths(), Some("22.0.4")).args(args.clone()),
            args
        );
        assert_eq!(Recorder::new(&paths(), None).args(args.clone()), args);
        let uninstall = vec!["uninstall".to_owned(), "six".to_owned()];
        assert_eq!(
            Recorder::new(&paths(), Some("24.0")).args(uninstall.clone()),
            uninstall
        );
    }

    /// pip's report of an install that failed or was interrupted (written
    /// once pip had resolved) goes with the build.
    #[test]
    fn a_report_no_install_read_is_deleted_with_its_recorder() {
        let tmp = tempfile::tempdir().unwrap();
        let paths = crate::venv::EnvPaths::new(tmp.path().join(".venv"));
        std::fs::create_dir(&paths.work).unwrap();
        let recorder = Recorder::new(&paths, Some("24.0"));
        let report = paths.work.join(".venv.report.json");
        assert!(
            recorder
                .args(vec!["install".to_owned()])
                .contains(&report.display().to_string())
        );
        std::fs::write(&report, "{}").unwrap();
        drop(recorder);
        assert!(!report.exists());
    }

    #[test]
    fn identities_are_kept_for_what_is_installed_at_that_version() {
        let artifact = |sha256: &str| Artifact {
            sha256: sha256.to_owned(),
            direct_url: None,
        };
        let mut recorder = Recorder::new(&paths(), Some("24.0"));
        recorder.keep("six", "1.16.0", &artifact("aa"));
        recorder.keep("gone", "1.0", &artifact("bb"));
        recorder.keep("moved", "1.0", &artifact("cc"));
        let mut built = AsBuilt {
            python: vec![],
            home: String::new(),
            include_system_site_packages: None,
            site_packages: vec![],
            dists: vec![
                Dist {
                    name: "moved".into(),
                    version: "2.0".into(),
                },
                Dist {
                    name: "six".into(),
                    version: "1.16.0".into(),
                },
            ],
            artifacts: BTreeMap::new(),
        };
        recorder.finish(&mut built);
        assert_eq!(
            built.artifacts,
            BTreeMap::from([("six".to_owned(), artifact("aa"))])
        );
    }

    #[test]
    fn the_sha256_is_found_among_the_hashes() {
        let hashes = vec!["md5:00".to_owned(), "sha256:ab".to_owned()];
        assert_eq!(sha256_of(&hashes), Some("ab"));
        assert_eq!(sha256_of(&[]), None);
    }
}
