//! A `pyproject.toml` as it stands (issue 13, 1–2): `[project]`
//! dependencies and extras, PEP 735 `[dependency-groups]`, the project
//! itself installed editable, requirement files as groups, and groups that
//! stay chosen for `run` and `status`.

use super::*;

/// An in-tree PEP 517 backend (pip builds it offline: `requires = []`)
/// that reads `name`, `version`, `dependencies` and the extras of
/// `[project.optional-dependencies]` (one `extra = [...]` line each) from
/// `pyproject.toml`, and builds an editable wheel: a `.pth` naming the
/// directory.
pub(super) const BACKEND: &str = r#"
import ast, base64, hashlib, os, re, zipfile

HERE = os.path.dirname(os.path.abspath(__file__))

def _metadata():
    text = open(os.path.join(HERE, "pyproject.toml")).read()
    name = re.search(r'^name = "(.*)"', text, re.M).group(1)
    version = re.search(r'^version = "(.*)"', text, re.M).group(1)
    found = re.search(r'^dependencies = (.*)$', text, re.M)
    lines = ["Metadata-Version: 2.1", "Name: " + name, "Version: " + version]
    lines += ["Requires-Dist: " + d for d in (ast.literal_eval(found.group(1)) if found else [])]
    section = re.search(r'^\[project\.optional-dependencies\]\n((?:[\w-]+ = .*\n)*)', text, re.M)
    for line in (section.group(1).splitlines() if section else []):
        extra, deps = line.split(" = ", 1)
        lines.append("Provides-Extra: " + extra)
        lines += ['Requires-Dist: %s; extra == "%s"' % (d, extra) for d in ast.literal_eval(deps)]
    return name, version, "\n".join(lines) + "\n"

def build_editable(directory, config_settings=None, metadata_directory=None):
    name, version, metadata = _metadata()
    module = name.replace("-", "_")
    dist = "%s-%s.dist-info" % (module, version)
    files = {
        module + ".pth": HERE + "\n",
        dist + "/METADATA": metadata,
        dist + "/WHEEL": "Wheel-Version: 1.0\nGenerator: penv-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    wheel = "%s-%s-py3-none-any.whl" % (module, version)
    record = []
    with zipfile.ZipFile(os.path.join(directory, wheel), "w") as z:
        for path, text in files.items():
            data = text.encode()
            z.writestr(path, data)
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            record.append("%s,sha256=%s,%d" % (path, digest, len(data)))
        record.append(dist + "/RECORD,,")
        z.writestr(dist + "/RECORD", "\n".join(record) + "\n")
    return wheel
"#;

/// The `pyproject.toml` of package `app` with this `[project]` tail and
/// these further tables, built by [`BACKEND`].
pub(super) fn app_pyproject(dependencies: &str, rest: &str) -> String {
    format!(
        "[build-system]\nrequires = []\nbuild-backend = \"backend\"\nbackend-path = [\".\"]\n\n\
         [project]\nname = \"app\"\nversion = \"1.0\"\nrequires-python = \">=3.8\"\n\
         dependencies = {dependencies}\n\n\
         [project.optional-dependencies]\ncli = [\"otherpkg\"]\n\n{rest}"
    )
}

/// A sandbox with the wheels of [`sandbox_with_wheels`] and package `app`
/// in the project directory (`app.py`, the backend, `pyproject.toml`).
fn app_sandbox(pyproject: &str) -> Sandbox {
    let sb = sandbox_with_wheels();
    sb.write("backend.py", BACKEND);
    sb.write("app.py", "VERSION = \"1.0\"\n");
    sb.write("pyproject.toml", pyproject);
    sb
}

/// A penv command for a project without `penv.toml` nor `[tool.penv]`:
/// the interpreter from `PENV_PYTHON`, pip offline through its own
/// variables (nothing in the project says where to find packages).
fn offline(sb: &Sandbox, python: &Path, args: &[&str]) -> Output {
    sb.penv()
        .env("PENV_PYTHON", python)
        .env("PIP_NO_INDEX", "1")
        .env("PIP_FIND_LINKS", &sb.wheels)
        .args(args)
        .output()
        .expect("penv runs")
}

#[test]
fn a_pyproject_alone_is_installed_editable_with_its_dependencies_groups_and_extras() {
    let python = require_python!();
    let sb = app_sandbox(&app_pyproject(
        "[\"tinypkg\"]",
        "[dependency-groups]\nDev = [{include-group = \"pins\"}]\npins = [\"tinypkg==1.0\"]\n\
         docs = [\"otherpkg\"]\n",
    ));
    let out = offline(&sb, python, &["sync"]);
    assert_exit_and_stderr(&out, 0, "Built `.venv`");
    // `-e .` (its dependency `tinypkg` from its metadata) and the `dev`
    // group, a default as in uv, which pins `tinypkg` through an include.
    assert_eq!(imported(&sb, "app").as_deref(), Some("1.0"));
    assert_eq!(imported(&sb, "tinypkg").as_deref(), Some("1.0"));
    assert_eq!(imported(&sb, "otherpkg"), None, "no extra, no docs");
    assert_code(&offline(&sb, python, &["sync", "--check"]), 0);
    // An extra: `-e .[cli]`.
    let out = offline(&sb, python, &["sync", "--extra", "CLI"]);
    assert_exit_and_stderr(&out, 0, "Built `.venv`");
    assert_eq!(imported(&sb, "otherpkg").as_deref(), Some("1.0"));
    let out = offline(&sb, python, &["sync", "--extra", "nope"]);
    assert_exit_and_stderr(&out, 2, "there is no extra `nope`");
    assert_stderr_says(&out, "the extras are `cli`");
    // A group named as PEP 735 normalizes it; an unknown one lists them all.
    let out = offline(&sb, python, &["sync", "--check", "--group", "DOCS"]);
    assert_code(&out, 1);
    let out = offline(&sb, python, &["sync", "--group", "tests"]);
    assert_exit_and_stderr(&out, 2, "there is no group `tests`");
    assert_stderr_says(&out, "the groups are `dev`, `docs`, `pins`");
    // The project's own metadata is part of the spec.
    sb.write(
        "pyproject.toml",
        &app_pyproject(
            "[\"tinypkg\", \"otherpkg\"]",
            "[dependency-groups]\ndocs = []\n",
        ),
    );
    let out = offline(&sb, python, &["sync"]);
    assert_exit_and_stderr(&out, 0, "`pyproject.toml` of `-e .` changed");
    assert_eq!(
        imported(&sb, "tinypkg").as_deref(),
        Some("2.0"),
        "no `dev` pin now"
    );
    assert_eq!(imported(&sb, "otherpkg").as_deref(), Some("1.0"));
}

#[test]
fn package_false_lists_the_dependencies_and_extras_instead() {
    let python = require_python!();
    let sb = app_sandbox(&app_pyproject(
        "[\"tinypkg==1.0\"]",
        "[tool.penv]\npackage = false\n",
    ));
    let out = offline(&sb, python, &["sync", "--all-extras"]);
    assert_exit_and_stderr(&out, 0, "Built `.venv`");
    assert_eq!(
        imported(&sb, "app"),
        None,
        "the project itself is not installed"
    );
    assert_eq!(imported(&sb, "tinypkg").as_deref(), Some("1.0"));
    assert_eq!(imported(&sb, "otherpkg").as_deref(), Some("1.0"));
    // Dynamic dependencies cannot be read without installing the project.
    sb.write(
        "pyproject.toml",
        "[project]\nname = \"app\"\nversion = \"1.0\"\ndynamic = [\"dependencies\"]\n",
    );
    let out = offline(&sb, python, &["sync"]);
    assert_exit_and_stderr(&out, 2, "pyproject.toml:4:11");
    assert_stderr_says(&out, "penv cannot read them from the file");
    assert_stderr_says(&out, "`[tool.penv] requirements`");
}

#[test]
fn requirement_files_are_groups_read_only_when_selected() {
    let python = require_python!();
    let sb = sandbox_with_wheels();
    sb.write_offline_toml(
        python,
        "requirements = [\"tinypkg\"]\n[groups]\n\
         prod = { requirement-files = [\"requirements/prod.txt\"], requirements = [\"otherpkg\"] }\n\
         dev = []",
    );
    sb.write("requirements/prod.txt", "-r base.txt\n");
    sb.write("requirements/base.txt", "tinypkg==1.0\n");
    sb.ok(&["sync"]);
    assert_eq!(imported(&sb, "tinypkg").as_deref(), Some("2.0"));
    assert_eq!(imported(&sb, "otherpkg"), None);
    // An unselected group's files are not read: editing them changes nothing.
    sb.write("requirements/base.txt", "tinypkg==1.0\n# edited\n");
    assert_code(&sb.run(&["sync", "--check"]), 0);
    let out = sb.run(&["sync", "--all-groups"]);
    assert_exit_and_stderr(&out, 0, "Recreating");
    assert_eq!(imported(&sb, "tinypkg").as_deref(), Some("1.0"));
    assert_eq!(imported(&sb, "otherpkg").as_deref(), Some("1.0"));
    // Selected, the included file is hashed like any requirement file.
    sb.write("requirements/base.txt", "tinypkg==2.0\n");
    let out = sb.run(&["sync", "--check", "--group", "prod"]);
    assert_exit_and_stderr(
        &out,
        1,
        "`requirements/base.txt`: +tinypkg==2.0, -tinypkg==1.0",
    );
    // A missing file: the error points at its entry in penv.toml.
    std::fs::remove_file(sb.project.join("requirements/prod.txt")).unwrap();
    let out = sb.run(&["sync", "--group", "prod"]);
    assert_exit_and_stderr(
        &out,
        2,
        "requirement file `requirements/prod.txt` does not exist",
    );
    assert_stderr_says(&out, "penv.toml:4:31");
}

#[test]
fn groups_chosen_by_sync_stay_for_every_command_until_a_sync_chooses_again() {
    let python = require_python!();
    let sb = sandbox_with_wheels();
    sb.write_offline_toml(
        python,
        "requirements = [\"tinypkg\"]\n[groups]\ndocs = [\"otherpkg\"]",
    );
    sb.ok(&["sync", "--group", "docs"]);
    let state = std::fs::read_to_string(state_file(&sb)).unwrap();
    assert!(state.contains("\"selection\""), "{state}");
    // `run` keeps the env as it was chosen: no rebuild, `otherpkg` there.
    let out = sb.run(&[
        "run",
        "python",
        "-c",
        "import otherpkg; print(otherpkg.VERSION)",
    ]);
    assert_code(&out, 0);
    assert_eq!(stdout(&out).trim(), "1.0");
    assert!(!stderr(&out).contains("Recreating"), "{}", stderr(&out));
    let status = status_json(&sb);
    assert_eq!(status["state"], "fresh", "{status}");
    assert_eq!(status["groups"], serde_json::json!(["docs"]));
    assert_eq!(status["chosen-by"], "--group docs");
    let human = sb.ok(&["status"]);
    assert!(
        human.contains("groups:      docs (chosen by `penv sync --group docs`"),
        "{human}"
    );
    // A plain sync keeps them too (the verdict every command gives: fresh).
    let out = sb.run(&["sync"]);
    assert_exit_and_stderr(&out, 0, "`.venv` is up to date");
    assert_eq!(imported(&sb, "otherpkg").as_deref(), Some("1.0"));
    // `--default-groups` goes back to the defaults, and says what it dropped.
    let out = sb.run(&["sync", "--default-groups"]);
    assert_exit_and_stderr(&out, 0, "the env had `--group docs`");
    assert_eq!(imported(&sb, "otherpkg"), None);
    assert_eq!(status_json(&sb)["groups"], serde_json::json!([]));
    // Back to docs: the stash entry for that spec comes back.
    let out = sb.run(&["sync", "--group", "docs"]);
    assert_exit_and_stderr(&out, 0, "Restored `.venv` from the stash");
    assert_eq!(status_json(&sb)["chosen-by"], "--group docs");
    // A recorded group the project no longer has gives way to the defaults.
    sb.write_offline_toml(python, "requirements = [\"tinypkg\"]");
    let out = sb.run(&["run", "python", "-c", "pass"]);
    assert_exit_and_stderr(&out, 0, "which no longer applies");
}

#[test]
fn a_lock_of_an_installed_project_names_it_as_a_directory_and_syncs_it() {
    let python = require_python!();
    let sb = app_sandbox("");
    let text = app_pyproject(
        "[\"tinypkg==1.0\"]",
        &format!(
            "[dependency-groups]\ndev = [\"otherpkg\"]\n\n[tool.penv]\npython = \"{}\"\n\
             [tool.penv.pip]\nfind-links = [\"{}\"]\nno-index = true\n",
            python.display(),
            sb.wheels.display()
        ),
    );
    sb.write("pyproject.toml", &text);
    sb.ok(&["lock"]);
    let lock = std::fs::read_to_string(sb.project.join("pylock.toml")).unwrap();
    assert!(
        lock.contains("name = \"app\"\ndirectory = { path = \".\", editable = true }"),
        "{lock}"
    );
    assert!(
        lock.contains("package = \"-e .[cli]\""),
        "every extra: {lock}"
    );
    // Synced from the lock: the locked files hash-checked, then the project
    // itself, editable, without resolving its dependencies again.
    let out = sb.run(&["sync", "--locked"]);
    assert_exit_and_stderr(&out, 0, "Installing the project itself (editable)");
    for module in ["app", "tinypkg", "otherpkg"] {
        assert_eq!(imported(&sb, module).as_deref(), Some("1.0"), "{module}");
    }
    // `status` names the lock's default group the env holds.
    assert_eq!(status_json(&sb)["groups"], serde_json::json!(["dev"]));
    assert_code(&sb.run(&["lock", "--check"]), 0);
    // The project's metadata is an input of the lock, named as a file.
    sb.write(
        "pyproject.toml",
        &text.replace("version = \"1.0\"", "version = \"1.1\""),
    );
    let out = sb.run(&["lock", "--check"]);
    assert_exit_and_stderr(&out, 1, "`pyproject.toml` of `-e .` changed");
}

/// A moved project installed editable: its relocatable env would import
/// the code where the project was (pip records `-e .` by absolute path),
/// so it is stale, saying why, and a sync points it at the project here.
#[test]
fn a_moved_project_installed_editable_is_rebuilt_to_import_its_own_code() {
    let python = require_python!();
    let sb = app_sandbox(&app_pyproject("[]", ""));
    assert_exit_and_stderr(&offline(&sb, python, &["sync"]), 0, "Built `.venv`");
    let moved = sb.tmp.path().canonicalize().unwrap().join("moved");
    std::fs::rename(&sb.project, &moved).unwrap();
    let in_moved = |args: &[&str]| {
        sb.penv()
            .current_dir(&moved)
            .env("PENV_PYTHON", python)
            .env("PIP_NO_INDEX", "1")
            .env("PIP_FIND_LINKS", &sb.wheels)
            .args(args)
            .output()
            .unwrap()
    };
    let out = in_moved(&["sync", "--check"]);
    assert_exit_and_stderr(&out, 1, "is stale");
    assert_stderr_says(
        &out,
        "its editable install `-e .` still points into the project there",
    );
    assert_exit_and_stderr(&in_moved(&["sync"]), 0, "Built `.venv`");
    let out = in_moved(&["run", "python", "-c", "import app; print(app.__file__)"]);
    assert_code(&out, 0);
    assert_eq!(stdout(&out).trim(), moved.join("app.py").to_str().unwrap(),);
}
