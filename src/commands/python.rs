//! `penv python list` and `penv python find`: what discovery sees, and why
//! each interpreter is taken or passed over; `penv python pin`: the
//! version written to `.python-version`, and what it means for the env.

use std::process::ExitCode;

use serde_json::json;

use crate::cli::PythonCommand;
use crate::diagnostics::{escape_path, json_path, plain};
use crate::ops::Ctx;
use crate::python::choice::{self, Verdict};
use crate::python::discovery;
use crate::python::request::{Request, RequestSource};
use crate::python::{PythonError, describe, search_report};
use crate::{Error, plan};

pub(super) fn python(ctx: &Ctx, cmd: &PythonCommand) -> Result<ExitCode, Error> {
    match cmd {
        PythonCommand::List { json } => {
            list(ctx, *json);
            Ok(ExitCode::SUCCESS)
        }
        PythonCommand::Find { request } => find(ctx, request),
        PythonCommand::Pin { pin: version } => pin(ctx, version),
    }
}

fn pin(ctx: &Ctx, version: &str) -> Result<ExitCode, Error> {
    let pinned = crate::ops::pin::pin(ctx, version)?;
    let file = crate::diagnostics::display_path(&pinned.file);
    let was = match &pinned.previous {
        Some(previous) if previous == version.trim() => " (unchanged)".to_owned(),
        Some(previous) => format!(" (was `{previous}`)"),
        None => String::new(),
    };
    ctx.printer.status(&format!(
        "Pinned `{}` in `{file}`{was}: {}",
        version.trim(),
        pinned.picks
    ));
    let Some(project) = pinned.project else {
        return Ok(ExitCode::SUCCESS);
    };
    // The sources above `.python-version` still win; say so rather than
    // let the pin look as if it did something.
    let (_, source) = plan::python_request(&project, None, &ctx.vars)?;
    if !matches!(source, RequestSource::PythonVersionFile(..)) {
        ctx.printer.warn(&format!(
            "{source} comes before `{file}`: penv does not use the pin while it is set"
        ));
        return Ok(ExitCode::SUCCESS);
    }
    // What the next sync does: the same plan and verdict as `status`.
    match super::plan(ctx, &crate::cli::SpecArgs::default()) {
        Ok(plan) => {
            let env = crate::diagnostics::display_path(&plan.paths.env);
            let readiness = crate::ops::sync::readiness_with_lock(ctx, &plan)?;
            let python = format!(
                "{} {}",
                plan.python.info.implementation, plan.python.info.version
            );
            let next = match &readiness {
                crate::venv::Readiness::Fresh(_) => {
                    format!("`{env}` already uses {python}: the next `penv sync` has nothing to do")
                }
                crate::venv::Readiness::Missing => {
                    format!("the next `penv sync` builds `{env}` with {python}")
                }
                other => format!(
                    "the next `penv sync` rebuilds `{env}` ({}): {}",
                    other.name(),
                    other.why().join("; ")
                ),
            };
            ctx.printer.status(&next);
        }
        Err(e) => ctx
            .printer
            .warn(&format!("cannot tell what the next `penv sync` does: {e}")),
    }
    Ok(ExitCode::SUCCESS)
}

fn list(ctx: &Ctx, as_json: bool) {
    if as_json {
        crate::diagnostics::for_machines();
    }
    let found = discovery::discover(&ctx.vars, &ctx.prober);
    // Inside a project, mark what its request picks.
    let project = plan::find_project().ok();
    let request = project
        .as_ref()
        .and_then(|p| plan::python_request(p, None, &ctx.vars).ok());
    // The env's own interpreter is kept while it satisfies the request
    // (see `resolve`): that is the project's pick, not the newest.
    let kept = project
        .as_ref()
        .zip(request.as_ref())
        .and_then(|(p, r)| plan::env_python(p, r, &ctx.vars, &ctx.prober));
    let verdicts = request.as_ref().map(|(r, _)| {
        choice::choose(
            r,
            &found.candidates,
            kept.as_ref().map(|k| k.fingerprint.path.as_path()),
        )
    });
    if as_json {
        let items: Vec<_> = found
            .candidates
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let verdict = verdicts.as_ref().map(|v| match &v[i] {
                    Verdict::Chosen => json!({"chosen": true}),
                    Verdict::PassedOver(why) => json!({"chosen": false, "reason": plain(why)}),
                });
                json!({
                    "path": json_path(&c.path),
                    "canonical-path": json_path(&c.probed.fingerprint.path),
                    "source": c.source,
                    "implementation": c.info().map(|i| &i.implementation),
                    "version": c.info().map(|i| &i.version),
                    "error": c.probed.result.as_ref().err().map(|e| plain(e)),
                    "venv": c.venv.as_deref().map(json_path),
                    "usable": c.unusable().is_none(),
                    "unusable-reason": c.unusable().as_deref().map(plain),
                    "project": verdict,
                })
            })
            .collect();
        let value = json!({
            "request": request.as_ref().map(|(r, s)| json!({"request": r.to_string(), "source": plain(&s.to_string())})),
            "interpreters": items,
            "searched": found.searched,
        });
        ctx.printer
            .data(&serde_json::to_string_pretty(&value).expect("JSON serializes"));
        return;
    }
    if let Some((r, s)) = &request {
        ctx.printer.status(&format!(
            "The project asks for `{r}` (from {s}); `*` marks its pick."
        ));
    }
    for (i, c) in found.candidates.iter().enumerate() {
        let mark = match verdicts.as_ref().map(|v| &v[i]) {
            Some(Verdict::Chosen) => "*",
            _ => " ",
        };
        let line = format!("{mark} {}", describe(c));
        // What penv cannot use is always marked, with the reason; why a
        // usable one is not the project's pick only with `-v`.
        match (
            c.unusable(),
            ctx.printer.is_verbose(),
            verdicts.as_ref().map(|v| &v[i]),
        ) {
            (Some(why), _, _) => ctx.printer.data(&format!("{line}: unusable: {why}")),
            (None, true, Some(Verdict::PassedOver(why))) => {
                ctx.printer.data(&format!("{line}: {why}"));
            }
            _ => ctx.printer.data(&line),
        }
    }
    if found.candidates.is_empty() {
        ctx.printer.status(&search_report(&found, &[]));
    }
}

fn find(ctx: &Ctx, raw: &str) -> Result<ExitCode, Error> {
    let request = Request::parse(raw).map_err(|source| PythonError::BadRequest {
        source,
        from: RequestSource::FindArgument,
        location: None,
    })?;
    let found = match &request {
        Request::Path(p) => discovery::explicit(p, &ctx.prober),
        _ => discovery::discover(&ctx.vars, &ctx.prober),
    };
    let verdicts = choice::choose(&request, &found.candidates, None);
    let Some(chosen) = verdicts.iter().position(|v| *v == Verdict::Chosen) else {
        return Err(PythonError::NotFound {
            request,
            from: RequestSource::FindArgument,
            report: search_report(&found, &verdicts),
        }
        .into());
    };
    for (c, v) in found.candidates.iter().zip(&verdicts) {
        match v {
            Verdict::Chosen => ctx.printer.status(&format!("* {}: chosen", describe(c))),
            Verdict::PassedOver(why) => ctx.printer.status(&format!("  {}: {why}", describe(c))),
        }
    }
    ctx.printer.data(&escape_path(
        &found.candidates[chosen].probed.fingerprint.path,
    ));
    Ok(ExitCode::SUCCESS)
}
