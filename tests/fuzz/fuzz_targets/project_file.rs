//! The project-file loader on arbitrary bytes, as `penv.toml` and as
//! `pyproject.toml`: it must return a project or an error, never panic, and
//! every error must render (file, line, column, snippet, hint).
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use penv::project::Project;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    for name in ["penv.toml", "pyproject.toml"] {
        if let Err(err) = Project::from_text(Path::new(name), &text) {
            let rendered = penv::diagnostics::render(&penv::Error::from(err));
            assert!(rendered.starts_with("error: "), "{rendered}");
        }
    }
});
