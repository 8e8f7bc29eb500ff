//! `penv envs` and `penv envs prune`: the listing ([`crate::ops::envs`])
//! as a table or JSON; prune lists what it selected and why, asks (or
//! needs `--yes` off a terminal), deletes, and says what was freed.

use std::io::{BufRead as _, IsTerminal as _};
use std::path::PathBuf;
use std::process::ExitCode;

use crate::Error;
use crate::cli::{EnvsArgs, EnvsCommand, PruneArgs};
use crate::diagnostics::{display_path, for_machines, plain};
use crate::ops::Ctx;
use crate::ops::envs::prune::{self, Filters, Scope, Selection};
use crate::ops::envs::{self, EnvState, Listing, age, size};
use crate::state::now;

pub(super) fn envs(ctx: &Ctx, args: &EnvsArgs) -> Result<ExitCode, Error> {
    if let Some(EnvsCommand::Prune(prune)) = &args.command {
        return prune_envs(ctx, prune);
    }
    if args.json {
        for_machines();
    }
    let mut listing = envs::list(ctx, &args.scan);
    if args.json {
        // Plain values: the reasons without the Markdown quotes.
        for env in &mut listing.envs {
            for why in &mut env.why {
                *why = plain(why);
            }
        }
        ctx.printer
            .data(&serde_json::to_string_pretty(&listing).expect("JSON serializes"));
    } else {
        print_table(ctx, &listing, args.all);
    }
    Ok(ExitCode::SUCCESS)
}

/// The table: one line per env, its stash entries folded under it and the
/// store's entries into one line unless `all`; then the total, each file
/// counted once.
fn print_table(ctx: &Ctx, listing: &Listing, all: bool) {
    let p = ctx.printer;
    let folded =
        |e: &&envs::Listed| !all && (e.state == EnvState::Store || e.stashed_from.is_some());
    let shown: Vec<&envs::Listed> = listing.envs.iter().filter(|e| !folded(e)).collect();
    if listing.envs.is_empty() {
        p.data(
            "No envs found (penv lists the envs it synced; add `--scan DIR` to look for others).",
        );
    } else {
        let now = now();
        p.data(&format!(
            "{:<9} {:<10} {:<8} {:>8} {:>8}  {:<16} PATH",
            "STATE", "KIND", "PYTHON", "SIZE", "SHARED", "LAST USED"
        ));
        for env in &shown {
            let used = format!(
                "{} ago ({})",
                age(now.saturating_sub(env.last_used)),
                env.last_used_from
            );
            let shared = if env.shared == 0 {
                "-".to_owned()
            } else {
                size(env.shared)
            };
            p.data(&format!(
                "{:<9} {:<10} {:<8} {:>8} {:>8}  {:<16} {}",
                env.state.name(),
                env.kind,
                env.python.as_deref().unwrap_or("?"),
                size(env.size),
                shared,
                used,
                display_path(&env.path)
            ));
            for why in &env.why {
                p.data(&format!("{:<9} - {why}", ""));
            }
            if let Some(stashed) = env.stashed.filter(|_| !all) {
                p.data(&format!(
                    "{:<9} + {} (`--all` lists them)",
                    "",
                    entries(stashed, "stash entry", "stash entries")
                ));
            }
        }
        if !all && listing.store.count > 0 {
            p.data(&format!(
                "{:<9} + the store: {} by spec hash (`--all` lists them)",
                "",
                entries(listing.store, "env", "envs")
            ));
        }
    }
    let parts: Vec<String> = listing
        .cache
        .iter()
        .map(|c| format!("{} {}", c.name, size(c.size)))
        .collect();
    let n = listing.envs.len();
    p.data(&format!(
        "\n{n} env{}, {} on disk, each file counted once as `du` counts it; penv's own: {} (stashes, the store{}{})",
        if n == 1 { "" } else { "s" },
        size(listing.total),
        size(listing.penv_own),
        if parts.is_empty() { "" } else { ", " },
        parts.join(", ")
    ));
    if listing.envs.iter().any(|e| e.shared > 0) {
        p.data("SHARED: files hard-linked into another env listed (or penv's cache), counted once in the total");
    }
}

/// `2 stash entries, 31 MB`.
fn entries(folded: envs::Folded, one: &str, many: &str) -> String {
    format!(
        "{} {}, {}",
        folded.count,
        if folded.count == 1 { one } else { many },
        size(folded.size)
    )
}

/// The envs in use, never deleted: `VIRTUAL_ENV`'s and the running penv's
/// (an env holding the penv binary).
fn protected(ctx: &Ctx) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = ctx.vars.virtual_env.iter().cloned().collect();
    if let Ok(exe) = std::env::current_exe() {
        out.push(exe);
    }
    out
}

fn prune_envs(ctx: &Ctx, args: &PruneArgs) -> Result<ExitCode, Error> {
    let filters = Filters {
        older_than: args.older_than,
        broken: args.broken,
        orphaned: args.orphaned,
        stashes: args.stashes,
        store: args.store,
    };
    if !filters.any() {
        return Err(Error::PruneWithoutFilter);
    }
    let p = ctx.printer;
    let listing = envs::list(ctx, &args.scan);
    let protected = protected(ctx);
    let scope = Scope::new(&args.scan, args.registered);
    let Selection {
        chosen: selected,
        in_use,
        outside,
        refused,
    } = prune::select(&listing, &filters, &scope, &protected);
    for (s, why) in &refused {
        p.status(&format!("Leaving `{}`: {why}", display_path(&s.path)));
    }
    for s in &in_use {
        p.status(&format!(
            "Keeping `{}` ({}): it is the env in use",
            display_path(&s.path),
            s.why
        ));
    }
    if !outside.is_empty() {
        p.status(&format!(
            "Leaving {} env{} outside the scanned directories that the filters select (`--registered` includes penv's own envs wherever they are)",
            outside.len(),
            if outside.len() == 1 { "" } else { "s" },
        ));
    }
    if selected.is_empty() {
        p.status("Nothing to prune.");
        return Ok(ExitCode::SUCCESS);
    }
    let total: u64 = selected.iter().map(|s| s.size).sum();
    let verb = if args.dry_run {
        "Would delete"
    } else {
        "Selected"
    };
    p.status(&format!(
        "{verb} {} env{} ({}):",
        selected.len(),
        if selected.len() == 1 { "" } else { "s" },
        size(total)
    ));
    for s in &selected {
        p.data(&format!(
            "{:>8}  {}  ({})",
            size(s.size),
            display_path(&s.path),
            s.why
        ));
    }
    if args.dry_run {
        p.status("Nothing deleted (--dry-run).");
        return Ok(ExitCode::SUCCESS);
    }
    if !args.yes {
        if !std::io::stdin().is_terminal() {
            return Err(Error::PruneNotConfirmed {
                count: selected.len(),
            });
        }
        p.status("Delete them? [y/N] ");
        let mut answer = String::new();
        let _ = std::io::stdin().lock().read_line(&mut answer);
        if !matches!(answer.trim(), "y" | "Y" | "yes" | "Yes") {
            p.status("Nothing deleted.");
            return Ok(ExitCode::SUCCESS);
        }
    }
    let done = prune::delete(&selected, &scope, &protected, ctx.data_dir.as_deref());
    for (path, why) in &done.in_use {
        p.status(&format!("Keeping `{}`: {why}", display_path(path)));
    }
    p.status(&format!("Freed {}.", size(done.freed)));
    if done.failed.is_empty() {
        Ok(ExitCode::SUCCESS)
    } else {
        Err(Error::PruneFailed {
            failures: done
                .failed
                .iter()
                .map(|e| format!("{e}: {}", e.source))
                .collect(),
        })
    }
}
