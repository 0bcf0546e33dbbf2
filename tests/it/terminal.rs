//! What a person sees: progress on a terminal (not when piped), colour rules,
//! completions, the man page, and the README's examples, which are executed
//! here so they cannot rot.

use crate::common;

use std::fs;
use std::process::Command as StdCommand;

use common::{auditsum, root};

/// A corpus big enough for several work units.
fn corpus(dir: &std::path::Path) -> std::path::PathBuf {
    let body: String = (0..60_000)
        .map(|i| format!("{{\"type\":\"run.state\",\"state\":\"start\",\"run_id\":\"r{i}\",\"channel\":\"c{}\",\"ts\":{i}}}\n", i % 5))
        .collect();
    let p = dir.join("big.jsonl");
    fs::write(&p, body).unwrap();
    p
}

/// Run the binary under a pseudo-terminal (tests/support/run_in_pty.py);
/// returns everything the terminal showed.
fn in_pty(args: &[&str], env: &[(&str, &str)]) -> String {
    let out = StdCommand::new("python3")
        .arg(root().join("tests/support/run_in_pty.py"))
        .arg(assert_cmd::cargo::cargo_bin("auditsum"))
        .args(args)
        .env_remove("NO_COLOR")
        .envs(env.iter().copied())
        .output()
        .expect("python3 drives the pseudo-terminal");
    common::assert_success(&out);
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn progress_shows_on_a_terminal_and_never_when_piped_or_quiet() {
    let dir = tempfile::tempdir().unwrap();
    let big = corpus(dir.path());
    let out = dir.path().join("o");
    let common = [
        big.to_str().unwrap(),
        "--progress-delay-ms",
        "0",
        "--chunk-bytes",
        "65536",
        "--out",
        out.to_str().unwrap(),
    ];
    let mut args = vec!["summarize"];
    args.extend_from_slice(&common);
    let tty = in_pty(&args, &[]);
    assert!(
        tty.contains("ETA") && tty.contains("files"),
        "no progress bar on a terminal:\n{tty}"
    );

    let mut quiet = args.clone();
    quiet.push("-q");
    assert!(
        !in_pty(&quiet, &[]).contains("ETA"),
        "--quiet must silence the bar"
    );

    let piped = auditsum().args(&args).output().unwrap();
    let stderr = String::from_utf8(piped.stderr).unwrap();
    assert!(
        !stderr.contains("ETA") && !stderr.contains('\u{1b}'),
        "{stderr}"
    );
}

#[test]
fn colour_follows_the_terminal_no_color_and_the_flag() {
    let esc = '\u{1b}';
    let on_tty = in_pty(&["summarize", "fixtures/spellings"], &[]);
    assert!(on_tty.contains(esc), "colour on a terminal");
    assert!(!in_pty(&["summarize", "fixtures/spellings"], &[("NO_COLOR", "1")]).contains(esc));
    assert!(!in_pty(
        &["--color", "never", "summarize", "fixtures/spellings"],
        &[]
    )
    .contains(esc));
    let forced = auditsum()
        .args(["summarize", "fixtures/spellings", "--color", "always"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&forced.stdout).contains(esc));
    assert!(
        String::from_utf8_lossy(&forced.stderr).contains(esc),
        "the warning is coloured too"
    );
    let piped = auditsum()
        .args(["summarize", "fixtures/spellings"])
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&piped.stdout).contains(esc));
    // artifacts never carry colour
    let json = auditsum()
        .args([
            "summarize",
            "fixtures/spellings",
            "--json",
            "--color",
            "always",
            "-q",
        ])
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&json.stdout).contains(esc));
}

#[test]
fn completions_and_man_pages() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let out = auditsum().args(["completions", shell]).output().unwrap();
        assert!(out.status.success(), "{shell}");
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(
            text.contains("summarize") && text.contains("--max-age"),
            "{shell}"
        );
    }
    let man = auditsum().arg("man").output().unwrap();
    let text = String::from_utf8(man.stdout).unwrap();
    assert!(text.contains(".TH auditsum 1") && text.contains("summarize"));
    let dir = tempfile::tempdir().unwrap();
    auditsum()
        .arg("man")
        .arg("--out")
        .arg(dir.path())
        .assert()
        .success();
    for page in [
        "auditsum.1",
        "auditsum-summarize.1",
        "auditsum-diff.1",
        "auditsum-completions.1",
        "auditsum-man.1",
    ] {
        let p = fs::read_to_string(dir.path().join(page)).unwrap();
        assert!(p.contains(".TH"), "{page}");
    }
    let v = auditsum().arg("--version").output().unwrap();
    assert!(String::from_utf8(v.stdout)
        .unwrap()
        .starts_with("auditsum "));
    for sub in ["summarize", "diff", "completions", "man"] {
        let long = auditsum().args([sub, "--help"]).output().unwrap();
        assert!(
            String::from_utf8(long.stdout)
                .unwrap()
                .contains("Examples:"),
            "{sub} --help has examples"
        );
        let short = auditsum().args([sub, "-h"]).output().unwrap();
        assert!(short.status.success());
    }
}

/// Every `$ …` line of every ```console block in README.md and docs/*.md
/// runs (in a scratch folder where `fixtures/` is the project's, `logs/` is
/// the messy sample, `base/` exists and HOME holds a salt file), and every
/// output line the docs show (except `…`) appears in what it printed.
/// Illustrative commands that cannot run as shown are in ```text blocks
/// (docs/development.md says so). A command needing a tool that is not
/// installed (`jq`, `man`) is reported and skipped.
#[test]
fn readme_and_docs_examples_run_as_shown() {
    let dir = tempfile::tempdir().unwrap();
    let link = |target: &str, name: &str| {
        std::os::unix::fs::symlink(root().join(target), dir.path().join(name)).unwrap()
    };
    link("fixtures", "fixtures");
    link("fixtures/messy-small", "logs");
    fs::create_dir_all(dir.path().join("base")).unwrap();
    let home = dir.path().join("home");
    fs::create_dir_all(home.join(".config/auditsum")).unwrap();
    fs::write(home.join(".config/auditsum/salt"), "docs-example-salt\n").unwrap();
    let bin_dir = assert_cmd::cargo::cargo_bin("auditsum")
        .parent()
        .unwrap()
        .to_path_buf();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let have = |tool: &str| {
        StdCommand::new("sh")
            .arg("-c")
            .arg(format!("command -v {tool}"))
            .output()
            .is_ok_and(|o| o.status.success())
    };
    let run = |doc: &str, cmd: &str, expected: &str| {
        for tool in ["jq", "man"] {
            if cmd.contains(&format!("| {tool} ")) && !have(tool) {
                eprintln!("{doc}: skipped `{cmd}`: {tool} is not installed");
                return;
            }
        }
        let out = StdCommand::new("sh")
            .arg("-c")
            .arg(cmd)
            .current_dir(dir.path())
            .env("PATH", &path)
            .env("HOME", &home)
            .env_remove("NO_COLOR")
            .env_remove("AUDITSUM_SALT")
            .output()
            .unwrap();
        // exit 2 only where the docs show the error it prints
        let shows_error = expected.contains("auditsum: error:");
        assert!(
            out.status
                .code()
                .is_some_and(|c| c <= 1 || (c == 2 && shows_error)),
            "{doc}: `{cmd}` failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let shown = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        for line in expected
            .lines()
            .filter(|l| !l.contains('…') && !l.trim().is_empty())
        {
            assert!(
                shown.contains(line.trim_end()),
                "{doc} shows `{line}` for `{cmd}`, but it printed:\n{shown}"
            );
        }
    };
    let mut docs = vec![root().join("README.md")];
    let mut more: Vec<_> = fs::read_dir(root().join("docs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    more.sort();
    docs.extend(more);
    let mut blocks = 0;
    for doc in &docs {
        let name = doc.strip_prefix(root()).unwrap().display().to_string();
        let text = fs::read_to_string(doc).unwrap();
        let mut in_block = false;
        let mut current: Option<(String, String)> = None; // (command, expected output)
        for line in text.lines() {
            if line.starts_with("```console") {
                in_block = true;
                blocks += 1;
                continue;
            }
            if in_block && line.starts_with("```") {
                in_block = false;
                if let Some((c, e)) = current.take() {
                    run(&name, &c, &e);
                }
                continue;
            }
            if !in_block {
                continue;
            }
            if let Some(cmd) = line.strip_prefix("$ ") {
                if let Some((c, e)) = current.take() {
                    run(&name, &c, &e);
                }
                current = Some((cmd.to_string(), String::new()));
            } else if let Some((_, e)) = current.as_mut() {
                e.push_str(line);
                e.push('\n');
            }
        }
    }
    assert!(
        blocks >= 8,
        "README and docs have console examples ({blocks})"
    );
}

/// The table fits the terminal it is printed on (issue 16: it was 96 columns
/// wide on an 80-column terminal), colour and all.
#[test]
fn the_table_fits_an_80_column_terminal() {
    let shown = in_pty(
        &["summarize", "fixtures/messy-small"],
        &[("PTY_COLS", "80"), ("COLUMNS", "")],
    );
    // drop colour sequences before measuring
    let mut plain = String::new();
    let mut chars = shown.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else if c != '\r' {
            plain.push(c);
        }
    }
    assert!(plain.contains("telegram"), "{plain}");
    // stderr shares the terminal; the terminal wraps its long lines itself
    let widest = plain
        .lines()
        .filter(|l| !l.starts_with("auditsum:"))
        .map(|l| l.chars().count())
        .max()
        .unwrap();
    assert!(widest <= 80, "{widest} columns:\n{plain}");
}
