//! `penv doctor`: the classic venv mistakes in the project and this shell
//! ([`crate::ops::doctor`]); exit 1 when it found any.

use std::process::ExitCode;

use serde_json::json;

use crate::Error;
use crate::cli::DoctorArgs;
use crate::diagnostics::{display_path, for_machines, json_path, plain};
use crate::ops::Ctx;
use crate::ops::doctor::{Subject, doctor as check, no_python, read_files};
use crate::plan;

pub(super) fn doctor(ctx: &Ctx, args: &DoctorArgs) -> Result<ExitCode, Error> {
    if args.json {
        for_machines();
    }
    let python = args.spec.python.as_deref();
    let (findings, project_file, env, read) = match super::plan(ctx, &args.spec) {
        Ok(plan) => (
            check(ctx, &Subject::Planned(&plan), python)?,
            plan.project.file.clone(),
            plan.paths.env.clone(),
            read_files(&plan.project),
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
                read_files(&project),
            )
        }
    };
    let p = ctx.printer;
    if args.json {
        let value = json!({
            "env": json_path(&env),
            "project-file": json_path(&project_file),
            "other-tools-files": read.iter().map(|r| plain(r)).collect::<Vec<_>>(),
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
        print_read(p, &read);
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
        print_read(p, &read);
    }
    Ok(if findings.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// The other tools' files that are no finding, read or not.
fn print_read(p: &crate::printer::Printer, read: &[String]) {
    if read.is_empty() {
        return;
    }
    p.data("Other tools' files:");
    for line in read {
        p.data(&format!("  - {line}"));
    }
}
