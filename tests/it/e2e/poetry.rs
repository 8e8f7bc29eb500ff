//! A Poetry project as it stands (issue 24): `[tool.poetry.dependencies]`
//! with a caret constraint, a non-optional group installed by default and
//! an optional one only when asked for; `python` as `requires-python`.

use super::*;

#[test]
fn a_poetry_project_syncs_with_its_constraints_and_groups() {
    let python = require_python!();
    let sb = sandbox_with_wheels();
    build_wheel(&sb.wheels, "docpkg", "1.0", &[]);
    sb.write(
        "pyproject.toml",
        &format!(
            "[tool.poetry]\nname = \"app\"\nversion = \"1.0\"\n\n\
             [tool.poetry.dependencies]\npython = \">=3.8\"\ntinypkg = \"^1.0\"\n\n\
             [tool.poetry.group.test.dependencies]\notherpkg = \"*\"\n\n\
             [tool.poetry.group.docs]\noptional = true\n\n\
             [tool.poetry.group.docs.dependencies]\ndocpkg = \"~1.0\"\n\n\
             [tool.penv]\npython = \"{}\"\n\n[tool.penv.pip]\nfind-links = [\"{}\"]\nno-index = true\n",
            python.display(),
            sb.wheels.display()
        ),
    );
    sb.ok(&["sync"]);
    assert_eq!(
        imported(&sb, "tinypkg").as_deref(),
        Some("1.0"),
        "^1.0 is <2"
    );
    assert_eq!(
        imported(&sb, "otherpkg").as_deref(),
        Some("1.0"),
        "a default group"
    );
    assert_eq!(imported(&sb, "docpkg"), None, "an optional group");
    sb.ok(&["sync", "--group", "docs"]);
    assert_eq!(imported(&sb, "docpkg").as_deref(), Some("1.0"));
    // A constraint PEP 440 cannot say is an error at its line.
    let text = std::fs::read_to_string(sb.project.join("pyproject.toml")).unwrap();
    sb.write(
        "pyproject.toml",
        &text.replace("tinypkg = \"^1.0\"", "tinypkg = \"^1.0 || ^2.0\""),
    );
    let out = sb.run(&["sync"]);
    assert_code(&out, 2);
    assert_stderr_says(&out, "pyproject.toml:7:");
    assert_stderr_says(&out, "union of ranges");
}
