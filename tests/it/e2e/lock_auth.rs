//! A lock made from an index that wants credentials (issue 12): the lock
//! records none, and a locked sync gives pip the index's credentials for
//! the locked files on its host. The index is a loopback HTTP server the
//! test starts (Python's `http.server`), answering 401 without the right
//! `Authorization`, and serving its files from `/packages/`, outside the
//! index's `/simple/` path.

use super::*;

/// A PEP 503 index of the wheels in a directory, behind HTTP basic auth.
const AUTH_INDEX: &str = r#"
import base64, hashlib, http.server, os, sys
root, user, password, log_path = sys.argv[1:5]
expected = "Basic " + base64.b64encode(("%s:%s" % (user, password)).encode()).decode()
log = open(log_path, "a")
class Handler(http.server.BaseHTTPRequestHandler):
    def send(self, code, body=b"", kind="text/html"):
        self.send_response(code)
        if code == 401:
            self.send_header("WWW-Authenticate", 'Basic realm="test"')
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def do_GET(self):
        ok = self.headers.get("Authorization") == expected
        log.write("%s %s\n" % ("ok" if ok else "denied", self.path))
        log.flush()
        if not ok:
            return self.send(401)
        parts = [p for p in self.path.split("?")[0].split("/") if p]
        if len(parts) == 2 and parts[0] == "simple":
            links = ""
            for f in sorted(os.listdir(root)):
                if f.split("-")[0].replace("_", "-").lower() == parts[1]:
                    with open(os.path.join(root, f), "rb") as fh:
                        digest = hashlib.sha256(fh.read()).hexdigest()
                    links += '<a href="/packages/%s#sha256=%s">%s</a>\n' % (f, digest, f)
            if not links:
                return self.send(404)
            return self.send(200, ("<html><body>%s</body></html>" % links).encode())
        if len(parts) == 2 and parts[0] == "packages" and parts[1] in os.listdir(root):
            with open(os.path.join(root, parts[1]), "rb") as fh:
                return self.send(200, fh.read(), "application/octet-stream")
        self.send(404)
    def log_message(self, *args):
        pass
server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
"#;

/// The server, stopped on drop.
struct AuthIndex {
    child: std::process::Child,
    port: String,
    log: PathBuf,
}

impl AuthIndex {
    fn start(python: &Path, dir: &Path, user: &str, password: &str, log: PathBuf) -> Self {
        use std::io::BufRead;
        let mut child = Command::new(python)
            .args(["-I", "-u", "-c", AUTH_INDEX])
            .arg(dir)
            .args([user, password])
            .arg(&log)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("python runs");
        let mut port = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut port)
            .unwrap();
        Self {
            child,
            port: port.trim().to_owned(),
            log,
        }
    }

    /// The requests it answered, `ok /path` or `denied /path`.
    fn requests(&self) -> Vec<String> {
        std::fs::read_to_string(&self.log)
            .unwrap_or_default()
            .lines()
            .map(str::to_owned)
            .collect()
    }
}

impl Drop for AuthIndex {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn a_lock_from_an_index_with_credentials_records_none_and_installs_with_them() {
    let python = require_python!();
    let sb = Sandbox::new();
    let served = sb.tmp.path().join("served");
    std::fs::create_dir_all(&served).unwrap();
    build_wheel(&served, "tinypkg", "1.0", &[]);
    let index = AuthIndex::start(
        python,
        &served,
        "alice",
        "t0k3n-secret",
        sb.tmp.path().join("requests.log"),
    );
    sb.write(
        "penv.toml",
        &format!(
            "python = \"{}\"\nrequirements = [\"tinypkg\"]\n[pip]\nindex-url = \"http://${{PENV_TEST_USER}}:${{PENV_TEST_TOKEN}}@127.0.0.1:{}/simple\"\n",
            python.display(),
            index.port
        ),
    );
    let with_token = |token: &str, args: &[&str]| {
        sb.penv()
            .env("PENV_TEST_USER", "alice")
            .env("PENV_TEST_TOKEN", token)
            // pip's HTTP cache would answer a second download without the index.
            .env("PIP_NO_CACHE_DIR", "1")
            .args(args)
            .output()
            .expect("penv runs")
    };
    let out = with_token("t0k3n-secret", &["lock"]);
    assert_code(&out, 0);
    let lock = std::fs::read_to_string(sb.project.join("pylock.toml")).unwrap();
    assert!(
        !lock.contains("t0k3n-secret") && !lock.contains("alice"),
        "no credentials in the lock:\n{lock}"
    );
    let file_url = format!(
        "http://127.0.0.1:{}/packages/tinypkg-1.0-py3-none-any.whl",
        index.port
    );
    assert!(lock.contains(&format!("url = \"{file_url}\"")), "{lock}");
    let index_url = format!("index = \"http://127.0.0.1:{}/simple\"", index.port);
    assert!(lock.contains(&index_url), "{lock}");
    // The locked sync fetches the file with the index's credentials, from
    // a path outside the index's own.
    let before = index.requests().len();
    let out = with_token("t0k3n-secret", &["-v", "sync", "--locked"]);
    assert_code(&out, 0);
    assert_eq!(imported(&sb, "tinypkg").as_deref(), Some("1.0"));
    let fetched: Vec<String> = index.requests()[before..].to_vec();
    assert!(
        fetched.contains(&"ok /packages/tinypkg-1.0-py3-none-any.whl".to_owned()),
        "{fetched:?}"
    );
    let said = format!("{}{}", stdout(&out), stderr(&out));
    assert!(!said.contains("t0k3n-secret"), "{said}");
    // The file is the index's (the lock names it as `index`): pip finds it
    // there by name and version, with the index's credentials, so the
    // requirement file holds none; nor does the state.
    let reqs = std::fs::read_to_string(sb.project.join(".penv/.venv.pylock.txt")).unwrap();
    assert!(reqs.contains("tinypkg==1.0 --hash=sha256:"), "{reqs}");
    assert!(
        !reqs.contains("t0k3n-secret") && !reqs.contains("alice"),
        "{reqs}"
    );
    let state = std::fs::read_to_string(state_file(&sb)).unwrap();
    assert!(!state.contains("t0k3n-secret"), "{state}");
    // The credentials are what let pip in: a wrong token is refused by the
    // index (the lock is still fresh: `${NAME}` is hashed as written).
    let out = with_token("wrong-token", &["sync", "--locked", "--reinstall"]);
    assert_code(&out, 2);
    assert!(
        index
            .requests()
            .iter()
            .any(|r| r.starts_with("denied /simple/tinypkg/")),
        "{:?}",
        index.requests()
    );
    assert_eq!(
        imported(&sb, "tinypkg").as_deref(),
        Some("1.0"),
        "the old env is back"
    );
    // A lock that does not name the index (another tool's, an older
    // penv's): the file goes by its URL, given the credentials of the
    // index on its host, in a requirement file for its owner only, deleted
    // once pip ran.
    let without_index = lock.replace(&format!("{index_url}\n"), "");
    assert_ne!(without_index, lock);
    sb.write("pylock.toml", &without_index);
    let before = index.requests().len();
    let out = with_token("t0k3n-secret", &["sync", "--frozen"]);
    assert_code(&out, 0);
    assert_eq!(
        index.requests()[before..],
        ["ok /packages/tinypkg-1.0-py3-none-any.whl".to_owned()]
    );
    for file in std::fs::read_dir(sb.project.join(".penv"))
        .unwrap()
        .flatten()
    {
        let text = std::fs::read(file.path()).unwrap_or_default();
        let text = String::from_utf8_lossy(&text);
        assert!(!text.contains("t0k3n-secret"), "{}", file.path().display());
    }
    let state = std::fs::read_to_string(state_file(&sb)).unwrap();
    assert!(!state.contains("t0k3n-secret"), "{state}");
}
