//! uv as the installer (`[venv] installer = "uv"`): the same installs as
//! pip's, given to `uv pip install|uninstall --python <env>/bin/python`.
//!
//! Invariant: uv gets exactly what pip would (the arguments are pip's, from
//! [`super::args`], translated option by option, never re-derived), plus
//! what makes uv behave as pip does where they differ: `--no-config` (a
//! `uv.toml` or `[tool.uv]` is not in the spec, so it must not decide the
//! env), `--index-strategy unsafe-best-match` (pip takes the best version
//! across every index), and the link mode (`auto`: uv's own default, hard
//! links from uv's cache, reflinks on macOS; see `LinkMode::with_installer`).

use std::path::Path;
use std::process::Command;

use super::InstallError;
use super::output::PipOutput;
use crate::credentials::Redactor;
use crate::platform;
use crate::printer::Printer;
use crate::process::{self, SignalGuard, Stream};
use crate::project::LinkMode;

/// pip's options uv has no use for (uv never asks, never checks for a newer
/// version of itself, and compiles nothing unless told).
const DROPPED: &[&str] = &[
    "--disable-pip-version-check",
    "--no-input",
    "--no-compile",
    "--yes",
];

/// pip's options that change how an install is done, not what is resolved,
/// and that `uv pip compile` refuses (penv gives it `--quiet` itself;
/// `--require-hashes` never reaches it: a project with hashes is locked
/// with pip, which checks them).
const NOT_FOR_COMPILE: &[&str] = &[
    "-v",
    "--verbose",
    "-q",
    "--quiet",
    "--force-reinstall",
    "--reinstall",
    "--ignore-installed",
    "-I",
    "--upgrade",
    "-U",
    "--no-warn-script-location",
    "--no-warn-conflicts",
    "--strict",
    "--no-verify-hashes",
    "--break-system-packages",
];

/// uv's variables that would make its resolution another than the one the
/// lock's inputs record (`penv lock --check` could not see them), or read
/// the project's paths from elsewhere.
const UV_RESOLUTION_VARS: &[&str] = &[
    "UV_RESOLUTION",
    "UV_PRERELEASE",
    "UV_EXCLUDE_NEWER",
    "UV_CONSTRAINT",
    "UV_OVERRIDE",
    "UV_BUILD_CONSTRAINT",
    "UV_FORK_STRATEGY",
    "UV_TORCH_BACKEND",
    "UV_WORKING_DIR",
    "UV_PROJECT",
];

/// pip's way with several indexes (the best version across all of them),
/// given always: an extra index may come from an argument in any of its
/// spellings, a requirement file or a variable, and with one index the
/// strategy changes nothing.
const PIPS_INDEX_STRATEGY: [&str; 2] = ["--index-strategy", "unsafe-best-match"];

/// uv's variables that would send an install elsewhere than the env.
const UV_OUTSIDE_ENV_VARS: &[&str] = &["UV_SYSTEM_PYTHON", "UV_PYTHON", "UV_BREAK_SYSTEM_PACKAGES"];

/// The distribution a local wheel or sdist file is of, by its name
/// (`flpkg-1.0-py3-none-any.whl`, `flpkg-1.0.tar.gz` → `flpkg`).
pub(crate) fn dist_of_file(file: &str) -> Option<String> {
    let name = Path::new(file).file_name()?.to_str()?;
    let stem = if let Some(stem) = name.strip_suffix(".whl") {
        stem.split('-').next()?
    } else {
        let stem = [".tar.gz", ".zip", ".tar.bz2", ".tgz"]
            .iter()
            .find_map(|ext| name.strip_suffix(ext))?;
        stem.rsplit_once('-')?.0
    };
    (!stem.is_empty()).then(|| crate::requirement::normalize_name(stem))
}

/// `uv`'s arguments for pip's `args` (`install …` or `uninstall …`) aimed
/// at `python`, cloning files as `link_mode` says, and reading again the
/// local files of the distributions in `refresh`: uv's cache keeps a
/// `find-links` wheel by its name, so a wheel rebuilt under the same name
/// would be installed as it was first cached; penv hashes those files, and
/// installs what they hold now, as pip does. `--reinstall-package` (which
/// implies `--refresh-package`) because uv refuses `--refresh-package`
/// with `UV_OFFLINE` set; in a new env there is nothing to reinstall.
pub(crate) fn uv_args(
    args: &[String],
    python: &Path,
    link_mode: LinkMode,
    refresh: &[String],
) -> Vec<String> {
    let Some((command, rest)) = args.split_first() else {
        return Vec::new();
    };
    let mut out: Vec<String> = vec![
        "pip".to_owned(),
        command.clone(),
        "--python".to_owned(),
        python.display().to_string(),
        "--no-config".to_owned(),
    ];
    if command == "install" {
        let mode = match link_mode {
            // `Auto` only on macOS (elsewhere `auto` with uv is
            // `hardlink`): uv's own default there.
            LinkMode::Auto | LinkMode::Clone => "clone",
            LinkMode::Copy => "copy",
            LinkMode::Hardlink => "hardlink",
        };
        out.extend(["--link-mode".to_owned(), mode.to_owned()]);
        out.extend(PIPS_INDEX_STRATEGY.map(str::to_owned));
        for name in refresh {
            out.extend(["--reinstall-package".to_owned(), name.clone()]);
        }
    }
    for arg in rest {
        if DROPPED.contains(&arg.as_str()) {
            continue;
        }
        out.push(if arg == "--compile" {
            "--compile-bytecode".to_owned()
        } else {
            arg.clone()
        });
    }
    out
}

/// Runs `uv` with pip's `args` translated ([`uv_args`]) into `env`, from
/// the project root, showing `step`; uv's stderr on failure, as pip's.
#[allow(clippy::too_many_arguments)]
pub(crate) fn install_with_uv(
    uv: &Path,
    env: &Path,
    project_root: &Path,
    args: &[String],
    (link_mode, refresh): (LinkMode, &[String]),
    step: &str,
    redactor: &Redactor,
    printer: &Printer,
    guard: &SignalGuard,
) -> Result<(), InstallError> {
    let python = platform::env_python(env);
    let args = uv_args(args, &python, link_mode, refresh);
    let run = Run::new(uv, project_root, (redactor, printer, guard));
    let output = run.run(&args, Some(env), step)?;
    // uv says `Installed 3 packages in 5ms` (or `Uninstalled …`) on stderr.
    if let Some(done) = output
        .stderr
        .iter()
        .find(|l| l.starts_with("Installed ") && l.contains(" package"))
    {
        printer.status(done.split(" in ").next().unwrap_or(done));
    }
    Ok(())
}

/// `uv pip compile`'s arguments and input file for what pip's `args`
/// (`install …`, from [`super::pip_args`]) would install, resolved for
/// `python` into the `pylock.toml` at `output`: the things to install (the
/// project, requirements, `-r` files, `[pip] args` naming a requirement)
/// become the lines of the input file at `input`, `-r`/`-c` paths made
/// absolute (uv reads them relative to the file; `-e` paths and bare paths
/// stay relative to the project root, uv's working directory, as pip reads
/// them); every option stays an option, translated as for an install.
pub(crate) fn compile_args(
    args: &[String],
    root: &Path,
    python: &Path,
    (input, output): (&Path, &Path),
) -> (Vec<String>, String) {
    let rest = args.get(1..).unwrap_or_default();
    let named = crate::spec::pip_args::parse(rest);
    let mut taken = vec![false; rest.len()];
    let mut take = |index: usize| {
        // `-r FILE` is two arguments, `-rFILE`/`--requirement=FILE` one.
        taken[index] = true;
        if !rest[index].starts_with('-') && index > 0 && rest[index - 1].starts_with('-') {
            taken[index - 1] = true;
        }
    };
    let mut lines = Vec::new();
    for (index, file, constraint) in &named.files {
        take(*index);
        let flag = if *constraint { "-c" } else { "-r" };
        lines.push(format!("{flag} {}", root.join(file).display()));
    }
    for (index, editable) in &named.editables {
        take(*index);
        lines.push(format!("-e {editable}"));
    }
    for (index, requirement) in &named.requirements {
        taken[*index] = true;
        lines.push(requirement.clone());
    }
    let mut out: Vec<String> = [
        "pip",
        "compile",
        "--python",
        &python.display().to_string(),
        "--no-config",
        "--format",
        "pylock.toml",
        "--no-header",
        // uv prints the file it writes, too.
        "--quiet",
        "--output-file",
        &output.display().to_string(),
    ]
    .map(str::to_owned)
    .to_vec();
    out.extend(PIPS_INDEX_STRATEGY.map(str::to_owned));
    for (arg, taken) in rest.iter().zip(taken) {
        let dropped = DROPPED.contains(&arg.as_str()) || NOT_FOR_COMPILE.contains(&arg.as_str());
        if taken || dropped || arg == "--compile" {
            continue;
        }
        out.push(arg.clone());
    }
    out.push(input.display().to_string());
    let mut text = String::from("# written by penv: what `penv lock` resolves\n");
    for line in lines {
        text.push_str(&line);
        text.push('\n');
    }
    (out, text)
}

/// Runs `uv pip compile` with `args` ([`compile_args`]) from the project
/// root, showing `step`; uv's stderr on failure.
pub(crate) fn compile_with_uv(
    uv: &Path,
    project_root: &Path,
    args: &[String],
    step: &str,
    (redactor, printer, guard): (&Redactor, &Printer, &SignalGuard),
) -> Result<(), InstallError> {
    Run::new(uv, project_root, (redactor, printer, guard))
        .run(args, None, step)
        .map(drop)
}

/// One uv process and what it is given.
struct Run<'a> {
    uv: &'a Path,
    project_root: &'a Path,
    redactor: &'a Redactor,
    printer: &'a Printer,
    guard: &'a SignalGuard,
}

impl<'a> Run<'a> {
    fn new(
        uv: &'a Path,
        project_root: &'a Path,
        (redactor, printer, guard): (&'a Redactor, &'a Printer, &'a SignalGuard),
    ) -> Self {
        Self {
            uv,
            project_root,
            redactor,
            printer,
            guard,
        }
    }

    /// Runs uv with `args` (aimed at `env` when there is one), its output
    /// redacted and shown with `-v`; uv's stderr in the error on failure.
    fn run(
        &self,
        args: &[String],
        env: Option<&Path>,
        step: &str,
    ) -> Result<PipOutput, InstallError> {
        let (uv, printer, redactor) = (self.uv, self.printer, self.redactor);
        let mut cmd = Command::new(uv);
        cmd.args(args).current_dir(self.project_root);
        super::clean_pip_env(&mut cmd);
        for var in UV_OUTSIDE_ENV_VARS {
            cmd.env_remove(var);
        }
        if let Some(env) = env {
            cmd.env("VIRTUAL_ENV", env);
        } else {
            cmd.env_remove("VIRTUAL_ENV");
            for var in UV_RESOLUTION_VARS {
                cmd.env_remove(var);
            }
        }
        cmd.env("UV_NO_PROGRESS", "1");
        #[cfg(unix)]
        {
            use std::os::unix::process::CommandExt;
            cmd.process_group(0);
        }
        printer.verbose(&redactor.redact(&format!(
            "running `{} {}`",
            uv.display(),
            args.join(" ")
        )));
        let progress = printer.step(&step.replace("with pip", "with uv"));
        let spawn_error = |source| InstallError::Spawn {
            python: uv.to_owned(),
            source,
        };
        let child = process::spawn_piped(&mut cmd).map_err(spawn_error)?;
        let mut output = PipOutput::default();
        let mut handle = |stream: Stream, line: &str| {
            let line = redactor.redact(line);
            if printer.is_verbose() {
                progress.suspend(|| printer.verbose(&format!("  {line}")));
            }
            output.push(stream, line);
        };
        let ended = super::watch_lines(child, self.guard, &mut handle).map_err(spawn_error);
        progress.finish();
        let status = super::exit_status(ended?, self.guard)?;
        if !status.success() {
            return Err(InstallError::Uv {
                code: process::exit_code(status),
                stderr: output.stderr.join("\n"),
            });
        }
        Ok(output)
    }
}

#[cfg(test)]
#[path = "uv_tests.rs"]
mod tests;
