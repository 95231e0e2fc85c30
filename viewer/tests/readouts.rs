//! Model readouts against real models: the committed tiny CLIP (through ONNX Runtime) and the
//! built-in pixel model. Each reading must equal what the fm model and the search objective give
//! for the same frames, the history must clear on reset, and a missing model must say how to get
//! one. The panel is driven through `egui_kittest` by its labels.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]

use std::path::{Path, PathBuf};
use std::time::Duration;

use asal_fm::registry::{HF_BASE, builtin_entries};
use asal_fm::{FoundationModel, Frame, OnnxOptions, Registry};
use asal_search::objectives::{OpenEndedness, Rows, dot, open_endedness};
use asal_viewer::readouts::{ModelReadouts, ModelState, ReadoutsOptions};
use eframe::egui;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;

/// Long enough for the tiny model to load and answer on a busy 2-core machine.
const WAIT: Duration = Duration::from_secs(60);

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

/// The tiny CLIP test model with the fixture tokenizer beside it (the tokenizer is not committed
/// with the model), in a temp dir.
fn tiny_clip() -> tempfile::TempDir {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let tokenizer = root.join("../../shared/fixtures/clip/tokenizer.json");
    assert!(
        tokenizer.is_file(),
        "fixture tokenizer missing at {} (the project's shared/ folder beside the checkout)",
        tokenizer.display()
    );
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(&root.join("../assets/test-models/tiny-clip"), tmp.path());
    std::fs::copy(tokenizer, tmp.path().join("tokenizer.json")).unwrap();
    tmp
}

fn options(model: &str) -> ReadoutsOptions {
    ReadoutsOptions {
        model: model.to_string(),
        feed_interval: Duration::ZERO,
        ..ReadoutsOptions::default()
    }
}

/// Distinct RGBA frames of different content (and a different size than the model's input).
fn frames(n: usize) -> Vec<Vec<u8>> {
    (0..n)
        .map(|k| {
            let mut v = Vec::with_capacity(40 * 30 * 4);
            for y in 0..30u32 {
                for x in 0..40u32 {
                    let k = k as u32;
                    v.extend_from_slice(&[
                        ((x * (k + 3) + y * 7) % 256) as u8,
                        ((x * y + k * 40) % 256) as u8,
                        ((y * (2 * k + 1)) % 256) as u8,
                        255,
                    ]);
                }
            }
            v
        })
        .collect()
}

/// Feeds one frame and waits for its reading.
fn feed(readouts: &mut ModelReadouts, frame: &[u8], step: u64) {
    assert!(
        readouts.feed_frame(frame, 40, 30, step).unwrap(),
        "frame at step {step} skipped"
    );
    assert!(readouts.wait_idle(WAIT), "no reading for step {step}");
    assert_eq!(readouts.frame_error(), None);
}

fn ready(readouts: &mut ModelReadouts) {
    assert!(readouts.wait_idle(WAIT), "model did not load");
    assert!(
        matches!(readouts.model_state(), ModelState::Ready { .. }),
        "{:?}",
        readouts.model_state()
    );
}

/// The direct computation: each frame embedded on its own (as the worker does), the prompt once.
fn embed_each(model: &dyn FoundationModel, frames: &[Vec<u8>]) -> Vec<Vec<f32>> {
    frames
        .iter()
        .map(|f| model.embed_images(&[Frame::rgba8(40, 30, f)]).unwrap())
        .collect()
}

fn novelty_of(embeddings: &[Vec<f32>]) -> f32 {
    let dim = embeddings[0].len();
    let flat: Vec<f32> = embeddings.concat();
    open_endedness(
        Rows::new(&flat, embeddings.len(), dim).unwrap(),
        OpenEndedness::default(),
    )
    .unwrap()
}

// Tolerance: the same model and the same functions on the same input give the same bits; 1e-6
// only allows for ONNX Runtime choosing a different kernel between two sessions.
const TOL: f32 = 1e-6;

#[test]
fn readings_equal_the_model_cosine_and_the_search_objective_and_clear_on_reset() {
    let dir = tiny_clip();
    let model = asal_fm::open_model(dir.path().to_str().unwrap(), &OnnxOptions::default()).unwrap();
    let mut readouts = ModelReadouts::new(options(dir.path().to_str().unwrap()));
    ready(&mut readouts);
    assert_eq!(
        readouts.model_state(),
        &ModelState::Ready {
            name: model.name().to_string(),
            dim: model.dim(),
            supports_text: true
        }
    );

    let prompt = "a caterpillar";
    readouts.set_prompt(prompt);
    let frames = frames(5);
    for (i, f) in frames.iter().enumerate() {
        feed(&mut readouts, f, 10 * i as u64);
    }
    assert_eq!(readouts.prompt_text(), Some(prompt));
    let text = model.embed_texts(&[prompt.to_string()]).unwrap();
    let direct = embed_each(model.as_ref(), &frames);
    let history: Vec<_> = readouts.history().iter().copied().collect();
    assert_eq!(history.len(), 5);
    for (i, r) in history.iter().enumerate() {
        assert_eq!(r.step, 10 * i as u64);
        let cosine = dot(&direct[i], &text) as f32;
        let got = r.similarity.expect("similarity with a prompt set");
        assert!((got - cosine).abs() <= TOL, "frame {i}: {got} vs {cosine}");
        match i {
            0 => assert_eq!(r.novelty, None, "one frame has no open-endedness"),
            _ => {
                let want = novelty_of(&direct[..=i]);
                let got = r.novelty.expect("novelty from the second frame on");
                assert!((got - want).abs() <= TOL, "frame {i}: {got} vs {want}");
            }
        }
    }
    // The frames differ, so the score is below 1 (identical frames would give exactly 1).
    assert!(readouts.latest_novelty().unwrap() < 0.999);

    // A new prompt rescores every frame seen so far.
    let other = "a photo of a cat";
    readouts.set_prompt(other);
    assert!(readouts.wait_idle(WAIT));
    let text2 = model.embed_texts(&[other.to_string()]).unwrap();
    for (i, r) in readouts.history().iter().enumerate() {
        let want = dot(&direct[i], &text2) as f32;
        assert!(
            (r.similarity.unwrap() - want).abs() <= TOL,
            "rescored frame {i}"
        );
    }

    // The same step again (a paused simulation) is not counted twice.
    assert!(!readouts.feed_frame(&frames[0], 40, 30, 40).unwrap());
    // A buffer that does not match its size is an error naming the sizes.
    let err = readouts
        .feed_frame(&frames[0], 41, 30, 50)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("41×30") && err.contains("width × height × 4"),
        "{err}"
    );

    // Reset clears the history here and in the worker: the next frames start a new run.
    readouts.reset();
    assert!(readouts.history().is_empty());
    feed(&mut readouts, &frames[3], 0);
    feed(&mut readouts, &frames[1], 1);
    let after: Vec<_> = readouts.history().iter().copied().collect();
    assert_eq!(after.len(), 2);
    assert_eq!(after[0].novelty, None);
    let want = novelty_of(&[direct[3].clone(), direct[1].clone()]);
    assert!((after[1].novelty.unwrap() - want).abs() <= TOL);
}

#[test]
fn missing_model_names_the_pull_command_and_feeding_is_a_no_op() {
    let home = tempfile::tempdir().unwrap();
    let registry = Registry::new(home.path(), HF_BASE, builtin_entries());
    let mut readouts = ModelReadouts::new(ReadoutsOptions {
        registry: Some(registry),
        ..options("clip-vit-b32")
    });
    assert!(readouts.wait_idle(WAIT));
    let ModelState::Unavailable { message } = readouts.model_state().clone() else {
        panic!("expected no model, got {:?}", readouts.model_state());
    };
    assert!(
        message.contains("asal models pull clip-vit-b32"),
        "{message}"
    );
    assert!(!readouts.wants_frame());
    assert!(!readouts.feed_frame(&frames(1)[0], 40, 30, 0).unwrap());

    let mut harness =
        Harness::new_ui_state(|ui, r: &mut ModelReadouts| r.readouts_ui(ui), readouts);
    harness.run();
    harness.get_by_label("No model for readouts");
    harness.get_by_label_contains("asal models pull clip-vit-b32");
}

#[test]
fn pixel_model_scores_novelty_and_explains_that_prompts_need_clip() {
    let mut readouts = ModelReadouts::new(options("pixels"));
    ready(&mut readouts);
    readouts.set_prompt("a glider");
    assert!(readouts.wait_idle(WAIT));
    let err = readouts
        .prompt_error()
        .expect("an image-only model cannot score a prompt");
    assert!(
        err.contains("images only") && err.contains("asal models pull"),
        "{err}"
    );
    let frames = frames(3);
    for (i, f) in frames.iter().enumerate() {
        feed(&mut readouts, f, i as u64);
    }
    let direct = embed_each(&asal_fm::PixelModel::new(), &frames);
    let got = readouts.latest_novelty().unwrap();
    let want = novelty_of(&direct);
    assert!((got - want).abs() <= TOL, "{got} vs {want}");
    assert!(readouts.history().iter().all(|r| r.similarity.is_none()));
}

#[test]
fn panel_takes_a_typed_prompt_shows_the_values_and_resets() {
    let dir = tiny_clip();
    let mut readouts = ModelReadouts::new(options(dir.path().to_str().unwrap()));
    ready(&mut readouts);
    let mut harness =
        Harness::new_ui_state(|ui, r: &mut ModelReadouts| r.readouts_ui(ui), readouts);
    harness.run();
    harness.get_by_label_contains("images and text");
    harness.get_by_label("Similarity: type a prompt and press Enter");

    // Typing alone embeds nothing; Enter applies the prompt once.
    let field = harness.get_by_label("Prompt:");
    field.focus();
    field.type_text("a caterpillar");
    harness.run();
    assert_eq!(harness.state().prompt_text(), None);
    harness.key_press(egui::Key::Enter);
    harness.run();
    assert_eq!(harness.state().prompt_text(), Some("a caterpillar"));

    let frames = frames(3);
    for (i, f) in frames.iter().enumerate() {
        feed(harness.state_mut(), f, i as u64);
    }
    harness.run();
    let sim = harness.state().latest().unwrap().similarity.unwrap();
    harness.get_by_label(&format!("Similarity to \"a caterpillar\": {sim:.4}"));
    let oe = harness.state().latest_novelty().unwrap();
    harness.get_by_label(&format!(
        "Open-endedness so far: {oe:.4} (lower = more novel)"
    ));
    harness.get_by_label("3 frames read");

    harness.get_by_label("Reset readouts").click();
    harness.run();
    assert!(harness.state().history().is_empty());
    harness.get_by_label("0 frames read");
    harness.get_by_label("Open-endedness so far: needs two frames");
}
