//! A tiny run and creature files for the explorer tests, written into a temporary folder: a
//! Life-like run (32² grids, four rules, a log whose last line is still being written) and
//! Orbium on a 64² Lenia world plus a variant of it, so lavapipe simulates them in milliseconds.

#![allow(dead_code, reason = "each test binary uses a different part")]
#![allow(clippy::unwrap_used, reason = "test fixtures")]

use std::path::{Path, PathBuf};

use asal_viewer::{App, Settings};
use eframe::egui;
use egui_kittest::Harness;

/// The fixture's paths; the folder is removed when it drops.
pub(crate) struct Fixture {
    pub(crate) dir: tempfile::TempDir,
    /// `demo-run/`: config, log, four Life-like creatures.
    pub(crate) run: PathBuf,
    /// Orbium on a 64² world (genome: the base pattern).
    pub(crate) orbium: PathBuf,
    /// Orbium with its growth centre and width moved (same substrate settings).
    pub(crate) orbium_b: PathBuf,
}

/// The Life-like creatures of the run: (name, rule, seed, score).
pub(crate) const RULES: [(&str, &str, u64, f32); 4] = [
    ("Conway", "B3/S23", 1, -0.61),
    ("HighLife", "B36/S23", 2, -0.55),
    ("DayNight", "B3678/S34678", 3, -0.52),
    ("Seeds", "B2/S", 4, -0.30),
];

pub(crate) fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("demo-run");
    std::fs::create_dir_all(run.join("creatures")).unwrap();
    std::fs::write(
        run.join("config.toml"),
        "[substrate]\nname = \"gol\"\nsize = 32\n\n[rollout]\nsteps = 64\nframes = 4\n\n\
         [model]\nname = \"pixels\"\n\n[objective]\nkind = \"open_endedness\"\n",
    )
    .unwrap();
    let mut log = String::new();
    for g in 0..3 {
        log.push_str(&format!(
            "{{\"generation\":{g},\"best_fitness\":{b},\"mean_fitness\":{m},\"best_so_far\":{b},\"sigma\":null,\"seconds\":{{}}}}\n",
            b = -0.5 - 0.05 * f64::from(g),
            m = -0.2 - 0.05 * f64::from(g),
        ));
    }
    // A search still writing: the last line has no newline yet.
    log.push_str("{\"generation\":3,\"best_fit");
    std::fs::write(run.join("log.jsonl"), log).unwrap();
    for (i, (name, rule, seed, score)) in RULES.iter().enumerate() {
        let code = asal_substrates::gol::Rule::parse(rule).unwrap().code();
        let c = serde_json::json!({
            "format": "asal-creature", "version": 1, "name": name, "substrate": "gol",
            "config": {"size": 32}, "genome": [code as f32], "seed": seed, "steps": 64,
            "score": score, "objective": {"kind": "open_endedness"}, "model": "pixels",
            "generation": 2,
        });
        std::fs::write(
            run.join("creatures").join(format!("best-{i:03}.json")),
            serde_json::to_string_pretty(&c).unwrap(),
        )
        .unwrap();
    }
    let assets = Path::new(env!("CARGO_MANIFEST_DIR")).join("../assets/creatures/orbium.json");
    let mut orbium: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(assets).unwrap()).unwrap();
    orbium["config"]["size"] = 64.into();
    orbium["steps"] = 64.into();
    let orbium_path = dir.path().join("orbium.json");
    std::fs::write(&orbium_path, serde_json::to_string_pretty(&orbium).unwrap()).unwrap();
    let substrate = asal_substrates::creature::build("lenia", &orbium["config"]).unwrap();
    let mut genome = vec![0.0f32; substrate.genome().dim()];
    genome[0] = 0.4;
    genome[1] = -0.3;
    orbium["genome"] = serde_json::to_value(&genome).unwrap();
    orbium["name"] = "Orbium B".into();
    let orbium_b = dir.path().join("orbium-b.json");
    std::fs::write(&orbium_b, serde_json::to_string_pretty(&orbium).unwrap()).unwrap();
    Fixture {
        dir,
        run,
        orbium: orbium_path,
        orbium_b,
    }
}

/// The explorer as `asal view PATHS...` builds it, on kittest's lavapipe device.
pub(crate) fn harness(paths: Vec<PathBuf>) -> Harness<'static, App> {
    Harness::builder()
        .with_size(egui::vec2(1280.0, 800.0))
        .wgpu()
        .build_eframe(move |cc| App::from_creation_context(cc, &paths))
}

/// The same with given settings (as if remembered from an earlier launch).
pub(crate) fn harness_with(settings: Settings, paths: Vec<PathBuf>) -> Harness<'static, App> {
    Harness::builder()
        .with_size(egui::vec2(1280.0, 800.0))
        .wgpu()
        .build_eframe(move |cc| App::new(cc.wgpu_render_state.clone(), settings, &paths))
}
