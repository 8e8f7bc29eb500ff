//! The rewrites, on the texts pip and venv write.

use std::path::Path;

use super::*;

const BIN: &str = "/p/.penv/new-.venv/bin";

#[test]
fn a_plain_shebang_becomes_the_trampoline_and_keeps_the_body() {
    let script = format!("#!{BIN}/python\n# -*- coding: utf-8 -*-\nimport sys\n");
    let out = relocated_script(script.as_bytes(), Path::new(BIN)).unwrap();
    assert_eq!(
        String::from_utf8(out).unwrap(),
        "#!/bin/sh\n'''exec' \"$(dirname -- \"$(realpath -- \"$0\")\")\"/'python' \"$0\" \"$@\"\n' '''\n# -*- coding: utf-8 -*-\nimport sys\n"
    );
}

#[test]
fn pips_sh_trampoline_quoted_or_not_and_arguments_are_kept() {
    for exec in [
        format!("\"{BIN}/python3.12\" -u"),
        format!("{BIN}/python3.12 -u"),
    ] {
        let script = format!("#!/bin/sh\n'''exec' {exec} \"$0\" \"$@\"\n' '''\nimport sys\n");
        let out = String::from_utf8(relocated_script(script.as_bytes(), Path::new(BIN)).unwrap())
            .unwrap();
        assert!(
            out.starts_with(&format!(
                "{TRAMPOLINE_HEAD}'python3.12' -u \"$0\" \"$@\"\n' '''\nimport sys\n"
            )),
            "{out}"
        );
    }
}

#[test]
fn scripts_of_other_interpreters_or_elsewhere_are_left() {
    for script in [
        "#!/usr/bin/env python3\nprint()\n".to_owned(),
        "#!/usr/bin/python3\nprint()\n".to_owned(),
        format!("#!{BIN}/node\nconsole.log()\n"),
        format!("#!{BIN}-other/python\n"),
        "not a script".to_owned(),
    ] {
        assert_eq!(
            relocated_script(script.as_bytes(), Path::new(BIN)),
            None,
            "{script}"
        );
    }
}

/// What CPython 3.8 and 3.13 write (the parts that matter).
const ACTIVATE_38: &str = "deactivate () {\n    unset VIRTUAL_ENV\n}\n\n# unset irrelevant variables\ndeactivate nondestructive\n\nVIRTUAL_ENV=\"/b/.venv\"\nexport VIRTUAL_ENV\n\nPATH=\"$VIRTUAL_ENV/bin:$PATH\"\n";
const ACTIVATE_313: &str = "deactivate nondestructive\n\ncase \"$(uname)\" in\n    CYGWIN*)\n        VIRTUAL_ENV=$(cygpath \"/b/.venv\")\n        export VIRTUAL_ENV\n        ;;\n    *)\n        export VIRTUAL_ENV=/b/.venv\n        ;;\nesac\n";

#[test]
fn activate_finds_the_env_from_its_own_path_with_the_home_as_fallback() {
    let needles = [PathBuf::from("/b/.venv")];
    for text in [ACTIVATE_38, &format!("x\n{ACTIVATE_313}")] {
        let out = activate_sh(text, &needles, Path::new("/home/me/.venv")).unwrap();
        assert!(!out.contains("/b/.venv"), "{out}");
        assert!(out.contains("${BASH_SOURCE:-$0}"), "{out}");
        assert!(out.contains("    _penv_venv='/home/me/.venv'\n"), "{out}");
        assert!(out.contains("\"$_penv_venv\""), "{out}");
        // Idempotent; and a move points the fallback elsewhere.
        assert_eq!(
            activate_sh(&out, &needles, Path::new("/home/me/.venv")).unwrap(),
            out
        );
        let moved = repoint_sh_fallback(
            &out,
            &[PathBuf::from("/home/me/.venv")],
            Path::new("/new/.venv"),
        );
        assert!(
            moved.contains("    _penv_venv='/new/.venv'\n") && !moved.contains("/home/me"),
            "{moved}"
        );
    }
    assert_eq!(
        activate_sh("no anchor here", &needles, Path::new("/x")),
        None
    );
}

#[test]
fn fish_and_csh() {
    let needles = [PathBuf::from("/b/.venv")];
    let fish = activate_fish("a\nset -gx VIRTUAL_ENV \"/b/.venv\"\nb\n", &needles).unwrap();
    assert!(
        fish.contains("(status filename)") && !fish.contains("/b/.venv"),
        "{fish}"
    );
    assert_eq!(activate_fish(&fish, &needles).unwrap(), fish);
    let csh = point_csh(
        "setenv VIRTUAL_ENV \"/b/.venv\"\n",
        &needles,
        Path::new("/c/.venv"),
    );
    assert_eq!(csh, "setenv VIRTUAL_ENV \"/c/.venv\"\n");
}

#[test]
fn an_env_with_an_editable_install_inside_it_is_not_relocatable() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("new");
    let site = dir.join("lib/python3.12/site-packages");
    std::fs::create_dir_all(&site).unwrap();
    std::fs::create_dir_all(dir.join("bin")).unwrap();
    std::fs::write(
        dir.join("bin/tool"),
        format!("#!{}/bin/python\nimport tool\n", dir.display()),
    )
    .unwrap();
    std::fs::write(
        dir.join("pyvenv.cfg"),
        format!(
            "home = /usr/bin\ncommand = /usr/bin/python3 -m venv {}\n",
            dir.display()
        ),
    )
    .unwrap();
    let home = tmp.path().join(".venv");
    let done = relocate(&dir, &home).unwrap();
    assert!(done.relocatable(), "{done:?}");
    assert_eq!(done.rewritten, 1);
    let cfg = std::fs::read_to_string(dir.join("pyvenv.cfg")).unwrap();
    assert!(
        cfg.ends_with(&format!("venv {}\n", home.display())),
        "{cfg}"
    );
    std::fs::write(
        site.join("__editable__.pkg-1.0.pth"),
        format!("{}/src/pkg\n", dir.display()),
    )
    .unwrap();
    let done = relocate(&dir, &home).unwrap();
    assert_eq!(done.rewritten, 0);
    assert_eq!(done.blockers.len(), 1, "{done:?}");
    assert!(
        done.blockers[0].contains("__editable__.pkg-1.0.pth"),
        "{done:?}"
    );
}

#[test]
fn a_compiled_executable_in_bin_is_not_read_and_does_not_bind_the_env() {
    let dir = tempfile::tempdir().unwrap();
    let env = dir.path().join(".venv");
    std::fs::create_dir_all(env.join("bin")).unwrap();
    // An ELF header, then the env's path: a wheel's binary cannot hold it,
    // so penv does not look.
    let mut elf = b"\x7fELF\x02\x01\x01".to_vec();
    elf.extend_from_slice(env.join("bin/python").as_os_str().as_encoded_bytes());
    std::fs::write(env.join("bin/tool"), &elf).unwrap();
    // The same bytes without the header: a file that names the env.
    std::fs::write(env.join("bin/data"), &elf[4..]).unwrap();
    let relocation = relocate(&env, &env).unwrap();
    assert_eq!(std::fs::read(env.join("bin/tool")).unwrap(), elf);
    assert_eq!(relocation.blockers.len(), 1, "{:?}", relocation.blockers);
    assert!(
        relocation.blockers[0].contains("bin/data"),
        "{:?}",
        relocation.blockers
    );
}
