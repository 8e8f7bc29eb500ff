//! `pdm.lock` read into the walk's shape, and PDM's content hash.

use sha2::Digest as _;

use super::*;

/// A project's hash against Python's `json.dumps` of what PDM dumps,
/// written out by hand (the same code gives PDM's own `pyproject.toml`,
/// pdm-project/pdm at a7e9d00, the `content_hash` of its `pdm.lock`).
#[test]
fn content_hash_is_pdms() {
    let text = "[project]\nname = \"x\"\nrequires-python = \">=3.9\"\ndependencies = [\"a>=1\"]\n\n[project.optional-dependencies]\nfast = [\"b\"]\n\n[dependency-groups]\nTest = [\"pytest\"]\n\n[tool.pdm.dev-dependencies]\nlint = [\"ruff\"]\n";
    let doc: toml_edit::Document<String> = text.parse().unwrap();
    let json = r#"{"dependencies": ["a>=1"], "dev-dependencies": {"lint": ["ruff"], "test": ["pytest"]}, "optional-dependencies": {"fast": ["b"]}, "requires-python": ">=3.9", "resolution": {}, "sources": []}"#;
    let expected = hex::encode(sha2::Sha256::digest(json.as_bytes()));
    assert_eq!(fresh::content_hash(&doc, true), expected);
    let legacy = r#"{"dependencies": ["a>=1"], "dev-dependencies": {"lint": ["ruff"]}, "optional-dependencies": {"fast": ["b"]}, "requires-python": ">=3.9", "resolution": {}, "sources": []}"#;
    let legacy = hex::encode(sha2::Sha256::digest(legacy.as_bytes()));
    assert!(fresh::is_fresh(Some(&format!("sha256:{expected}")), &doc));
    assert!(fresh::is_fresh(Some(&format!("sha256:{legacy}")), &doc));
    assert!(!fresh::is_fresh(Some(&expected), &doc), "no `sha256:`");
    assert!(!fresh::is_fresh(None, &doc));
}

#[test]
fn extras_entries_become_the_package_s_extras() {
    let text = r#"[metadata]
lock_version = "4.5.0"
content_hash = "sha256:00"

[[package]]
name = "coverage"
version = "7.4.0"
dependencies = []
files = [{file = "coverage-7.4.0-py3-none-any.whl", hash = "sha256:aa"}]

[[package]]
name = "coverage"
version = "7.4.0"
extras = ["toml"]
dependencies = ["coverage==7.4.0", "tomli; python_full_version <= \"3.11.0a6\""]
files = [{file = "coverage-7.4.0-py3-none-any.whl", hash = "sha256:aa"}]

[[package]]
name = "tomli"
version = "2.0.1"
files = [{url = "https://example.org/tomli-2.0.1-py3-none-any.whl", hash = "sha256:bb"}]
"#;
    let (lock, hash) = parse(text, Path::new("pdm.lock")).unwrap();
    assert_eq!(hash.as_deref(), Some("sha256:00"));
    assert_eq!(lock.package.len(), 2, "one package per name and version");
    assert_eq!(
        lock.package[0].extras["toml"],
        ["tomli; python_full_version <= \"3.11.0a6\""]
    );
    assert_eq!(
        lock.package[1].at, 2,
        "errors point at its own `[[package]]`"
    );
    let bad = text.replace("4.5.0", "5.0");
    assert!(parse(&bad, Path::new("pdm.lock")).is_err());
}
