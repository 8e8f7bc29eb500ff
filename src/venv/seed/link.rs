//! Putting the chosen pip into an env: the prepared seed's pip hard-linked
//! in, and the `pip` console scripts written with this env's python.
//!
//! Invariant: nothing is written through the links (pip replaces files
//! rather than editing them), so the seed stays as it was made.

use std::path::Path;

use super::cache::Seed;
use super::sources::bundled_pip_wheel;
use crate::fs::{self, FsError};
use crate::platform;
use crate::python::interpreter::InterpreterInfo;
use crate::venv::create::{self, CreateError};

/// Seeds pip into `env`: links the prepared seed's pip into it, or, without
/// a cache, installs the chosen wheel directly.
pub(crate) fn seed_pip(info: &InterpreterInfo, env: &Path, seed: &Seed) -> Result<(), CreateError> {
    let Some(seed_dir) = &seed.dir else {
        let installer = bundled_pip_wheel(info).unwrap_or_else(|_| seed.wheel.clone());
        return create::install_wheel_into(&platform::env_python(env), &installer, &seed.wheel);
    };
    let from = platform::site_packages(seed_dir, &info.major_minor(), &info.implementation);
    let to = platform::site_packages(env, &info.major_minor(), &info.implementation);
    fs::create_dir_all(&to)?;
    let entries = std::fs::read_dir(&from).map_err(|e| FsError::new("list", &from, e))?;
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name == "pip" || (name.starts_with("pip-") && name.ends_with(".dist-info")) {
            link_tree(&entry.path(), &to.join(&*name))?;
        }
    }
    write_pip_scripts(env, &info.major_minor())
}

/// Hard-links (or copies) a directory tree; the seed is never written to
/// through these links, because pip replaces files rather than editing them.
fn link_tree(from: &Path, to: &Path) -> Result<(), CreateError> {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.map_err(|e| {
            let path = e.path().unwrap_or(from).to_owned();
            FsError::new("walk", path, e.into())
        })?;
        let rel = entry
            .path()
            .strip_prefix(from)
            .expect("walkdir stays under its root");
        let target = to.join(rel);
        if entry.file_type().is_dir() {
            fs::create_dir_all(&target)?;
        } else if entry.file_type().is_file() {
            // A hard link, else (across devices) a copy keeping the mtime
            // the prepared `.pyc` files were compiled against.
            if std::fs::hard_link(entry.path(), &target).is_err() {
                crate::venv::clone::copy(entry.path(), &target)?;
            }
        }
    }
    Ok(())
}

/// The first line(s) of a script run by `python`, as pip's installer
/// (distlib) writes them: `#!python` when the kernel can run that, else (a
/// path with a space, or longer than Linux's 127-byte shebang limit) a
/// `/bin/sh` line that `exec`s python on the script, which Python then reads
/// as a string literal.
fn shebang(python: &Path) -> String {
    let path = python.display().to_string();
    if !path.contains(' ') && path.len() + 3 <= 127 {
        format!("#!{path}\n")
    } else {
        format!("#!/bin/sh\n'''exec' \"{path}\" \"$0\" \"$@\"\n' '''\n")
    }
}

/// `bin/pip`, `bin/pip3`, `bin/pip3.X`: the console scripts pip's own
/// installer writes, with this env's python in the shebang.
fn write_pip_scripts(env: &Path, major_minor: &str) -> Result<(), CreateError> {
    let python = platform::env_python(env);
    let script = format!(
        "{}# -*- coding: utf-8 -*-\nimport re\nimport sys\nfrom pip._internal.cli.main import main\nif __name__ == '__main__':\n    sys.argv[0] = re.sub(r'(-script\\.pyw|\\.exe)?$', '', sys.argv[0])\n    sys.exit(main())\n",
        shebang(&python)
    );
    for name in [
        "pip".to_owned(),
        "pip3".to_owned(),
        format!("pip{major_minor}"),
    ] {
        let path = platform::env_bin(env, &name);
        fs::write_atomic(&path, script.as_bytes())?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755))
                .map_err(|e| FsError::new("make executable", &path, e))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::shebang;
    use std::path::Path;

    #[test]
    fn plain_paths_get_a_plain_shebang_others_the_sh_trampoline() {
        assert_eq!(
            shebang(Path::new("/p/.venv/bin/python")),
            "#!/p/.venv/bin/python\n"
        );
        let spaced = shebang(Path::new("/my proj/.venv/bin/python"));
        assert!(
            spaced.starts_with("#!/bin/sh\n'''exec' \"/my proj/.venv/bin/python\" \"$0\" \"$@\"\n")
        );
        let long = format!("/{}/bin/python", "d".repeat(130));
        assert!(shebang(Path::new(&long)).starts_with("#!/bin/sh\n"));
    }
}
