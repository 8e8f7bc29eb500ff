//! Every distribution installed in an env, from its `*.dist-info`: the
//! `Name`, `Version`, `Requires-Dist` and `Requires-Python` of its
//! `METADATA` (core metadata,
//! an RFC 822 style header) and whether pip marked it `REQUESTED` (asked
//! for by name, not pulled in as a dependency). Read without starting the
//! env's Python, as `installed` reads one version (`penv tree`).
//!
//! Invariant: a distribution is named by its `METADATA`'s `Name` (PEP 503
//! normalized), never by its directory alone; a dist-info without a
//! readable `METADATA` naming itself is skipped, not guessed at.

use std::path::Path;

use super::installed::METADATA;
use crate::fs::{self, FsError};
use crate::requirement::normalize_name;
use crate::text_file;

/// One installed distribution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct InstalledDist {
    /// PEP 503 normalized: `typing-extensions`.
    pub(crate) name: String,
    /// `Version:`, as written.
    pub(crate) version: String,
    /// Each `Requires-Dist:` value, as written (a PEP 508 requirement).
    pub(crate) requires: Vec<String>,
    /// `Requires-Python:`, as written (PEP 440 specifiers), if any.
    pub(crate) requires_python: Option<String>,
    /// Whether its dist-info holds pip's `REQUESTED` marker.
    pub(crate) requested: bool,
}

/// The distributions installed in `env`'s site-packages, sorted by name.
pub(crate) fn read_all(env: &Path) -> Result<Vec<InstalledDist>, FsError> {
    let mut out = Vec::new();
    for site in super::drift::site_dirs(env) {
        let dir = env.join(site);
        for (entry, kind) in fs::list_dir(&dir)? {
            let entry = entry.to_string_lossy();
            if !kind.is_dir() || !entry.ends_with(".dist-info") {
                continue;
            }
            let info = dir.join(&*entry);
            let Ok(text) = text_file::read(&info.join("METADATA"), METADATA) else {
                continue;
            };
            let Some(mut dist) = parse(&text) else {
                continue;
            };
            dist.requested = fs::lstat(&info.join("REQUESTED"))?.is_some();
            out.push(dist);
        }
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out.dedup_by(|a, b| a.name == b.name);
    Ok(out)
}

/// `Name`, `Version` and every `Requires-Dist` of a core metadata header
/// ([`super::installed::header`]).
fn parse(text: &str) -> Option<InstalledDist> {
    let header = super::installed::header(text);
    Some(InstalledDist {
        name: normalize_name(header.first("name")?),
        version: header.first("version")?.to_owned(),
        requires: header.all("requires-dist").map(str::to_owned).collect(),
        requires_python: header
            .first("requires-python")
            .filter(|v| !v.is_empty())
            .map(str::to_owned),
        requested: false,
    })
}

/// Each distribution of `dists` whose `Requires-Python` excludes the
/// interpreter's `version` (PEP 440, as pip compares it: the full version,
/// `3.11.7`), with its specifiers. pip never installs one (it takes an
/// older version, or fails); uv ignores a specifier's upper bound when it
/// resolves (its documented rule), so an env it fills can hold one. A
/// version or specifier that does not parse is not judged.
pub(crate) fn python_excluded<'a>(
    dists: &'a [InstalledDist],
    version: &str,
) -> Vec<(&'a InstalledDist, &'a str)> {
    use std::str::FromStr as _;
    let Ok(version) = pep440_rs::Version::from_str(version) else {
        return Vec::new();
    };
    dists
        .iter()
        .filter_map(|dist| {
            let text = dist.requires_python.as_deref()?;
            let specifiers = pep440_rs::VersionSpecifiers::from_str(text).ok()?;
            (!specifiers.contains(&version)).then_some((dist, text))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_name_version_requirements_and_the_requested_marker() {
        let tmp = tempfile::tempdir().unwrap();
        let site = tmp.path().join("lib/python3.99/site-packages");
        let write = |dir: &str, text: &str| {
            std::fs::create_dir_all(site.join(dir)).unwrap();
            std::fs::write(site.join(dir).join("METADATA"), text).unwrap();
        };
        write(
            "Flask-3.0.0.dist-info",
            "Metadata-Version: 2.1\nName: Flask\nVersion: 3.0.0\nRequires-Python: >=3.8\n\
             Requires-Dist: Werkzeug>=3.0.0\n\
             Requires-Dist: asgiref>=3.2 ; extra == 'async'\nSummary: a\n  continued\n\n\
             Requires-Dist: not-in-the-header\n",
        );
        std::fs::write(site.join("Flask-3.0.0.dist-info/REQUESTED"), "").unwrap();
        write(
            "werkzeug-3.0.1.dist-info",
            "Name: werkzeug\nVersion: 3.0.1\n",
        );
        // No METADATA: skipped.
        std::fs::create_dir_all(site.join("broken-1.0.dist-info")).unwrap();
        let all = read_all(tmp.path()).unwrap();
        assert_eq!(
            all,
            vec![
                InstalledDist {
                    name: "flask".into(),
                    version: "3.0.0".into(),
                    requires: vec![
                        "Werkzeug>=3.0.0".into(),
                        "asgiref>=3.2 ; extra == 'async'".into()
                    ],
                    requires_python: Some(">=3.8".into()),
                    requested: true,
                },
                InstalledDist {
                    name: "werkzeug".into(),
                    version: "3.0.1".into(),
                    requires: vec![],
                    requires_python: None,
                    requested: false,
                },
            ]
        );
    }

    /// Hatchling writes a multi-paragraph `License:` whose blank lines are
    /// spaces: they continue the field, and the `Requires-Dist` after them
    /// are the distribution's (as Python's `email` parser reads them).
    #[test]
    fn a_line_of_spaces_continues_a_field_and_only_an_empty_line_ends_the_header() {
        let text = "Metadata-Version: 2.4\nName: python-discovery\nVersion: 1.2.1\n\
                    License: MIT License\n        \n        Copyright (c) someone\n        \n\
                    Requires-Dist: filelock>=3.15\nRequires-Dist: platformdirs>=4.3\n\n\
                    Requires-Dist: body-not-header\n";
        let dist = parse(text).unwrap();
        assert_eq!(dist.requires, ["filelock>=3.15", "platformdirs>=4.3"]);
    }

    #[test]
    fn a_requires_python_excluding_the_interpreter_is_found_upper_bounds_included() {
        let dist = |name: &str, requires_python: Option<&str>| InstalledDist {
            name: name.into(),
            version: "1.0".into(),
            requires: vec![],
            requires_python: requires_python.map(str::to_owned),
            requested: false,
        };
        let dists = [
            dist("below", Some(">=3,<3.11")),
            dist("above", Some(">=3.12")),
            dist("fits", Some(">=3.8,<4")),
            dist("none", None),
            dist("unreadable", Some("three point eleven")),
            dist("excluded-patch", Some("!=3.11.7")),
        ];
        let names = |version: &str| -> Vec<String> {
            python_excluded(&dists, version)
                .into_iter()
                .map(|(d, spec)| format!("{} {spec}", d.name))
                .collect()
        };
        assert_eq!(
            names("3.11.7"),
            ["below >=3,<3.11", "above >=3.12", "excluded-patch !=3.11.7"]
        );
        assert_eq!(names("3.12.1"), ["below >=3,<3.11"]);
        assert!(names("not a version").is_empty());
    }
}
