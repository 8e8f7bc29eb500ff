//! `penv export`: the env's pins as a requirements file, or the project's
//! `pylock.toml`, for a deploy without penv.
//!
//! From the lock when the project has one (the files its selection picks
//! for this interpreter, groups and extras: `lock::select`, as `sync`
//! installs them); else from the env as built (the state's `as-built`:
//! each distribution's version and the sha256 of the wheel or sdist pip
//! installed it from, [`crate::state::AsBuilt::artifacts`]).
//!
//! Invariant: every value written is re-rendered from a parsed value —
//! names (PEP 503), versions (PEP 440), URLs, hashes — never copied raw;
//! with hashes, a line is written only for what has one (pip's
//! `--require-hashes` takes all or none), and what is left out is named.

use std::str::FromStr;

use super::inspect::InspectError;
use crate::lock::fields::{self, FILE_SCHEMES};
use crate::lock::select::Selected;
use crate::spec::LockSpec;
use crate::state::State;

/// An export's text and the names it left out (with why).
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Exported {
    pub(crate) lines: Vec<String>,
    pub(crate) left_out: Vec<String>,
}

/// The requirement lines of a lock's selection: `name @ url --hash=…`.
pub(crate) fn from_lock(lock: &LockSpec, hashes: bool) -> Result<Exported, InspectError> {
    let mut out = Exported::default();
    for selected in &lock.selected {
        // The lock's URL, also where pip finds the file by name: the
        // exported file is installed elsewhere, from no project's sources.
        let selected = &Selected {
            hashes: if hashes {
                selected.hashes.clone()
            } else {
                Vec::new()
            },
            by_name: false,
            ..selected.clone()
        };
        let (line, _) =
            selected
                .requirement_line(|_| None)
                .map_err(|e| InspectError::Unexportable {
                    name: fields::shown(&selected.name),
                    why: e.to_string(),
                })?;
        out.lines.push(line);
    }
    for entry in &lock.unhashed {
        out.left_out.push(format!(
            "{} (a directory, checkout or archive without a hash in the lock)",
            fields::shown(&entry.name)
        ));
    }
    Ok(out)
}

/// The requirement lines of the env as built: `name==version
/// --hash=sha256:…` (`name @ url` for what was installed from a URL).
pub(crate) fn from_env(state: &State, hashes: bool) -> Result<Exported, InspectError> {
    let mut out = Exported::default();
    let Some(built) = &state.as_built else {
        return Err(InspectError::Unexportable {
            name: "the env".to_owned(),
            why: "its state predates penv's record of what it installed".to_owned(),
        });
    };
    // uv's installs from requirements record no artifact: with hashes,
    // every line would be left out (pip, seeded, aside).
    if hashes
        && !state.spec.venv.installer.is_pip()
        && built
            .dists
            .iter()
            .any(|d| d.name != "pip" && !built.artifacts.contains_key(&d.name))
    {
        return Err(InspectError::NoHashesFromUv {
            env: state.venv_path.clone(),
        });
    }
    for dist in &built.dists {
        let refused = |why: String| InspectError::Unexportable {
            name: fields::shown(&dist.name),
            why,
        };
        let artifact = built.artifacts.get(&dist.name);
        // The pip penv seeded is the env's tool, not one of its pins.
        if dist.name == "pip"
            && artifact.is_none()
            && state.pip_version.as_deref() == Some(dist.version.as_str())
        {
            continue;
        }
        if dist.version.is_empty() {
            out.left_out
                .push(format!("{} (a legacy `.egg-link`, no version)", dist.name));
            continue;
        }
        if hashes && artifact.is_none() {
            out.left_out.push(format!(
                "{} (no wheel or sdist is recorded for it: a source tree such as the project itself, or a pip older than 22.2)",
                dist.name
            ));
            continue;
        }
        let name = fields::name(&dist.name).map_err(refused)?;
        let version = pep440_rs::Version::from_str(&dist.version)
            .map_err(|e| refused(format!("version `{}`: {e}", fields::shown(&dist.version))))?;
        let mut line = match artifact.and_then(|a| a.direct_url.as_deref()) {
            Some(url) => format!(
                "{name} @ {}",
                fields::url(url, FILE_SCHEMES).map_err(refused)?
            ),
            None => format!("{name}=={version}"),
        };
        if hashes && let Some(artifact) = artifact {
            let hash = fields::hash("sha256", &artifact.sha256)
                .map_err(refused)?
                .ok_or_else(|| refused("no sha256".to_owned()))?;
            line.push_str(" --hash=");
            line.push_str(&hash);
        }
        out.lines.push(line);
    }
    Ok(out)
}

#[cfg(test)]
#[path = "export_tests.rs"]
mod tests;
