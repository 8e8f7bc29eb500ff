//! Asking the project's index (or `find-links` URLs) for a pip with
//! `pip download`, and remembering when it was last asked.
//!
//! Invariant: a check is recorded whatever its outcome, so an offline
//! machine asks at most once a day per interpreter, request and index;
//! downloaded wheels reach penv's cache only once complete.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use pep440_rs::VersionSpecifiers;
use sha2::{Digest, Sha256};

use super::sources::{Origin, PipSources, download_dir, wheels_in};
use crate::credentials::Redactor;
use crate::fs::{self, FsError};
use crate::python::interpreter::InterpreterInfo;
use crate::state::now;
use crate::venv::create::CreateError;

/// How often penv asks the index whether a newer pip exists.
pub(super) const RECHECK_AFTER_SECS: u64 = 24 * 3600;

/// How long `pip download` may take.
const DOWNLOAD_TIMEOUT: Duration = Duration::from_mins(5);

/// The name of the record of the last check: a digest of what was asked,
/// of whom (credentials redacted), for which interpreter.
pub(super) fn check_key(
    info: &InterpreterInfo,
    specifiers: &VersionSpecifiers,
    sources: &PipSources,
    redactor: &Redactor,
) -> String {
    let mut hasher = Sha256::new();
    hasher.update(format!(
        "{}{}\0{}\0{}",
        info.implementation,
        info.major_minor(),
        specifiers,
        redactor.redact(&sources.args.join("\0"))
    ));
    hex::encode(hasher.finalize())[..16].to_owned()
}

/// Whether the check recorded at `record` is less than `secs` old.
pub(super) fn checked_within(record: &Path, secs: u64) -> bool {
    fs::read_optional(record)
        .ok()
        .flatten()
        .and_then(|b| String::from_utf8_lossy(&b).trim().parse::<u64>().ok())
        .is_some_and(|t| now().saturating_sub(t) < secs)
}

/// `python <bundled pip>/pip download pip<specifiers>` from the project's
/// sources into penv's cache; returns pip's (redacted) output.
pub(super) fn download(
    base: &Path,
    installer: &Path,
    specifiers: &VersionSpecifiers,
    sources: &PipSources,
    root: &Path,
    cache: &Path,
    redactor: &Redactor,
) -> Result<String, CreateError> {
    let dest = download_dir(cache);
    fs::create_cache_dir(&dest)?;
    let tmp = tempfile::Builder::new()
        .prefix(".download-")
        .tempdir_in(&dest)
        .map_err(|e| FsError::new("create a temporary directory in", &dest, e))?;
    let mut cmd = Command::new(base);
    cmd.arg("-I")
        .arg(installer.join("pip"))
        .args([
            "download",
            "--no-deps",
            "--only-binary=:all:",
            "--disable-pip-version-check",
            "--no-input",
            // Offline, fail soon: the bundled pip is the fallback.
            "--timeout",
            "15",
            "--retries",
            "1",
            "--dest",
        ])
        .arg(tmp.path())
        .args(&sources.args)
        .arg(format!("pip{specifiers}"))
        .current_dir(root);
    crate::installer::clean_pip_env(&mut cmd);
    let shown = redactor.redact(&format!("{cmd:?}").replace('"', ""));
    let fail = |status: String, stderr: String| CreateError::Command {
        command: shown.clone(),
        status,
        stderr: redactor.redact(&stderr),
    };
    let output = crate::process::output_within(&mut cmd, DOWNLOAD_TIMEOUT)
        .map_err(|e| fail(e.to_string(), String::new()))?;
    if !output.status.success() {
        return Err(fail(
            output.status.to_string(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        ));
    }
    for wheel in wheels_in(tmp.path(), Origin::Cache) {
        let to = dest.join(wheel.wheel.file_name().expect("a file name"));
        if !to.exists() {
            fs::rename(&wheel.wheel, &to)?;
        }
    }
    Ok(redactor.redact(&format!(
        "{shown}\n{}",
        String::from_utf8_lossy(&output.stdout).trim_end()
    )))
}
