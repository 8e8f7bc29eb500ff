//! A first end-to-end check: a real env with a wheel built by the test.

mod common;

use common::{Sandbox, build_wheel};

#[test]
fn sync_builds_an_env_that_imports_its_requirement_and_then_is_a_no_op() {
    let python = require_python!();
    let sb = Sandbox::new();
    build_wheel(&sb.wheels, "tinypkg", "1.0", &[]);
    sb.write(
        "penv.toml",
        &sb.offline_toml(python, "requirements = [\"tinypkg==1.0\"]"),
    );
    sb.ok(&["sync"]);
    assert_eq!(
        sb.env_python("import tinypkg; print(tinypkg.VERSION)"),
        (true, "1.0".to_owned())
    );
    let out = sb.run(&["sync"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("up to date"));
}
