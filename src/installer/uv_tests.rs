use super::*;

fn strings(args: &[&str]) -> Vec<String> {
    args.iter().map(|a| (*a).to_owned()).collect()
}

#[test]
fn pips_install_becomes_uvs_aimed_at_the_env() {
    let pip = strings(&[
        "install",
        "--disable-pip-version-check",
        "--no-input",
        "--index-url",
        "https://i/simple",
        "--extra-index-url",
        "https://x/simple",
        "--no-compile",
        "--no-deps",
        "--require-hashes",
        "-r",
        "/p/.penv/.venv.pylock.txt",
    ]);
    let refresh = ["flpkg".to_owned()];
    let uv = uv_args(
        &pip,
        Path::new("/p/.venv/bin/python"),
        LinkMode::Copy,
        &refresh,
    );
    assert_eq!(
        uv,
        strings(&[
            "pip",
            "install",
            "--python",
            "/p/.venv/bin/python",
            "--no-config",
            "--link-mode",
            "copy",
            "--index-strategy",
            "unsafe-best-match",
            "--reinstall-package",
            "flpkg",
            "--index-url",
            "https://i/simple",
            "--extra-index-url",
            "https://x/simple",
            "--no-deps",
            "--require-hashes",
            "-r",
            "/p/.penv/.venv.pylock.txt",
        ])
    );
}

#[test]
fn local_files_name_their_distribution() {
    assert_eq!(
        dist_of_file("Fl_Pkg-1.0-py3-none-any.whl").as_deref(),
        Some("fl-pkg")
    );
    assert_eq!(
        dist_of_file("/w/my-pkg-2.0.tar.gz").as_deref(),
        Some("my-pkg")
    );
    assert_eq!(dist_of_file("notes.txt"), None);
}

#[test]
fn compile_and_uninstall_translate() {
    let uv = uv_args(
        &strings(&["install", "--compile", "-e", "/p"]),
        Path::new("/e/bin/python"),
        LinkMode::Hardlink,
        &[],
    );
    assert!(uv.contains(&"--compile-bytecode".to_owned()), "{uv:?}");
    assert!(uv.windows(2).any(|w| w == ["--link-mode", "hardlink"]));
    // Always pip's strategy, extra index or not.
    assert!(
        uv.windows(2)
            .any(|w| w == ["--index-strategy", "unsafe-best-match"])
    );
    let uv = uv_args(
        &strings(&["uninstall", "--yes", "--disable-pip-version-check", "six"]),
        Path::new("/e/bin/python"),
        LinkMode::Auto,
        &["six".to_owned()],
    );
    assert_eq!(
        uv,
        strings(&[
            "pip",
            "uninstall",
            "--python",
            "/e/bin/python",
            "--no-config",
            "six"
        ])
    );
}

#[test]
fn pips_install_becomes_a_compile_of_an_input_file() {
    let pip = strings(&[
        "install",
        "--disable-pip-version-check",
        "--no-input",
        "--extra-index-url",
        "https://x/simple",
        "--no-compile",
        "--pre",
        "-rprod.txt",
        "-e",
        "/p[async]",
        "requests>=2",
        "--constraint=c.txt",
        "-r",
        "/p/requirements.txt",
        "-c",
        "/p/.penv/lock-.venv/penv-constraints.txt",
    ]);
    let (args, text) = compile_args(
        &pip,
        Path::new("/p"),
        Path::new("/py/bin/python3"),
        (Path::new("/s/in.txt"), Path::new("/s/pylock.toml")),
    );
    assert_eq!(
        args,
        strings(&[
            "pip",
            "compile",
            "--python",
            "/py/bin/python3",
            "--no-config",
            "--format",
            "pylock.toml",
            "--no-header",
            "--quiet",
            "--output-file",
            "/s/pylock.toml",
            "--index-strategy",
            "unsafe-best-match",
            "--extra-index-url",
            "https://x/simple",
            "--pre",
            "/s/in.txt",
        ])
    );
    let lines: Vec<&str> = text.lines().skip(1).collect();
    assert_eq!(
        lines,
        [
            "-r /p/prod.txt",
            "-c /p/c.txt",
            "-r /p/requirements.txt",
            "-c /p/.penv/lock-.venv/penv-constraints.txt",
            "-e /p[async]",
            "requests>=2",
        ]
    );
}
