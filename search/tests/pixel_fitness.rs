//! The search's fitness with the built-in pixel model equals, within float rounding, the fitness of
//! the model as the original defines it (resize every frame to 224, then pool 8×8 blocks). The
//! pixel model folds the two into one map per axis (`fm/src/pixels.rs`); this checks that the fold
//! changes no ranking the demo relies on, through the whole pipeline: Life soups rendered at 64²
//! (upsampled like the demo's), pre-filter, cache, open-endedness over both parity tracks.
#![allow(clippy::unwrap_used, reason = "tests")]

use std::sync::atomic::AtomicBool;

use asal_fm::{CachedModel, FoundationModel, Frame, PIXEL_DIM, PixelModel};
use asal_search::config::Config;
use asal_search::pipeline::{BoxedModel, Pipeline};
use asal_substrates::Gpu;
use asal_substrates::creature::build;

/// The pixel model step by step, as the original computes it.
struct ResizeThenPool;

impl FoundationModel for ResizeThenPool {
    fn name(&self) -> &str {
        "pixels (resize, then pool)"
    }

    fn dim(&self) -> usize {
        PIXEL_DIM
    }

    fn supports_text(&self) -> bool {
        false
    }

    fn embed_images(&self, frames: &[Frame<'_>]) -> asal_fm::Result<Vec<f32>> {
        Ok(frames
            .iter()
            .flat_map(PixelModel::reference_embedding)
            .collect())
    }

    fn embed_texts(&self, _: &[String]) -> asal_fm::Result<Vec<f32>> {
        Err(asal_fm::FmError::ImageOnly {
            model: self.name().into(),
        })
    }
}

const CONFIG: &str = r#"
[substrate]
name = "gol"
size = 32

[rollout]
steps = 48
frames = 6
sampling = "chunk_starts"
frame_size = 64

[model]
name = "pixels"

[objective]
kind = "open_endedness"

[optimiser]
kind = "sweep"
popsize = 6
rule_list = ["B3/S23", "B36/S23", "B1357/S1357", "B2/S", "B3678/S34678", "B0/S8"]

[run]
seed = 3
rollouts_per_candidate = 2
batch_worlds = 4
"#;

#[test]
fn pipeline_fitness_matches_resizing_then_pooling() {
    let gpu = Gpu::new(std::env::var("ASAL_ADAPTER").ok().as_deref())
        .unwrap_or_else(|e| panic!("GPU tests need an adapter: {e}"));
    let config = Config::from_toml_str(CONFIG, "pixel_fitness.rs").unwrap();
    let substrate = build(
        &config.substrate.name,
        &config.substrate.options_json().unwrap(),
    )
    .unwrap();
    let genomes: Vec<f32> = config
        .optimiser
        .rule_list
        .as_ref()
        .unwrap()
        .iter()
        .map(|r| asal_substrates::gol::Rule::parse(r).unwrap().code() as f32)
        .collect();
    let rules = config.optimiser.rule_list.clone().unwrap();
    let n = rules.len();
    let stop = AtomicBool::new(false);
    let folded = CachedModel::new(BoxedModel(Box::new(PixelModel::new())), 64);
    let reference = CachedModel::new(ResizeThenPool, 64);
    let eval = |model: &dyn FoundationModel| {
        Pipeline::new(&gpu, substrate.as_ref(), model, &config)
            .unwrap()
            .evaluate(&genomes, n, 0, &mut |_| {}, &stop)
            .unwrap()
    };
    let got = eval(&folded);
    let want = eval(&reference);
    assert_eq!(
        got.frame_hashes, want.frame_hashes,
        "the same frames were rendered"
    );
    assert_eq!(got.skipped, want.skipped);
    assert!(
        got.skipped < n as u64 * 2,
        "some worlds must reach the model, or the test compares nothing"
    );
    // Components of the two embeddings differ by at most ~1e-6 (fm/tests/pixels.rs), so a cosine
    // between unit rows moves by at most ‖Δa‖ + ‖Δb‖ ≤ 2·√2352·1e-6 ≈ 1e-4, and so does a mean of
    // maxima of cosines (the open-endedness score). A different frame or rule differs by ≫ 1e-3.
    for (i, (g, w)) in got.fitness.iter().zip(&want.fitness).enumerate() {
        assert!(
            (g - w).abs() <= 1e-4,
            "{}: fitness {g} vs resize-then-pool {w}",
            rules[i]
        );
    }
    let spread = want.fitness.iter().copied().fold(f32::MIN, f32::max)
        - want.fitness.iter().copied().fold(f32::MAX, f32::min);
    assert!(
        spread > 1e-2,
        "the rules must score differently: {:?}",
        want.fitness
    );
}
