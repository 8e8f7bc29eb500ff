//! Derived envs and the store (issue 15): an edit that adds packages
//! (`medium-b.txt` → `medium.txt`) and one that removes them, against
//! penv's own rebuild from nothing (`sync --reinstall`), the same edit by
//! hand (`pip install -r` into the old venv, or `pip uninstall`) and
//! `uv sync`; and a new checkout of a spec in the store, against `uv sync`
//! with a warm cache and the floor both are bound by, `cp -al` of the env
//! (in the by-hand column).

use std::path::Path;

use crate::Result;
use crate::measure::{Columns, timed};
use crate::support::{penv_requirements, remove_dir, write};
use crate::table::{Row, Target};
use crate::tools::Bench;

pub(crate) fn derive(b: &Bench, dir: &Path) -> Result<Vec<Row>> {
    // Entries the other scenarios left in the store would turn an edit
    // into a clone of the store's env for it.
    let store = b.root.join("penv-cache/envs");
    if store.exists() {
        remove_dir(&store)?;
    }
    let uv_cache = dir.join("uv-cache");
    let no_store = |project: &Path, reinstall: bool| {
        let mut cmd = b.penv(project);
        cmd.env("PENV_STORE_MAX", "0").arg("sync");
        if reinstall {
            cmd.arg("--reinstall");
        }
        timed(&mut cmd)
    };
    let (mut add, mut remove, mut full) = (
        Columns::skipping(0),
        Columns::skipping(0),
        Columns::skipping(0),
    );
    for run in 0..b.slow_runs() {
        let project = dir.join(format!("penv-{run}"));
        b.penv_project(&project, Some(&b.medium_b))?;
        // No stash: going back to `medium-b` derives instead of restoring.
        let toml = project.join("penv.toml");
        let text = std::fs::read_to_string(&toml).map_err(|e| e.to_string())?;
        write(&toml, &format!("{text}\n[venv]\nkeep-stashed = 0\n"))?;
        no_store(&project, false)?;
        penv_requirements(&project, &b.medium)?;
        add.penv.push(no_store(&project, false)?);
        full.penv.push(no_store(&project, true)?);
        penv_requirements(&project, &b.medium_b)?;
        remove.penv.push(no_store(&project, false)?);
        remove_dir(&project)?;

        let venv = dir.join(format!("hand-{run}"));
        b.hand_venv(&venv)?;
        b.hand_install(&venv, &b.medium_b)?;
        add.hand.push(b.hand_install(&venv, &b.medium)?);
        let gone: Vec<&String> = b
            .medium
            .lines
            .iter()
            .filter(|l| !b.medium_b.lines.contains(l))
            .collect();
        remove.hand.push(timed(
            b.command(venv.join("bin/python"), &b.root)
                .args(["-m", "pip", "uninstall", "-y"])
                .args(gone.iter().map(|l| name_of(l))),
        )?);
        remove_dir(&venv)?;

        if let Some(tool) = &b.uv {
            let project = dir.join(format!("uv-{run}"));
            b.uv_project(&project, &b.medium_b)?;
            b.uv_sync(tool, &project, &uv_cache)?;
            b.uv_project(&project, &b.medium)?;
            add.uv.push(b.uv_sync(tool, &project, &uv_cache)?);
            b.uv_project(&project, &b.medium_b)?;
            remove.uv.push(b.uv_sync(tool, &project, &uv_cache)?);
            remove_dir(&project)?;
        }
    }
    let full_median = full.penv.median().unwrap_or(0.0);
    let mut rows = vec![
        add.row(
            "edit adds packages (medium-b -> medium), derived (no stash, no store)",
            b.slow_runs(),
            Target::AtMost(full_median / 3.0),
        ),
        remove.row(
            "edit removes packages (medium -> medium-b), derived (no stash, no store)",
            b.slow_runs(),
            Target::AtMost(full_median / 3.0),
        ),
        full.row(
            "the same spec rebuilt from nothing (sync --reinstall)",
            b.slow_runs(),
            Target::None,
        ),
    ];
    rows.push(worktree(b, dir, &uv_cache)?);
    Ok(rows)
}

/// A new checkout of a spec the store holds: `penv sync`; `uv sync` of a
/// new project with the same dependencies and a warm cache; `cp -al` of
/// the env, the floor.
fn worktree(b: &Bench, dir: &Path, uv_cache: &Path) -> Result<Row> {
    let first = dir.join("first");
    b.penv_project(&first, Some(&b.medium))?;
    b.penv_sync(&first)?;
    let mut times = Columns::skipping(0);
    for run in 0..b.runs {
        let project = dir.join(format!("worktree-{run}"));
        b.penv_project(&project, Some(&b.medium))?;
        times.penv.push(b.penv_sync(&project)?);
        remove_dir(&project)?;

        let copy = dir.join(format!("cp-{run}"));
        times.hand.push(timed(
            b.command("cp", dir)
                .arg("-al")
                .arg(first.join(".venv"))
                .arg(&copy),
        )?);
        remove_dir(&copy)?;

        if let Some(tool) = &b.uv {
            let project = dir.join(format!("uv-worktree-{run}"));
            b.uv_project(&project, &b.medium)?;
            if run == 0 {
                b.uv_sync(tool, &project, uv_cache)?;
                remove_dir(&project.join(".venv"))?;
            }
            times.uv.push(b.uv_sync(tool, &project, uv_cache)?);
            remove_dir(&project)?;
        }
    }
    remove_dir(&first)?;
    Ok(times.row(
        "new checkout, spec in the store: a store clone (by hand: cp -al)",
        b.runs,
        Target::UvOver(1),
    ))
}

/// The project name of a requirement line (`rich==13.9.4` → `rich`).
fn name_of(line: &str) -> &str {
    line.split(['=', '<', '>', '!', '~', ';', '[', ' '])
        .next()
        .unwrap_or(line)
}
