//! Building a venv: `python -m venv --without-pip` for the layout (so it is
//! exactly the venv CPython makes: activation scripts, `python3.X` links,
//! `lib64`), then pip seeded from a copy penv prepares once per pip wheel
//! and Python version in its cache, hard-linked into each env. Which pip
//! wheel: [`super::seed`].
//!
//! Why not ensurepip per env: it unpacks and byte-compiles pip every time
//! (3–5 s). The cached seed is the same pip, already compiled, and linking
//! its files takes a few milliseconds. Every env still has a working `pip`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use crate::fs::{self, FsError};
use crate::{platform, process};
use crate::python::interpreter::InterpreterInfo;

/// How long `python -m venv` or the one-time seed preparation may take.
const STEP_TIMEOUT: Duration = Duration::from_mins(10);

/// Errors creating an env.
#[derive(Debug, thiserror::Error)]
pub enum CreateError {
    /// A file-system step failed.
    #[error(transparent)]
    Fs(#[from] FsError),
    /// A Python step failed.
    #[error("`{command}` failed ({status})")]
    Command {
        /// The command line.
        command: String,
        /// Its exit status.
        status: String,
        /// Its stderr.
        stderr: String,
    },
    /// `[venv] pip-version` asks for a pip nobody offers.
    #[error("found no pip `{request}` (`[venv] pip-version`) in {looked}")]
    NoPipForRequest {
        /// The request.
        request: String,
        /// Where penv looked.
        looked: String,
        /// Why asking the index failed, when it did.
        fetch_error: Option<String>,
        /// Where `pip-version` is written.
        location: Option<crate::diagnostics::Location>,
    },
    /// No pip wheel to seed from.
    #[error("found no pip wheel to seed the env with (looked in `{}`)", looked.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join("`, `"))]
    NoPipWheel {
        /// Where penv looked.
        looked: Vec<PathBuf>,
    },
}

impl CreateError {
    /// What to do.
    pub fn hint(&self) -> Option<String> {
        match self {
            Self::NoPipWheel { .. } => Some(
                "install your distribution's `python3-pip-whl` / `python3-venv` package, or set `[venv] pip = false`".to_owned(),
            ),
            Self::NoPipForRequest { .. } => Some(
                "put a pip wheel that satisfies it in a `find-links` directory, let penv reach the index, or change or remove `pip-version` (without it penv takes the newest pip it can find)".to_owned(),
            ),
            Self::Command { .. } | Self::Fs(_) => None,
        }
    }

    /// Where in a file the problem is.
    pub fn location(&self) -> Option<&crate::diagnostics::Location> {
        match self {
            Self::NoPipForRequest { location, .. } => location.as_ref(),
            _ => None,
        }
    }

    /// The captured stderr of a failed command.
    pub fn detail(&self) -> Option<String> {
        match self {
            Self::Command { stderr, .. } if !stderr.trim().is_empty() => {
                Some(format!("```\n{}\n```", stderr.trim_end()))
            }
            Self::NoPipForRequest {
                fetch_error: Some(why),
                ..
            } => Some(format!("Asking the index failed: {why}")),
            _ => None,
        }
    }
}

/// Options of the venv itself.
#[derive(Debug, Clone)]
pub struct VenvOptions {
    /// `--system-site-packages`.
    pub system_site_packages: bool,
    /// `--prompt`.
    pub prompt: Option<String>,
}

/// Runs `python -m venv --without-pip` into `env` (which may exist, empty
/// but for penv's build marker).
pub fn create_layout(base: &Path, env: &Path, options: &VenvOptions) -> Result<(), CreateError> {
    let mut cmd = Command::new(base);
    cmd.args(["-I", "-m", "venv", "--without-pip"]);
    if options.system_site_packages {
        cmd.arg("--system-site-packages");
    }
    if let Some(prompt) = &options.prompt {
        cmd.arg("--prompt").arg(prompt);
    }
    cmd.arg(env);
    run(cmd)
}

/// Runs one Python step of building an env, from `/` with a deadline; a
/// failure names the command and carries its stderr.
fn run(mut cmd: Command) -> Result<(), CreateError> {
    let command = format!("{cmd:?}").replace('"', "");
    cmd.current_dir(std::path::MAIN_SEPARATOR_STR);
    let output =
        process::output_within(&mut cmd, STEP_TIMEOUT).map_err(|e| CreateError::Command {
            command: command.clone(),
            status: e.to_string(),
            stderr: String::new(),
        })?;
    if output.status.success() {
        Ok(())
    } else {
        Err(CreateError::Command {
            command,
            status: output.status.to_string(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        })
    }
}

/// Where an interpreter's bundled pip wheels are: ensurepip's, or Debian's
/// `/usr/share/python-wheels`, in that order.
pub fn bundled_dirs(info: &InterpreterInfo) -> Vec<PathBuf> {
    vec![
        info.stdlib.join("ensurepip").join("_bundled"),
        PathBuf::from("/usr/share/python-wheels"),
    ]
}

/// The pip wheel bundled with the interpreter (the newest of the first
/// directory of [`bundled_dirs`] that has one). It always runs on the
/// interpreter, so it is what installs (and downloads) other pips.
pub fn bundled_pip_wheel(info: &InterpreterInfo) -> Result<PathBuf, CreateError> {
    let looked = bundled_dirs(info);
    for dir in &looked {
        let Ok(entries) = std::fs::read_dir(dir) else {
            continue;
        };
        let mut wheels: Vec<PathBuf> = entries
            .flatten()
            .map(|e| e.path())
            .filter(|p| {
                p.file_name().and_then(|n| n.to_str()).is_some_and(|n| {
                    n.starts_with("pip-")
                        && Path::new(n)
                            .extension()
                            .is_some_and(|e| e.eq_ignore_ascii_case("whl"))
                })
            })
            .collect();
        wheels.sort_by_key(|p| pip_version_key(p));
        if let Some(newest) = wheels.pop() {
            return Ok(newest);
        }
    }
    Err(CreateError::NoPipWheel { looked })
}

fn pip_version_key(wheel: &Path) -> Vec<u64> {
    let name = wheel.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let version = name
        .strip_prefix("pip-")
        .and_then(|r| r.split('-').next())
        .unwrap_or("");
    version.split('.').map(|p| p.parse().unwrap_or(0)).collect()
}

/// Seeds pip into `env`: links the prepared seed's pip into it, or, without
/// a cache, installs the chosen wheel directly.
pub fn seed_pip(
    info: &InterpreterInfo,
    env: &Path,
    seed: &super::seed::Seed,
) -> Result<(), CreateError> {
    let Some(seed_dir) = &seed.dir else {
        let installer = bundled_pip_wheel(info).unwrap_or_else(|_| seed.wheel.clone());
        return install_wheel_into(&platform::env_python(env), &installer, &seed.wheel);
    };
    let from = platform::site_packages(seed_dir, &info.major_minor(), &info.implementation);
    let to = platform::site_packages(env, &info.major_minor(), &info.implementation);
    fs::create_dir_all(&to)?;
    let entries = std::fs::read_dir(&from).map_err(|e| FsError::new("list", &from, e))?;
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name == "pip" || (name.starts_with("pip-") && name.ends_with(".dist-info")) {
            link_tree(&entry.path(), &to.join(&*name))?;
        }
    }
    write_pip_scripts(env, &info.major_minor())
}

/// The name of the seed of `wheel` for this interpreter:
/// `<wheel stem>-<impl><X.Y>`.
pub fn seed_name(wheel: &Path, info: &InterpreterInfo) -> PathBuf {
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

/// `<cache>/seed/<pip wheel>-<impl><X.Y>/`: a venv with the pip of `wheel`
/// installed (by `installer`, the interpreter's own pip, which checks the
/// wheel's `Requires-Python`) and byte-compiled, made once, atomically
/// (built in a temporary directory, then renamed).
pub fn prepare_seed(
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
    fs::create_dir_all(&seeds)?;
    let tmp = tempfile::Builder::new()
        .prefix(".seed-")
        .tempdir_in(&seeds)
        .map_err(|e| FsError::new("create a temporary directory in", &seeds, e))?;
    // Build at the final path's name inside the temp dir: the shebangs of the
    // seed's own scripts are never used (each env gets its own).
    let work = tmp.path().join("venv");
    create_layout(
        base,
        &work,
        &VenvOptions {
            system_site_packages: false,
            prompt: None,
        },
    )?;
    install_wheel_into(&platform::env_python(&work), installer, wheel)?;
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

/// `python <installer.whl>/pip install --no-deps <wheel>`: pip run from its
/// own wheel (how ensurepip does it) installs the chosen pip, byte-compiled.
fn install_wheel_into(python: &Path, installer: &Path, wheel: &Path) -> Result<(), CreateError> {
    let mut cmd = Command::new(python);
    cmd.arg("-I")
        .arg(installer.join("pip"))
        .args([
            "install",
            "--no-deps",
            "--no-index",
            "--disable-pip-version-check",
            "--no-input",
            "-q",
        ])
        .arg(wheel);
    run(cmd)
}

/// Hard-links (or copies) a directory tree; the seed is never written to
/// through these links, because pip replaces files rather than editing them.
fn link_tree(from: &Path, to: &Path) -> Result<(), CreateError> {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.map_err(|e| {
            let path = e.path().unwrap_or(from).to_owned();
            FsError::new("walk", path, e.into())
        })?;
        let rel = entry
            .path()
            .strip_prefix(from)
            .expect("walkdir stays under its root");
        let target = to.join(rel);
        if entry.file_type().is_dir() {
            fs::create_dir_all(&target)?;
        } else if entry.file_type().is_file() {
            fs::link_or_copy(entry.path(), &target)?;
        }
    }
    Ok(())
}

/// The first line(s) of a script run by `python`, as pip's installer
/// (distlib) writes them: `#!python` when the kernel can run that, else (a
/// path with a space, or longer than Linux's 127-byte shebang limit) a
/// `/bin/sh` line that `exec`s python on the script, which Python then reads
/// as a string literal.
fn shebang(python: &Path) -> String {
    let path = python.display().to_string();
    if !path.contains(' ') && path.len() + 3 <= 127 {
        format!("#!{path}\n")
    } else {
        format!("#!/bin/sh\n'''exec' \"{path}\" \"$0\" \"$@\"\n' '''\n")
    }
}

/// `bin/pip`, `bin/pip3`, `bin/pip3.X`: the console scripts pip's own
/// installer writes, with this env's python in the shebang.
fn write_pip_scripts(env: &Path, major_minor: &str) -> Result<(), CreateError> {
    let python = platform::env_python(env);
    let script = format!(
        "{}# -*- coding: utf-8 -*-\nimport re\nimport sys\nfrom pip._internal.cli.main import main\nif __name__ == '__main__':\n    sys.argv[0] = re.sub(r'(-script\\.pyw|\\.exe)?$', '', sys.argv[0])\n    sys.exit(main())\n",
        shebang(&python)
    );
    for name in [
        "pip".to_owned(),
        "pip3".to_owned(),
        format!("pip{major_minor}"),
    ] {
        let path = platform::env_bin(env, &name);
        fs::write_atomic(&path, script.as_bytes())?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755))
                .map_err(|e| FsError::new("make executable", &path, e))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod shebang_tests {
    use super::shebang;
    use std::path::Path;

    #[test]
    fn plain_paths_get_a_plain_shebang_others_the_sh_trampoline() {
        assert_eq!(
            shebang(Path::new("/p/.venv/bin/python")),
            "#!/p/.venv/bin/python\n"
        );
        let spaced = shebang(Path::new("/my proj/.venv/bin/python"));
        assert!(
            spaced.starts_with("#!/bin/sh\n'''exec' \"/my proj/.venv/bin/python\" \"$0\" \"$@\"\n")
        );
        let long = format!("/{}/bin/python", "d".repeat(130));
        assert!(shebang(Path::new(&long)).starts_with("#!/bin/sh\n"));
    }
}
