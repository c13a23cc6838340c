//! Collects the web assets into `OUT_DIR/assets.rs`, so the binary carries them all.
//!
//! Our own files come from `assets/` at the repository root. Third-party files come from
//! `node_modules/`, installed by `npm ci` from the pinned `package-lock.json` (integrity hashes
//! checked by npm); if `node_modules` is missing, this script runs `npm ci` itself.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Third-party files embedded, as (path under node_modules, path served under /assets/vendor/).
const VENDOR: &[(&str, &str)] = &[
    ("htmx.org/dist/htmx.min.js", "htmx.min.js"),
    ("swagger-ui-dist/swagger-ui-bundle.js", "swagger-ui-bundle.js"),
    ("swagger-ui-dist/swagger-ui.css", "swagger-ui.css"),
    ("echarts/dist/echarts.min.js", "echarts.min.js"),
];

fn main() {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));
    let root = manifest.join("../..").canonicalize().expect("repository root");
    let node_modules = root.join("node_modules");
    println!("cargo:rerun-if-changed={}", root.join("package-lock.json").display());
    println!("cargo:rerun-if-changed={}", root.join("assets").display());
    println!("cargo:rerun-if-changed={}", root.join("locales").display());
    // Worktrees sharing one CARGO_TARGET_DIR get the same hash for this script's output (cargo
    // hashes path packages relative to the workspace), so a run from another checkout, whose
    // files above did not change, would look fresh and embed that checkout's assets. The
    // directory cargo runs in tells the checkouts apart.
    println!("cargo:rerun-if-env-changed=PWD");

    if VENDOR.iter().any(|(src, _)| !node_modules.join(src).exists()) {
        let status = Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(&root)
            .status()
            .expect("node_modules is missing and npm could not be run: install Node.js and npm, then run `npm ci`");
        assert!(status.success(), "`npm ci` failed: run it by hand at the repository root to see why");
    }

    let mut files: Vec<(String, PathBuf)> = Vec::new();
    for (src, served) in VENDOR {
        let p = node_modules.join(src);
        println!("cargo:rerun-if-changed={}", p.display());
        files.push((format!("vendor/{served}"), p));
    }
    collect(&root.join("assets"), &root.join("assets"), &mut files);
    files.sort();

    let mut out = String::from(
        "/// (path under /assets/, contents) of every embedded asset.\npub static ASSETS: &[(&str, &[u8])] = &[\n",
    );
    for (path, file) in &files {
        writeln!(out, "    ({path:?}, include_bytes!({:?})),", file.display().to_string()).expect("write");
    }
    out.push_str("];\n");
    let dest = Path::new(&std::env::var("OUT_DIR").expect("OUT_DIR")).join("assets.rs");
    std::fs::write(dest, out).expect("write assets.rs");
}

fn collect(base: &Path, dir: &Path, out: &mut Vec<(String, PathBuf)>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            if p.file_name().is_some_and(|n| n == "vendor") {
                continue;
            }
            collect(base, &p, out);
        } else {
            let rel = p.strip_prefix(base).expect("under base").to_string_lossy().replace('\\', "/");
            println!("cargo:rerun-if-changed={}", p.display());
            out.push((rel, p));
        }
    }
}
