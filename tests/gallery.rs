//! End-to-end tests of `asal gallery`: a tiny run directory (written with the run store and
//! creature APIs) becomes a site that opens in headless Chromium without errors; bad input fails
//! with a clear message and leaves no partial site.

#![allow(clippy::unwrap_used, reason = "a test fails loudly on any error")]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use asal_search::optim::Population;
use asal_search::run::{LogEntry, OpenMode, RunStore};
use asal_substrates::creature::Creature;

fn asal(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_asal"))
        .args(args)
        .output()
        .unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn fails_with(out: &Output, needles: &[&str]) {
    let err = stderr(out);
    assert!(!out.status.success(), "expected failure; stderr: {err}");
    assert!(!err.contains("panicked"), "panicked: {err}");
    for needle in needles {
        assert!(err.contains(needle), "stderr lacks `{needle}`: {err}");
    }
}

fn creature(value: serde_json::Value) -> Creature {
    serde_json::from_value(value).unwrap()
}

/// A Life sweep with a population (atlas) and a Lenia creature, on tiny worlds and few steps;
/// user text full of markup, to prove it is escaped.
fn tiny_run(dir: &Path) -> PathBuf {
    let run = dir.join("tiny <run>");
    let config = r#"[substrate]
name = "gol"
size = 32

[rollout]
steps = 12
frames = 4
frame_size = 32

[objective]
kind = "open_endedness"
prompts = ["a <b>bold</b> \"glider\" & friends"]

[run]
seed = 3
"#;
    let store = RunStore::open(&run, config, OpenMode::New).unwrap();
    for g in 0..4u64 {
        let entry: LogEntry = serde_json::from_value(serde_json::json!({
            "generation": g, "best_fitness": -0.5 - 0.1 * g as f32, "mean_fitness": -0.2 - 0.05 * g as f32,
            "best_so_far": -0.5 - 0.1 * g as f32, "sigma": null, "seconds": {}
        }))
        .unwrap();
        store.append_log(&entry).unwrap();
    }
    // B3/S23 and two other rules as Life creatures; the rule code layout is the substrate's.
    for (i, (rule, score)) in [(6152.0f32, -0.9f32), (6168.0, -0.7), (4104.0, -0.4)]
        .into_iter()
        .enumerate()
    {
        let c = creature(serde_json::json!({
            "format": "asal-creature", "version": 1, "name": format!("life <{i}> \"rule\""),
            "substrate": "gol", "config": {"size": 32}, "genome": [rule], "seed": i, "steps": 12,
            "score": score, "objective": {"kind": "open_endedness"}, "model": "pixels",
            "generation": 3, "novelty": [0.1, 0.4, 0.3, 0.6],
            "frames": {"steps": [2, 5, 8, 11], "size": 32, "sha256": []}
        }));
        store.save_creature(&format!("best-{i:03}"), &c).unwrap();
    }
    let assets = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/creatures");
    let mut orbium = Creature::read(&assets.join("orbium.json")).unwrap();
    orbium.steps = Some(6);
    orbium.score = Some(-0.3);
    orbium.objective = Some(serde_json::json!({"kind": "target", "prompts": ["an orbium"]}));
    store.save_creature("orbium", &orbium).unwrap();
    // A population of 9 rules with 3-D embeddings: the atlas.
    let genomes: Vec<f32> = (0..9).map(|i| 6152.0 + 16.0 * i as f32).collect();
    let emb: Vec<f32> = (0..27).map(|i| ((i * 7 % 5) as f32 - 2.0) / 3.0).collect();
    store
        .save_population(
            &Population::new(genomes, 9, 1).unwrap(),
            Some((&emb, 3)),
            None,
        )
        .unwrap();
    run
}

fn chromium() -> Option<PathBuf> {
    [
        "/usr/bin/chromium",
        "/usr/bin/chromium-browser",
        "/usr/bin/google-chrome",
    ]
    .iter()
    .map(PathBuf::from)
    .find(|p| p.is_file())
}

#[test]
fn gallery_builds_is_deterministic_and_opens_in_chromium() {
    let dir = tempfile::tempdir().unwrap();
    let run = tiny_run(dir.path());
    let site = dir.path().join("site");
    let args = |out: &Path| -> Vec<String> {
        [
            "gallery",
            run.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
            "--frames",
            "5",
            "--fps",
            "6",
            "--size",
            "48",
        ]
        .map(String::from)
        .to_vec()
    };
    let a: Vec<String> = args(&site);
    let o = asal(&a.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(o.status.success(), "{}", stderr(&o));
    for f in ["index.html", "style.css", "app.js"] {
        assert!(site.join(f).is_file(), "{f}");
    }
    let html = std::fs::read_to_string(site.join("index.html")).unwrap();
    assert_eq!(html.matches("<article class=\"card\"").count(), 4);
    assert!(html.contains("&lt;b&gt;bold&lt;/b&gt; &quot;glider&quot; &amp; friends"));
    assert!(!html.contains("<b>bold"), "user text must be escaped");
    assert!(html.contains("class=\"atlas\""), "population → atlas");
    assert!(html.contains("<polyline"), "fitness / novelty plots");
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "no network resources"
    );
    // Creature files are copied and replayable.
    let copied = site.join("creatures/tiny-run/best-000.json");
    let c = Creature::read(&copied).unwrap();
    assert_eq!(c.genome, Some(vec![6152.0]));
    assert!(site.join("media/tiny-run/best-000.webp").is_file());
    assert!(site.join("media/tiny-run/best-000.gif").is_file());
    // Determinism: a second export is byte-identical.
    let again = dir.path().join("again");
    let b = args(&again);
    let o = asal(&b.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(o.status.success(), "{}", stderr(&o));
    for rel in [
        "index.html",
        "media/tiny-run/best-001.webp",
        "media/tiny-run/orbium.webp",
        "media/tiny-run/orbium.gif",
    ] {
        assert_eq!(
            std::fs::read(site.join(rel)).unwrap(),
            std::fs::read(again.join(rel)).unwrap(),
            "{rel} differs between two exports"
        );
    }
    // The page in a real browser.
    let chromium = chromium().expect(
        "Chromium not found: run scripts/bootstrap.sh (installs Debian's `chromium`) to run this test",
    );
    let profile = dir.path().join("profile");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser/check_gallery.js");
    let shot = dir.path().join("shot.png");
    let o = Command::new("node")
        .arg(&script)
        .arg(&chromium)
        .arg(site.join("index.html"))
        .arg(&profile)
        .arg(&shot)
        .output()
        .expect("node not found: run scripts/bootstrap.sh");
    let report = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success(),
        "browser check failed: {report}\n{}",
        stderr(&o)
    );
    assert!(report.contains("\"ok\":true"), "{report}");
    assert!(std::fs::metadata(&shot).unwrap().len() > 1000);
}

#[test]
fn bad_input_fails_clearly_and_leaves_no_site() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("site");
    let o_str = out.to_str().unwrap();
    // Not a run directory.
    let o = asal(&["gallery", dir.path().to_str().unwrap(), "-o", o_str]);
    fails_with(&o, &["not a run directory", "config.toml"]);
    let o = asal(&["gallery", "/no/such/run", "-o", o_str]);
    fails_with(&o, &["not a run directory"]);
    // A run with no creatures.
    let empty = dir.path().join("empty");
    RunStore::open(&empty, "[substrate]\nname = \"gol\"\n", OpenMode::New).unwrap();
    let o = asal(&["gallery", empty.to_str().unwrap(), "-o", o_str]);
    fails_with(&o, &["no creatures"]);
    // A creature of an unknown substrate.
    let bad = dir.path().join("bad");
    let store = RunStore::open(&bad, "", OpenMode::New).unwrap();
    std::fs::write(
        store.dir().join("creatures/x.json"),
        r#"{"format": "asal-creature", "version": 1, "substrate": "blobs"}"#,
    )
    .unwrap();
    let o = asal(&["gallery", bad.to_str().unwrap(), "-o", o_str]);
    fails_with(&o, &["x.json", "unknown substrate", "blobs"]);
    assert!(!out.exists(), "no partial site");
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with(".site"))
        .collect();
    assert!(leftovers.is_empty(), "temporary folders left behind");
    // An existing output folder is refused without --force, and kept intact.
    std::fs::create_dir(&out).unwrap();
    std::fs::write(out.join("index.html"), "previous").unwrap();
    let run = tiny_run(dir.path());
    let o = asal(&["gallery", run.to_str().unwrap(), "-o", o_str]);
    fails_with(&o, &["exists", "--force"]);
    // A failing export with --force leaves the previous gallery as it was.
    let o = asal(&[
        "gallery",
        run.to_str().unwrap(),
        bad.to_str().unwrap(),
        "-o",
        o_str,
        "--force",
    ]);
    fails_with(&o, &["unknown substrate"]);
    assert_eq!(
        std::fs::read_to_string(out.join("index.html")).unwrap(),
        "previous"
    );
    // Unwritable output.
    let o = asal(&["gallery", run.to_str().unwrap(), "-o", "/proc/asal-gallery"]);
    fails_with(&o, &["/proc"]);
}

#[test]
fn illumination_run_without_creatures_exports_its_atlas() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("illum");
    let config = "[substrate]\nname = \"gol\"\nsize = 32\n\n[rollout]\nsteps = 6\n\n[objective]\nkind = \"illumination\"\n\n[run]\nseed = 1\n";
    let store = RunStore::open(&run, config, OpenMode::New).unwrap();
    let genomes: Vec<f32> = (0..5).map(|i| 6152.0 + 8.0 * i as f32).collect();
    let emb: Vec<f32> = (0..10).map(|i| (i as f32 * 0.37).sin()).collect();
    store
        .save_population(
            &Population::new(genomes, 5, 1).unwrap(),
            Some((&emb, 2)),
            None,
        )
        .unwrap();
    let site = dir.path().join("site");
    let o = asal(&[
        "gallery",
        run.to_str().unwrap(),
        "-o",
        site.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let html = std::fs::read_to_string(site.join("index.html")).unwrap();
    assert!(html.contains("class=\"atlas\""));
    assert_eq!(html.matches("<img src=\"media/illum/atlas/").count(), 5);
    assert!(site.join("media/illum/atlas/0004.png").is_file());
}
