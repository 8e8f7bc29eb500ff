//! What changed in the venv options (`[venv]`) between two specs.

use crate::spec::VenvSpec;

/// The reasons the venv options `o` and `n` differ, one short line each.
pub(super) fn venv_diff(out: &mut Vec<String>, o: &VenvSpec, n: &VenvSpec) {
    if o.system_site_packages != n.system_site_packages {
        out.push(format!(
            "system-site-packages {} → {}",
            o.system_site_packages, n.system_site_packages
        ));
    }
    if o.pip != n.pip {
        out.push(format!("venv pip {} → {}", o.pip, n.pip));
    }
    if o.installer != n.installer {
        out.push(format!(
            "installer {} → {}",
            o.installer.name(),
            n.installer.name()
        ));
    }
    if o.pip && n.pip && o.pip_version != n.pip_version {
        let shown = |v: &Option<String>| v.clone().unwrap_or_else(|| "(any)".to_owned());
        out.push(format!(
            "pip-version {} → {}",
            shown(&o.pip_version),
            shown(&n.pip_version)
        ));
    }
    if o.prompt != n.prompt {
        let shown = |p: &Option<String>| {
            p.as_ref()
                .map_or_else(|| "(the env's name)".to_owned(), |p| format!("\"{p}\""))
        };
        out.push(format!(
            "prompt {} → {}",
            shown(&o.prompt),
            shown(&n.prompt)
        ));
    }
}
