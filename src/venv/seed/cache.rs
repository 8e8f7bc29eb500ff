//! The prepared seeds in penv's cache: `<cache>/seed/<pip wheel>-<impl><X.Y>/`,
//! a venv with that pip installed and byte-compiled, made once per pip
//! wheel and interpreter version and hard-linked into each env.
//!
//! Invariant: a seed is complete when its `penv-seed-complete` marker is
//! there; it is built in a temporary directory and renamed into place, and
//! its files are read-only, because every env shares them.

use std::path::{Path, PathBuf};

use pep440_rs::Version;

use crate::fs::{self, FsError};
use crate::platform;
use crate::python::interpreter::InterpreterInfo;
use crate::venv::create::{self, CreateError, VenvOptions};

/// The pip chosen for an env.
#[derive(Debug, Clone)]
pub(crate) struct Seed {
    /// Its wheel.
    pub(crate) wheel: PathBuf,
    /// Its version.
    pub(crate) version: Version,
    /// The prepared seed in penv's cache (`None` without a cache).
    pub(crate) dir: Option<PathBuf>,
}

/// The name of the seed of `wheel` for this interpreter:
/// `<wheel stem>-<impl><X.Y>`.
fn seed_name(wheel: &Path, info: &InterpreterInfo) -> PathBuf {
    let wheel_name = wheel
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    PathBuf::from(format!(
        "{wheel_name}-{}{}",
        info.implementation,
        info.major_minor()
    ))
}

/// The marker saying a wheel does not install on an interpreter.
pub(super) fn incompatible_marker(
    cache_dir: &Path,
    wheel: &Path,
    info: &InterpreterInfo,
) -> PathBuf {
    let mut name = seed_name(wheel, info).into_os_string();
    name.push(".incompatible");
    cache_dir.join("seed").join(name)
}

/// `<cache>/seed/<pip wheel>-<impl><X.Y>/`: a venv with the pip of `wheel`
/// installed (by `installer`, the interpreter's own pip, which checks the
/// wheel's `Requires-Python`) and byte-compiled, made once, atomically
/// (built in a temporary directory, then renamed).
fn prepare_seed(
    info: &InterpreterInfo,
    base: &Path,
    wheel: &Path,
    installer: &Path,
    cache_dir: &Path,
) -> Result<PathBuf, CreateError> {
    let seeds = cache_dir.join("seed");
    let seed = seeds.join(seed_name(wheel, info));
    if seed.join("penv-seed-complete").is_file() {
        return Ok(seed);
    }
    fs::create_cache_dir(&seeds)?;
    let tmp = tempfile::Builder::new()
        .prefix(".seed-")
        .tempdir_in(&seeds)
        .map_err(|e| FsError::new("create a temporary directory in", &seeds, e))?;
    // Build at the final path's name inside the temp dir: the shebangs of the
    // seed's own scripts are never used (each env gets its own).
    let work = tmp.path().join("venv");
    create::create_layout(
        base,
        &work,
        &VenvOptions {
            system_site_packages: false,
            prompt: None,
        },
    )?;
    create::install_wheel_into(&platform::env_python(&work), installer, wheel)?;
    make_read_only(&work)?;
    fs::write_atomic(
        &work.join("penv-seed-complete"),
        wheel.display().to_string().as_bytes(),
    )?;
    match std::fs::rename(&work, &seed) {
        Ok(()) => {}
        // Another penv prepared it meanwhile: use theirs.
        Err(_) if seed.join("penv-seed-complete").is_file() => {}
        Err(e) => return Err(FsError::new("move", &work, e).into()),
    }
    Ok(seed)
}

/// Takes the write bits off every file of the seed. Its files are hard-linked
/// into every env; pip replaces files rather than editing them, but an editor
/// writing one in place (vim's `backupcopy`, many IDEs) would change the seed
/// and every env at once: a read-only file makes it say so first.
fn make_read_only(dir: &Path) -> Result<(), CreateError> {
    for entry in walkdir::WalkDir::new(dir).into_iter().flatten() {
        if entry.file_type().is_file() {
            let path = entry.path();
            let mut perms = std::fs::metadata(path)
                .map_err(|e| FsError::new("read permissions of", path, e))?
                .permissions();
            perms.set_readonly(true);
            std::fs::set_permissions(path, perms)
                .map_err(|e| FsError::new("make read-only", path, e))?;
        }
    }
    Ok(())
}

/// The seed of `wheel` (installed by `installer`), prepared in the cache
/// when there is one.
pub(super) fn prepare(
    info: &InterpreterInfo,
    base: &Path,
    installer: &Path,
    wheel: &Path,
    version: &Version,
    cache_dir: Option<&Path>,
) -> Result<Seed, CreateError> {
    let dir = match cache_dir {
        Some(cache) => Some(prepare_seed(info, base, wheel, installer, cache)?),
        None => None,
    };
    Ok(Seed {
        wheel: wheel.to_owned(),
        version: version.clone(),
        dir,
    })
}
