//! The selectable parts of a locked project (issue 22): groups made of
//! requirement files and the project's extras get PEP 751 markers, so a
//! locked sync installs them only when asked for, and asking changes the
//! spec hash; a group that needs the project itself locks (the project
//! resolves as its directory in every part); a lock pip cannot resolve
//! shows pip's explanation; and the reasons, `status` and the sync line say
//! truly where the env comes from.

use super::*;

/// A PEP 517 backend with no requirements (pip builds it offline) for
/// `selfpkg` at a local version no index has (as setuptools-scm makes:
/// pluggy's `1.6.1.dev179+g…`), needing `tinypkg` (and, with `@EXTRA@`
/// replaced, `otherpkg` with its extra `async`). Its editable wheel is a
/// `.pth` naming the directory.
const SELF_BACKEND: &str = r#"
import os, zipfile
NAME, VERSION = "selfpkg", "0.1.dev3+gabc"
DIST = NAME + "-" + VERSION + ".dist-info"
METADATA = ("Metadata-Version: 2.1\nName: selfpkg\nVersion: " + VERSION + "\n"
    "Requires-Dist: tinypkg\n@EXTRA@")
def _wheel(directory, files):
    name = NAME + "-" + VERSION + "-py3-none-any.whl"
    with zipfile.ZipFile(os.path.join(directory, name), "w") as z:
        for path, text in files.items():
            z.writestr(path, text)
        z.writestr(DIST + "/METADATA", METADATA)
        z.writestr(DIST + "/WHEEL", "Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n")
        z.writestr(DIST + "/RECORD", "")
    return name
def build_wheel(directory, config_settings=None, metadata_directory=None):
    return _wheel(directory, {"selfpkg.py": "VERSION = 'built'\n"})
def build_editable(directory, config_settings=None, metadata_directory=None):
    return _wheel(directory, {"selfpkg.pth": os.path.abspath(".") + "\n"})
"#;

/// A `pyproject.toml` project `selfpkg`, installed itself (editable), with
/// the dependency group `dev = ["helper"]`. With `self_dependent`, the
/// wheel `helper` requires `selfpkg`: the shape of pluggy (its `testing`
/// group needs tox, which needs pluggy) and attrs. Else the project has
/// the extra `async` (`otherpkg`), as flask's `-e .[async,dotenv]`. (Not
/// both: pip before 23.3, what the tests' offline interpreters bundle,
/// cannot resolve `-e .[async]` beside a dependency on `selfpkg`.)
pub(super) fn self_dependent_sandbox(python: &Path, self_dependent: bool) -> Sandbox {
    let sb = Sandbox::new();
    build_wheel(&sb.wheels, "tinypkg", "1.0", &[]);
    build_wheel(&sb.wheels, "otherpkg", "1.0", &[]);
    let needs: &[&str] = if self_dependent { &["selfpkg"] } else { &[] };
    build_wheel(&sb.wheels, "helper", "1.0", needs);
    let (extra, optional) = if self_dependent {
        ("", "")
    } else {
        (
            "Provides-Extra: async\\nRequires-Dist: otherpkg; extra == \\\"async\\\"\\n",
            "[project.optional-dependencies]\nasync = [\"otherpkg\"]\n",
        )
    };
    sb.write("backend.py", &SELF_BACKEND.replace("@EXTRA@", extra));
    sb.write("selfpkg.py", "VERSION = 'source'\n");
    sb.write(
        "pyproject.toml",
        &format!(
            "[project]\nname = \"selfpkg\"\nversion = \"0.1.dev3+gabc\"\ndependencies = [\"tinypkg\"]\n\
             {optional}\
             [dependency-groups]\ndev = [\"helper\"]\n\
             [build-system]\nrequires = []\nbuild-backend = \"backend\"\nbackend-path = [\".\"]\n\
             [tool.penv]\npython = \"{}\"\n[tool.penv.pip]\nfind-links = [\"{}\"]\nno-index = true\n",
            python.display(),
            sb.wheels.display()
        ),
    );
    sb
}

pub(super) fn lock_doc(sb: &Sandbox) -> toml_edit::DocumentMut {
    std::fs::read_to_string(sb.project.join("pylock.toml"))
        .expect("pylock.toml written")
        .parse()
        .expect("pylock.toml is TOML")
}

/// The `marker` of package `name` in the lock (`None`: it has none).
pub(super) fn marker_of(doc: &toml_edit::DocumentMut, name: &str) -> Option<String> {
    let package = doc["packages"]
        .as_array_of_tables()
        .expect("[[packages]]")
        .iter()
        .find(|p| p["name"].as_str() == Some(name))
        .unwrap_or_else(|| panic!("`{name}` is locked"));
    package
        .get("marker")
        .and_then(|m| m.as_str())
        .map(str::to_owned)
}

/// Wagtail's bakerydemo: `dev = { requirement-files = [...] }`. Before,
/// the group's packages had no marker, and every locked sync installed them.
#[test]
fn a_group_of_requirement_files_is_marked_and_installed_only_when_selected() {
    let python = require_python!();
    let sb = sandbox_with_wheels();
    build_wheel(&sb.wheels, "devtool", "0.5", &["otherpkg"]);
    sb.write("requirements/base.txt", "tinypkg==1.0\n");
    sb.write("requirements/development.txt", "-r base.txt\ndevtool\n");
    sb.write_offline_toml(
        python,
        "requirement-files = [\"requirements/base.txt\"]\n\
         [groups]\ndev = { requirement-files = [\"requirements/development.txt\"] }\n",
    );
    sb.ok(&["lock"]);
    let doc = lock_doc(&sb);
    assert_eq!(marker_of(&doc, "tinypkg"), None);
    for name in ["devtool", "otherpkg"] {
        assert_eq!(
            marker_of(&doc, name).as_deref(),
            Some("'dev' in dependency_groups"),
            "{name}"
        );
    }
    // Without the group: the requirements alone.
    let plain = sb.ok(&["hash"]);
    let out = sb.run(&["sync", "--frozen"]);
    assert_code(&out, 0);
    assert_eq!(imported(&sb, "tinypkg").as_deref(), Some("1.0"));
    assert_eq!(imported(&sb, "devtool"), None);
    assert_eq!(imported(&sb, "otherpkg"), None);
    // With it: the group's packages too, and another env.
    let out = sb.run(&["sync", "--frozen", "--group", "dev"]);
    assert_code(&out, 0);
    assert_eq!(imported(&sb, "devtool").as_deref(), Some("0.5"));
    assert_eq!(imported(&sb, "otherpkg").as_deref(), Some("1.0"));
    assert_ne!(sb.ok(&["hash", "--group", "dev"]), plain);
}

/// pluggy and attrs: a group that needs the project itself. Before, each
/// group was resolved with the full resolution's pins, the project's own
/// local version among them, and without the project: pip looked for
/// `selfpkg==0.1.dev3+gabc` on the index and the lock failed.
#[test]
fn a_group_that_needs_the_project_itself_locks() {
    let python = require_python!();
    let sb = self_dependent_sandbox(python, true);
    let out = sb.run(&["lock"]);
    assert_code(&out, 0);
    let doc = lock_doc(&sb);
    assert_eq!(marker_of(&doc, "tinypkg"), None);
    assert_eq!(
        marker_of(&doc, "helper").as_deref(),
        Some("'dev' in dependency_groups")
    );
    // Its group installs from the lock, the project beside it.
    sb.ok(&["sync", "--locked"]);
    assert_eq!(imported(&sb, "helper").as_deref(), Some("1.0"));
    assert_eq!(imported(&sb, "selfpkg").as_deref(), Some("source"));
    // The project is locked as its directory, no version of its own name.
    let text = std::fs::read_to_string(sb.project.join("pylock.toml")).unwrap();
    assert!(
        text.contains("directory = { path = \".\", editable = true }"),
        "{text}"
    );
    assert!(!text.contains("0.1.dev3"), "{text}");
}

/// An extra is installed from a lock only with `--extra`, and `--extra`
/// names another env (`penv hash` differs).
#[test]
fn an_extra_installs_from_the_lock_only_when_asked_for() {
    let python = require_python!();
    let sb = self_dependent_sandbox(python, false);
    sb.ok(&["lock"]);
    let doc = lock_doc(&sb);
    // An extra's dependencies are the extra's: marked, and listed.
    assert_eq!(
        marker_of(&doc, "otherpkg").as_deref(),
        Some("'async' in extras")
    );
    let extras: Vec<&str> = doc["extras"]
        .as_array()
        .expect("extras")
        .iter()
        .filter_map(|e| e.as_str())
        .collect();
    assert_eq!(extras, ["async"]);
    let plain = sb.ok(&["hash"]);
    let with_extra = sb.ok(&["hash", "--extra", "async"]);
    assert_ne!(plain, with_extra);
    sb.ok(&["sync", "--frozen"]);
    assert_eq!(imported(&sb, "tinypkg").as_deref(), Some("1.0"));
    assert_eq!(imported(&sb, "helper").as_deref(), Some("1.0"));
    assert_eq!(imported(&sb, "otherpkg"), None);
    assert_eq!(imported(&sb, "selfpkg").as_deref(), Some("source"));
    sb.ok(&["sync", "--frozen", "--extra", "async"]);
    assert_eq!(imported(&sb, "otherpkg").as_deref(), Some("1.0"));
    let status = status_json(&sb);
    assert_eq!(status["extras"], serde_json::json!(["async"]));
    // An extra the lock does not have is an error naming those it has.
    let out = sb.run(&["sync", "--frozen", "--extra", "trio"]);
    assert_code(&out, 2);
}

/// A lock pip cannot resolve shows pip's own explanation: the conflict is
/// at pip's info level, which `--quiet` hid (the user saw only
/// "conflicting dependencies").
#[test]
fn a_lock_pip_cannot_resolve_shows_pips_explanation() {
    let python = require_python!();
    let sb = Sandbox::new();
    build_wheel(&sb.wheels, "shared", "1.0", &[]);
    build_wheel(&sb.wheels, "shared", "2.0", &[]);
    build_wheel(&sb.wheels, "needs-one", "1.0", &["shared==1.0"]);
    build_wheel(&sb.wheels, "needs-two", "1.0", &["shared==2.0"]);
    write_requirements(&sb, python, &["needs-one", "needs-two"]);
    let out = sb.run(&["lock"]);
    assert_code(&out, 2);
    let said = stderr(&out);
    assert!(said.contains("The conflict is caused by"), "{said}");
    assert!(
        said.contains("needs-two 1.0 depends on shared==2.0"),
        "{said}"
    );
    assert!(!sb.project.join("pylock.toml").exists());
}

/// When only the lock is new, the env is stale because it is installed
/// from the lock now — not because requirement files or groups were
/// dropped; `status` and the sync line say where the env comes from; a
/// relock names the file that changed, not its digests.
#[test]
fn reasons_in_lock_mode_tell_the_truth() {
    let python = require_python!();
    let sb = sandbox_with_wheels();
    build_wheel(&sb.wheels, "devtool", "0.5", &[]);
    sb.write("requirements.txt", "tinypkg==1.0\n");
    sb.write_offline_toml(
        python,
        "requirement-files = [\"requirements.txt\"]\ndefault-groups = [\"dev\"]\n\
         [groups]\ndev = [\"devtool\"]\n",
    );
    sb.ok(&["sync"]);
    sb.ok(&["lock"]);
    let out = sb.run(&["sync", "--check"]);
    assert_code(&out, 1);
    let said = stderr(&out);
    assert!(said.contains("installed from `pylock.toml` now"), "{said}");
    for untrue in [
        "no longer in `requirement-files`",
        "no longer selected",
        "-devtool",
    ] {
        assert!(!said.contains(untrue), "{said}");
    }
    let out = sb.run(&["sync"]);
    assert_stderr_says(&out, "Built `.venv`");
    assert_stderr_says(&out, "from `pylock.toml`");
    let status = sb.ok(&["status"]);
    assert!(status.contains("from `pylock.toml`"), "{status}");
    assert!(
        status_json(&sb)["lock"]
            .as_str()
            .is_some_and(|l| l.ends_with("/pylock.toml")),
        "{status}"
    );
    // A relock says which file changed, in words.
    sb.write("requirements.txt", "tinypkg==2.0\n");
    let out = sb.run(&["sync"]);
    assert_code(&out, 0);
    let said = stderr(&out);
    assert!(said.contains("`requirements.txt` changed"), "{said}");
    let digest = said
        .split(|c: char| !c.is_ascii_hexdigit())
        .any(|word| word.len() == 64);
    assert!(!digest, "{said}");
    assert_eq!(imported(&sb, "tinypkg").as_deref(), Some("2.0"));
}
