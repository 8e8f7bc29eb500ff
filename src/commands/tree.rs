//! `penv tree`: the env's dependency tree, from its installed metadata.
//!
//! Like `which`, it does not sync: it shows the env as it is, once penv
//! would use it ([`use_env::as_built`]). Markers are evaluated for the
//! project's interpreter, as probed (and cached) when the plan is made; the
//! extras of the project's requirements (`httpx[http2]`) are those the spec
//! records.

use std::collections::{BTreeMap, BTreeSet};
use std::process::ExitCode;

use crate::Error;
use crate::cli::{SpecArgs, TreeArgs};
use crate::ops::inspect::InspectError;
use crate::ops::tree::{self, render, walk};
use crate::ops::{Ctx, use_env};
use crate::requirement::normalize_name;
use crate::state::State;

pub(super) fn tree(ctx: &Ctx, args: &TreeArgs) -> Result<ExitCode, Error> {
    let plan = super::plan(ctx, &SpecArgs::default())?;
    use_env::as_built(
        &plan.paths,
        &plan.sync_command(),
        "run `penv tree` again when it is done",
    )?;
    let env = &plan.paths.env;
    let markers = plan
        .python
        .info
        .markers
        .as_ref()
        .ok_or_else(|| InspectError::NoMarkers {
            why: "the probe did not report it".to_owned(),
        })?;
    let markers = crate::lock::select::marker_environment(markers)
        .map_err(|e| InspectError::NoMarkers { why: e.to_string() })?;
    let dists = crate::venv::metadata::read_all(env)?;
    // The extras the project asked its requirements with, by name.
    let mut root_extras: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let state = State::read(env).ok().flatten();
    if let Some(state) = &state {
        for line in state.spec.all_requirements() {
            if let Ok(req) = crate::requirement::parse_whole(line) {
                root_extras
                    .entry(req.name.to_string())
                    .or_default()
                    .extend(req.extras.iter().map(ToString::to_string));
            }
        }
    }
    let graph = tree::build(&dists, &markers, &root_extras);
    for (dist, line, why) in &graph.unreadable {
        ctx.printer.warn(&format!(
            "`{dist}`: skipped its requirement `{line}` ({why})"
        ));
    }
    let packages: Vec<String> = args.packages.iter().map(|p| normalize_name(p)).collect();
    if let Some(absent) = packages.iter().find(|p| !graph.nodes.contains_key(*p)) {
        return Err(InspectError::NotInstalled {
            name: absent.clone(),
            env: env.clone(),
        }
        .into());
    }
    let roots = walk::walk(
        &graph,
        &walk::Options {
            packages,
            invert: args.invert,
            depth: args.depth,
            // pip marks every entry of a lock `REQUESTED`.
            requested_roots: state.is_some_and(|s| s.spec.lock.is_none()),
        },
    );
    if args.json {
        let json = serde_json::json!({ "inverted": args.invert, "roots": roots });
        ctx.printer
            .data(&serde_json::to_string_pretty(&json).expect("a tree serializes"));
    } else {
        for line in render::text(&roots) {
            ctx.printer.data(&line);
        }
    }
    Ok(ExitCode::SUCCESS)
}
