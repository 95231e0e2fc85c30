//! End to end: what `asal search` records for the gallery, checked against a recomputation.
//!
//! - an open-endedness creature's `novelty` curve equals the objective's per-frame terms
//!   (`open_endedness_per_frame`) recomputed from re-simulated, re-embedded rollouts, and averages
//!   to the creature's score;
//! - a sweep stores every evaluated member in `population.safetensors`: its rule, fitness,
//!   generation and the unit mean over rollouts of its last scored frame's embedding (zeros for a
//!   rule whose every rollout was pre-filtered);
//! - `asal replay` and `asal simulate` accept creature files with and without the curve.
#![allow(clippy::unwrap_used, reason = "tests")]

use std::path::Path;
use std::process::{Command, Output};

use asal_fm::{Frame, OnnxOptions, open_model};
use asal_search::config::Config;
use asal_search::objectives::{OpenEndedness, Rows, open_endedness_per_frame};
use asal_search::optim::LifeRule;
use asal_search::pipeline::{PipelineSpec, init_for, probe_init, rollout_seed};
use asal_search::run::{OpenMode, RunStore};
use asal_substrates::Gpu;
use asal_substrates::creature::Creature;
use asal_substrates::substrate::{RolloutSpec, rollout};

/// Recomputed values may differ from the recorded ones only by float rounding: the frames are the
/// same (replay proves it by hash), the pixel model is deterministic and the per-frame terms are
/// the same function accumulated in f64; what is left is f32 storage of the averages (~6e-8
/// relative) and, at most, a different summation order inside a batched embedding call (unit
/// vectors of f32 components: ~1e-7 per dot product). 1e-5 is far above both; the test also checks
/// that it is far below what a wrong averaging would change (one rollout's first track alone).
const TOL: f32 = 1e-5;

/// Six Life-like rules, two per generation, on 32² soups: lively ones, and B/S (everything dies at
/// once, so every rollout is pre-filtered and the rule has no embedding).
const CONFIG: &str = r#"
[substrate]
name = "gol"
size = 32

[rollout]
steps = 24
frames = 6
sampling = "chunk_ends"
frame_size = 32

[model]
name = "pixels"

[objective]
kind = "open_endedness"

[optimiser]
kind = "sweep"
popsize = 2
rule_list = ["B3/S23", "B/S", "B36/S23", "B1357/S1357", "B3/S012345678", "B2/S"]

[run]
seed = 11
rollouts_per_candidate = 2
checkpoint_every = 1
keep_best = 3
"#;

fn asal(args: &[&str]) -> Output {
    let out = Command::new(env!("CARGO_BIN_EXE_asal"))
        .args(args)
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "asal {args:?} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn close(got: f32, want: f32, what: &str) {
    assert!((got - want).abs() <= TOL, "{what}: got {got}, want {want}");
}

#[test]
fn novelty_and_members_match_a_recomputation() {
    let tmp = tempfile::tempdir().unwrap();
    let config_path = tmp.path().join("oe.toml");
    std::fs::write(&config_path, CONFIG).unwrap();
    let run = tmp.path().join("run");
    let s = |p: &Path| p.to_str().unwrap().to_owned();
    asal(&[
        "search",
        &s(&config_path),
        "--out",
        &s(&run),
        "--clips",
        "0",
    ]);

    let config = Config::from_toml_str(CONFIG, "oe.toml").unwrap();
    let spec = PipelineSpec::from_config(&config);
    assert_eq!(spec.tracks.len(), 2, "Life scores both parities by default");
    let gpu = Gpu::new(None).unwrap();
    let model = open_model("pixels", &OnnxOptions::default()).unwrap();
    let dim = model.dim();

    // Re-simulates `genome` as rollout r of `generation` and embeds its frames ([frame][dim]).
    let embed_rollout = |creature: &Creature, generation: u64, r: u32| -> Vec<f32> {
        let substrate = creature.substrate().unwrap();
        let genome = creature.genome_for(substrate.as_ref()).unwrap();
        let mode = probe_init(&gpu, substrate.as_ref()).unwrap();
        let seed = rollout_seed(config.run.seed, generation, r);
        let init = init_for(substrate.as_ref(), mode, &genome, &[seed]).unwrap();
        let rs = RolloutSpec {
            steps: spec.steps,
            frame_steps: spec.frame_steps.clone(),
            frame_size: spec.frame_size,
            dump_steps: Vec::new(),
        };
        let out = rollout(&gpu, substrate.as_ref(), &genome, &init, &rs, &mut |_| {}).unwrap();
        let size = spec.frame_size as usize;
        let frames: Vec<Frame<'_>> = out
            .frames
            .chunks_exact(size * size * 4)
            .map(|f| Frame::rgba8(size, size, f))
            .collect();
        model.embed_images(&frames).unwrap()
    };

    let store = RunStore::open(&run, "", OpenMode::Resume).unwrap();
    let creatures = store.creature_paths().unwrap();
    assert_eq!(creatures.len(), 3);
    for path in &creatures {
        let c = Creature::read(path).unwrap();
        let novelty = c
            .novelty
            .clone()
            .expect("an open-endedness creature has a curve");
        let generation = c.generation.unwrap();
        assert_eq!(novelty.formula, "drop_first");
        assert_eq!(
            novelty.rollouts,
            2,
            "{}: the best rules are never pre-filtered",
            path.display()
        );
        // drop_first: one value per scored frame of track 0 after the first.
        let track0: Vec<u32> = spec.tracks[0]
            .iter()
            .map(|&i| spec.frame_steps[i])
            .collect();
        assert_eq!(novelty.steps, track0[1..]);
        // Recompute: per rollout, per track, the objective's per-frame terms; average as stated.
        let k = novelty.steps.len();
        let mut sum = vec![0.0f64; k];
        let mut first_track_of_rollout_0 = Vec::new();
        for r in 0..config.run.rollouts_per_candidate {
            let emb = embed_rollout(&c, generation, r);
            let mut per_track = vec![0.0f64; k];
            for track in &spec.tracks {
                let rows: Vec<f32> = track
                    .iter()
                    .flat_map(|&i| emb[i * dim..(i + 1) * dim].iter().copied())
                    .collect();
                let v = open_endedness_per_frame(
                    Rows::new(&rows, track.len(), dim).unwrap(),
                    OpenEndedness::DropFirst,
                )
                .unwrap();
                if first_track_of_rollout_0.is_empty() {
                    first_track_of_rollout_0 = v.clone();
                }
                per_track.iter_mut().zip(&v).for_each(|(a, b)| *a += b);
            }
            let tracks = spec.tracks.len() as f64;
            sum.iter_mut()
                .zip(&per_track)
                .for_each(|(a, b)| *a += b / tracks);
        }
        let rollouts = f64::from(config.run.rollouts_per_candidate);
        for (t, (got, want)) in novelty.similarity.iter().zip(&sum).enumerate() {
            close(
                *got,
                (want / rollouts) as f32,
                &format!("{} frame {t}", path.display()),
            );
        }
        // The tolerance can tell the stated average from a plausible wrong one.
        let off = novelty
            .similarity
            .iter()
            .zip(&first_track_of_rollout_0)
            .map(|(a, b)| (f64::from(*a) - b).abs())
            .fold(0.0, f64::max);
        assert!(
            off > 100.0 * f64::from(TOL),
            "{}: one rollout's first track is within {off} of the average",
            path.display()
        );
        // The score is the curve's mean (pure open-endedness, nothing pre-filtered).
        let mean = novelty
            .similarity
            .iter()
            .map(|&v| f64::from(v))
            .sum::<f64>()
            / k as f64;
        close(mean as f32, c.score.unwrap(), "mean of the curve vs score");
    }

    // Every swept rule is a member, in sweep order, with the fitness ranked.tsv reports.
    let m = store.load_members().unwrap().unwrap();
    assert_eq!(m.len(), 6);
    assert_eq!((m.dim, m.emb_dim), (1, dim));
    let rules: Vec<f32> = [
        "B3/S23",
        "B/S",
        "B36/S23",
        "B1357/S1357",
        "B3/S012345678",
        "B2/S",
    ]
    .iter()
    .map(|r| r.parse::<LifeRule>().unwrap().0 as f32)
    .collect();
    assert_eq!(m.genomes, rules);
    assert_eq!(m.generation, [0.0, 0.0, 1.0, 1.0, 2.0, 2.0]);
    let ranked = std::fs::read_to_string(run.join("ranked.tsv")).unwrap();
    for (i, rule) in rules.iter().enumerate() {
        let line = ranked
            .lines()
            .find(|l| l.split('\t').nth(2) == Some(&format!("{}", *rule as u32)))
            .unwrap();
        let f: f32 = line.split('\t').nth(3).unwrap().parse().unwrap();
        assert_eq!(m.fitness[i], f, "fitness of rule {rule}");
    }
    // B/S dies at once: never embedded, a zero row.
    assert!(m.embeddings[dim..2 * dim].iter().all(|&v| v == 0.0));
    // B3/S23's row: the unit mean over its rollouts of the last track-0 frame's embedding.
    let b3s23 = Creature {
        genome: Some(vec![6152.0]),
        ..Creature::read(&creatures[0]).unwrap()
    };
    let last = *spec.tracks[0].last().unwrap();
    let mut mean = vec![0.0f32; dim];
    for r in 0..config.run.rollouts_per_candidate {
        let emb = embed_rollout(&b3s23, 0, r);
        mean.iter_mut()
            .zip(&emb[last * dim..(last + 1) * dim])
            .for_each(|(a, b)| *a += b);
    }
    let norm = mean.iter().map(|v| v * v).sum::<f32>().sqrt();
    for (j, (got, want)) in m.embeddings[..dim].iter().zip(&mean).enumerate() {
        close(
            *got,
            want / norm,
            &format!("B3/S23 embedding component {j}"),
        );
    }

    // Replay and simulate take the new file, and the same file without the curve (older asal).
    let new_file = &creatures[0];
    let mut old: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(new_file).unwrap()).unwrap();
    assert!(old.get("novelty").is_some());
    old.as_object_mut().unwrap().remove("novelty");
    let old_file = tmp.path().join("old.json");
    std::fs::write(&old_file, old.to_string()).unwrap();
    for (name, file) in [("new", new_file.clone()), ("old", old_file)] {
        let out = asal(&[
            "replay",
            &s(&file),
            "--out",
            &s(&tmp.path().join(format!("replay-{name}"))),
            "--verify",
        ]);
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("identical to the search's"),
            "{name}"
        );
        asal(&[
            "simulate",
            "--creature",
            &s(&file),
            "--steps",
            "4",
            "--out",
            &s(&tmp.path().join(format!("sim-{name}"))),
        ]);
    }
}
