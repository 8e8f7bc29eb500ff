//! `penv outdated`: for each distribution in the env, the newest version on
//! the project's index and the newest the project's requirements allow.
//!
//! Both come from the env's own pip, given the spec's index options (index
//! URL, extra indexes, `find-links`, `no-index`, with `${NAME}`
//! credentials expanded for pip only): `pip list --outdated --format json`
//! for the newest on the index, and `pip install --dry-run
//! --ignore-installed --report` of penv.toml's requirements (never the
//! lock's pins) for what a fresh resolution would pick, the newest the
//! spec allows. Nothing is installed.
//!
//! Invariant: a row is shown only for a distribution installed in the env,
//! with a newer version on the index or allowed by the spec; versions are
//! compared as PEP 440 versions, never as text.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::str::FromStr;
use std::time::Duration;

use pep440_rs::Version;
use serde::{Deserialize, Serialize};

use super::Ctx;
use super::inspect::InspectError;
use crate::Error;
use crate::credentials::Redactor;
use crate::plan::Plan;
use crate::process::SignalGuard;
use crate::requirement::normalize_name;
use crate::{installer, platform};

/// pip may take a while to ask an index about every distribution.
const LIST_TIMEOUT: Duration = Duration::from_mins(15);

/// One distribution with something newer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) struct Row {
    /// Normalized.
    pub(crate) name: String,
    pub(crate) installed: String,
    /// What a fresh resolution of the spec picks; `None` when the spec does
    /// not install it (a dependency no longer needed, the seeded pip).
    pub(crate) allowed: Option<String>,
    /// The newest on the index; `None` when the index has none newer.
    pub(crate) latest: Option<String>,
}

#[derive(Deserialize)]
struct Listed {
    name: String,
    version: String,
    latest_version: String,
}

/// The rows of the plan's env.
pub(crate) fn outdated(ctx: &Ctx, plan: &Plan) -> Result<Vec<Row>, Error> {
    let (pip, redactor) = plan
        .spec
        .pip
        .expanded(&ctx.vars.url_vars, |keys| plan.project.locate(keys))?;
    let spec = crate::spec::Spec {
        pip,
        ..plan.spec.clone()
    };
    let env = &plan.paths.env;
    if crate::venv::installed::version(env, "pip").is_none() {
        return Err(InspectError::NoPip { env: env.clone() }.into());
    }
    let installed: BTreeMap<String, String> = crate::venv::metadata::read_all(env)?
        .into_iter()
        .map(|d| (d.name, d.version))
        .collect();
    // The two pip runs ask the index independently: at once.
    let (latest, allowed) = std::thread::scope(|scope| {
        let latest = scope.spawn(|| latest(env, &plan.project.root, &spec, &redactor));
        let allowed = allowed(ctx, plan, &spec, &redactor);
        (
            latest.join().expect("the `pip list` thread does not panic"),
            allowed,
        )
    });
    Ok(rows(&installed, &latest?, &allowed?))
}

/// The rows: each installed distribution with a newer `latest` or `allowed`.
pub(crate) fn rows(
    installed: &BTreeMap<String, String>,
    latest: &BTreeMap<String, String>,
    allowed: &BTreeMap<String, String>,
) -> Vec<Row> {
    let newer = |than: &str, v: Option<&String>| -> bool {
        match (Version::from_str(than), v.map(|v| Version::from_str(v))) {
            (Ok(a), Some(Ok(b))) => b > a,
            _ => false,
        }
    };
    installed
        .iter()
        .filter(|(name, version)| {
            newer(version, latest.get(*name)) || newer(version, allowed.get(*name))
        })
        .map(|(name, version)| Row {
            name: name.clone(),
            installed: version.clone(),
            allowed: allowed.get(name).cloned(),
            latest: latest
                .get(name)
                .filter(|l| newer(version, Some(l)))
                .cloned(),
        })
        .collect()
}

/// `pip list --outdated`: normalized name → newest version on the index.
fn latest(
    env: &Path,
    root: &Path,
    spec: &crate::spec::Spec,
    redactor: &Redactor,
) -> Result<BTreeMap<String, String>, Error> {
    let args = installer::outdated_args(spec, root);
    let shown = redactor.redact(&format!("pip {}", args.join(" ")));
    let fail = |why: String| InspectError::PipAnswer {
        command: shown.clone(),
        why,
    };
    let mut cmd = Command::new(platform::env_python(env));
    cmd.arg("-I")
        .arg("-m")
        .arg("pip")
        .args(&args)
        .current_dir(root);
    installer::clean_pip_env(&mut cmd);
    cmd.env("VIRTUAL_ENV", env);
    let out =
        crate::process::output_within(&mut cmd, LIST_TIMEOUT).map_err(|e| fail(e.to_string()))?;
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        let tail: Vec<&str> = stderr.lines().rev().take(5).collect();
        let tail: Vec<&str> = tail.into_iter().rev().collect();
        return Err(fail(redactor.redact(&tail.join(" / "))).into());
    }
    // pip prints the JSON on one line; a notice may follow on stdout.
    let stdout = String::from_utf8_lossy(&out.stdout);
    let json = stdout
        .lines()
        .find(|l| l.trim_start().starts_with('['))
        .unwrap_or("[]");
    let listed: Vec<Listed> =
        serde_json::from_str(json).map_err(|e| fail(format!("not pip's JSON: {e}")))?;
    Ok(listed
        .into_iter()
        .filter(|l| !l.version.is_empty())
        .map(|l| (normalize_name(&l.name), l.latest_version))
        .collect())
}

/// A fresh resolution of the spec, into nothing: normalized name → version.
fn allowed(
    ctx: &Ctx,
    plan: &Plan,
    spec: &crate::spec::Spec,
    redactor: &Redactor,
) -> Result<BTreeMap<String, String>, Error> {
    let files = &plan.project.config.requirement_files;
    if !installer::has_work(spec) {
        return Ok(BTreeMap::new());
    }
    let report = plan
        .paths
        .work
        .join(format!("{}.outdated.json", plan.paths.name));
    crate::fs::create_dir_all(&plan.paths.work)?;
    let mut args = installer::pip_args(spec, &plan.project.root, files);
    args.extend(["--dry-run", "--ignore-installed", "--report"].map(str::to_owned));
    args.push(report.display().to_string());
    installer::install(
        &plan.paths.env,
        &plan.project.root,
        &args,
        "Resolving the requirements at their newest",
        redactor,
        ctx.printer,
        &SignalGuard::install(),
    )?;
    let bytes = crate::fs::read(&report)?;
    let _ = crate::fs::delete_file(&report);
    let resolution =
        crate::lock::report::parse(&String::from_utf8_lossy(&bytes)).map_err(|why| {
            InspectError::PipAnswer {
                command: "pip install --dry-run --report".to_owned(),
                why,
            }
        })?;
    Ok(resolution
        .packages
        .into_iter()
        .map(|p| (normalize_name(&p.name), p.version))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn a_row_is_a_newer_version_on_the_index_or_allowed() {
        let installed = map(&[("a", "1.0"), ("b", "2.0"), ("c", "1.10"), ("pip", "24.0")]);
        let latest = map(&[("a", "2.0"), ("c", "1.9"), ("pip", "25.0")]);
        let allowed = map(&[("a", "1.5"), ("b", "2.0.1"), ("c", "1.10")]);
        assert_eq!(
            rows(&installed, &latest, &allowed),
            vec![
                Row {
                    name: "a".into(),
                    installed: "1.0".into(),
                    allowed: Some("1.5".into()),
                    latest: Some("2.0".into())
                },
                Row {
                    name: "b".into(),
                    installed: "2.0".into(),
                    allowed: Some("2.0.1".into()),
                    latest: None
                },
                // 1.9 < 1.10 as versions: not a row for c.
                Row {
                    name: "pip".into(),
                    installed: "24.0".into(),
                    allowed: None,
                    latest: Some("25.0".into())
                },
            ]
        );
    }
}
