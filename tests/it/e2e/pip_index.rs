//! Index credentials, variables in find-links, pip offered over HTTP (issue 10, item 8).

use super::pip_seed::{
    bundled_pip, env_pip_version, pip_wheel_version, private_run, repackaged_pip, version_below,
};
use super::*;

#[test]
fn index_credentials_never_reach_the_state_the_output_or_the_hash() {
    let python = require_python!();
    let sb = sandbox_with_wheels();
    let toml = |password: &str| {
        format!(
            "{}index-url = \"https://alice:{password}@127.0.0.1:9/simple\"\nextra-index-urls = [\"https://{password}@127.0.0.1:9/extra\", \"https://bob:${{PENV_TEST_TOKEN}}@127.0.0.1:9/env\"]\n",
            sb.offline_toml(python, "requirements = [\"tinypkg\"]")
        )
    };
    let with_token = |args: &[&str], token: &str| {
        sb.penv()
            .env("PENV_TEST_TOKEN", token)
            .args(args)
            .output()
            .expect("penv runs")
    };
    sb.write("penv.toml", &toml("s3cret-one"));
    let hash = stdout(&with_token(&["hash"], "env-secret-1"));
    let out = with_token(&["-v", "sync"], "env-secret-1");
    assert_code(&out, 0);
    let all = format!("{}{}", stdout(&out), stderr(&out));
    let state = std::fs::read_to_string(state_file(&sb)).unwrap();
    let status = stdout(&with_token(&["status", "--json"], "env-secret-1"));
    for text in [&all, &state, &status] {
        assert!(!text.contains("s3cret-one"), "{text}");
        assert!(!text.contains("env-secret-1"), "{text}");
    }
    assert!(
        all.contains("https://alice:***@127.0.0.1:9/simple"),
        "{all}"
    );
    assert!(all.contains("https://***@127.0.0.1:9/extra"), "{all}");
    assert!(
        all.contains("https://bob:${PENV_TEST_TOKEN}@127.0.0.1:9/env"),
        "{all}"
    );
    assert!(
        state.contains("https://alice:***@127.0.0.1:9/simple"),
        "{state}"
    );
    // A rotated token, in the file or in the environment: same hash, no rebuild.
    sb.write("penv.toml", &toml("s3cret-two"));
    assert_eq!(stdout(&with_token(&["hash"], "env-secret-2")), hash);
    let out = with_token(&["sync"], "env-secret-2");
    assert_exit_and_stderr(&out, 0, "is up to date");
}

#[test]
fn variables_in_find_links_are_expanded_for_pip_only() {
    let python = require_python!();
    let sb = sandbox_with_wheels();
    sb.write(
        "penv.toml",
        &format!(
            "python = \"{}\"\nrequirements = [\"tinypkg==2.0\"]\n[pip]\nfind-links = [\"${{PENV_TEST_WHEELS}}\"]\nno-index = true\n",
            python.display()
        ),
    );
    let with_wheels = |dir: &Path, args: &[&str]| {
        sb.penv()
            .env("PENV_TEST_WHEELS", dir)
            .args(args)
            .output()
            .expect("penv runs")
    };
    let hash = stdout(&with_wheels(&sb.wheels, &["hash"]));
    let out = with_wheels(&sb.wheels, &["sync"]);
    assert_code(&out, 0);
    assert_eq!(imported(&sb, "tinypkg").as_deref(), Some("2.0"));
    let state = std::fs::read_to_string(state_file(&sb)).unwrap();
    assert!(state.contains("${PENV_TEST_WHEELS}"), "{state}");
    assert!(!state.contains(&sb.wheels.display().to_string()), "{state}");
    // The hash is of the text as written.
    let elsewhere = sb.tmp.path().join("other-wheels");
    std::fs::create_dir_all(&elsewhere).unwrap();
    assert_eq!(stdout(&with_wheels(&elsewhere, &["hash"])), hash);
    // Unset: refused, naming the key, before anything is touched.
    std::fs::remove_dir_all(sb.env()).unwrap();
    let out = sb.run(&["sync"]);
    assert_exit_and_stderr(
        &out,
        2,
        "`${PENV_TEST_WHEELS}` in `[pip] find-links` is not set in the environment",
    );
    assert_stderr_says(&out, "penv.toml:4:");
    assert!(!sb.env().exists());
}

/// A loopback HTTP server (Python's) serving `dir`, stopped on drop.
struct FileServer {
    child: std::process::Child,
    url: String,
}

impl FileServer {
    fn start(python: &Path, dir: &Path) -> Self {
        use std::io::BufRead;
        let mut child = Command::new(python)
            .args([
                "-I",
                "-u",
                "-m",
                "http.server",
                "0",
                "--bind",
                "127.0.0.1",
                "--directory",
            ])
            .arg(dir)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("python runs");
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        // "Serving HTTP on 127.0.0.1 port 40123 (http://127.0.0.1:40123/) ..."
        let port = line
            .split_whitespace()
            .skip_while(|w| *w != "port")
            .nth(1)
            .unwrap_or_else(|| panic!("no port in {line:?}"))
            .to_owned();
        Self {
            child,
            url: format!("http://127.0.0.1:{port}/"),
        }
    }
}

impl Drop for FileServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn a_pip_offered_by_a_find_links_url_is_downloaded_once_and_reused() {
    let python = require_python!();
    let Some(bundled) = bundled_pip(python) else {
        skip!("the interpreter bundles no pip");
    };
    let sb = Sandbox::new();
    let served = sb.tmp.path().join("served");
    std::fs::create_dir_all(&served).unwrap();
    repackaged_pip(python, &bundled, &served, "99.0.0");
    let server = FileServer::start(python, &served);
    let toml = |prompt: &str| {
        format!(
            "python = \"{}\"\n[venv]\nprompt = \"{prompt}\"\n[pip]\nfind-links = [\"{}\"]\nno-index = true\n",
            python.display(),
            server.url
        )
    };
    sb.write("penv.toml", &toml("one"));
    let out = private_run(&sb, &["sync"]);
    assert_code(&out, 0);
    assert_stderr_says(&out, "Looking for pip >=23.3");
    assert_eq!(env_pip_version(&sb), "99.0.0");
    assert!(
        sb.tmp
            .path()
            .join("private-cache/pip/pip-99.0.0-py3-none-any.whl")
            .is_file()
    );
    // A rebuild the same day: the cached wheel, without asking again.
    sb.write("penv.toml", &toml("two"));
    let out = private_run(&sb, &["sync"]);
    assert_code(&out, 0);
    assert!(
        !stderr(&out).contains("Looking for pip"),
        "{}",
        stderr(&out)
    );
    assert_eq!(env_pip_version(&sb), "99.0.0");
    drop(server);
}

#[test]
fn an_unreachable_index_falls_back_to_the_bundled_pip_and_is_not_asked_again_that_day() {
    let python = require_python!();
    let Some(bundled) =
        bundled_pip(python).filter(|w| version_below(&pip_wheel_version(w), &[23, 3]))
    else {
        skip!("the interpreter's bundled pip is not older than 23.3");
    };
    let sb = Sandbox::new();
    // Nothing listens on port 1 of the loopback: refused at once.
    let toml = |prompt: &str| {
        format!(
            "python = \"{}\"\n[venv]\nprompt = \"{prompt}\"\n[pip]\nfind-links = [\"http://127.0.0.1:1/\"]\nno-index = true\n",
            python.display()
        )
    };
    sb.write("penv.toml", &toml("one"));
    let out = private_run(&sb, &["sync"]);
    assert_code(&out, 0);
    let err = stderr(&out);
    assert!(err.contains("Looking for pip >=23.3"), "{err}");
    assert!(
        err.contains("warning: seeding the interpreter's bundled pip"),
        "{err}"
    );
    assert_eq!(env_pip_version(&sb), pip_wheel_version(&bundled));
    sb.write("penv.toml", &toml("two"));
    let out = private_run(&sb, &["sync"]);
    assert_code(&out, 0);
    let err = stderr(&out);
    assert!(!err.contains("Looking for pip"), "{err}");
    assert!(
        err.contains("warning: seeding the interpreter's bundled pip"),
        "{err}"
    );
}
