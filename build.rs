//! Bundles every file of `checks/` and `report-templates/` into the binary, so a rule or a template added as a file
//! needs no code change to ship.

use std::fmt::Write;
use std::path::Path;

fn main() {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out_dir = std::env::var("OUT_DIR").unwrap();
    for (folder, extensions, output, constant) in [
        ("checks", &["toml"][..], "bundled_checks.rs", "BUNDLED"),
        (
            "report-templates",
            &["hbs", "toml", "css"][..],
            "bundled_templates.rs",
            "BUNDLED_TEMPLATES",
        ),
    ] {
        let root = manifest.join(folder);
        println!("cargo:rerun-if-changed={}", root.display());
        let mut files = Vec::new();
        collect(&root, &root, extensions, &mut files);
        files.sort();
        let mut code = format!(
            "/// (path relative to `{folder}/`, contents) of every bundled file.\npub const {constant}: &[(&str, &str)] = &[\n"
        );
        for (relative, absolute) in &files {
            println!("cargo:rerun-if-changed={absolute}");
            writeln!(code, "    ({relative:?}, include_str!({absolute:?})),").unwrap();
        }
        code.push_str("];\n");
        std::fs::write(Path::new(&out_dir).join(output), code).unwrap();
    }
}

fn collect(root: &Path, dir: &Path, extensions: &[&str], out: &mut Vec<(String, String)>) {
    println!("cargo:rerun-if-changed={}", dir.display());
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            collect(root, &path, extensions, out);
        } else if path
            .extension()
            .is_some_and(|e| extensions.iter().any(|x| e == *x))
        {
            let relative = path
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            out.push((relative, path.display().to_string()));
        }
    }
}
