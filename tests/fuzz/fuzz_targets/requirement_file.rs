//! The requirement-file reader on arbitrary bytes: logical lines, include
//! detection, and the whole read (includes resolved in a temp dir, which
//! holds a second file to include) must never panic, and errors must render.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        for (number, line) in penv::spec::reqfile::logical_lines(text) {
            assert!(number >= 1);
            let _ = penv::spec::reqfile::include_target(&line);
        }
    }
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("base.txt"), "six\n-r requirements.txt\n").expect("write");
    let top = dir.path().join("requirements.txt");
    std::fs::write(&top, data).expect("write");
    if let Err(err) = penv::spec::reqfile::read_all(&[(top, None)]) {
        let rendered = penv::diagnostics::render(&penv::Error::from(penv::spec::SpecError::from(err)));
        assert!(rendered.starts_with("error: "), "{rendered}");
    }
});
