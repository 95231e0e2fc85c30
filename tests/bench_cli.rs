//! End-to-end test of `asal bench`: a short run of one case prints its ratios to the original and
//! writes them as JSON; a filter that matches nothing is an error naming the valid cases.

#![allow(clippy::unwrap_used, reason = "a test fails loudly on any error")]

use std::process::{Command, Output};

fn asal(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_asal"))
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn bench_prints_and_writes_ratios_to_the_original() {
    let dir = std::env::temp_dir().join(format!("asal-bench-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let json = dir.join("bench.json");
    // A tiny budget: each case still runs one warm-up and one timed chunk, enough for the
    // figures to exist (their size is what `docs/PERFORMANCE.md` reports, not checked here).
    let out = asal(&[
        "bench",
        "--seconds",
        "0.05",
        "--only",
        "boids ×16",
        "--json",
        json.to_str().unwrap(),
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "stdout: {stdout}\nstderr: {stderr}");
    assert!(stdout.starts_with("asal "), "header: {stdout}");
    let row = stdout
        .lines()
        .find(|l| l.starts_with("boids ×16"))
        .unwrap_or_else(|| panic!("no boids ×16 row: {stdout}"));
    assert_eq!(row.matches('×').count(), 3, "two ratios in {row}");
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert!(!doc["adapter"].as_str().unwrap().is_empty());
    let results = doc["results"].as_array().unwrap();
    assert_eq!(results.len(), 1, "{doc}");
    for key in [
        "steps_per_s",
        "ratio_to_original",
        "render_ms",
        "render_ratio_to_original",
    ] {
        let v = results[0][key].as_f64().unwrap_or(f64::NAN);
        assert!(v.is_finite() && v > 0.0, "{key}: {v}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn bench_filter_matching_nothing_is_an_error() {
    let out = asal(&["bench", "--seconds", "0.05", "--only", "lenai"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(
        stderr.contains("lenai") && stderr.contains("boids ×16") && stderr.contains("probe"),
        "{stderr}"
    );
}
