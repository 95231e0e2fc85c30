//! The shipped configs in assets/configs/: each loads, validates and scales; a substrate this
//! build lacks is an "unknown substrate" error; those whose substrate exists run one generation
//! at tiny scale on the GPU (small grids, few steps, the tiny test CLIP for prompts).
#![allow(clippy::unwrap_used, reason = "tests")]

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use asal_fm::{CachedModel, OnnxOptions, open_model};
use asal_search::config::Config;
use asal_search::pipeline::{BoxedModel, Pipeline};
use asal_search::runner::RunState;
use asal_substrates::Gpu;
use asal_substrates::creature::build;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn configs() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(root().join("assets/configs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    v.sort();
    v
}

#[test]
fn every_config_loads_validates_and_scales() {
    let all = configs();
    assert!(all.len() >= 9, "{all:?}");
    for path in &all {
        let c = Config::load(path).unwrap_or_else(|e| panic!("{e}"));
        let small = c
            .scaled(0.001)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert!(small.optimiser.iterations <= c.optimiser.iterations);
        assert!(small.run.rollouts_per_candidate <= c.run.rollouts_per_candidate);
        let resolved = c.to_toml_string().unwrap();
        assert_eq!(Config::from_toml_str(&resolved, "resolved").unwrap(), c);
        match build(&c.substrate.name, &c.substrate.options_json().unwrap()) {
            Ok(s) => {
                RunState::new(&c, s.genome().dim())
                    .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            }
            Err(e) => assert!(
                e.to_string().contains("unknown substrate"),
                "{}: {e}",
                path.display()
            ),
        }
    }
    let sweep = Config::load(&root().join("assets/configs/life_sweep.toml")).unwrap();
    let small = sweep.scaled(0.001).unwrap();
    assert_eq!(small.optimiser.rule_range, Some([0, 263]));
    assert_eq!(small.run.rollouts_per_candidate, 1);
}

/// The committed tiny CLIP with the shared fixture tokenizer beside it (the tokenizer is not
/// committed with the model).
fn tiny_clip(into: &Path) -> PathBuf {
    let src = root().join("assets/test-models/tiny-clip");
    let dst = into.join("tiny-clip");
    copy_dir(&src, &dst);
    std::fs::copy(
        root().join("../shared/fixtures/clip/tokenizer.json"),
        dst.join("tokenizer.json"),
    )
    .unwrap();
    dst
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &to.join(e.file_name()));
        } else {
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
}

/// Shrinks a config to seconds on lavapipe: one generation, few candidates, tiny worlds.
fn tiny(mut c: Config, clip: &Path) -> Config {
    c = c.scaled(0.0001).unwrap();
    c.optimiser.iterations = 1;
    c.rollout.steps = 4;
    c.rollout.explicit_steps.retain(|&s| s <= 4);
    if c.rollout.explicit_steps.is_empty() {
        c.rollout.explicit_steps = vec![4];
    }
    c.rollout.frames = c.rollout.frames.min(4);
    c.rollout.frame_size = 32;
    if c.optimiser.kind == asal_search::config::OptimiserKind::Ga {
        c.optimiser.popsize = 3;
        c.optimiser.n_child = 1;
    } else {
        c.optimiser.popsize = 2;
    }
    if c.substrate.name == "gol" {
        c.substrate.options.insert("size".into(), 32.into());
    }
    if c.objective.weighted().needs_prompts() {
        c.model.name = clip.display().to_string();
    } else {
        c.model.name = "pixels".into();
    }
    c.validate().unwrap();
    c
}

#[test]
fn configs_with_existing_substrates_run_one_tiny_generation() {
    let gpu = Gpu::new(std::env::var("ASAL_ADAPTER").ok().as_deref())
        .unwrap_or_else(|e| panic!("GPU tests need an adapter: {e}"));
    let tmp = tempfile::tempdir().unwrap();
    let clip = tiny_clip(tmp.path());
    let mut ran = Vec::new();
    for path in configs() {
        let c = tiny(Config::load(&path).unwrap(), &clip);
        let Ok(substrate) = build(&c.substrate.name, &c.substrate.options_json().unwrap()) else {
            continue;
        };
        let model = CachedModel::new(
            BoxedModel(
                open_model(&c.model.name, &OnnxOptions::default())
                    .unwrap_or_else(|e| panic!("{}: {e}", path.display())),
            ),
            64,
        );
        let pipeline = Pipeline::new(&gpu, substrate.as_ref(), &model, &c)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let mut state = RunState::new(&c, substrate.genome().dim()).unwrap();
        let stop = AtomicBool::new(false);
        let entry = state
            .step(&pipeline, 2, &mut |_| {}, &stop)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert!(
            entry.best_fitness.is_finite(),
            "{}: {entry:?}",
            path.display()
        );
        assert!(entry.frames > 0);
        ran.push(path.file_name().unwrap().to_string_lossy().into_owned());
    }
    for must in [
        "demo.toml",
        "life_sweep.toml",
        "lenia_target.toml",
        "lenia_illumination.toml",
    ] {
        assert!(ran.iter().any(|r| r == must), "{must} did not run: {ran:?}");
    }
}
