//! Relocatable envs: an env penv built works once renamed to another path
//! (its python, its console scripts, `activate` in every shell there is,
//! `pip`, installing into it), for every CPython minor version on the
//! machine; a moved project's env is used where it is, not rebuilt; an env
//! that cannot be made relocatable is detected and built in place.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::Sandbox;
use crate::common::interpreters::prefix_and_version;
use crate::common::output::{show, stderr};

/// The minor versions the relocation must hold for.
const MINORS: [u32; 6] = [8, 9, 10, 11, 12, 13];

/// pyenv's CPython `3.<minor>` (its `bin/python3.<minor>`), if installed.
#[allow(
    clippy::disallowed_methods,
    reason = "where this machine keeps its Pythons, not an environment variable penv reads"
)]
fn pyenv_python(minor: u32) -> Option<PathBuf> {
    let root = std::env::var_os("PYENV_ROOT")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".pyenv")))?;
    let mut found: Vec<PathBuf> = std::fs::read_dir(root.join("versions"))
        .ok()?
        .flatten()
        .filter_map(|dir| {
            let python = dir.path().join(format!("bin/python3.{minor}"));
            let (_, version) = prefix_and_version(&python)?;
            (version == format!("3.{minor}")).then_some(python)
        })
        .collect();
    found.sort();
    found.pop()
}

/// A wheel `name` whose console script `name` prints `sys.prefix`, and
/// whose `.pth` (when `pth` is given) holds those lines.
pub(super) fn build_tool_wheel(dir: &Path, name: &str, pth: Option<&str>) -> PathBuf {
    let python = crate::common::real_python().expect("building wheels needs python3");
    let wheel = dir.join(format!("{name}-1.0-py3-none-any.whl"));
    let script = r#"
import base64, hashlib, sys, zipfile
wheel, name, pth = sys.argv[1:4]
dist = "%s-1.0.dist-info" % name
files = {
    "%s/__init__.py" % name: "import sys\ndef main():\n    print(sys.prefix)\n",
    dist + "/METADATA": "Metadata-Version: 2.1\nName: %s\nVersion: 1.0\n" % name,
    dist + "/WHEEL": "Wheel-Version: 1.0\nGenerator: penv-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    dist + "/entry_points.txt": "[console_scripts]\n%s = %s:main\n" % (name, name),
}
if pth:
    files[name + ".pth"] = pth
record = []
with zipfile.ZipFile(wheel, "w") as z:
    for path, text in files.items():
        data = text.encode()
        z.writestr(path, data)
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record.append("%s,sha256=%s,%d" % (path, digest, len(data)))
    record.append(dist + "/RECORD,,")
    z.writestr(dist + "/RECORD", "\n".join(record) + "\n")
"#;
    let status = Command::new(python)
        .args(["-I", "-c", script])
        .arg(&wheel)
        .args([name, pth.unwrap_or("")])
        .status()
        .expect("python runs");
    assert!(status.success(), "building {name} failed");
    wheel
}

/// Runs `program args…` with a bare environment; (success, stdout trimmed, all output).
pub(super) fn run(program: &Path, args: &[&str], cwd: &Path) -> (bool, String, String) {
    let out = Command::new(program)
        .args(args)
        .current_dir(cwd)
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("HOME", cwd)
        .output()
        .unwrap_or_else(|e| panic!("{} runs: {e}", program.display()));
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).trim().to_owned(),
        show(&out),
    )
}

/// A shell on this machine, or `None` (the caller says it skips it).
fn shell(name: &str) -> Option<PathBuf> {
    ["/usr/bin", "/bin"]
        .iter()
        .map(|d| Path::new(d).join(name))
        .find(|p| p.is_file())
}

/// What `source <activate>; python -c …` prints in each shell on the
/// machine: `VIRTUAL_ENV` and the activated python's `sys.prefix`; the
/// shells that are not installed are named as skipped.
pub(super) fn check_activation(env: &Path, shells: &[&str]) {
    let code = "import sys; print(sys.prefix)";
    for &sh in shells {
        let Some(program) = shell(sh) else {
            eprintln!("skipped activation in {sh}: not installed");
            continue;
        };
        let bin = format!("'{}/bin", env.display());
        let (file, line) = match sh {
            "fish" => (
                "activate.fish",
                format!(
                    "source {bin}/activate.fish'; and echo $VIRTUAL_ENV; and python -c '{code}'"
                ),
            ),
            // CPython's activate.csh reads `$prompt`, unset in a non-interactive csh.
            "tcsh" | "csh" => (
                "activate.csh",
                format!(
                    "set prompt = ''; source {bin}/activate.csh' && echo $VIRTUAL_ENV:q && python -c '{code}'"
                ),
            ),
            _ => (
                "activate",
                format!(". {bin}/activate' && echo \"$VIRTUAL_ENV\" && python -c '{code}'"),
            ),
        };
        let (ok, out, all) = run(&program, &["-c", &line], env.parent().unwrap());
        let want = format!("{0}\n{0}", env.display());
        assert!(
            ok && out == want,
            "{sh} with `{file}`: want\n{want}\ngot:\n{all}"
        );
    }
}

/// Renames the sandbox's env (holding `relotool`) to a path with a space
/// and of another length, and checks that its python, the console script,
/// `activate` in bash, zsh and fish, and `bin/pip` work there; returns the
/// new path. `label` starts each failure's message.
pub(super) fn renamed_and_working(sb: &Sandbox, label: &str) -> PathBuf {
    let moved = sb
        .tmp
        .path()
        .canonicalize()
        .unwrap()
        .join("some other place/renamed-env");
    std::fs::create_dir_all(moved.parent().unwrap()).unwrap();
    std::fs::rename(sb.env(), &moved).unwrap();
    let here = moved.parent().unwrap();
    let prefix = moved.display().to_string();
    let (ok, out, all) = run(
        &moved.join("bin/python"),
        &["-c", "import sys, relotool; print(sys.prefix)"],
        here,
    );
    assert!(ok && out == prefix, "{label} python: {all}");
    let (ok, out, all) = run(&moved.join("bin/relotool"), &[], here);
    assert!(ok && out == prefix, "{label} console script: {all}");
    check_activation(&moved, &["bash", "zsh", "fish"]);
    let (ok, out, all) = run(&moved.join("bin/pip"), &["--version"], here);
    assert!(ok && out.contains(&prefix), "{label} bin/pip: {all}");
    moved
}

/// Built, then renamed, for every CPython 3.8–3.13 on the machine (under
/// CI a missing one fails): every way of using the env works at its new path.
#[test]
#[ignore = "long: every case in turn; `just test-all` (and CI) runs it"]
fn an_env_renamed_to_another_path_works_there_for_every_minor_version() {
    let _ = require_python!();
    let mut missing = Vec::new();
    for minor in MINORS {
        let Some(python) = pyenv_python(minor) else {
            missing.push(format!("3.{minor}"));
            continue;
        };
        let sb = Sandbox::new();
        build_tool_wheel(&sb.wheels, "relotool", None);
        build_tool_wheel(&sb.wheels, "latertool", None);
        sb.write_offline_toml(&python, "requirements = [\"relotool\"]");
        sb.ok(&["sync"]);
        let state: serde_json::Value =
            serde_json::from_slice(&std::fs::read(sb.env().join("penv-state.json")).unwrap())
                .unwrap();
        assert_eq!(state["relocatable"], true, "3.{minor}: {state}");
        assert!(
            !sb.project.join(".penv/new-.venv").exists(),
            "3.{minor}: staging left behind"
        );

        // Renamed to a path with a space and of another length.
        let moved = renamed_and_working(&sb, &format!("3.{minor}"));
        let here = moved.parent().unwrap();
        let prefix = moved.display().to_string();
        let wheel = sb.wheels.join("latertool-1.0-py3-none-any.whl");
        let (ok, _, all) = run(
            &moved.join("bin/python"),
            &[
                "-m",
                "pip",
                "install",
                "--no-index",
                "--disable-pip-version-check",
                wheel.to_str().unwrap(),
            ],
            here,
        );
        assert!(ok, "3.{minor} pip install into the renamed env: {all}");
        let (ok, out, all) = run(&moved.join("bin/latertool"), &[], here);
        assert!(
            ok && out == prefix,
            "3.{minor} a script pip installed after the move: {all}"
        );
    }
    if !missing.is_empty() {
        crate::skip!("no pyenv CPython {} on this machine", missing.join(", "));
    }
}

/// `mv project elsewhere`: `penv run` and `penv which` use the env there,
/// and `penv sync` records the new path instead of rebuilding; csh's
/// activate (which must name a path) then names the new one.
#[test]
fn a_moved_project_keeps_its_env() {
    let python = require_python!();
    let sb = Sandbox::new();
    build_tool_wheel(&sb.wheels, "relotool", None);
    sb.write_offline_toml(python, "requirements = [\"relotool\"]");
    sb.ok(&["sync"]);
    let moved = sb.tmp.path().canonicalize().unwrap().join("moved-project");
    std::fs::rename(&sb.project, &moved).unwrap();
    let penv = |args: &[&str]| {
        let out = sb.penv().current_dir(&moved).args(args).output().unwrap();
        assert!(out.status.success(), "penv {args:?}: {}", show(&out));
        out
    };
    let env = moved.join(".venv");
    let which = penv(&["which", "python"]);
    assert_eq!(
        String::from_utf8_lossy(&which.stdout).trim(),
        env.join("bin/python").display().to_string()
    );
    let out = penv(&["run", "relotool"]);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        env.display().to_string()
    );
    let said = stderr(&out);
    assert!(
        said.contains("the project was moved or copied") && !said.contains("Creating venv"),
        "{said}"
    );
    let state: serde_json::Value =
        serde_json::from_slice(&std::fs::read(env.join("penv-state.json")).unwrap()).unwrap();
    assert_eq!(state["venv-path"], env.display().to_string());
    let again = penv(&["sync"]);
    assert!(
        !stderr(&again).contains("Creating venv") && !stderr(&again).contains("moved"),
        "{}",
        show(&again)
    );
    check_activation(&env, &["bash", "tcsh"]);
}

/// A package that records the path it is installed at (here a `.pth`
/// naming both places penv may build at): the env is built in place, and
/// recorded as bound to its path, which `-v` says.
#[test]
fn an_env_that_cannot_be_relocated_is_built_in_place() {
    let python = require_python!();
    let sb = Sandbox::new();
    let staging = sb.project.join(".penv/new-.venv");
    let pth = format!(
        "{}/nowhere\n{}/nowhere\n",
        staging.display(),
        sb.env().display()
    );
    build_tool_wheel(&sb.wheels, "pinned", Some(&pth));
    sb.write_offline_toml(python, "requirements = [\"pinned\"]");
    let out = sb.run(&["-v", "sync"]);
    assert!(out.status.success(), "{}", show(&out));
    assert!(
        stderr(&out).contains("cannot be made relocatable") && stderr(&out).contains("pinned.pth"),
        "{}",
        show(&out)
    );
    let state: serde_json::Value =
        serde_json::from_slice(&std::fs::read(sb.env().join("penv-state.json")).unwrap()).unwrap();
    assert_eq!(state["relocatable"], false, "{state}");
    let (ok, out) = sb.env_python("import pinned; print('ok')");
    assert!(ok && out == "ok");
    // Moved, it is stale (its paths name the old place), as before.
    let moved = sb.tmp.path().canonicalize().unwrap().join("moved");
    std::fs::rename(&sb.project, &moved).unwrap();
    let status = sb
        .penv()
        .current_dir(&moved)
        .args(["sync", "--check"])
        .output()
        .unwrap();
    assert_eq!(status.status.code(), Some(1), "{}", show(&status));
}
