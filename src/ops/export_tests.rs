use super::*;

fn state(dists: &[(&str, &str)], artifacts: &serde_json::Value) -> State {
    let dists: Vec<serde_json::Value> = dists
        .iter()
        .map(|(n, v)| serde_json::json!([n, v]))
        .collect();
    serde_json::from_value(serde_json::json!({
        "format": crate::state::STATE_FORMAT,
        "hash": "0",
        "spec": crate::spec::example(),
        "base": { "path": "/usr/bin/python3", "size": 1, "mtime_ns": 1, "inode": 1 },
        "venv-path": "/p/.venv",
        "penv-version": "0",
        "pip-version": "24.0",
        "created": 0,
        "last-used": 0,
        "as-built": {
            "python": [], "home": "/usr/bin", "site-packages": [],
            "dists": dists,
            "artifacts": artifacts,
        },
    }))
    .unwrap()
}

const SHA: &str = "ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef0123456789";

#[test]
fn the_env_as_built_exports_each_pin_with_its_hash_and_names_what_it_leaves_out() {
    let state = state(
        &[
            ("direct", "2.0"),
            ("my-lib", "1.0"),
            ("pip", "24.0"),
            ("tree", "0.1"),
        ],
        &serde_json::json!({
            "my-lib": { "sha256": SHA },
            "direct": { "sha256": SHA, "direct-url": "file:///w/direct-2.0-py3-none-any.whl" },
        }),
    );
    let out = from_env(&state, true).unwrap();
    let hash = SHA.to_ascii_lowercase();
    assert_eq!(
        out.lines,
        [
            format!("direct @ file:///w/direct-2.0-py3-none-any.whl --hash=sha256:{hash}"),
            format!("my-lib==1.0 --hash=sha256:{hash}"),
        ]
    );
    // The seeded pip is not a pin; a source tree has no hash to check.
    assert_eq!(out.left_out.len(), 1, "{:?}", out.left_out);
    assert!(out.left_out[0].starts_with("tree "));
    let plain = from_env(&state, false).unwrap();
    assert_eq!(
        plain.lines,
        [
            "direct @ file:///w/direct-2.0-py3-none-any.whl",
            "my-lib==1.0",
            "tree==0.1"
        ]
    );
}

#[test]
fn a_value_that_does_not_parse_is_refused_not_copied() {
    for (dists, artifacts) in [
        (
            vec![("ok", "1.0 ; import os")],
            serde_json::json!({ "ok": { "sha256": SHA } }),
        ),
        (
            vec![("ok", "1.0")],
            serde_json::json!({ "ok": { "sha256": "zz" } }),
        ),
        (
            vec![("ok", "1.0")],
            serde_json::json!({ "ok": { "sha256": SHA, "direct-url": "ftp://x/y.whl" } }),
        ),
    ] {
        let err = from_env(&state(&dists, &artifacts), true).unwrap_err();
        assert!(matches!(err, InspectError::Unexportable { .. }), "{err}");
    }
}

/// An env uv filled from requirements records no file: with hashes, the
/// export is refused (it would hold no line), naming uv and `penv lock`;
/// without, it lists the pins.
#[test]
fn an_env_uv_installed_without_a_lock_is_refused_with_hashes() {
    let mut state = state(
        &[("pip", "24.0"), ("six", "1.17.0")],
        &serde_json::json!({}),
    );
    state.spec.venv.installer = crate::project::Installer::Uv;
    let err = from_env(&state, true).unwrap_err();
    assert!(
        err.to_string().contains("uv records no file hashes"),
        "{err}"
    );
    assert!(err.hint().contains("penv lock"), "{}", err.hint());
    assert_eq!(from_env(&state, false).unwrap().lines, ["six==1.17.0"]);
}
