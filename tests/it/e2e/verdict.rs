//! One verdict (issue 23): every command that judges a project's env —
//! `status`, `sync --check`, `doctor`, `envs`, `which`, `run --no-sync`,
//! `run` and the plain `penv sync` the git hook runs — reads the same
//! readiness for the same env and selection, and every hint names the sync
//! that keeps the selection. A walk over every state × every command.

use std::path::Path;
use std::process::Output;

use serde_json::Value;

use super::sandbox_with_wheels;
use crate::common::Sandbox;
use crate::common::output::{assert_code, stderr, stdout};

/// The project: `tinypkg`, a `tests` group with `otherpkg`, and `extra`
/// (top-level keys, then more groups).
fn toml(sb: &Sandbox, python: &Path, tinypkg: &str, extra: &str) -> String {
    let (top, groups) = extra.split_once('|').unwrap_or((extra, ""));
    sb.offline_toml(
        python,
        &format!(
            "requirements = [\"tinypkg=={tinypkg}\"]\n{top}\n[groups]\ntests = [\"otherpkg\"]\n{groups}"
        ),
    )
}

/// penv in the project, with a private data directory (the registry `envs`
/// lists).
fn run(sb: &Sandbox, args: &[&str]) -> Output {
    sb.penv()
        .args(args)
        .env("PENV_DATA_DIR", sb.tmp.path().join("data"))
        .output()
        .expect("penv runs")
}

fn ok(sb: &Sandbox, args: &[&str]) -> String {
    let out = run(sb, args);
    assert_code(&out, 0);
    stdout(&out)
}

fn json(sb: &Sandbox, args: &[&str]) -> Value {
    serde_json::from_str(&ok(sb, args)).expect("JSON")
}

/// One state to walk: how to make it, the verdict every command must
/// give, the selection it is judged with, and the sync a hint must name.
struct Case {
    name: &'static str,
    verdict: &'static str,
    chosen_by: &'static str,
    hint: &'static str,
    setup: fn(&Sandbox, &Path),
}

/// The states, issue 23's two samples first.
fn cases() -> Vec<Case> {
    vec![
        Case {
            // Issue 23: `envs` called this env stale, every default-group
            // package "removed", while `status` said fresh.
            name: "built with --frozen",
            verdict: "fresh",
            chosen_by: "",
            hint: "penv sync",
            setup: |sb, py| {
                let text = toml(
                    sb,
                    py,
                    "1.0",
                    "default-groups = [\"dev\"]|dev = [\"otherpkg\"]",
                );
                sb.write("penv.toml", &text);
                ok(sb, &["lock"]);
                ok(sb, &["sync", "--frozen"]);
            },
        },
        Case {
            // Issue 23: `doctor` and `sync --check` said "group `tests` no
            // longer selected" while `status` said fresh.
            name: "built with --group",
            verdict: "fresh",
            chosen_by: "--group tests",
            hint: "penv sync --group tests",
            setup: |sb, py| {
                sb.write("penv.toml", &toml(sb, py, "1.0", ""));
                ok(sb, &["sync", "--group", "tests"]);
            },
        },
        Case {
            name: "fresh",
            verdict: "fresh",
            chosen_by: "",
            hint: "penv sync",
            setup: |sb, py| {
                sb.write("penv.toml", &toml(sb, py, "1.0", ""));
                ok(sb, &["sync"]);
            },
        },
        Case {
            name: "stale by spec",
            verdict: "stale",
            chosen_by: "",
            hint: "penv sync",
            setup: |sb, py| {
                sb.write("penv.toml", &toml(sb, py, "1.0", ""));
                ok(sb, &["sync"]);
                sb.write("penv.toml", &toml(sb, py, "2.0", ""));
            },
        },
        Case {
            // Synced with `--group tests`; then the project's default groups
            // changed, so the same selection now means another spec.
            name: "stale by selection",
            verdict: "stale",
            chosen_by: "--group tests",
            hint: "penv sync --group tests",
            setup: |sb, py| {
                sb.write("penv.toml", &toml(sb, py, "1.0", ""));
                ok(sb, &["sync", "--group", "tests"]);
                let now = toml(
                    sb,
                    py,
                    "1.0",
                    "default-groups = [\"dev\"]|dev = [\"tinypkg==1.0\"]",
                );
                sb.write("penv.toml", &now);
            },
        },
        Case {
            name: "missing",
            verdict: "missing",
            chosen_by: "",
            hint: "penv sync",
            setup: |sb, py| {
                sb.write("penv.toml", &toml(sb, py, "1.0", ""));
            },
        },
        Case {
            name: "broken",
            verdict: "broken",
            chosen_by: "--group tests",
            hint: "penv sync --group tests",
            setup: |sb, py| {
                sb.write("penv.toml", &toml(sb, py, "1.0", ""));
                ok(sb, &["sync", "--group", "tests"]);
                std::fs::remove_file(sb.env().join("bin/python")).unwrap();
            },
        },
        Case {
            name: "built with --group, then stale by spec",
            verdict: "stale",
            chosen_by: "--group tests",
            hint: "penv sync --group tests",
            setup: |sb, py| {
                sb.write("penv.toml", &toml(sb, py, "1.0", ""));
                ok(sb, &["sync", "--group", "tests"]);
                sb.write("penv.toml", &toml(sb, py, "2.0", ""));
            },
        },
    ]
}

/// What `envs` calls a verdict.
fn listed(verdict: &str) -> Option<&'static str> {
    match verdict {
        "fresh" => Some("ok"),
        "stale" => Some("stale"),
        "broken" => Some("broken"),
        _ => None,
    }
}

/// The state `penv envs --json` gives the project's env, `None` when it is
/// not listed.
fn envs_state(sb: &Sandbox) -> Option<String> {
    let listing = json(sb, &["envs", "--json"]);
    let env = sb.env().canonicalize().ok()?.display().to_string();
    listing["envs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["path"] == env.as_str())
        .map(|e| e["state"].as_str().unwrap().to_owned())
}

#[test]
fn every_command_gives_the_same_verdict_for_every_state_and_hints_keep_the_selection() {
    let python = crate::require_python!();
    for case in cases() {
        let sb = sandbox_with_wheels();
        (case.setup)(&sb, python);
        let name = case.name;
        let fresh = case.verdict == "fresh";
        let usable = matches!(case.verdict, "fresh" | "stale");

        let status = json(&sb, &["status", "--json"]);
        assert_eq!(status["state"], case.verdict, "{name}: status {status:#}");
        if case.verdict != "missing" {
            assert_eq!(status["chosen-by"], case.chosen_by, "{name}: {status:#}");
        }

        let check = run(&sb, &["sync", "--check"]);
        assert_code(&check, i32::from(!fresh));
        let said = stderr(&check);
        if fresh {
            assert!(said.contains("is up to date"), "{name}: {said}");
        } else {
            assert!(
                said.contains(&format!("is {}:", case.verdict)),
                "{name}: {said}"
            );
            assert!(
                said.contains(&format!("Run `{}` to update it", case.hint)),
                "{name}: sync --check's hint keeps the selection: {said}"
            );
        }

        // Exit 1 with findings: read its stdout either way.
        let doctor: Value =
            serde_json::from_str(&stdout(&run(&sb, &["doctor", "--json"]))).unwrap();
        let finding = doctor["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["check"] == "env");
        match finding {
            None => assert!(fresh, "{name}: doctor found nothing: {doctor:#}"),
            Some(f) => {
                assert!(!fresh, "{name}: doctor: {doctor:#}");
                let message = f["message"].as_str().unwrap();
                assert!(
                    message.contains(&format!("is {}", case.verdict)),
                    "{name}: {f:#}"
                );
                assert!(
                    f["hint"]
                        .as_str()
                        .unwrap()
                        .starts_with(&format!("run {} ", case.hint)),
                    "{name}: doctor's hint keeps the selection: {f:#}"
                );
            }
        }

        assert_eq!(
            envs_state(&sb).as_deref(),
            listed(case.verdict),
            "{name}: envs"
        );

        let which = run(&sb, &["which"]);
        assert_code(&which, if usable { 0 } else { 2 });
        if !usable {
            let said = stderr(&which);
            assert!(
                said.contains(&format!("is {}", case.verdict)),
                "{name}: {said}"
            );
            if case.verdict != "missing" {
                assert!(said.contains(&format!("`{}`", case.hint)), "{name}: {said}");
            }
        }

        let no_sync = run(&sb, &["run", "--no-sync", "python", "-c", "pass"]);
        assert_code(&no_sync, if usable { 0 } else { 2 });
        let said = stderr(&no_sync);
        assert_eq!(
            said.contains("is stale"),
            case.verdict == "stale",
            "{name}: run --no-sync: {said}"
        );
        if !usable {
            assert!(said.contains(&format!("`{}`", case.hint)), "{name}: {said}");
        }

        // `run` syncs exactly when the verdict is not fresh, keeping the
        // selection…
        let out = run(&sb, &["run", "python", "-c", "pass"]);
        assert_code(&out, 0);
        let said = stderr(&out);
        let rebuilt = ["Built `", "Restored `", "Recreating `", "Creating venv"]
            .iter()
            .any(|w| said.contains(w));
        assert_eq!(rebuilt, !fresh, "{name}: run: {said}");
        let after = json(&sb, &["status", "--json"]);
        assert_eq!(after["state"], "fresh", "{name}: {after:#}");
        assert_eq!(after["chosen-by"], case.chosen_by, "{name}: {after:#}");
        // …and then the git hook's plain `penv sync --quiet` has nothing to do.
        let out = run(&sb, &["sync", "--quiet"]);
        assert_code(&out, 0);
        assert!(stderr(&out).is_empty(), "{name}: {}", stderr(&out));
        assert_eq!(
            json(&sb, &["status", "--json"])["chosen-by"],
            case.chosen_by
        );
    }
}
