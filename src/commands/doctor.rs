//! `penv doctor`: the classic venv mistakes in the project and this shell
//! ([`crate::ops::doctor`]); exit 1 when it found any.

use std::process::ExitCode;

use serde_json::json;

use crate::Error;
use crate::cli::DoctorArgs;
use crate::diagnostics::{display_path, for_machines, json_path, plain};
use crate::ops::Ctx;
use crate::ops::doctor::{Subject, doctor as check, no_python};
use crate::plan;

pub(super) fn doctor(ctx: &Ctx, args: &DoctorArgs) -> Result<ExitCode, Error> {
    if args.json {
        for_machines();
    }
    let python = args.spec.python.as_deref();
    let (findings, project_file, env) = match super::plan(ctx, &args.spec) {
        Ok(plan) => (
            check(ctx, &Subject::Planned(&plan), python)?,
            plan.project.file.clone(),
            plan.paths.env.clone(),
        ),
        Err(e) => {
            let Some(error) = no_python(&e) else {
                return Err(e);
            };
            // The plan failed before it kept the project: find it again.
            let project = plan::find_project()?;
            let paths = plan::env_paths(&project);
            let subject = Subject::NoPython {
                project: &project,
                paths: &paths,
                error,
            };
            (
                check(ctx, &subject, python)?,
                project.file.clone(),
                paths.env.clone(),
            )
        }
    };
    let p = ctx.printer;
    if args.json {
        let value = json!({
            "env": json_path(&env),
            "project-file": json_path(&project_file),
            // Plain values: the words without the Markdown quotes.
            "findings": findings.iter().map(|f| json!({
                "check": f.check,
                "message": plain(&f.message),
                "hint": plain(&f.hint),
            })).collect::<Vec<_>>(),
        });
        p.data(&serde_json::to_string_pretty(&value).expect("JSON serializes"));
    } else if findings.is_empty() {
        p.data(&format!(
            "No problems found: `{}`, its env `{}` and this shell agree.",
            display_path(&project_file),
            display_path(&env)
        ));
    } else {
        let n = findings.len();
        p.data(&format!(
            "{n} problem{} found:",
            if n == 1 { "" } else { "s" }
        ));
        for f in &findings {
            p.data(&format!("\n- {} ({})", f.message, f.check));
            p.data(&format!("  hint: {}", f.hint));
        }
    }
    Ok(if findings.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
