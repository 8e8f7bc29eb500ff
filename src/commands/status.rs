//! `penv status`: interpreter, env path, spec hash, state and reasons, and
//! the stashed envs. `--json` holds plain, whole values: absolute paths,
//! whole hashes, messages without Markdown (the shape is in the README).

use std::process::ExitCode;

use serde_json::json;

use crate::Error;
use crate::cli::StatusArgs;
use crate::diagnostics::{display_path, escape_path, for_machines, json_path, plain};
use crate::ops::Ctx;
use crate::state::State;
use crate::venv::stash;

pub(super) fn status(ctx: &Ctx, args: &StatusArgs) -> Result<ExitCode, Error> {
    if args.json {
        for_machines();
    }
    let plan = match &args.script {
        Some(script) => super::script::plan(ctx, script, args.spec.python.clone())?,
        // As every command sees the env: with the groups it was last synced with.
        None => super::plan(ctx, &args.spec)?,
    };
    // One verdict with `sync --check` and `doctor`: a stale lock the env
    // is built from makes it stale.
    let status = match &args.script {
        Some(_) => plan.readiness(),
        None => crate::ops::sync::readiness_with_lock(ctx, &plan)?,
    };
    let (groups, extras) = plan.groups_and_extras();
    let chosen = &plan.selection().groups;
    let stashed = stash::list(&plan.paths);
    let info = &plan.python.info;
    if args.json {
        let value = json!({
            "state": status.name(),
            "reasons": status.why().iter().map(|r| plain(r)).collect::<Vec<_>>(),
            // Paths lossless or marked (`json!` cannot take a path that is
            // not UTF-8).
            "env": json_path(&plan.paths.env),
            "project-file": json_path(&plan.project.file),
            "hash": plan.hash,
            "recorded-hash": status.state().map(|s| &s.hash),
            "interpreter": {
                "path": json_path(&plan.python.fingerprint.path),
                "implementation": info.implementation,
                "version": info.version,
                "request": plan.python.request.to_string(),
                "request-source": plain(&plan.python.source.to_string()),
            },
            // The pip seeded into the env, and what the spec asks for.
            "pip-version": status.state().and_then(|s| s.pip_version.as_deref()),
            "pip-request": plan.spec.venv.pip_version,
            "groups": groups,
            "extras": extras,
            // The lock the env is installed from (absolute), `null` when
            // it is installed from the project's requirements.
            "lock": plan.spec.lock.as_ref().map(|l| json_path(&plan.project.root.join(&l.path))),
            // How they were chosen: `sync` options, empty for the defaults.
            "chosen-by": chosen.as_command_line().trim_start(),
            // Where the env came from: `{"kind": "built" | "derived" |
            // "store" | "stash", …}`; `null` when the state does not say.
            "origin": status.state().and_then(|s| s.origin.as_ref()),
            "created": status.state().map(|s| s.created),
            "last-used": status.state().map(|s| s.last_used),
            // The whole hash, from the entry's own state file (its name
            // carries only a prefix); `null` when that is unreadable.
            "stashed": stashed.iter().map(|e| json!({
                "path": json_path(&e.path),
                "hash": State::read(&e.path).ok().flatten().map(|s| s.hash),
                "stashed": e.stashed,
            })).collect::<Vec<_>>(),
        });
        ctx.printer
            .data(&serde_json::to_string_pretty(&value).expect("JSON serializes"));
        return Ok(ExitCode::SUCCESS);
    }
    let p = ctx.printer;
    p.data(&format!("env:         {}", display_path(&plan.paths.env)));
    p.data(&format!("state:       {}", status.name()));
    for reason in status.why() {
        p.data(&format!("  - {reason}"));
    }
    p.data(&format!(
        "interpreter: {} {} `{}`",
        info.implementation,
        info.version,
        escape_path(&plan.python.fingerprint.path)
    ));
    let kept = if plan.python.kept {
        format!(
            "; the env's {} is kept while it serves the request",
            info.version
        )
    } else {
        String::new()
    };
    p.data(&format!(
        "request:     {} (from {}{kept})",
        plan.python.request, plan.python.source
    ));
    if let Some(request) = &plan.spec.venv.pip_version {
        let seeded = match status.state() {
            Some(state) => match &state.pip_version {
                Some(v) => format!("{v} (asked for {request})"),
                None => format!("{request} (the seeded version is not recorded)"),
            },
            None => format!("{request} (no env yet)"),
        };
        p.data(&format!("pip:         {seeded}"));
    }
    if let Some(lock) = &plan.spec.lock {
        let count = lock.selected.len() + lock.unhashed.len();
        p.data(&format!(
            "packages:    from `{}` ({count} locked package{})",
            lock.path,
            if count == 1 { "" } else { "s" }
        ));
    }
    if !groups.is_empty() || !chosen.is_default() {
        let names = if groups.is_empty() {
            "none".to_owned()
        } else {
            groups.join(", ")
        };
        let how = if chosen.is_default() {
            "the defaults".to_owned()
        } else {
            format!(
                "chosen by `penv sync{}`; kept until a sync chooses again, `--default-groups` for the defaults",
                chosen.as_command_line()
            )
        };
        p.data(&format!("groups:      {names} ({how})"));
    }
    if !extras.is_empty() {
        p.data(&format!("extras:      {}", extras.join(", ")));
    }
    if let Some(state) = status.state()
        && let Some(origin) = &state.origin
    {
        p.data(&format!(
            "origin:      {}",
            origin.describe(state.spec.venv.installer)
        ));
    }
    p.data(&format!("spec hash:   {}", plan.hash));
    if let Some(state) = status.state()
        && state.hash != plan.hash
    {
        p.data(&format!("built hash:  {}", state.hash));
    }
    if !stashed.is_empty() {
        p.data("stashed:");
        for entry in &stashed {
            p.data(&format!(
                "  {} `{}`",
                entry.hash_prefix,
                display_path(&entry.path)
            ));
        }
    }
    Ok(ExitCode::SUCCESS)
}
