//! pip's installation report (`pip install --dry-run --report FILE`,
//! pip ≥ 22.2; the "Installation Report" page of pip's docs), read into what
//! a lock needs: per package its name, version, `Requires-Python` and where
//! pip would get it from, and the markers of the environment pip resolved for.
//!
//! Invariant: only report format version 1 is read; anything else is an
//! error, never a guess.

use std::collections::BTreeMap;

use serde::Deserialize;

/// One resolution: what pip would install, and for which environment.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Resolution {
    /// The environment markers pip evaluated (`python_full_version`, …).
    pub(crate) environment: BTreeMap<String, String>,
    /// What it would install, in pip's order.
    pub(crate) packages: Vec<Resolved>,
}

/// One package pip would install.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Resolved {
    /// The name as its metadata spells it.
    pub(crate) name: String,
    pub(crate) version: String,
    /// Its metadata's `Requires-Python`.
    pub(crate) requires_python: Option<String>,
    /// Whether it was named directly by URL or path (PEP 610 `direct_url`).
    pub(crate) is_direct: bool,
    /// Named by the user (a requirement, not a dependency): pip writes
    /// `REQUESTED` into its metadata.
    pub(crate) requested: bool,
    /// Where pip would get it.
    pub(crate) url: String,
    pub(crate) source: Source,
    /// Its metadata's `Requires-Dist`, as written (markers and all): what
    /// attributes it to the groups and extras that lead to it (`attribute`).
    pub(crate) requires_dist: Vec<String>,
    /// Its metadata's `Provides-Extra`: pip follows no other extra of it.
    pub(crate) provides_extra: Vec<String>,
    /// The directory of the project inside a checkout or an archive
    /// (`#subdirectory=` of its URL, PEP 610's `subdirectory`).
    pub(crate) subdirectory: Option<String>,
}

/// What kind of thing `url` is.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Source {
    /// A wheel or sdist file, with the hashes pip knows of it.
    Archive {
        /// Algorithm → hex digest (may be empty for a local file).
        hashes: BTreeMap<String, String>,
    },
    /// A local directory (`./pkg`, `-e .`).
    Directory { editable: bool },
    /// A version-control checkout.
    Vcs {
        vcs: String,
        commit_id: String,
        requested_revision: Option<String>,
    },
}

#[derive(Deserialize)]
struct RawReport {
    version: String,
    #[serde(default)]
    install: Vec<RawItem>,
    #[serde(default)]
    environment: BTreeMap<String, serde_json::Value>,
}

#[derive(Deserialize)]
struct RawItem {
    download_info: RawDownload,
    #[serde(default)]
    is_direct: bool,
    #[serde(default)]
    requested: bool,
    metadata: RawMetadata,
}

#[derive(Deserialize)]
struct RawDownload {
    url: String,
    #[serde(default)]
    subdirectory: Option<String>,
    archive_info: Option<RawArchive>,
    dir_info: Option<RawDir>,
    vcs_info: Option<RawVcs>,
}

#[derive(Deserialize)]
struct RawArchive {
    hash: Option<String>,
    #[serde(default)]
    hashes: BTreeMap<String, String>,
}

#[derive(Deserialize)]
struct RawDir {
    #[serde(default)]
    editable: bool,
}

#[derive(Deserialize)]
struct RawVcs {
    vcs: String,
    commit_id: String,
    requested_revision: Option<String>,
}

#[derive(Deserialize)]
struct RawMetadata {
    name: String,
    version: String,
    requires_python: Option<String>,
    #[serde(default)]
    requires_dist: Vec<String>,
    #[serde(default)]
    provides_extra: Vec<String>,
}

/// The artifacts an install's report says pip installed: normalized name →
/// (version, artifact) of each wheel or sdist with a sha256 (a source tree
/// or a checkout has none, and is left out).
pub(crate) fn installed_artifacts(
    json: &str,
) -> Result<BTreeMap<String, (String, crate::state::Artifact)>, String> {
    Ok(parse(json)?
        .packages
        .into_iter()
        .filter_map(|p| match p.source {
            Source::Archive { mut hashes } => {
                let sha256 = hashes.remove("sha256")?;
                let artifact = crate::state::Artifact {
                    sha256,
                    direct_url: p.is_direct.then_some(p.url),
                };
                Some((
                    crate::requirement::normalize_name(&p.name),
                    (p.version, artifact),
                ))
            }
            _ => None,
        })
        .collect())
}

/// Reads the report's JSON text; `Err` says what is wrong with it.
pub(crate) fn parse(json: &str) -> Result<Resolution, String> {
    let raw: RawReport = serde_json::from_str(json).map_err(|e| e.to_string())?;
    if raw.version != "1" {
        return Err(format!(
            "report version `{}`; penv reads version 1",
            raw.version
        ));
    }
    let environment = raw
        .environment
        .into_iter()
        .filter_map(|(k, v)| v.as_str().map(|s| (k, s.to_owned())))
        .collect();
    let packages = raw
        .install
        .into_iter()
        .map(|item| {
            let info = item.download_info;
            let source = if let Some(vcs) = info.vcs_info {
                Source::Vcs {
                    vcs: vcs.vcs,
                    commit_id: vcs.commit_id,
                    requested_revision: vcs.requested_revision,
                }
            } else if let Some(dir) = info.dir_info {
                Source::Directory {
                    editable: dir.editable,
                }
            } else {
                let archive = info.archive_info.unwrap_or(RawArchive {
                    hash: None,
                    hashes: BTreeMap::new(),
                });
                let mut hashes = archive.hashes;
                // pip < 23 gives only the legacy `hash = "sha256=…"`.
                if let Some((algorithm, digest)) =
                    archive.hash.as_deref().and_then(|h| h.split_once('='))
                {
                    hashes
                        .entry(algorithm.to_owned())
                        .or_insert_with(|| digest.to_owned());
                }
                Source::Archive { hashes }
            };
            Resolved {
                name: item.metadata.name,
                version: item.metadata.version,
                requires_python: item.metadata.requires_python,
                is_direct: item.is_direct,
                requested: item.requested,
                url: info.url,
                source,
                requires_dist: item.metadata.requires_dist,
                provides_extra: item.metadata.provides_extra,
                subdirectory: info.subdirectory,
            }
        })
        .collect();
    Ok(Resolution {
        environment,
        packages,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_archives_directories_and_vcs() {
        let json = r#"{"version": "1", "pip_version": "24.0", "install": [
            {"download_info": {"url": "file:///w/tinypkg-1.0-py3-none-any.whl",
              "archive_info": {"hash": "sha256=ab", "hashes": {"sha256": "ab"}}},
             "is_direct": false, "requested": true,
             "metadata": {"name": "tinypkg", "version": "1.0", "requires_python": ">=3.8"}},
            {"download_info": {"url": "file:///p/local", "dir_info": {"editable": true}},
             "is_direct": true, "metadata": {"name": "local", "version": "0.1"}},
            {"download_info": {"url": "https://g/r.git", "vcs_info": {"vcs": "git", "commit_id": "c0ffee", "requested_revision": "main"}},
             "is_direct": true, "metadata": {"name": "r", "version": "2"}},
            {"download_info": {"url": "file:///w/old-1.0.tar.gz", "archive_info": {"hash": "sha256=cd"}},
             "metadata": {"name": "old", "version": "1.0"}}
          ], "environment": {"python_full_version": "3.11.7", "sys_platform": "linux"}}"#;
        let r = parse(json).unwrap();
        assert_eq!(r.environment["python_full_version"], "3.11.7");
        assert_eq!(r.packages.len(), 4);
        assert_eq!(r.packages[0].requires_python.as_deref(), Some(">=3.8"));
        assert!(
            matches!(&r.packages[0].source, Source::Archive { hashes } if hashes["sha256"] == "ab")
        );
        assert_eq!(r.packages[1].source, Source::Directory { editable: true });
        assert!(r.packages[1].is_direct);
        assert!(
            matches!(&r.packages[2].source, Source::Vcs { commit_id, .. } if commit_id == "c0ffee")
        );
        assert!(
            matches!(&r.packages[3].source, Source::Archive { hashes } if hashes["sha256"] == "cd")
        );
    }

    #[test]
    fn refuses_another_report_version() {
        assert!(
            parse(r#"{"version": "2", "install": []}"#)
                .unwrap_err()
                .contains("version")
        );
        assert!(parse("not json").is_err());
    }
}
