//! End to end: `asal search` killed with SIGKILL mid-run and resumed reaches exactly what an
//! uninterrupted run reaches; replayed creatures show the frames the search saw; bad input is
//! refused without touching the run directory.
#![allow(clippy::unwrap_used, reason = "tests")]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

const GENERATIONS: usize = 24;

/// A tiny Life-like sweep: 24 generations of 2 rules on 32×32 soups, checkpoint every 2.
fn tiny_config(dir: &Path) -> PathBuf {
    let path = dir.join("tiny.toml");
    std::fs::write(
        &path,
        r#"
[substrate]
name = "gol"
size = 32

[rollout]
steps = 12
frames = 4
sampling = "chunk_starts"
frame_size = 32

[model]
name = "pixels"

[objective]
kind = "open_endedness"

[optimiser]
kind = "sweep"
popsize = 2
rule_range = [6140, 6188]

[run]
seed = 7
rollouts_per_candidate = 2
checkpoint_every = 2
keep_best = 3
"#,
    )
    .unwrap();
    path
}

fn asal(args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_asal"));
    c.args(args).env("RUST_LOG", "warn");
    c
}

fn run_ok(args: &[&str]) -> Output {
    let out = asal(args).output().unwrap();
    assert!(
        out.status.success(),
        "asal {args:?} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn run_err(args: &[&str]) -> String {
    let out = asal(args).output().unwrap();
    assert!(!out.status.success(), "asal {args:?} should fail");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn log_lines(run: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(run.join("log.jsonl"))
        .unwrap_or_default()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let mut v: serde_json::Value = serde_json::from_str(l).unwrap();
            // Timings differ between runs; everything else must not.
            for k in ["seconds", "genomes_per_s", "frames_per_s"] {
                v.as_object_mut().unwrap().remove(k);
            }
            v
        })
        .collect()
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn killed_and_resumed_equals_uninterrupted() {
    let tmp = tempfile::tempdir().unwrap();
    let config = tiny_config(tmp.path());
    let full = tmp.path().join("full");
    let resumed = tmp.path().join("resumed");
    let c = s(&config);

    run_ok(&["search", c, "--out", s(&full), "--clips", "1"]);
    assert_eq!(log_lines(&full).len(), GENERATIONS);

    // Start the same run, SIGKILL it once a few generations are logged, then resume.
    let mut child = asal(&["search", c, "--out", s(&resumed), "--clips", "0"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while log_lines(&resumed).len() < 5 {
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "no progress before the kill"
        );
        if child.try_wait().unwrap().is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    child.kill().unwrap(); // SIGKILL: no handler runs, nothing is flushed on purpose.
    child.wait().unwrap();
    let at_kill = log_lines(&resumed).len();
    assert!(
        at_kill < GENERATIONS,
        "the run finished before it could be killed ({at_kill} generations); make it longer"
    );
    assert!(resumed.join("checkpoint/state.json").is_file());

    // Without --resume or --force the run directory is refused and left alone.
    let before = std::fs::read(resumed.join("log.jsonl")).unwrap();
    let err = run_err(&["search", c, "--out", s(&resumed)]);
    assert!(err.contains("--resume") && err.contains("--force"), "{err}");
    assert_eq!(std::fs::read(resumed.join("log.jsonl")).unwrap(), before);

    run_ok(&[
        "search",
        c,
        "--out",
        s(&resumed),
        "--resume",
        "--clips",
        "0",
    ]);

    assert_eq!(log_lines(&resumed), log_lines(&full));
    for file in [
        "ranked.tsv",
        "checkpoint/state.json",
        "creatures/best-000.json",
        "creatures/best-002.json",
        "config.toml",
    ] {
        assert_eq!(
            std::fs::read_to_string(resumed.join(file)).unwrap(),
            std::fs::read_to_string(full.join(file)).unwrap(),
            "{file} differs between the resumed and the uninterrupted run"
        );
    }
    // Every swept rule's embedding (written before each checkpoint, cut back on resume).
    assert_eq!(
        std::fs::read(resumed.join("population.safetensors")).unwrap(),
        std::fs::read(full.join("population.safetensors")).unwrap(),
        "population.safetensors differs between the resumed and the uninterrupted run"
    );
    let ranked = std::fs::read_to_string(full.join("ranked.tsv")).unwrap();
    assert_eq!(ranked.lines().count(), 1 + 48);
    assert!(ranked.lines().nth(1).unwrap().contains("/S"), "{ranked}");
    assert!(full.join("clips/best-000/clip.gif").is_file());

    // The best creature replays to exactly the frames the search scored.
    let out = run_ok(&[
        "replay",
        s(&full.join("creatures/best-000.json")),
        "--out",
        s(&tmp.path().join("replay")),
        "--verify",
    ]);
    let text = String::from_utf8_lossy(&out.stdout);
    let creature: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(full.join("creatures/best-000.json")).unwrap(),
    )
    .unwrap();
    let k = creature["frames"]["sha256"].as_array().unwrap().len();
    assert!(k >= 8, "both parities: {k} frames");
    assert!(
        text.contains(&format!("identical to the search's: {k}/{k}")),
        "{text}"
    );
    assert!(tmp.path().join("replay/clip.webp").is_file());

    // SIGINT mid-run: the handler checkpoints and exits with 130; resuming still matches.
    let interrupted = tmp.path().join("interrupted");
    let mut child = asal(&["search", c, "--out", s(&interrupted), "--clips", "0"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while log_lines(&interrupted).len() < 3 && child.try_wait().unwrap().is_none() {
        assert!(start.elapsed() < Duration::from_secs(120));
        std::thread::sleep(Duration::from_millis(2));
    }
    let pid = child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-INT", &pid])
            .status()
            .unwrap()
            .success()
    );
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{err}");
    assert!(err.contains("--resume"), "{err}");
    assert!(log_lines(&interrupted).len() < GENERATIONS);
    run_ok(&[
        "search",
        c,
        "--out",
        s(&interrupted),
        "--resume",
        "--clips",
        "0",
    ]);
    assert_eq!(log_lines(&interrupted), log_lines(&full));
    assert_eq!(
        std::fs::read_to_string(interrupted.join("ranked.tsv")).unwrap(),
        std::fs::read_to_string(full.join("ranked.tsv")).unwrap()
    );
    assert_eq!(
        std::fs::read(interrupted.join("population.safetensors")).unwrap(),
        std::fs::read(full.join("population.safetensors")).unwrap()
    );

    // A creature whose genome has the wrong length is refused by replay, naming the genome.
    let mut bad: serde_json::Value = creature.clone();
    bad["genome"] = serde_json::json!([6152.0, 1.0]);
    let bad_path = tmp.path().join("bad-creature.json");
    std::fs::write(&bad_path, bad.to_string()).unwrap();
    let err = run_err(&["replay", s(&bad_path), "--out", s(&tmp.path().join("r2"))]);
    assert!(err.contains("genome"), "{err}");

    // A corrupt checkpoint is a clear error and changes nothing.
    let cp = resumed.join("checkpoint/state.json");
    std::fs::write(&cp, b"{\"format_version\": 2, \"gen").unwrap();
    let log_before = std::fs::read(resumed.join("log.jsonl")).unwrap();
    let err = run_err(&["search", c, "--out", s(&resumed), "--resume"]);
    assert!(err.contains("corrupt checkpoint"), "{err}");
    assert_eq!(
        std::fs::read(&cp).unwrap(),
        b"{\"format_version\": 2, \"gen"
    );
    assert_eq!(
        std::fs::read(resumed.join("log.jsonl")).unwrap(),
        log_before
    );
}

#[test]
fn dry_run_and_bad_input() {
    let tmp = tempfile::tempdir().unwrap();
    let config = tiny_config(tmp.path());
    let out = run_ok(&[
        "search",
        s(&config),
        "--dry-run",
        "--out",
        s(&tmp.path().join("x")),
    ]);
    let text = String::from_utf8_lossy(&out.stdout);
    // 48 rules × 2 soups × 12 steps; 8 frames per rollout with both parities.
    assert!(text.contains("rollouts:     96"), "{text}");
    assert!(text.contains("steps:        1152"), "{text}");
    assert!(text.contains("frames:       768"), "{text}");
    assert!(
        text.contains("both_parities") || text.contains("both parities"),
        "{text}"
    );
    assert!(!tmp.path().join("x").exists(), "a dry run writes nothing");

    let edit = |from: &str, to: &str| {
        let p = tmp.path().join("bad.toml");
        let text = std::fs::read_to_string(&config).unwrap().replace(from, to);
        assert_ne!(text, std::fs::read_to_string(&config).unwrap());
        std::fs::write(&p, text).unwrap();
        p
    };
    let prompt = edit(
        "kind = \"open_endedness\"",
        "kind = \"target\"\nprompts = [\"a glider\"]",
    );
    let err = run_err(&["search", s(&prompt), "--out", s(&tmp.path().join("p"))]);
    assert!(
        err.contains("image-only") && err.contains("asal models pull clip-vit-b32"),
        "{err}"
    );
    let unknown = edit("name = \"gol\"", "name = \"flow_lenia_9000\"");
    let err = run_err(&["search", s(&unknown), "--dry-run"]);
    assert!(err.contains("unknown substrate"), "{err}");
    let field = edit("popsize = 2", "popsize = 2\npopsise = 3");
    let err = run_err(&["search", s(&field), "--dry-run"]);
    assert!(err.contains("popsise"), "{err}");
    let scale = run_err(&["search", s(&config), "--dry-run", "--scale", "2"]);
    assert!(scale.contains("--scale"), "{scale}");
}
