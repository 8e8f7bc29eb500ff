//! `[tool.uv]` as a project's settings: default groups (a list or
//! `"all"`), `dev-dependencies` as the `dev` group, `package`, the index
//! settings as pip's, keys penv cannot honour, and `[tool.penv]` winning.

use std::path::Path;

use super::super::Project;

fn pyproject(text: &str) -> Project {
    Project::from_text(Path::new("/p/pyproject.toml"), text).unwrap()
}

const BASE: &str = "[project]\nname = \"x\"\ndependencies = []\n[dependency-groups]\ndev = [\"pytest\"]\ndocs = [\"sphinx\"]\ntests = [\"hypothesis\"]\n";

#[test]
fn default_groups_a_list_or_all() {
    let p = pyproject(&format!(
        "{BASE}[tool.uv]\ndefault-groups = [\"tests\", \"docs\"]\n"
    ));
    assert_eq!(p.default_groups, ["tests", "docs"]);
    let p = pyproject(&format!("{BASE}[tool.uv]\ndefault-groups = \"all\"\n"));
    assert_eq!(p.default_groups, ["dev", "docs", "tests"]);
    let p = pyproject(&format!(
        "{BASE}[tool.uv]\ndefault-groups = \"all\"\n[tool.penv]\ndefault-groups = []\n"
    ));
    assert!(p.default_groups.is_empty(), "[tool.penv] wins");
}

#[test]
fn dev_dependencies_join_the_dev_group_and_package_is_read() {
    let p = pyproject(&format!(
        "[build-system]\nrequires = []\n{BASE}[tool.uv]\ndev-dependencies = [\"ruff\"]\npackage = false\n"
    ));
    assert_eq!(p.groups["dev"].requirements, ["pytest", "ruff"]);
    assert!(!p.package, "`package = false` wins over [build-system]");
    let p = pyproject("[project]\nname = \"x\"\n[tool.uv]\ndev-dependencies = [\"ruff\"]\n");
    assert_eq!(p.groups["dev"].requirements, ["ruff"]);
    assert_eq!(p.default_groups, ["dev"]);
}

#[test]
fn index_settings_become_pips() {
    let p = pyproject(&format!(
        "{BASE}[tool.uv]\nfind-links = [\"wheels\"]\nextra-index-url = [\"https://extra.example/simple\"]\n\
         [[tool.uv.index]]\nname = \"corp\"\nurl = \"https://corp.example/simple\"\ndefault = true\n\
         [[tool.uv.index]]\nname = \"more\"\nurl = \"https://more.example/simple\"\n"
    ));
    let pip = &p.config.pip;
    assert_eq!(
        pip.index_url.as_deref(),
        Some("https://corp.example/simple")
    );
    assert_eq!(
        pip.extra_index_urls,
        [
            "https://extra.example/simple",
            "https://more.example/simple"
        ]
    );
    assert_eq!(pip.find_links, ["wheels"]);
    assert!(p.unhonoured.is_empty());
    let p = pyproject(&format!(
        "{BASE}[tool.uv]\nno-index = true\n[tool.penv.pip]\nfind-links = [\"mine\"]\n"
    ));
    assert!(p.config.pip.no_index);
    assert_eq!(p.config.pip.find_links, ["mine"], "[tool.penv.pip] wins");
}

#[test]
fn keys_pip_cannot_honour_are_named_with_their_line() {
    let p = pyproject(&format!(
        "{BASE}[tool.uv]\nexclude-newer = \"2024-01-01\"\n\n[tool.uv.sources]\nx = {{ git = \"https://g/x\" }}\n\
         [[tool.uv.index]]\nname = \"pt\"\nurl = \"https://pt.example\"\nexplicit = true\n"
    ));
    let keys: Vec<&str> = p.unhonoured.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(keys, ["exclude-newer", "sources", "index (explicit)"]);
    let err = super::super::check_honoured(&p).unwrap_err();
    assert_eq!(err.location().unwrap().line, 9);
    let text = err.to_string();
    assert!(text.contains("`exclude-newer`, `sources`"), "{text}");
    assert!(err.hint().unwrap().contains("uv.lock"));
}

#[test]
fn a_wrong_type_is_an_error_at_its_line() {
    let err = Project::from_text(
        Path::new("/p/pyproject.toml"),
        &format!("{BASE}[tool.uv]\ndefault-groups = 3\n"),
    )
    .unwrap_err();
    assert!(err.to_string().contains("default-groups"), "{err}");
    assert_eq!(err.location().unwrap().line, 9);
}
