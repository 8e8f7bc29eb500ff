//! `run`, `which`, `status` and `hash`, and where the project and its request come from.

use super::*;

#[test]
fn run_passes_exit_codes_signals_and_the_activated_environment() {
    let python = require_python!();
    let sb = sandbox_with_wheels();
    write_requirements(&sb, python, &["tinypkg==1.0"]);
    // `run` syncs first: the env is built by the first run.
    let out = sb.run(&[
        "run",
        "python",
        "-c",
        "import tinypkg; print(tinypkg.VERSION)",
    ]);
    assert_code(&out, 0);
    assert_eq!(stdout(&out).trim(), "1.0");
    // Exit codes pass through.
    let out = sb.run(&["run", "python", "-c", "import sys; sys.exit(7)"]);
    assert_code(&out, 7);
    // So do signals: penv execs, so the command's own death is ours.
    let out = sb.run(&[
        "run",
        "python",
        "-c",
        "import os, signal; os.kill(os.getpid(), signal.SIGTERM)",
    ]);
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        assert_eq!(out.status.signal(), Some(15), "{}", out.status);
    }
    // A .py file runs with the env's python, activated as `activate` would.
    sb.write(
        "script.py",
        "import os, sys\nprint(sys.prefix)\nprint(os.environ['VIRTUAL_ENV'])\nprint(os.environ['PATH'].split(os.pathsep)[0])\nprint(os.environ.get('PYTHONHOME', '-'))\nprint(sys.argv[1:])\n",
    );
    let out = sb
        .penv()
        .env("PYTHONHOME", "/nonexistent")
        .args(["run", "script.py", "a", "--b"])
        .output()
        .unwrap();
    assert_code(&out, 0);
    let env = sb.env().display().to_string();
    let lines: Vec<String> = stdout(&out).lines().map(str::to_owned).collect();
    assert_eq!(
        lines,
        [
            env.clone(),
            env.clone(),
            format!("{env}/bin"),
            "-".to_owned(),
            "['a', '--b']".to_owned()
        ]
    );
    // The env's bin/ first (pip is the env's), then PATH (sh is the system's).
    let out = sb.run(&["run", "pip", "--version"]);
    assert_code(&out, 0);
    assert!(stdout(&out).contains(&env), "{}", stdout(&out));
    let out = sb.run(&["run", "sh", "-c", "echo \"$VIRTUAL_ENV\"; exit 3"]);
    assert_code(&out, 3);
    assert_eq!(stdout(&out).trim(), env);
    // A command found nowhere: exit 2 with where penv looked.
    let out = sb.run(&["run", "no-such-command-anywhere"]);
    assert_exit_and_stderr(&out, 2, "no-such-command-anywhere");
}

#[test]
fn run_no_sync_refuses_a_missing_or_broken_env_and_warns_on_a_stale_one() {
    let python = require_python!();
    let sb = sandbox_with_wheels();
    write_requirements(&sb, python, &["tinypkg==1.0"]);
    let out = sb.run(&["run", "--no-sync", "python", "-c", "pass"]);
    assert_exit_and_stderr(&out, 2, "penv sync");
    assert!(!sb.env().exists(), "--no-sync built the env");
    sb.ok(&["sync"]);
    write_requirements(&sb, python, &["tinypkg==2.0"]);
    let out = sb.run(&[
        "run",
        "--no-sync",
        "python",
        "-c",
        "import tinypkg; print(tinypkg.VERSION)",
    ]);
    assert_code(&out, 0);
    assert_eq!(stdout(&out).trim(), "1.0");
    assert_stderr_says(&out, "stale");
    // Broken: the env's python link is gone.
    std::fs::remove_file(sb.env().join("bin/python")).unwrap();
    let out = sb.run(&["run", "--no-sync", "python", "-c", "pass"]);
    assert_exit_and_stderr(&out, 2, "bin/python");
    assert_eq!(status_json(&sb)["state"], "broken");
    // A plain run repairs it.
    let out = sb.run(&[
        "run",
        "python",
        "-c",
        "import tinypkg; print(tinypkg.VERSION)",
    ]);
    assert_code(&out, 0);
    assert_eq!(stdout(&out).trim(), "2.0");
}

#[test]
fn which_prints_the_env_paths_without_syncing() {
    let python = require_python!();
    let sb = sandbox_with_wheels();
    sb.write_offline_toml(python, "");
    let out = sb.run(&["which"]);
    assert_code(&out, 2);
    assert!(!sb.env().exists(), "which built the env");
    sb.ok(&["sync"]);
    let env = sb.env();
    assert_eq!(
        sb.ok(&["which"]).trim(),
        env.join("bin/python").to_str().unwrap()
    );
    assert_eq!(
        sb.ok(&["which", "python"]).trim(),
        env.join("bin/python").to_str().unwrap()
    );
    assert_eq!(
        sb.ok(&["which", "pip"]).trim(),
        env.join("bin/pip").to_str().unwrap()
    );
    assert_eq!(
        sb.ok(&["which", "python3"]).trim(),
        env.join("bin/python3").to_str().unwrap()
    );
    let out = sb.run(&["which", "pytest"]);
    assert_exit_and_stderr(&out, 2, "pytest");
}

#[test]
fn status_reports_missing_fresh_stale_and_broken() {
    let python = require_python!();
    let sb = sandbox_with_wheels();
    write_requirements(&sb, python, &["tinypkg==1.0"]);
    let status = status_json(&sb);
    assert_eq!(status["state"], "missing");
    assert_eq!(status["hash"].as_str().unwrap(), sb.ok(&["hash"]).trim());
    assert_eq!(
        status["interpreter"]["request-source"],
        format!("python in {}", sb.project.join("penv.toml").display())
    );
    sb.ok(&["sync"]);
    let text = sb.ok(&["status"]);
    assert!(text.contains("state:       fresh"), "{text}");
    // The env's interpreter is kept, not searched for again: said so.
    assert!(
        text.contains("is kept while it serves the request)"),
        "{text}"
    );
    write_requirements(&sb, python, &["tinypkg==2.0"]);
    let status = status_json(&sb);
    assert_eq!(status["state"], "stale");
    assert_ne!(status["recorded-hash"], status["hash"]);
    assert!(
        status["reasons"][0]
            .as_str()
            .unwrap()
            .contains("+tinypkg==2.0"),
        "{status}"
    );
    // A never-finished build is unfinished (penv's build marker is still there).
    std::fs::write(sb.env().join("penv-building"), "pid 1\n").unwrap();
    let status = status_json(&sb);
    assert_eq!(status["state"], "unfinished", "{status}");
    assert!(
        status["reasons"][0]
            .as_str()
            .unwrap()
            .contains("never finished"),
        "{status}"
    );
    std::fs::remove_file(sb.env().join("penv-building")).unwrap();
    // So is an env whose state file is unreadable.
    std::fs::write(state_file(&sb), "{ not json").unwrap();
    let status = status_json(&sb);
    assert_eq!(status["state"], "broken", "{status}");
    // status exits 0 whatever the state. An invalid state file is no
    // evidence that penv made the directory: sync refuses it, leaves it, and
    // builds once the user moved it away.
    let out = sb.run(&["sync"]);
    assert_exit_and_stderr(&out, 2, "not a valid penv state file");
    assert_eq!(
        std::fs::read_to_string(state_file(&sb)).unwrap(),
        "{ not json"
    );
    std::fs::remove_dir_all(sb.env()).unwrap();
    sb.ok(&["sync"]);
    assert_eq!(status_json(&sb)["state"], "fresh");
}

#[test]
fn the_hash_ignores_formatting_and_order_but_not_meaning() {
    let python = require_python!();
    let sb = sandbox_with_wheels();
    let find_links = sb.wheels.display().to_string();
    sb.write(
        "penv.toml",
        &format!(
            "python = \"{}\"\nrequirements = [\"tinypkg==1.0\", \"otherpkg\"]\n[pip]\nfind-links = [\"{find_links}\"]\nno-index = true\n",
            python.display()
        ),
    );
    let hash = sb.ok(&["hash"]);
    assert_eq!(hash.trim().len(), 64, "{hash}");
    // Reordered keys and requirements, other whitespace, comments, another env path.
    sb.write(
        "penv.toml",
        &format!(
            "# the project's env\nrequirements = [\n  \"otherpkg\",   # any\n  \"tinypkg == 1.0\",\n]\npython=\"{}\"\n\n[venv]\npath = \"env\"\n\n[pip]\nno-index=true\nfind-links=[ \"{find_links}\" ]\n",
            python.display()
        ),
    );
    assert_eq!(sb.ok(&["hash"]), hash);
    // A pip option is meaning.
    sb.write(
        "penv.toml",
        &format!(
            "python = \"{}\"\nrequirements = [\"tinypkg==1.0\", \"otherpkg\"]\n[pip]\nfind-links = [\"{find_links}\"]\nno-index = true\nargs = [\"--pre\"]\n",
            python.display()
        ),
    );
    assert_ne!(sb.ok(&["hash"]), hash);
}

#[test]
fn project_files_are_found_from_subdirectories_pyproject_and_dash_c() {
    let python = require_python!();
    let sb = sandbox_with_wheels();
    sb.write(
        "pyproject.toml",
        &format!(
            "[project]\nname = \"demo\"\nrequires-python = \">=3.7\"\n\n[tool.penv]\n{}",
            sb.offline_toml(python, "requirements = [\"tinypkg==1.0\"]")
                .replace("[pip]", "[tool.penv.pip]")
        ),
    );
    std::fs::create_dir_all(sb.project.join("src/deep")).unwrap();
    // Walk up from a subdirectory; the env lands beside pyproject.toml.
    let out = sb
        .penv()
        .current_dir(sb.project.join("src/deep"))
        .arg("sync")
        .output()
        .unwrap();
    assert_code(&out, 0);
    assert_eq!(imported(&sb, "tinypkg").as_deref(), Some("1.0"));
    // -C from elsewhere.
    let out = sb
        .penv()
        .current_dir(sb.tmp.path())
        .args(["-C", sb.project.to_str().unwrap(), "which"])
        .output()
        .unwrap();
    assert_code(&out, 0);
    assert_eq!(
        stdout(&out).trim(),
        sb.env().join("bin/python").to_str().unwrap()
    );
    // penv.toml wins over [tool.penv].
    write_requirements(&sb, python, &["tinypkg==2.0"]);
    sb.ok(&["sync"]);
    assert_eq!(imported(&sb, "tinypkg").as_deref(), Some("2.0"));
}

#[test]
fn python_version_file_and_requires_python_are_requests() {
    let python = require_python!();
    let sb = sandbox_with_wheels();
    let version = {
        let out = Command::new(python)
            .args([
                "-I",
                "-c",
                "import platform; print(platform.python_version())",
            ])
            .output()
            .unwrap();
        stdout(&out).trim().to_owned()
    };
    let find_links = format!(
        "[pip]\nfind-links = [\"{}\"]\nno-index = true\n",
        sb.wheels.display()
    );
    sb.write("penv.toml", &find_links);
    sb.write(".python-version", &format!("{version}\n"));
    let status = status_json(&sb);
    assert_eq!(status["interpreter"]["version"], version.as_str());
    assert!(
        status["interpreter"]["request-source"]
            .as_str()
            .unwrap()
            .contains(".python-version"),
        "{status}"
    );
    sb.ok(&["sync"]);
    // A .python-version no interpreter satisfies: exit 2, listing what was found.
    sb.write(".python-version", "3.1.99\n");
    let out = sb.run(&["sync"]);
    assert_exit_and_stderr(&out, 2, "3.1.99");
    // requires-python from pyproject.toml, when nothing else asks.
    std::fs::remove_file(sb.project.join(".python-version")).unwrap();
    sb.write(
        "pyproject.toml",
        "[project]\nname = \"demo\"\nrequires-python = \">=3.99\"\n",
    );
    let out = sb.run(&["sync"]);
    assert_exit_and_stderr(&out, 2, ">=3.99");
}
