//! `just bench`: penv side by side with `python -m venv` + `python -m pip` and uv.
fn main() {}
