//! End-to-end tests of `asal gallery`: a tiny run directory (written with the run store and
//! creature APIs) and a real tiny open-endedness sweep (`asal search`) become a site that opens in
//! headless Chromium without errors, with an atlas for the sweep and novelty plots on its cards;
//! a sweep from before members were stored still exports, saying why it has no atlas; bad input
//! fails with a clear message and leaves no partial site.

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
            "generation": 3,
            "novelty": {"steps": [5, 8, 11], "similarity": [0.4, 0.3, 0.6], "formula": "drop_first", "rollouts": 1},
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

/// A real open-endedness sweep of 8 Life-like rules (one dies at once, so it is never embedded)
/// on 32² soups with the pixel model, keeping the best 3 as creatures.
fn searched_sweep(dir: &Path) -> PathBuf {
    let config = dir.join("sweep.toml");
    std::fs::write(
        &config,
        r#"[substrate]
name = "gol"
size = 32

[rollout]
steps = 16
frames = 4
frame_size = 32

[model]
name = "pixels"

[objective]
kind = "open_endedness"

[optimiser]
kind = "sweep"
popsize = 4
rule_list = ["B3/S23", "B36/S23", "B/S", "B1357/S1357", "B3/S012345678", "B2/S", "B34/S34", "B368/S245"]

[run]
seed = 5
keep_best = 3
"#,
    )
    .unwrap();
    let run = dir.join("sweep");
    let o = asal(&[
        "search",
        config.to_str().unwrap(),
        "--out",
        run.to_str().unwrap(),
        "--clips",
        "0",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
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
    let sweep = searched_sweep(dir.path());
    let site = dir.path().join("site");
    let args = |out: &Path| -> Vec<String> {
        [
            "gallery",
            run.to_str().unwrap(),
            sweep.to_str().unwrap(),
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
    assert_eq!(html.matches("<article class=\"card\"").count(), 4 + 3);
    assert!(html.contains("&lt;b&gt;bold&lt;/b&gt; &quot;glider&quot; &amp; friends"));
    assert!(!html.contains("<b>bold"), "user text must be escaped");
    assert_eq!(
        html.matches("class=\"atlas\"").count(),
        2,
        "the population and the sweep each get an atlas"
    );
    // The sweep's atlas: its 7 embedded rules (B/S dies at once and is said to be left out),
    // named by rule, loaded lazily.
    let sweep_thumbs: Vec<&str> = html
        .split("<img src=\"media/sweep/atlas/")
        .skip(1)
        .map(|t| &t[..t.find('>').unwrap()])
        .collect();
    assert_eq!(sweep_thumbs.len(), 7, "{html}");
    assert!(sweep_thumbs.iter().all(|t| t.contains("loading=\"lazy\"")));
    assert!(
        sweep_thumbs
            .iter()
            .any(|t| t.contains("title=\"B3/S23 · score"))
    );
    assert!(html.contains("the 7 rules the sweep evaluated"));
    assert!(html.contains("1 pre-filtered as dead or saturated"));
    // Novelty plots: 3 hand-made Life creatures and the sweep's 3 best; not on the Lenia target.
    assert_eq!(html.matches("<figure class=\"novelty\">").count(), 3 + 3);
    assert_eq!(
        html.matches("<p class=\"meta legend-note\">Novelty plots")
            .count(),
        1,
        "what the novelty plots show is said once, above the cards"
    );
    assert!(html.contains("lower = more novel"));
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
        "media/sweep/best-000.webp",
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
    let report: serde_json::Value = serde_json::from_str(report.trim()).unwrap();
    assert_eq!(report["atlases"], 2, "{report}");
    assert_eq!(report["atlasImages"], 9 + 7, "{report}");
    assert_eq!(report["atlasLazy"], true, "{report}");
    assert_eq!(report["noveltyCards"], 6, "{report}");
    assert!(std::fs::metadata(&shot).unwrap().len() > 1000);

    // A sweep written before members were stored: no population.safetensors. It still exports,
    // and both the page and the command say why there is no atlas.
    let old = dir.path().join("old-sweep");
    std::fs::create_dir_all(old.join("creatures")).unwrap();
    for f in ["config.toml", "log.jsonl", "ranked.tsv"] {
        std::fs::copy(sweep.join(f), old.join(f)).unwrap();
    }
    for e in std::fs::read_dir(sweep.join("creatures")).unwrap() {
        let p = e.unwrap().path();
        std::fs::copy(&p, old.join("creatures").join(p.file_name().unwrap())).unwrap();
    }
    let old_site = dir.path().join("old-site");
    let o = asal(&[
        "gallery",
        old.to_str().unwrap(),
        "-o",
        old_site.to_str().unwrap(),
        "--frames",
        "3",
        "--size",
        "32",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(stdout.contains("0 atlases"), "{stdout}");
    assert!(
        stdout.contains("note: old-sweep: no atlas") && stdout.contains("run the search again"),
        "{stdout}"
    );
    let html = std::fs::read_to_string(old_site.join("index.html")).unwrap();
    assert!(!html.contains("class=\"atlas\""));
    assert!(html.contains("<p class=\"note\">no atlas: this sweep was run by an asal"));
    assert_eq!(html.matches("<article class=\"card\"").count(), 3);
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
    // An atlas too large to lay out or browse.
    let o = asal(&[
        "gallery",
        run.to_str().unwrap(),
        "-o",
        o_str,
        "--force",
        "--atlas-max",
        "5000",
    ]);
    fails_with(&o, &["--atlas-max 5000", "1..=2048"]);
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
    assert!(site.join("media/illum/atlas/000004.png").is_file());
}
