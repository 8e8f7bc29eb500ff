//! Rendering a [`PyLock`] as `pylock.toml` text, laid out the way PEP 751's
//! examples and uv lay it out: top-level keys, then one `[[packages]]`
//! table per package with its artifacts as inline tables, then `[tool.*]`.
//!
//! Invariant: the text depends only on the lock's values — keys in a fixed
//! order, no timestamps — so the same resolution writes the same bytes,
//! and what is written reads back ([`super::parse`]) as the same lock.

use std::fmt::Write as _;

use serde::Serialize;

use super::model::{Package, PyLock};

/// The file's text.
pub(crate) fn render(lock: &PyLock) -> String {
    let mut out = String::new();
    line(&mut out, "lock-version", &lock.lock_version);
    if let Some(environments) = &lock.environments {
        line(&mut out, "environments", environments);
    }
    if let Some(requires_python) = &lock.requires_python {
        line(&mut out, "requires-python", requires_python);
    }
    if !lock.extras.is_empty() {
        line(&mut out, "extras", &lock.extras);
    }
    if !lock.dependency_groups.is_empty() {
        line(&mut out, "dependency-groups", &lock.dependency_groups);
    }
    if !lock.default_groups.is_empty() {
        line(&mut out, "default-groups", &lock.default_groups);
    }
    line(&mut out, "created-by", &lock.created_by);
    for package in &lock.packages {
        out.push_str("\n[[packages]]\n");
        render_package(&mut out, package);
    }
    for (name, table) in &lock.tool {
        let _ = writeln!(out, "\n[tool.{}]", key(name));
        if let Some(map) = table.as_object() {
            for (k, v) in map {
                line(&mut out, k, v);
            }
        }
    }
    out
}

fn render_package(out: &mut String, p: &Package) {
    line(out, "name", &p.name);
    if let Some(version) = &p.version {
        line(out, "version", version);
    }
    if let Some(marker) = &p.marker {
        line(out, "marker", marker);
    }
    if let Some(requires_python) = &p.requires_python {
        line(out, "requires-python", requires_python);
    }
    if !p.dependencies.is_empty() {
        line(out, "dependencies", &p.dependencies);
    }
    if let Some(index) = &p.index {
        line(out, "index", index);
    }
    if let Some(vcs) = &p.vcs {
        line(out, "vcs", vcs);
    }
    if let Some(directory) = &p.directory {
        line(out, "directory", directory);
    }
    if let Some(archive) = &p.archive {
        line(out, "archive", archive);
    }
    if let Some(sdist) = &p.sdist {
        line(out, "sdist", sdist);
    }
    match p.wheels.len() {
        0 => {}
        1 => line(out, "wheels", &p.wheels),
        _ => {
            out.push_str("wheels = [\n");
            for wheel in &p.wheels {
                let _ = writeln!(out, "    {},", value(wheel));
            }
            out.push_str("]\n");
        }
    }
    if !p.attestation_identities.is_empty() {
        line(out, "attestation-identities", &p.attestation_identities);
    }
    for (name, table) in &p.tool {
        let _ = writeln!(out, "tool.{} = {}", key(name), value(table));
    }
}

/// `key = value`, the value inline.
fn line<T: Serialize + ?Sized>(out: &mut String, name: &str, v: &T) {
    let _ = writeln!(out, "{} = {}", key(name), value(v));
}

/// A value as inline TOML.
fn value<T: Serialize + ?Sized>(v: &T) -> String {
    let value = v
        .serialize(toml_edit::ser::ValueSerializer::new())
        .expect("a lock's values are TOML values");
    let mut value = value;
    value.decor_mut().clear();
    value.to_string()
}

/// A key, quoted when it is not a bare key.
fn key(name: &str) -> String {
    toml_edit::Key::new(name).display_repr().into_owned()
}

#[cfg(test)]
mod tests {
    use super::super::parse;
    use super::*;

    const LOCK: &str = r#"lock-version = "1.0"
environments = ["python_full_version == '3.11.7' and sys_platform == 'linux'"]
requires-python = "==3.11.*"
dependency-groups = ["dev"]
default-groups = ["dev"]
created-by = "penv"

[[packages]]
name = "one"
version = "1.0"
marker = "'dev' in dependency_groups"
wheels = [{ path = "wheels/one-1.0-py3-none-any.whl", hashes = { sha256 = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" } }]

[[packages]]
name = "two"
version = "2.0"
sdist = { url = "https://h/two-2.0.tar.gz", hashes = { sha256 = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb" } }
wheels = [
    { url = "https://h/two-2.0-cp311-cp311-linux_x86_64.whl", hashes = { sha256 = "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc" } },
    { url = "https://h/two-2.0-py3-none-any.whl", upload-time = 2024-01-02T03:04:05Z, hashes = { sha256 = "dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd" } },
]

[tool.penv]
inputs-hash = "0123"
"#;

    #[test]
    fn renders_what_it_reads_byte_for_byte() {
        let lock = parse(LOCK, std::path::Path::new("pylock.toml")).unwrap();
        let text = render(&lock);
        assert_eq!(text, LOCK);
        assert_eq!(parse(&text, std::path::Path::new("p")).unwrap(), lock);
    }

    #[test]
    fn quotes_keys_and_escapes_values() {
        let mut lock = parse(LOCK, std::path::Path::new("pylock.toml")).unwrap();
        lock.packages[0].marker = Some("extra == \"a\\b\"".to_owned());
        let text = render(&lock);
        let again = parse(&text, std::path::Path::new("p")).unwrap();
        assert_eq!(again.packages[0].marker, lock.packages[0].marker);
    }

    #[test]
    fn a_built_lock_reads_back_with_the_model_and_has_the_required_keys() {
        use super::super::build::{LockContext, build};
        use super::super::report::parse as parse_report;
        let report = r#"{"version": "1", "install": [
            {"download_info": {"url": "file:///p/wheels/a-1.0-py3-none-any.whl", "archive_info": {"hashes": {"sha256": "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}}},
             "metadata": {"name": "A", "version": "1.0", "requires_python": ">=3.8"}},
            {"download_info": {"url": "file:///p/src/b", "dir_info": {"editable": true}}, "is_direct": true,
             "metadata": {"name": "b", "version": "0.1"}}],
          "environment": {"python_full_version": "3.12.1", "implementation_name": "cpython", "sys_platform": "linux", "platform_machine": "aarch64", "python_version": "3.12"}}"#;
        let full = parse_report(report).unwrap();
        let names = super::super::parts::names(&full);
        let context = LockContext {
            lock_dir: "/p".into(),
            project_root: "/p".into(),
            requires_python: Some(">=3.12".into()),
            groups: vec![],
            default_groups: vec![],
            extras: vec![],
            inputs: super::super::inputs::tests::example(),
            index: None,
        };
        let parts = super::super::parts::Parts {
            base: names,
            ..Default::default()
        };
        let lock = build(&full, &parts, &context).unwrap();
        let text = render(&lock);
        let again = parse(&text, std::path::Path::new("pylock.toml")).unwrap();
        assert_eq!(again, lock);
        let doc: toml_edit::DocumentMut = text.parse().unwrap();
        for key in [
            "lock-version",
            "created-by",
            "packages",
            "environments",
            "requires-python",
        ] {
            assert!(doc.contains_key(key), "{key} in\n{text}");
        }
        assert_eq!(again.packages[0].name, "a");
        assert_eq!(
            again.packages[0].wheels[0].path.as_deref(),
            Some("wheels/a-1.0-py3-none-any.whl")
        );
        assert_eq!(again.packages[1].directory.as_ref().unwrap().path, "src/b");
        assert!(text.contains("platform_machine == 'aarch64'"), "{text}");
    }
}
