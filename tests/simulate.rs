//! End-to-end tests of `asal simulate`: files written for good input, a clear message and a
//! non-zero exit (never a panic) for each kind of bad input.

#![allow(clippy::unwrap_used, reason = "a test fails loudly on any error")]

use std::path::Path;
use std::process::{Command, Output};

fn asal(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_asal"))
        .args(args)
        .output()
        .unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The run failed with a message containing every `needle`, and did not panic.
fn fails_with(out: &Output, needles: &[&str]) {
    let err = stderr(out);
    assert!(
        !out.status.success(),
        "expected failure, got success; stderr: {err}"
    );
    assert!(!err.contains("panicked"), "panicked: {err}");
    for needle in needles {
        assert!(err.contains(needle), "stderr lacks `{needle}`: {err}");
    }
}

fn repo(path: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(path)
        .to_string_lossy()
        .into_owned()
}

#[test]
fn life_writes_png_gif_and_webp() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("life");
    let o = asal(&[
        "simulate",
        "--substrate",
        "life",
        "--rule",
        "B3/S23",
        "--steps",
        "16",
        "--frames",
        "5",
        "--frame-size",
        "64",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(std::fs::read_dir(out.join("frames")).unwrap().count(), 5);
    let gif = std::fs::read(out.join("clip.gif")).unwrap();
    assert_eq!(&gif[..6], b"GIF89a");
    let webp = std::fs::read(out.join("clip.webp")).unwrap();
    assert_eq!((&webp[..4], &webp[8..12]), (&b"RIFF"[..], &b"WEBP"[..]));
    let png = image::open(out.join("frames/frame_00004.png")).unwrap();
    assert_eq!((png.width(), png.height()), (64, 64));
    // Same seed, same bytes: clips are deterministic.
    let again = dir.path().join("again");
    let o = asal(&[
        "simulate",
        "--substrate",
        "life",
        "--rule",
        "6152",
        "--steps",
        "16",
        "--frames",
        "5",
        "--frame-size",
        "64",
        "--out",
        again.to_str().unwrap(),
    ]);
    assert!(o.status.success());
    assert_eq!(std::fs::read(again.join("clip.webp")).unwrap(), webp);
}

#[test]
fn dumped_states_replay_through_init_state() {
    // Dump states 0 and 8, restart from state 8 as the new state0 and run 8 more steps: the
    // result equals a straight 16-step run's state 16.
    let dir = tempfile::tempdir().unwrap();
    let first = dir.path().join("first.safetensors");
    let o = asal(&[
        "simulate",
        "-s",
        "gol",
        "--steps",
        "16",
        "--dump-states",
        "0,8,16",
        "--out",
        first.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let file = asal_substrates::tensors::TensorFile::read(&first).unwrap();
    let mut tensors = std::collections::BTreeMap::new();
    tensors.insert(
        "state0.grid".to_string(),
        file.get("state8.grid").unwrap().clone(),
    );
    let restart = dir.path().join("restart.safetensors");
    asal_substrates::tensors::write_tensors(&restart, &tensors).unwrap();
    let second = dir.path().join("second.safetensors");
    let o = asal(&[
        "simulate",
        "-s",
        "gol",
        "--init-state",
        restart.to_str().unwrap(),
        "--steps",
        "8",
        "--dump-states",
        "8",
        "--out",
        second.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let replayed = asal_substrates::tensors::TensorFile::read(&second).unwrap();
    assert_eq!(
        replayed.get("state8.grid").unwrap(),
        file.get("state16.grid").unwrap()
    );
}

#[test]
fn bad_inputs_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("x");
    let out = out.to_str().unwrap();
    fails_with(
        &asal(&["simulate", "--substrate", "flow-lenia", "--out", out]),
        &["unknown substrate", "gol"],
    );
    fails_with(
        &asal(&["simulate", "-s", "gol", "--rule", "B9/S23", "--out", out]),
        &["rule", "B3/S23"],
    );
    fails_with(
        &asal(&["simulate", "-s", "gol", "--rule", "300000", "--out", out]),
        &["262144"],
    );
    fails_with(
        &asal(&["simulate", "-s", "gol", "--size", "100", "--out", out]),
        &["multiples of 32"],
    );
    fails_with(
        &asal(&["simulate", "-s", "lenia", "--rule", "B3/S23", "--out", out]),
        &["--rule"],
    );
    fails_with(
        &asal(&[
            "simulate",
            "--creature",
            "/nonexistent/c.json",
            "--out",
            out,
        ]),
        &["/nonexistent/c.json"],
    );
    let bad_json = dir.path().join("bad.json");
    std::fs::write(&bad_json, "{ not json").unwrap();
    fails_with(
        &asal(&[
            "simulate",
            "--creature",
            bad_json.to_str().unwrap(),
            "--out",
            out,
        ]),
        &["not a creature file"],
    );
    let corrupt = dir.path().join("corrupt.safetensors");
    std::fs::write(&corrupt, b"\x10\x00\x00\x00\x00\x00\x00\x00garbage").unwrap();
    fails_with(
        &asal(&[
            "simulate",
            "-s",
            "lenia",
            "--params",
            corrupt.to_str().unwrap(),
            "--out",
            out,
        ]),
        &["safetensors"],
    );
    // Wrong shape, then a NaN parameter.
    let mut t = std::collections::BTreeMap::new();
    t.insert(
        "params".to_string(),
        asal_substrates::tensors::Tensor::f32(&[5], vec![0.0; 5]),
    );
    let wrong = dir.path().join("wrong.safetensors");
    asal_substrates::tensors::write_tensors(&wrong, &t).unwrap();
    fails_with(
        &asal(&[
            "simulate",
            "-s",
            "lenia",
            "--params",
            wrong.to_str().unwrap(),
            "--out",
            out,
        ]),
        &["[5]", "3117"],
    );
    let mut values = vec![0.0f32; 3117];
    values[40] = f32::NAN;
    t.insert(
        "params".to_string(),
        asal_substrates::tensors::Tensor::f32(&[3117], values),
    );
    let nan = dir.path().join("nan.safetensors");
    asal_substrates::tensors::write_tensors(&nan, &t).unwrap();
    fails_with(
        &asal(&[
            "simulate",
            "-s",
            "lenia",
            "--params",
            nan.to_str().unwrap(),
            "--out",
            out,
        ]),
        &["finite", "40"],
    );
    // A state of the wrong shape.
    let mut s = std::collections::BTreeMap::new();
    s.insert(
        "state0.grid".to_string(),
        asal_substrates::tensors::Tensor::i32(&[32, 32], vec![0; 1024]),
    );
    let state = dir.path().join("state.safetensors");
    asal_substrates::tensors::write_tensors(&state, &s).unwrap();
    fails_with(
        &asal(&[
            "simulate",
            "-s",
            "gol",
            "--init-state",
            state.to_str().unwrap(),
            "--out",
            out,
        ]),
        &["[32, 32]", "[64, 64]"],
    );
    // A malformed RLE pattern.
    let rle = dir.path().join("bad.rle");
    std::fs::write(&rle, "x = 2, y = 1\n3o!").unwrap();
    fails_with(
        &asal(&[
            "simulate",
            "-s",
            "gol",
            "--pattern",
            rle.to_str().unwrap(),
            "--out",
            out,
        ]),
        &["RLE"],
    );
    fails_with(
        &asal(&["simulate", "-s", "gol", "--dump-states", "1", "--out", out]),
        &[".safetensors"],
    );
    fails_with(
        &asal(&[
            "simulate",
            "-s",
            "gol",
            "--steps",
            "4",
            "--frame-steps",
            "9",
            "--out",
            out,
        ]),
        &["past the end"],
    );
}

#[test]
fn shipped_lenia_creatures_simulate() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("orbium");
    let o = asal(&[
        "simulate",
        "--creature",
        &repo("assets/creatures/orbium.json"),
        "--size",
        "64",
        "--steps",
        "4",
        "--frames",
        "2",
        "--frame-size",
        "32",
        "--formats",
        "webp",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(out.join("clip.webp").is_file());
    assert!(
        !out.join("clip.gif").exists(),
        "only the asked-for format is written"
    );
}

#[test]
fn every_substrate_simulates_through_the_cli() {
    let dir = tempfile::tempdir().unwrap();
    for name in [
        "gol",
        "lenia",
        "boids",
        "plife",
        "plife_plus",
        "plenia",
        "dnca",
        "nca_d1",
        "nca_d3",
    ] {
        let out = dir.path().join(name);
        let o = asal(&[
            "simulate",
            "-s",
            name,
            "--steps",
            "2",
            "--frames",
            "2",
            "--frame-size",
            "32",
            "--formats",
            "png",
            "--out",
            out.to_str().unwrap(),
        ]);
        assert!(o.status.success(), "{name}: {}", stderr(&o));
        assert!(out.join("frames/frame_00001.png").is_file(), "{name}");
        let frame = image::open(out.join("frames/frame_00000.png"))
            .unwrap()
            .to_rgba8();
        // Initial states are never a single flat colour (soups, patterns, particles, random cells);
        // later frames may be (a zero DNCA genome collapses every cell to state 0).
        let first = frame.get_pixel(0, 0);
        assert!(frame.pixels().any(|p| p != first), "{name}: flat frame");
    }
}
