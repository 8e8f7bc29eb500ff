//! `penv doctor`: the classic venv mistakes in the project and this shell
//! ([`crate::ops::doctor`]); exit 1 when it found any.

use std::process::ExitCode;

use serde_json::json;

use crate::Error;
use crate::cli::DoctorArgs;
use crate::diagnostics::{display_path, for_machines, plain};
use crate::ops::Ctx;
use crate::ops::doctor::doctor as check;

pub(super) fn doctor(ctx: &Ctx, args: &DoctorArgs) -> Result<ExitCode, Error> {
    if args.json {
        for_machines();
    }
    let plan = super::plan(ctx, &args.spec)?;
    let findings = check(ctx, &plan);
    let p = ctx.printer;
    if args.json {
        let value = json!({
            "env": plan.paths.env.display().to_string(),
            "project-file": plan.project.file.display().to_string(),
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
            display_path(&plan.project.file),
            display_path(&plan.paths.env)
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
