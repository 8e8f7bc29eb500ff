//! `[tasks]`: `penv run NAME` on a real env.

use super::*;

#[test]
fn tasks_run_in_the_env_dependencies_first_with_their_arguments_env_and_dir() {
    let python = require_python!();
    let sb = sandbox_with_wheels();
    std::fs::create_dir_all(sb.project.join("sub")).unwrap();
    sb.write_offline_toml(
        python,
        r#"requirements = ["tinypkg==1.0"]

[tasks]
version = "python -c 'import tinypkg; print(\"version\", tinypkg.VERSION)'"
show = { cmd = ["python", "-c", "import os, sys; print(sys.argv[1:], os.environ['WHO'], os.path.basename(os.getcwd()), os.environ['VIRTUAL_ENV'])"], env = { WHO = "me" }, cwd = "sub", depends = ["version"], help = "Show what a task sees" }
fail = ["python", "-c", "import sys; sys.exit(3)"]
after-fail = { depends = ["fail", "version"] }
all = { depends = ["version", "show"] }
"#,
    );
    let env = sb.env().display().to_string();
    // Synced first; the dependency runs before, the arguments go to the task.
    let out = sb.run(&["run", "show", "a", "b c"]);
    assert_code(&out, 0);
    assert_eq!(
        stdout(&out).lines().collect::<Vec<_>>(),
        ["version 1.0", &format!("['a', 'b c'] me sub {env}")],
        "{}",
        stderr(&out)
    );
    assert_stderr_says(&out, "Running task `version`: python -c");
    // Each task once, in order, even when two depend on it.
    let out = sb.run(&["run", "all"]);
    assert_code(&out, 0);
    assert_eq!(
        stdout(&out).matches("version 1.0").count(),
        1,
        "{}",
        stdout(&out)
    );
    // A failing dependency stops the rest, with its own exit code.
    let out = sb.run(&["run", "after-fail"]);
    assert_exit_and_stderr(
        &out,
        3,
        "task `fail` failed (exit code 3), so `after-fail` did not run",
    );
    assert!(!stdout(&out).contains("version"), "{}", stdout(&out));
    // The task itself is exec'd: its exit code is penv's.
    assert_code(&sb.run(&["run", "fail"]), 3);
    // After `--`, a name is always an executable: `version` is not one.
    let out = sb.run(&["run", "--", "version"]);
    assert_exit_and_stderr(&out, 2, "`version` is not in the env");
    // A name that is no task runs as before.
    let out = sb.run(&["run", "python", "-c", "print('plain')"]);
    assert_eq!(stdout(&out).trim(), "plain");
    // `--list` shows each task's help, else its command.
    let list = sb.ok(&["run", "--list"]);
    assert!(
        list.contains("show        Show what a task sees (after version)"),
        "{list}"
    );
    assert!(
        list.contains("fail        python -c 'import sys; sys.exit(3)'"),
        "{list}"
    );
}

#[test]
fn tasks_in_pyproject_tool_penv_and_edits_to_them_rebuild_nothing() {
    let python = require_python!();
    let sb = sandbox_with_wheels();
    sb.write(
        "pyproject.toml",
        &format!(
            "[project]\nname = \"app\"\nversion = \"0\"\ndependencies = [\"tinypkg==1.0\"]\n\n[tool.penv]\npython = \"{}\"\n\n[tool.penv.pip]\nfind-links = [\"{}\"]\nno-index = true\n\n[tool.penv.tasks]\nhello = \"python -c 'print(1 + 1)'\"\n",
            python.display(),
            sb.wheels.display()
        ),
    );
    let hash = sb.ok(&["hash"]);
    assert_eq!(sb.ok(&["run", "hello"]).trim(), "2");
    // Tasks are not part of the spec.
    let text = std::fs::read_to_string(sb.project.join("pyproject.toml")).unwrap();
    sb.write("pyproject.toml", &text.replace("1 + 1", "2 + 2"));
    assert_eq!(sb.ok(&["hash"]), hash);
    let out = sb.run(&["run", "hello"]);
    assert_eq!(stdout(&out).trim(), "4");
    assert!(!stderr(&out).contains("Recreating"), "{}", stderr(&out));
}
