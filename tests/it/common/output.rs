//! Reading a finished penv run: its streams as text and assertions that show
//! both streams when they fail, so a failing test says what penv printed.

use std::process::Output;

/// The run's stdout, lossily decoded.
pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The run's stderr, lossily decoded.
pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The exit status and both streams, for assertion messages.
pub fn show(out: &Output) -> String {
    format!(
        "{}\nstdout:\n{}\nstderr:\n{}",
        out.status,
        stdout(out),
        stderr(out)
    )
}

/// Asserts the exit code, showing both streams when it is not the expected one.
#[track_caller]
pub fn assert_code(out: &Output, code: i32) {
    assert_eq!(
        out.status.code(),
        Some(code),
        "unexpected exit status {}",
        show(out)
    );
}

/// Asserts the exit code and that stderr says `needle`.
#[track_caller]
pub fn assert_exit_and_stderr(out: &Output, code: i32, needle: &str) {
    assert_code(out, code);
    assert!(stderr(out).contains(needle), "{}", stderr(out));
}

/// Waits for `child` (stdout and stderr piped) at most `deadline`, reading
/// both streams meanwhile so a full pipe never stalls it; on the deadline
/// the child is killed and `Err` says so. A regression that hangs (a
/// blocking open, an endless walk) fails the test instead of hanging it.
pub fn wait_with_deadline(
    mut child: std::process::Child,
    deadline: std::time::Duration,
) -> Result<Output, String> {
    use wait_timeout::ChildExt as _;
    fn read_all(stream: Option<impl std::io::Read>) -> Vec<u8> {
        let mut buf = Vec::new();
        if let Some(mut s) = stream {
            let _ = s.read_to_end(&mut buf);
        }
        buf
    }
    let stdout = child.stdout.take();
    let stderr = child.stderr.take();
    let out_reader = std::thread::spawn(move || read_all(stdout));
    let err_reader = std::thread::spawn(move || read_all(stderr));
    let status = match child.wait_timeout(deadline) {
        Ok(Some(status)) => status,
        Ok(None) => {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("no answer within {deadline:?}"));
        }
        Err(e) => return Err(e.to_string()),
    };
    Ok(Output {
        status,
        stdout: out_reader.join().unwrap_or_default(),
        stderr: err_reader.join().unwrap_or_default(),
    })
}
