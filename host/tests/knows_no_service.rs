//! The host library is generic: outside the CLI (`src/cli/`, the S3 command line) its code names
//! no service endpoint, header or signing scheme, embeds no connector, and reads no field of a
//! connector's auth object — where a connector may connect comes from the policy or from the
//! connector's own declaration.

use std::path::{Path, PathBuf};

fn library_sources(dir: &Path, out: &mut Vec<(PathBuf, String)>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            if path.file_name().is_some_and(|name| name != "cli") {
                library_sources(&path, out);
            }
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            out.push((path.clone(), std::fs::read_to_string(&path).unwrap()));
        }
    }
}

#[test]
fn the_library_names_no_service_endpoint_and_reads_no_auth_field() {
    let mut sources = Vec::new();
    library_sources(&PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src"), &mut sources);
    assert!(sources.len() > 20, "found the library's sources");
    for (path, text) in &sources {
        let code = text.find("#[cfg(test)]").map_or(text.as_str(), |at| &text[..at]);
        // Code only: documentation may name examples.
        let code: String =
            code.lines().filter(|line| !line.trim_start().starts_with("//")).collect::<Vec<_>>().join("\n");
        for needle in [
            "amazonaws",
            "\"endpoint\"",
            ".get(\"endpoint\")",
            "AWS_S3",
            "S3_CONNECTOR",
            "x-amz",
            "AWS4",
            "s3-connector",
        ] {
            assert!(!code.contains(needle), "{} names {needle:?}", path.display());
        }
    }
}
