//! One option grammar for every binary (docs/cli.md, "One grammar"), read off each
//! binary's `--help`: the shared short and long names, one word per concept, every closed
//! set listing its values, `-` as standard input, and the old spellings taken with a
//! deprecation line.

use std::process::Command;

/// Every binary, with whether it takes a genome and a model.
#[rustfmt::skip]
const TOOLS: &[(&str, &str, bool, bool)] = &[
    ("prepare-genome", env!("CARGO_BIN_EXE_prepare-genome"), true, false),
    ("plan-splits", env!("CARGO_BIN_EXE_plan-splits"), true, false),
    ("mask-repeats", env!("CARGO_BIN_EXE_mask-repeats"), true, false),
    ("make-windows", env!("CARGO_BIN_EXE_make-windows"), true, false),
    ("count-kmers", env!("CARGO_BIN_EXE_count-kmers"), true, false),
    ("index-genome", env!("CARGO_BIN_EXE_index-genome"), true, false),
    ("query-index", env!("CARGO_BIN_EXE_query-index"), true, true),
    ("find-copies", env!("CARGO_BIN_EXE_find-copies"), true, true),
    ("score-genome", env!("CARGO_BIN_EXE_score-genome"), true, true),
    ("merge-scores", env!("CARGO_BIN_EXE_merge-scores"), false, false),
    ("score-variants", env!("CARGO_BIN_EXE_score-variants"), true, true),
    ("explain-flanks", env!("CARGO_BIN_EXE_explain-flanks"), true, true),
    #[cfg(feature = "torch")]
    ("train-model", env!("CARGO_BIN_EXE_train-model"), true, false),
    #[cfg(feature = "torch")]
    ("embed-regions", env!("CARGO_BIN_EXE_embed-regions"), true, true),
];

/// Options whose values are a closed set: `--help` must list them.
const CLOSED: &[&str] = &[
    "--split",
    "--node",
    "--dtype",
    "--target",
    "--architecture",
    "--preset",
    "--output-type",
    "--chr-prefix",
    "--modes",
];

fn help(exe: &str) -> String {
    let out = Command::new(exe).arg("--help").output().unwrap();
    assert!(out.status.success(), "{exe} --help failed");
    String::from_utf8(out.stdout).unwrap()
}

/// The options of a `--help` text: each option's flags (`-o, --output <OUTPUT>`) and its
/// help, on the same line or the lines below (up to the next option).
fn options(help: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for line in help.lines() {
        let t = line.trim_start();
        let indent = line.len() - t.len();
        if (2..=6).contains(&indent) && t.starts_with('-') {
            let (flags, rest) = t.split_once("  ").unwrap_or((t, ""));
            out.push((flags.to_string(), rest.trim().to_string()));
        } else if let Some(last) = out.last_mut() {
            last.1.push(' ');
            last.1.push_str(t);
        }
    }
    out
}

/// The option whose flags hold `long`.
fn find<'a>(opts: &'a [(String, String)], long: &str) -> Option<&'a (String, String)> {
    opts.iter()
        .find(|(flags, _)| flags.split([' ', ',', '=']).any(|w| w == long))
}

#[test]
fn every_binary_speaks_the_same_options() {
    for &(name, exe, genome, model) in TOOLS {
        let text = help(exe);
        let opts = options(&text);
        let has = |short_long: &str| opts.iter().any(|(flags, _)| flags.starts_with(short_long));
        for shared in ["-t, --threads", "-q, --quiet", "-o, --output", "-h, --help"] {
            assert!(has(shared), "{name}: no `{shared}`\n{text}");
        }
        if genome {
            assert!(has("-g, --genome"), "{name}: no `-g, --genome`\n{text}");
            let (_, g) = find(&opts, "--genome").unwrap();
            assert!(g.contains("standard input"), "{name}: -g takes no `-`: {g}");
        }
        if model {
            assert!(has("-m, --model"), "{name}: no `-m, --model`\n{text}");
        }
        if let Some((_, r)) = find(&opts, "--regions") {
            assert!(
                r.contains("standard input"),
                "{name}: --regions takes no `-`: {r}"
            );
        }
        for old in ["--out-dir", "--out", "--outdir"] {
            assert!(
                find(&opts, old).is_none(),
                "{name}: the old spelling {old} is shown"
            );
        }
        for closed in CLOSED {
            if let Some((_, h)) = find(&opts, closed) {
                assert!(
                    h.contains("[possible values:") || h.contains("Possible values:"),
                    "{name}: {closed} does not list its values: {h}"
                );
            }
        }
        if let Some((_, d)) = find(&opts, "--device") {
            assert!(
                d.contains("auto") && d.contains("cuda:N"),
                "{name}: --device: {d}"
            );
        }
        if let Some((_, d)) = find(&opts, "--dtype") {
            for v in ["auto", "f32", "tf32", "bf16"] {
                assert!(d.contains(v), "{name}: --dtype does not list {v}: {d}");
            }
        }
        // one word, one meaning: --precision is the decimals kept in tracks
        if let Some((_, p)) = find(&opts, "--precision") {
            assert!(
                p.trim_start().starts_with("Decimals"),
                "{name}: --precision means {p}"
            );
        }
    }
}

#[test]
fn old_spellings_are_taken_with_a_deprecation_line() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_merge-scores"))
        .args(["--out-dir", "merged", "missing-folder"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("--out-dir is deprecated") && err.contains("use --output"),
        "{err}"
    );
    // parsed as --output: the run goes on to the missing input
    assert!(
        !out.status.success()
            && err.contains("missing-folder")
            && !err.contains("unexpected argument"),
        "{err}"
    );
}

#[test]
fn an_output_that_is_a_folder_refuses_standard_output() {
    let out = Command::new(env!("CARGO_BIN_EXE_merge-scores"))
        .args(["-o", "-", "a", "b"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && err.contains("standard output takes one stream"),
        "{err}"
    );
}

/// docs/cli-reference.md is every binary's `--help`, in pipeline order. After a change to the
/// options, rewrite it with `DNACTX_CLI_REFERENCE_WRITE=1 cargo test --features torch --test grammar`.
#[test]
fn the_cli_reference_is_every_help() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/cli-reference.md");
    let sections: Vec<String> = TOOLS
        .iter()
        .map(|(name, exe, _, _)| format!("## {name}\n\n```text\n{}```\n", help(exe)))
        .collect();
    if cfg!(feature = "torch") && std::env::var_os("DNACTX_CLI_REFERENCE_WRITE").is_some() {
        let head = "# CLI reference\n\n\
            Every binary's `--help`, generated (tests/grammar.rs keeps it equal to the binaries); \
            [cli.md](cli.md) explains each tool and its models.\n\n";
        std::fs::write(&path, format!("{head}{}", sections.join("\n"))).unwrap();
    }
    let doc = std::fs::read_to_string(&path).unwrap();
    for s in &sections {
        let name = s.lines().next().unwrap();
        assert!(
            doc.contains(s.as_str()),
            "{}: {name} differs from the binary's --help; rewrite it with \
             DNACTX_CLI_REFERENCE_WRITE=1 cargo test --features torch --test grammar",
            path.display()
        );
    }
    if cfg!(feature = "torch") {
        assert_eq!(
            doc.matches("\n## ").count(),
            sections.len(),
            "a binary too many"
        );
    }
}
