//! A derive that only removes requirements takes its target from the
//! installed metadata, not from pip's resolver, and never clones what goes:
//! each case is checked against a build from nothing by content (the
//! oracle's comparison), and says whether pip ran.

use super::oracle::differences;
use super::package_store::content;
use super::*;
use crate::common::{build_wheel_files, build_wheel_headed};

/// A penv run in the sandbox's project with a private cache and no store,
/// so that an earlier spec is derived again rather than cloned from the
/// store; `-v` says how the target was found.
fn sync(sb: &Sandbox, cache: &Path, args: &[&str]) -> String {
    let out = super::script::penv(sb, cache)
        .env("PENV_STORE_MAX", "0")
        .arg("-v")
        .arg("sync")
        .args(args)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    stderr(&out)
}

/// Writes penv.toml with `requirements`, no stash (a removal derives from
/// the env, not a stash entry), the sandbox's wheels, offline.
fn requirements(sb: &Sandbox, python: &Path, reqs: &[&str]) {
    let list: Vec<String> = reqs.iter().map(|r| format!("{r:?}")).collect();
    sb.write_offline_toml(
        python,
        &format!(
            "requirements = [{}]\n\n[venv]\nkeep-stashed = 0\n",
            list.join(", ")
        ),
    );
}

/// Syncs, checks the env equals what `sync --reinstall` builds from
/// nothing, and returns what the sync said.
#[track_caller]
fn sync_equals_fresh(sb: &Sandbox, cache: &Path) -> String {
    let said = sync(sb, cache, &[]);
    let derived = content(&sb.project);
    sync(sb, cache, &["--reinstall"]);
    let diff = differences(&derived, &content(&sb.project));
    assert!(diff.is_empty(), "{said}\n{}", diff.join("\n"));
    said
}

/// `app` 1.0: `shared>=1` always, `extra-dep` with its extra `cli`,
/// `posix-only` on Linux and macOS, `win-only` on Windows; `tool` 1.0:
/// `shared`; `shared` 1.0 and 2.0, each with a module in a package
/// directory (and bytecode written by importing it).
fn wheels(sb: &Sandbox) {
    let w = &sb.wheels;
    let module = |name: &str, v: &str| format!("VERSION = {v:?}  # {name}\n");
    build_wheel_files(
        w,
        "app",
        "1.0",
        &[
            "shared>=1",
            "extra-dep ; extra == \"cli\"\nProvides-Extra: cli",
            "posix-only ; sys_platform != \"win32\"",
            "win-only ; sys_platform == \"win32\"",
        ],
        &[("app/__init__.py", &module("app", "1.0"))],
    );
    build_wheel_files(
        w,
        "tool",
        "1.0",
        &["shared"],
        &[("tool/__init__.py", &module("tool", "1.0"))],
    );
    for v in ["1.0", "2.0"] {
        build_wheel_files(
            w,
            "shared",
            v,
            &[],
            &[
                ("shared/__init__.py", &module("shared", v)),
                ("shared/sub/__init__.py", ""),
            ],
        );
    }
    for name in ["extra-dep", "posix-only", "win-only"] {
        let file = format!("{}/__init__.py", name.replace('-', "_"));
        build_wheel_files(w, name, "1.0", &[], &[(file.as_str(), "")]);
    }
}

/// Whether the env holds a distribution named so (a `*.dist-info`).
fn has(sb: &Sandbox, dist: &str) -> bool {
    content(&sb.project)
        .dists()
        .iter()
        .any(|d| d.starts_with(&format!("{}-", dist.replace('-', "_"))))
}

const RESOLVED: &str = "Resolving with pip";

#[test]
fn an_extra_a_root_and_a_marker_dependency_removed_equal_a_fresh_build_without_pip() {
    let python = require_python!();
    let sb = Sandbox::new();
    let cache = super::script::private_cache(&sb);
    wheels(&sb);
    requirements(&sb, python, &["app[cli]", "tool"]);
    sync(&sb, &cache, &[]);
    assert!(has(&sb, "extra-dep") && has(&sb, "posix-only") && !has(&sb, "win-only"));
    // Bytecode Python wrote at run time goes with its package.
    assert!(sb.env_python("import app, shared.sub, extra_dep").0);

    // The extra removed: its dependency goes, nothing else.
    requirements(&sb, python, &["app", "tool"]);
    let said = sync_equals_fresh(&sb, &cache);
    assert!(!said.contains(RESOLVED), "{said}");
    assert!(said.contains("derived from"), "{said}");
    assert!(!has(&sb, "extra-dep") && has(&sb, "app"));
    let site = super::oracle::site_packages(&sb.env()).unwrap();
    assert!(
        !site.join("extra_dep").exists(),
        "its package directory stays"
    );

    // A root removed whose dependency `shared` a remaining root needs: it
    // stays (no longer `REQUESTED`); `app`'s marker dependency goes.
    requirements(&sb, python, &["tool"]);
    let said = sync_equals_fresh(&sb, &cache);
    assert!(!said.contains(RESOLVED), "{said}");
    assert!(!has(&sb, "app") && !has(&sb, "posix-only") && has(&sb, "shared"));
    assert!(!site.join("app").exists(), "its package directory stays");

    // Everything removed.
    requirements(&sb, python, &[]);
    let said = sync_equals_fresh(&sb, &cache);
    assert!(!said.contains(RESOLVED), "{said}");
    assert!(!has(&sb, "tool") && !has(&sb, "shared"));
}

#[test]
fn a_removed_requirement_that_held_a_kept_package_back_is_resolved_by_pip() {
    let python = require_python!();
    let sb = Sandbox::new();
    let cache = super::script::private_cache(&sb);
    wheels(&sb);
    // `shared<2` holds `tool`'s dependency at 1.0; without it a fresh
    // build takes 2.0, which the installed metadata cannot tell.
    requirements(&sb, python, &["tool", "shared<2"]);
    sync(&sb, &cache, &[]);
    requirements(&sb, python, &["tool"]);
    let said = sync_equals_fresh(&sb, &cache);
    assert!(said.contains(RESOLVED), "{said}");
    assert!(said.contains("2.0 is offered"), "{said}");
    assert_eq!(
        sb.env_python("import shared; print(shared.VERSION)").1,
        "2.0"
    );
}

#[test]
fn a_pinned_closure_is_removed_from_without_pip() {
    let python = require_python!();
    let sb = Sandbox::new();
    let cache = super::script::private_cache(&sb);
    wheels(&sb);
    // Every kept version pinned: no index listing is needed.
    requirements(&sb, python, &["tool==1.0", "shared==1.0", "app==1.0"]);
    sync(&sb, &cache, &[]);
    requirements(&sb, python, &["tool==1.0", "shared==1.0"]);
    let said = sync_equals_fresh(&sb, &cache);
    assert!(!said.contains(RESOLVED), "{said}");
    assert!(!has(&sb, "app") && has(&sb, "shared"));
}

#[test]
fn a_line_removed_from_a_hashed_pinned_file_is_removed_without_pip() {
    use sha2::{Digest, Sha256};
    let python = require_python!();
    let sb = Sandbox::new();
    let cache = super::script::private_cache(&sb);
    wheels(&sb);
    // As `pip-compile --generate-hashes` writes it: every line pinned and
    // hashed (pip then checks every file it installs).
    let line = |name: &str, version: &str| {
        let file = sb.wheels.join(format!(
            "{}-{version}-py3-none-any.whl",
            name.replace('-', "_")
        ));
        let digest = hex::encode(Sha256::digest(std::fs::read(file).unwrap()));
        format!("{name}=={version} --hash=sha256:{digest}\n")
    };
    let all = [
        line("app", "1.0"),
        line("posix-only", "1.0"),
        line("shared", "1.0"),
        line("tool", "1.0"),
    ];
    sb.write("requirements.txt", &all.concat());
    sb.write_offline_toml(
        python,
        "requirement-files = [\"requirements.txt\"]\n\n[venv]\nkeep-stashed = 0\n",
    );
    sync(&sb, &cache, &[]);
    assert!(has(&sb, "app") && has(&sb, "posix-only"));
    sb.write(
        "requirements.txt",
        &[&all[2], &all[3]].map(String::as_str).concat(),
    );
    let said = sync_equals_fresh(&sb, &cache);
    assert!(!said.contains(RESOLVED), "{said}");
    assert!(said.contains("derived from"), "{said}");
    assert!(!has(&sb, "app") && !has(&sb, "posix-only") && has(&sb, "shared"));
}

/// A distribution whose `METADATA` has a multi-paragraph `License:` with
/// lines of spaces (as hatchling writes it) keeps the `Requires-Dist` after
/// it: removing another requirement leaves its dependency installed, as a
/// build from nothing does.
#[test]
fn dependencies_after_a_license_with_blank_lines_of_spaces_stay() {
    let python = require_python!();
    let sb = Sandbox::new();
    let cache = super::script::private_cache(&sb);
    let w = &sb.wheels;
    build_wheel_headed(
        w,
        "licensed",
        "1.0",
        &["dep"],
        &[("licensed/__init__.py", "")],
        &["License: MIT License\n        \n        Copyright (c) someone\n        "],
    );
    build_wheel_files(w, "dep", "1.0", &[], &[("dep/__init__.py", "")]);
    build_wheel_files(w, "other", "1.0", &[], &[("other/__init__.py", "")]);
    requirements(&sb, python, &["licensed==1.0", "other==1.0"]);
    sync(&sb, &cache, &[]);
    assert!(has(&sb, "dep"));
    requirements(&sb, python, &["licensed==1.0"]);
    let said = sync_equals_fresh(&sb, &cache);
    assert!(said.contains("derived from"), "{said}");
    assert!(has(&sb, "dep") && !has(&sb, "other"), "{said}");
    assert!(sb.env_python("import licensed, dep").0);
}
