//! Poetry's constraints in PEP 440, and Poetry and PDM projects read as
//! they stand.

use std::path::Path;

use super::constraint;
use crate::project::Project;

#[test]
fn caret_tilde_wildcard_and_exact() {
    let cases = [
        ("^1.2.3", ">=1.2.3,<2"),
        ("^1.2", ">=1.2,<2"),
        ("^0.2.3", ">=0.2.3,<0.3"),
        ("^0.0.3", ">=0.0.3,<0.0.4"),
        ("^0", ">=0,<1"),
        ("^0.0", ">=0.0,<0.1"),
        ("~1.2.3", ">=1.2.3,<1.3"),
        ("~1.2", ">=1.2,<1.3"),
        ("~1", ">=1,<2"),
        ("~=1.4", "~=1.4"),
        ("1.2.*", "==1.2.*"),
        ("*", ""),
        ("1.2.3", "==1.2.3"),
        ("=1.2.3", "==1.2.3"),
        (">=4.0.0, <5.0", ">=4.0.0,<5.0"),
        (">= 1.2 < 2", ">=1.2,<2"),
    ];
    for (poetry, pep440) in cases {
        assert_eq!(constraint(poetry).unwrap(), pep440, "{poetry}");
    }
    assert!(constraint("^1.2 || ^2.0").unwrap_err().contains("union"));
    assert!(constraint("^abc").is_err());
}

fn project(text: &str) -> Result<Project, String> {
    Project::from_text(Path::new("/p/pyproject.toml"), text).map_err(|e| e.to_string())
}

#[test]
fn a_poetry_project_as_rich_writes_it() {
    let p = project(
        "[tool.poetry]\nname = \"rich\"\nversion = \"1\"\n\
         [tool.poetry.dependencies]\npython = \">=3.8.0\"\npygments = \"^2.13.0\"\n\
         ipywidgets = { version = \">=7.5.1,<9\", optional = true }\nmarkdown-it-py = \">=2.2.0\"\n\
         [tool.poetry.extras]\njupyter = [\"ipywidgets\"]\n\
         [tool.poetry.dev-dependencies]\npytest = \"^7.0.0\"\n\
         [tool.poetry.group.docs]\noptional = true\n[tool.poetry.group.docs.dependencies]\nsphinx = { version = \"^7\", python = \"^3.9\" }\n\
         [tool.poetry.group.lint.dependencies]\nruff = { git = \"https://github.com/astral-sh/ruff\", tag = \"v1\" }\n\
         tomli = [{ version = \"^2\", markers = \"python_version < '3.11'\" }, { version = \"^1\", platform = \"win32\" }]\n",
    )
    .unwrap();
    assert_eq!(
        p.requirements,
        ["pygments>=2.13.0,<3", "markdown-it-py>=2.2.0"]
    );
    assert_eq!(p.extra("jupyter").unwrap().1, &["ipywidgets>=7.5.1,<9"]);
    assert_eq!(p.groups["dev"].requirements, ["pytest>=7.0.0,<8"]);
    assert_eq!(
        p.groups["docs"].requirements,
        ["sphinx>=7,<8 ; (python_full_version >= \"3.9\" and python_full_version < \"4\")"]
    );
    assert_eq!(
        p.groups["lint"].requirements,
        [
            "ruff @ git+https://github.com/astral-sh/ruff@v1",
            "tomli>=2,<3 ; (python_version < '3.11')",
            "tomli>=1,<2 ; sys_platform == \"win32\""
        ]
    );
    assert_eq!(
        p.default_groups,
        ["dev", "lint"],
        "the optional group is not a default"
    );
    assert_eq!(p.requires_python.unwrap().value, ">=3.8.0");
}

#[test]
fn a_form_without_a_pep_508_spelling_is_an_error_at_its_line() {
    let err =
        project("[tool.poetry.dependencies]\npython = \"^3.8\"\nfoo = \"^1 || ^2\"\n").unwrap_err();
    assert!(err.starts_with("/p/pyproject.toml:3:"), "{err}");
    assert!(err.contains("union"), "{err}");
    let err = project("[tool.poetry.dependencies]\nlib = { path = \"../lib\" }\n").unwrap_err();
    assert!(err.contains("relative to the project"), "{err}");
}

#[test]
fn pdm_dev_dependencies_are_default_groups() {
    let p = project(
        "[project]\nname = \"x\"\ndependencies = [\"six\"]\n\
         [tool.pdm.dev-dependencies]\ntest = [\"pytest>=8\"]\nlint = [\"ruff\"]\n",
    )
    .unwrap();
    assert_eq!(p.requirements, ["six"]);
    assert_eq!(p.groups["test"].requirements, ["pytest>=8"]);
    assert_eq!(p.default_groups, ["lint", "test"]);
}

#[test]
fn package_mode_false_is_not_installed() {
    let text = "[tool.poetry]\nname = \"app\"\npackage-mode = false\n\n[tool.poetry.dependencies]\npython = \"^3.9\"\nrich = \"^13\"\n\n[build-system]\nrequires = [\"poetry-core\"]\nbuild-backend = \"poetry.core.masonry.api\"\n";
    let p = project(text).unwrap();
    assert!(!p.package, "package-mode = false");
    assert_eq!(p.requirements, ["rich>=13,<14"]);
    let packaged = project(&text.replace("package-mode = false\n", "")).unwrap();
    assert!(packaged.package, "a [build-system] makes it a package");
}
