//! What an interpreter is: probed once by running it (the script is in
//! `probe_script`), then cached.
//!
//! The cache is keyed by the binary's canonical path and its fingerprint
//! (size, mtime, inode): while the binary is unchanged, penv never runs it
//! again. That is what lets a no-op sync start no Python process at all.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::str::FromStr;
use std::time::Duration;

use pep440_rs::Version;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::text_file::{self, PROBE_CACHE_ENTRY};
use crate::{fs, process};

/// Bump when the probe's output changes, to invalidate old cache entries.
/// v2: `markers` and `tags`. v3: `tags` found beyond `ensurepip/_bundled`.
const CACHE_VERSION: &str = "v3";

/// How long a probe may take before the candidate is passed over.
const PROBE_TIMEOUT: Duration = Duration::from_secs(20);

/// What the probe reports: what choosing an interpreter and building an
/// env read, nothing more. (Cache entries written with more fields still
/// load: unknown fields are ignored.)
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct InterpreterInfo {
    /// `sys.implementation.name`: `cpython`, `pypy`, …
    pub(crate) implementation: String,
    /// The full version, PEP 440 style: `3.12.1`, `3.13.0rc2`.
    pub(crate) version: String,
    /// The real path of the base executable (never a venv's python or a shim).
    pub(crate) base_executable: PathBuf,
    /// `sys.prefix`.
    pub(crate) prefix: PathBuf,
    /// `sys.base_prefix`; differs from `prefix` inside a virtual environment.
    pub(crate) base_prefix: PathBuf,
    /// The standard library directory.
    pub(crate) stdlib: PathBuf,
    /// Whether the `venv` module is there (Debian ships it separately).
    pub(crate) has_venv: bool,
    /// The PEP 508 marker environment (`None` from probes that predate it,
    /// such as test fakes).
    #[serde(default)]
    pub(crate) markers: Option<Markers>,
    /// The wheel tags it supports, best first, as pip's `packaging` says;
    /// `None` when no `packaging` could be found to ask (see `probe_script`).
    #[serde(default)]
    pub(crate) tags: Option<Vec<String>>,
}

/// The PEP 508 marker variables of an interpreter, as the probe read them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Markers {
    pub(crate) implementation_name: String,
    pub(crate) implementation_version: String,
    pub(crate) os_name: String,
    pub(crate) platform_machine: String,
    pub(crate) platform_python_implementation: String,
    pub(crate) platform_release: String,
    pub(crate) platform_system: String,
    pub(crate) platform_version: String,
    pub(crate) python_full_version: String,
    pub(crate) python_version: String,
    pub(crate) sys_platform: String,
}

/// The oldest Python penv builds envs for.
pub(crate) const MIN_VERSION: (u64, u64) = (3, 7);

impl InterpreterInfo {
    /// Why penv cannot build an env with this interpreter for any request: a
    /// venv's python, older than [`MIN_VERSION`], no `venv` module.
    pub(crate) fn unusable(&self) -> Option<String> {
        if self.is_venv() {
            Some("a virtual environment's python, not a base interpreter".to_owned())
        } else if !self.supported() {
            Some(format!(
                "Python {} is older than {}.{}, the oldest penv supports",
                self.version, MIN_VERSION.0, MIN_VERSION.1
            ))
        } else if !self.has_venv {
            Some("has no `venv` module (on Debian: install `python3-venv`)".to_owned())
        } else {
            None
        }
    }

    /// Whether penv builds envs for this version at all ([`MIN_VERSION`]).
    fn supported(&self) -> bool {
        self.pep440_version()
            .is_some_and(|v| v.release() >= [MIN_VERSION.0, MIN_VERSION.1].as_slice())
    }

    /// The version, parsed.
    pub(crate) fn pep440_version(&self) -> Option<Version> {
        Version::from_str(&self.version).ok()
    }

    /// `X.Y`.
    pub(crate) fn major_minor(&self) -> String {
        self.version
            .split('.')
            .take(2)
            .collect::<Vec<_>>()
            .join(".")
    }

    /// The wheel tags to select from, best first: the probe's, or, when it
    /// could not ask `packaging`, only the pure-Python ones (`cp312-none-any`,
    /// `py312-none-any`, `py3-none-any`, `py311-none-any`, …, as
    /// `packaging.tags.compatible_tags` orders them), which every
    /// interpreter of this version accepts: a platform wheel is then never
    /// chosen, rather than chosen wrongly.
    pub(crate) fn wheel_tags(&self) -> Vec<String> {
        if let Some(tags) = &self.tags {
            return tags.clone();
        }
        let mut parts = self.version.split('.');
        let major = parts.next().unwrap_or("3");
        let minor: u32 = parts
            .next()
            .and_then(|m| {
                m.chars()
                    .take_while(char::is_ascii_digit)
                    .collect::<String>()
                    .parse()
                    .ok()
            })
            .unwrap_or(0);
        let short = match self.implementation.as_str() {
            "cpython" => "cp",
            "pypy" => "pp",
            "ironpython" => "ip",
            "jython" => "jy",
            other => other,
        };
        let mut tags = vec![format!("{short}{major}{minor}-none-any")];
        tags.push(format!("py{major}{minor}-none-any"));
        tags.push(format!("py{major}-none-any"));
        for m in (0..minor).rev() {
            tags.push(format!("py{major}{m}-none-any"));
        }
        tags
    }

    /// Whether this interpreter runs inside a virtual environment.
    pub(crate) fn is_venv(&self) -> bool {
        self.prefix != self.base_prefix
    }
}

/// The identity of a binary on disk: if any of this changes, it is re-probed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fingerprint {
    /// The canonical path (symlinks resolved).
    pub(crate) path: PathBuf,
    /// Size in bytes.
    pub(crate) size: u64,
    /// Modification time, nanoseconds since the epoch.
    pub(crate) mtime_ns: i128,
    /// Inode number (0 where there is none).
    pub(crate) inode: u64,
}

impl Fingerprint {
    /// The fingerprint of the file `path` resolves to; `None` when it does not exist.
    pub(crate) fn of(path: &Path) -> Option<Self> {
        let canonical = std::fs::canonicalize(path).ok()?;
        let meta = std::fs::metadata(&canonical).ok()?;
        if !meta.is_file() {
            return None;
        }
        let mtime_ns = meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(0, |d| i128::try_from(d.as_nanos()).unwrap_or(i128::MAX));
        Some(Self {
            path: canonical,
            size: meta.len(),
            mtime_ns,
            inode: inode(&meta),
        })
    }
}

#[cfg(unix)]
fn inode(meta: &std::fs::Metadata) -> u64 {
    std::os::unix::fs::MetadataExt::ino(meta)
}

#[cfg(not(unix))]
fn inode(_: &std::fs::Metadata) -> u64 {
    0
}

/// A binary that was probed: its fingerprint and what the probe said (or why it failed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Probed {
    /// The binary's identity when probed.
    pub(crate) fingerprint: Fingerprint,
    /// The probe's answer, or why there was none.
    pub(crate) result: Result<InterpreterInfo, String>,
}

/// Probes interpreters, through an on-disk cache.
#[derive(Debug, Clone)]
pub struct Prober {
    cache_dir: Option<PathBuf>,
}

impl Prober {
    /// A prober caching under `cache_dir/interpreters` (no cache when `None`).
    pub(crate) fn new(cache_dir: Option<&Path>) -> Self {
        Self {
            cache_dir: cache_dir.map(|d| d.join("interpreters").join(CACHE_VERSION)),
        }
    }

    /// What the binary `path` (resolved) is: from the cache when its
    /// fingerprint is unchanged, else by running it once. `None` when there
    /// is no such file.
    pub(crate) fn probe(&self, path: &Path) -> Option<Probed> {
        let fingerprint = Fingerprint::of(path)?;
        let entry = self.cache_entry(&fingerprint.path);
        if let Some(entry) = &entry
            && let Ok(Some(bytes)) = text_file::read_bytes_optional(entry, PROBE_CACHE_ENTRY)
            && let Ok(cached) = serde_json::from_slice::<Probed>(&bytes)
            && cached.fingerprint == fingerprint
        {
            return Some(cached);
        }
        let result = run_probe(&fingerprint.path);
        let probed = Probed {
            fingerprint,
            result,
        };
        if let Some(entry) = entry {
            // A cache that cannot be written costs speed, not correctness.
            // `interpreters/` is tagged as penv's cache (`penv cache clean`).
            if let Some(root) = entry.parent().and_then(Path::parent) {
                let _ = fs::create_cache_dir(root);
            }
            let _ = entry
                .parent()
                .map(fs::create_dir_all)
                .transpose()
                .ok()
                .and_then(|_| serde_json::to_vec_pretty(&probed).ok())
                .map(|bytes| fs::write_atomic(&entry, &bytes));
        }
        Some(probed)
    }

    /// The cached answer for an unchanged binary, without running anything.
    pub(crate) fn cached(&self, fingerprint: &Fingerprint) -> Option<InterpreterInfo> {
        let entry = self.cache_entry(&fingerprint.path)?;
        let bytes = text_file::read_bytes_optional(&entry, PROBE_CACHE_ENTRY).ok()??;
        let cached: Probed = serde_json::from_slice(&bytes).ok()?;
        (cached.fingerprint == *fingerprint).then_some(cached.result.ok()?)
    }

    fn cache_entry(&self, canonical: &Path) -> Option<PathBuf> {
        let digest = Sha256::digest(canonical.as_os_str().as_encoded_bytes());
        let name = hex::encode(&digest[..12]);
        self.cache_dir
            .as_ref()
            .map(|d| d.join(format!("{name}.json")))
    }
}

/// Runs the probe script on `path`: what it is, or why it is not usable.
fn run_probe(path: &Path) -> Result<InterpreterInfo, String> {
    // Isolated mode (-I): no PYTHON* variables, no user site, no script dir
    // on sys.path; run from `/` so nothing in the caller's cwd is imported.
    let mut cmd = Command::new(path);
    cmd.arg("-I")
        .arg("-c")
        .arg(super::probe_script::script())
        .current_dir(std::path::MAIN_SEPARATOR_STR);
    let child = process::spawn_piped(&mut cmd).map_err(|e| format!("could not run it: {e}"))?;
    let output = process::wait_with_timeout(child, PROBE_TIMEOUT)
        .map_err(|e| format!("probe failed: {e}"))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let last = stderr
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("no output");
        if stderr.contains("-I") && !stderr.contains("Traceback") {
            return Err("not a Python 3 interpreter (it rejects `-I`, isolated mode)".to_owned());
        }
        return Err(format!(
            "probe exited with {}: {}",
            output.status,
            last.trim()
        ));
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    let line = stdout
        .lines()
        .rev()
        .find(|l| l.trim_start().starts_with('{'))
        .unwrap_or("");
    serde_json::from_str(line)
        .map_err(|e| format!("probe printed something penv cannot read ({e})"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(version: &str, tags: Option<Vec<String>>) -> InterpreterInfo {
        InterpreterInfo {
            implementation: "cpython".into(),
            version: version.into(),
            base_executable: "/x".into(),
            prefix: "/x".into(),
            base_prefix: "/x".into(),
            stdlib: "/x".into(),
            has_venv: true,
            markers: None,
            tags,
        }
    }

    #[test]
    fn without_probed_tags_only_pure_python_ones_in_packaging_order() {
        assert_eq!(
            info("3.2.1", None).wheel_tags(),
            [
                "cp32-none-any",
                "py32-none-any",
                "py3-none-any",
                "py31-none-any",
                "py30-none-any"
            ]
        );
        let probed = vec!["cp312-cp312-manylinux_2_17_x86_64".to_owned()];
        assert_eq!(info("3.12.1", Some(probed.clone())).wheel_tags(), probed);
    }
}
