//! Finding uv for `installer = "uv"`: on `PATH`, else the one penv fetched
//! before (`<cache>/uv/uv-<version>/uv`), else the `uv` wheel fetched once
//! from the project's index (or `find-links`) with `pip download`, its
//! executable taken out into the cache. Nothing found is an error that
//! says where penv looked and what to do.
//!
//! Invariant: a fetched uv reaches its cache directory complete (unpacked
//! into a temporary directory beside it, then renamed), so a crash or a
//! second penv never sees half an executable.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use super::InstallError;
use crate::credentials::Redactor;
use crate::fs;
use crate::printer::Printer;

/// How long fetching uv may take.
const FETCH_TIMEOUT: Duration = Duration::from_mins(5);

/// How penv can fetch uv: the base interpreter, a pip wheel to run
/// (`python pip.whl/pip download`), and the project's index options.
pub(crate) struct Fetch<'a> {
    pub(crate) base: &'a Path,
    pub(crate) pip_wheel: &'a Path,
    pub(crate) source_args: &'a [String],
    pub(crate) root: &'a Path,
    pub(crate) redactor: &'a Redactor,
}

/// Takes the one `*.data/scripts/uv` out of a wheel (`argv[1]`) into `argv[2]`.
const UNPACK: &str = r"
import os, sys, zipfile
wheel, dest = sys.argv[1:3]
with zipfile.ZipFile(wheel) as z:
    names = [n for n in z.namelist() if n.endswith('.data/scripts/uv')]
    if len(names) != 1:
        sys.exit('no `uv` executable in ' + os.path.basename(wheel))
    with z.open(names[0]) as src, open(dest, 'wb') as out:
        out.write(src.read())
os.chmod(dest, 0o755)
";

/// uv for installing: `PATH` (`path_dirs`), the cache, else fetched with
/// `fetch` into the cache.
pub(crate) fn find_uv(
    path_dirs: &[PathBuf],
    cache: Option<&Path>,
    fetch: Option<Fetch>,
    printer: &Printer,
) -> Result<PathBuf, InstallError> {
    if let Some(uv) = crate::platform::which_on_path("uv", path_dirs) {
        return Ok(uv);
    }
    let mut looked = vec!["`PATH`".to_owned()];
    let Some(cache) = cache else {
        return Err(InstallError::NoUv {
            looked,
            fetch_error: Some("penv has no cache directory to fetch it into".to_owned()),
        });
    };
    let dir = cache.join("uv");
    looked.push(format!("`{}`", crate::diagnostics::escape_path(&dir)));
    if let Some(uv) = cached(&dir) {
        return Ok(uv);
    }
    let fetch_error = match fetch {
        Some(fetch) => {
            let progress = printer.step("Fetching uv from the index (once)");
            let fetched = fetch_into(&fetch, &dir);
            progress.finish();
            match fetched {
                Ok(uv) => return Ok(uv),
                Err(why) => Some(why),
            }
        }
        None => None,
    };
    Err(InstallError::NoUv {
        looked,
        fetch_error,
    })
}

/// The newest uv fetched before into `dir` (`uv-<version>/uv`).
fn cached(dir: &Path) -> Option<PathBuf> {
    let entries = std::fs::read_dir(dir).ok()?;
    entries
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let version = name.strip_prefix("uv-")?;
            let version: pep440_rs::Version = version.parse().ok()?;
            let uv = e.path().join("uv");
            uv.is_file().then_some((version, uv))
        })
        .max_by(|a, b| a.0.cmp(&b.0))
        .map(|(_, uv)| uv)
}

/// `pip download uv` from the project's sources, unpacked into
/// `dir/uv-<version>/uv`; the reason when it cannot be had.
fn fetch_into(fetch: &Fetch, dir: &Path) -> Result<PathBuf, String> {
    fs::create_cache_dir(dir).map_err(|e| e.to_string())?;
    let tmp = tempfile::Builder::new()
        .prefix(".fetch-")
        .tempdir_in(dir)
        .map_err(|e| format!("cannot create a directory in `{}`: {e}", dir.display()))?;
    let mut cmd = Command::new(fetch.base);
    cmd.arg("-I")
        .arg(fetch.pip_wheel.join("pip"))
        .args([
            "download",
            "--no-deps",
            "--only-binary=:all:",
            "--disable-pip-version-check",
            "--no-input",
            "--dest",
        ])
        .arg(tmp.path())
        .args(fetch.source_args)
        .arg("uv")
        .current_dir(fetch.root);
    super::clean_pip_env(&mut cmd);
    run(&mut cmd, fetch.redactor)?;
    let wheel = std::fs::read_dir(tmp.path())
        .map_err(|e| e.to_string())?
        .flatten()
        .map(|e| e.path())
        .find(|p| {
            p.file_name().is_some_and(|n| {
                n.to_string_lossy().starts_with("uv-") && n.to_string_lossy().ends_with(".whl")
            })
        })
        .ok_or_else(|| "`pip download uv` gave no uv wheel".to_owned())?;
    let version = wheel
        .file_name()
        .and_then(|n| n.to_string_lossy().split('-').nth(1).map(str::to_owned))
        .filter(|v| v.parse::<pep440_rs::Version>().is_ok())
        .ok_or_else(|| format!("`{}` is not a uv wheel's name", wheel.display()))?;
    let unpacked = tmp.path().join("unpacked");
    fs::create_cache_dir(&unpacked).map_err(|e| e.to_string())?;
    let mut unpack = Command::new(fetch.base);
    unpack
        .args(["-I", "-c", UNPACK])
        .arg(&wheel)
        .arg(unpacked.join("uv"))
        .current_dir(fetch.root);
    run(&mut unpack, fetch.redactor)?;
    let to = dir.join(format!("uv-{version}"));
    if !to.join("uv").is_file() {
        fs::rename(&unpacked, &to).map_err(|e| e.to_string())?;
    }
    Ok(to.join("uv"))
}

/// Runs `cmd` within [`FETCH_TIMEOUT`]; its (redacted) stderr when it fails.
fn run(cmd: &mut Command, redactor: &Redactor) -> Result<(), String> {
    let shown = redactor.redact(&format!("{cmd:?}").replace('"', ""));
    let output = crate::process::output_within(cmd, FETCH_TIMEOUT)
        .map_err(|e| format!("`{shown}` failed: {e}"))?;
    if output.status.success() {
        return Ok(());
    }
    Err(format!(
        "`{shown}` failed ({}):\n{}",
        output.status,
        redactor.redact(String::from_utf8_lossy(&output.stderr).trim_end())
    ))
}
