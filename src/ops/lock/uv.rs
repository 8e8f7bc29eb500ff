//! `penv lock` with `installer = "uv"`: each resolution is `uv pip compile
//! --format pylock.toml` for the plan's interpreter, read back into the
//! resolution pip's report would give (`lock::compiled`), so the lock is
//! built, attributed and written as with pip. uv resolves for that one
//! interpreter, as pip does: the lock is for the environment it names, not
//! a universal one (`uv lock` writes that).
//!
//! Invariant: uv is given what pip would be (`installer::compile_args`
//! translates pip's arguments), writes only into the scratch directory,
//! and never finds an earlier output there (uv would take its pins as
//! preferences: the existing lock's pins reach it as constraints instead,
//! as they reach pip).

use std::path::{Path, PathBuf};

use super::Ctx;
use crate::Error;
use crate::credentials::Redactor;
use crate::installer::{self, InstallError};
use crate::lock::report::{Resolution, Source};
use crate::lock::{self, LockError};
use crate::plan::Plan;
use crate::process::SignalGuard;
use crate::spec::PipSpec;

/// uv's executable for locking `plan` (found or fetched as a build would).
pub(super) fn find(
    ctx: &Ctx,
    plan: &Plan,
    pip: &PipSpec,
    redactor: &Redactor,
) -> Result<PathBuf, Error> {
    crate::ops::build::uv::locate(ctx, plan, pip, redactor, || {
        Ok(crate::ops::build::choose_seed(ctx, plan, pip, redactor)?.wheel)
    })
}

/// The full resolution's direct references (an archive or a directory named
/// by URL or path, not editable) as `name @ url` constraints.
pub(super) fn direct_pins(full: &Resolution) -> Vec<String> {
    full.packages
        .iter()
        .filter(|p| {
            p.is_direct
                && matches!(
                    p.source,
                    Source::Archive { .. } | Source::Directory { editable: false }
                )
        })
        .map(|p| format!("{} @ {}", lock::normalize_name(&p.name), p.url))
        .collect()
}

/// Whether the project pins hashes (`--hash` in a requirement file,
/// `--require-hashes` in `[pip] args`): `uv pip compile` checks none, so
/// such a project is locked with pip, which refuses a file whose hash is
/// not the pinned one (said once, as a status line).
pub(super) fn pins_hashes(ctx: &Ctx, plan: &Plan) -> bool {
    let spec = &plan.spec;
    let in_files = spec
        .requirement_files
        .iter()
        .any(|f| f.lines.iter().any(|l| l.contains("--hash")));
    let in_args = spec.pip.args.iter().any(|a| a == "--require-hashes");
    if in_files || in_args {
        ctx.printer.status(
            "Resolving with pip, not uv: the requirements pin hashes, which pip checks and `uv pip compile` does not",
        );
    }
    in_files || in_args
}

/// One resolution of pip's install `args` with `uv pip compile` in
/// `scratch`, shown as `label`. A part of the project (`cached`: after the
/// whole was resolved, which asked the index for every package a part can
/// need) is resolved first from what that left in uv's cache
/// (`--offline`: no index asked again — one request per package and part
/// is most of a lock's time), and from the index when that fails.
#[expect(
    clippy::too_many_arguments,
    reason = "one call site; the parts of a run"
)]
pub(super) fn resolve(
    ctx: &Ctx,
    plan: &Plan,
    uv: &Path,
    args: &[String],
    (label, cached): (&str, bool),
    redactor: &Redactor,
    guard: &SignalGuard,
    scratch: &Path,
) -> Result<Resolution, Error> {
    let input = scratch.join("penv-uv-input.txt");
    let output = scratch.join(lock::LOCK_FILE_NAME);
    crate::fs::delete_file(&output)?;
    let root = &plan.project.root;
    let python = &plan.python.fingerprint.path;
    let (args, text) = installer::compile_args(args, root, python, (&input, &output));
    crate::fs::write_atomic(&input, text.as_bytes())?;
    let run = |args: &[String]| {
        installer::compile_with_uv(uv, root, args, label, (redactor, ctx.printer, guard))
    };
    let ran = if cached {
        let offline: Vec<String> = args
            .iter()
            .cloned()
            .chain(["--offline".to_owned()])
            .collect();
        match run(&offline) {
            Err(InstallError::Uv { .. }) => {
                ctx.printer
                    .verbose("uv's cache did not hold it all: resolving again from the index");
                run(&args)
            }
            other => other,
        }
    } else {
        run(&args)
    };
    ran.map_err(
        |e| match e {
            InstallError::Uv { code, ref stderr } => {
                let hint = if stderr.contains("'pylock.toml'") {
                    "penv locks with a uv that writes `--format pylock.toml` (0.7 or newer): update uv, or resolve with pip: `PENV_INSTALLER=pip penv lock`"
                } else {
                    "fix what uv reports above, then run `penv lock` again (or resolve with pip: `PENV_INSTALLER=pip`)"
                };
                Error::Locking(LockError::Resolve {
                    by: "uv",
                    code,
                    detail: e.detail(),
                    hint: Some(hint.to_owned()),
                })
            }
            other => Error::from(other),
        },
    )?;
    let report = |message: String| Error::Locking(LockError::UvOutput { message });
    let written = lock::read(&output)
        .map_err(|e| report(e.to_string()))?
        .ok_or_else(|| report("uv wrote no file".to_owned()))?;
    let info = &plan.python.info;
    Ok(lock::compiled::resolution(
        &written,
        scratch,
        (&info.wheel_tags(), info.tags.is_some()),
        super::markers::environment(plan),
    )?)
}
