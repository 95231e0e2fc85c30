//! Real ONNX Runtime inference on the committed tiny CLIP model (assets/test-models/tiny-clip).
//!
//! These tests need the ONNX Runtime library; they find it the way the CLI does and fail with the
//! list of places tried when it is missing (install it with scripts/install-onnxruntime.sh).
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]

mod common;

use asal_fm::{
    ExecutionProvider, FmError, FoundationModel, Frame, ImageSpec, OnnxModel, OnnxOptions,
    open_model, runtime_info,
};

fn options(batch_size: usize) -> OnnxOptions {
    OnnxOptions {
        batch_size,
        ..OnnxOptions::default()
    }
}

struct Goldens {
    frames: Vec<u8>,
    pixel_values: Vec<f32>,
    image_embeds: Vec<f32>,
    input_ids: Vec<i64>,
    text_embeds: Vec<f32>,
    prompts: Vec<String>,
}

fn goldens() -> Goldens {
    let dir = common::tiny_clip_dir();
    let t = common::load_tensors(&dir.join("goldens.safetensors"));
    let meta: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("goldens.json")).unwrap()).unwrap();
    assert_eq!(t["frames"].shape, vec![4, 32, 32, 4]);
    Goldens {
        frames: t["frames"].data.clone(),
        pixel_values: t["pixel_values"].f32(),
        image_embeds: t["image_embeds"].f32(),
        input_ids: t["input_ids"].i64(),
        text_embeds: t["text_embeds"].f32(),
        prompts: meta["prompts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p.as_str().unwrap().to_string())
            .collect(),
    }
}

fn frames(g: &Goldens) -> Vec<Frame<'_>> {
    g.frames
        .chunks_exact(32 * 32 * 4)
        .map(|f| Frame::rgba8(32, 32, f))
        .collect()
}

fn normalized_rows(rows: &[f32], d: usize) -> Vec<f32> {
    rows.chunks_exact(d).flat_map(common::normalized).collect()
}

#[test]
fn runtime_is_found_and_reports_version_and_cpu() {
    let info = runtime_info().unwrap_or_else(|e| panic!("{e}"));
    assert!(
        info.library.to_string_lossy().contains("onnxruntime"),
        "{info:?}"
    );
    assert!(info.version.starts_with("1."), "version {:?}", info.version);
    assert!(info.providers.iter().any(|p| p == "cpu"));
}

#[test]
fn loads_the_tiny_model_with_its_preprocessor_settings() {
    let dir = common::tiny_clip_with_tokenizer();
    let model = OnnxModel::open(dir.path(), &options(8)).unwrap();
    assert_eq!(model.dim(), 16);
    assert!(model.supports_text());
    assert_eq!(
        model.image_spec(),
        Some(ImageSpec {
            size: 32,
            ..ImageSpec::CLIP
        })
    );
    assert!(model.files().vision.ends_with("onnx/vision_model.onnx"));
    assert!(
        model
            .files()
            .text
            .as_ref()
            .unwrap()
            .ends_with("onnx/text_model.onnx")
    );
}

#[test]
fn preprocessing_matches_the_golden_pixel_values() {
    let g = goldens();
    let spec = ImageSpec {
        size: 32,
        ..ImageSpec::CLIP
    };
    let got = asal_fm::preprocess::preprocess(&frames(&g), &spec).unwrap();
    // Same formula ((v/255 − mean)/std) in float32 on both sides; only the division order can differ.
    assert!(common::max_abs_diff(&got, &g.pixel_values) < 1e-6);
}

#[test]
fn image_embeddings_match_python_onnxruntime() {
    let g = goldens();
    let dir = common::tiny_clip_with_tokenizer();
    let model = OnnxModel::open(dir.path(), &options(8)).unwrap();
    let got = model.embed_images(&frames(&g)).unwrap();
    assert_eq!(got.len(), 4 * 16);
    for row in got.chunks_exact(16) {
        assert!((common::norm(row) - 1.0).abs() < 1e-5);
    }
    // Same runtime version and graph, but Rust enables graph optimisations (fusions) that the golden
    // run disabled, which reorders float32 sums: 1e-4 on unit vectors is ~1000 ulps of slack, far below
    // what any real mistake (wrong layout, normalisation, pooling) produces (differences of order 0.1).
    let want = normalized_rows(&g.image_embeds, 16);
    let d = common::max_abs_diff(&got, &want);
    assert!(d < 1e-4, "max |diff| {d:e}");
    // The four frames must embed differently, or the comparison above could pass vacuously.
    let cos01: f32 = got[..16].iter().zip(&got[16..32]).map(|(a, b)| a * b).sum();
    assert!(cos01 < 0.99, "distinct frames embed alike (cos {cos01})");
}

#[test]
fn preprocessed_input_path_matches_the_frame_path() {
    let g = goldens();
    let dir = common::tiny_clip_with_tokenizer();
    let model = OnnxModel::open(dir.path(), &options(3)).unwrap();
    let a = model.embed_images(&frames(&g)).unwrap();
    let b = model.embed_pixel_values(&g.pixel_values, 4).unwrap();
    assert!(common::max_abs_diff(&a, &b) < 1e-5);
    assert!(matches!(
        model.embed_pixel_values(&g.pixel_values[1..], 4),
        Err(FmError::BadFrame { .. })
    ));
}

#[test]
fn text_embeddings_match_python_onnxruntime() {
    let g = goldens();
    let dir = common::tiny_clip_with_tokenizer();
    let model = OnnxModel::open(dir.path(), &options(8)).unwrap();
    // The goldens' ids are the fixture's expected ids, padded: the tokenizer must produce them.
    let batch = model.tokenizer().unwrap().encode_batch(&g.prompts).unwrap();
    assert_eq!(batch.ids, g.input_ids);
    let got = model.embed_texts(&g.prompts).unwrap();
    assert_eq!(got.len(), g.prompts.len() * 16);
    let want = normalized_rows(&g.text_embeds, 16);
    let d = common::max_abs_diff(&got, &want);
    assert!(d < 1e-4, "max |diff| {d:e}");
    for row in got.chunks_exact(16) {
        assert!((common::norm(row) - 1.0).abs() < 1e-5);
    }
}

#[test]
fn results_do_not_depend_on_the_batch_size() {
    let g = goldens();
    let dir = common::tiny_clip_with_tokenizer();
    let one = OnnxModel::open(dir.path(), &options(1)).unwrap();
    let three = OnnxModel::open(dir.path(), &options(3)).unwrap();
    // 4 frames in batches of 1 vs. 3 + 1: per-item results may differ only by kernel-level rounding.
    let a = one.embed_images(&frames(&g)).unwrap();
    let b = three.embed_images(&frames(&g)).unwrap();
    assert!(common::max_abs_diff(&a, &b) < 1e-5);
    let prompts: Vec<String> = g.prompts.iter().chain(&g.prompts).cloned().collect();
    let a = one.embed_texts(&prompts).unwrap();
    let b = three.embed_texts(&prompts).unwrap();
    assert!(common::max_abs_diff(&a, &b) < 1e-5);
    // The repeated prompts embed identically.
    assert!(common::max_abs_diff(&a[..48], &a[48..]) < 1e-5);
}

#[test]
fn fp16_variant_takes_half_inputs_and_agrees() {
    let g = goldens();
    let dir = common::tiny_clip_with_tokenizer();
    let fp32 = OnnxModel::open(dir.path(), &options(4)).unwrap();
    let fp16 = OnnxModel::open(
        dir.path(),
        &OnnxOptions {
            variant: Some("fp16".into()),
            ..options(4)
        },
    )
    .unwrap();
    assert!(fp16.files().vision.ends_with("vision_model_fp16.onnx"));
    let a = fp32.embed_images(&frames(&g)).unwrap();
    let b = fp16.embed_images(&frames(&g)).unwrap();
    // The fp16 twin computes in float32 but rounds its input (|x| ≤ ~2.2, half ulp ≈ 1e-3) and its
    // output (unit-scale values, half ulp ≈ 5e-4) to half precision: a few 1e-3 at most.
    let d = common::max_abs_diff(&a, &b);
    assert!(d < 1e-2 && d > 0.0, "fp16 vs fp32: {d:e}");
    // No text tower in that variant: the text model of another variant is used.
    assert!(fp16.supports_text());
}

#[test]
fn optimum_layout_and_image_only_models() {
    let g = goldens();
    // Optimum-style: the files at the top level of the directory.
    let flat = tempfile::tempdir().unwrap();
    let src = common::tiny_clip_dir();
    for f in ["vision_model.onnx", "text_model.onnx"] {
        std::fs::copy(src.join("onnx").join(f), flat.path().join(f)).unwrap();
    }
    std::fs::copy(
        src.join("preprocessor_config.json"),
        flat.path().join("preprocessor_config.json"),
    )
    .unwrap();
    std::fs::copy(
        common::fixture_tokenizer(),
        flat.path().join("tokenizer.json"),
    )
    .unwrap();
    let m = OnnxModel::open(flat.path(), &options(4)).unwrap();
    let a = m.embed_images(&frames(&g)).unwrap();
    assert!(common::max_abs_diff(&a, &normalized_rows(&g.image_embeds, 16)) < 1e-4);

    // An image tower alone (as a DINOv2 export): images work, text is a clear error.
    let only = tempfile::tempdir().unwrap();
    std::fs::copy(
        src.join("onnx/vision_model.onnx"),
        only.path().join("model.onnx"),
    )
    .unwrap();
    let m = OnnxModel::open(only.path(), &options(4)).unwrap();
    assert!(!m.supports_text());
    // No preprocessor_config.json: the CLIP defaults, but the graph's fixed 32×32 input wins over 224.
    assert_eq!(m.image_spec().unwrap().size, 32);
    assert_eq!(m.embed_images(&frames(&g)).unwrap().len(), 64);
    let err = m.embed_texts(&["a cat".into()]).unwrap_err();
    assert!(matches!(err, FmError::ImageOnly { .. }), "{err}");
}

#[test]
fn frames_of_other_sizes_are_resized() {
    let dir = common::tiny_clip_with_tokenizer();
    let model = OnnxModel::open(dir.path(), &options(4)).unwrap();
    // A 64×64 frame made of 2×2 blocks of a 32×32 frame: antialiased 2× downsampling of such a frame
    // is not exactly the original (the kernel reaches into neighbouring blocks) but close.
    let g = goldens();
    let small = &g.frames[..32 * 32 * 4];
    let mut big = vec![0u8; 64 * 64 * 4];
    for y in 0..64 {
        for x in 0..64 {
            let s = ((y / 2) * 32 + x / 2) * 4;
            big[(y * 64 + x) * 4..(y * 64 + x) * 4 + 4].copy_from_slice(&small[s..s + 4]);
        }
    }
    let a = model.embed_images(&[Frame::rgba8(32, 32, small)]).unwrap();
    let b = model.embed_images(&[Frame::rgba8(64, 64, &big)]).unwrap();
    let cos: f32 = a.iter().zip(&b).map(|(x, y)| x * y).sum();
    assert!(cos > 0.95, "cos {cos}");
}

#[test]
fn bad_model_directories_are_clear_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let err = OnnxModel::open(&tmp.path().join("nope"), &options(4)).unwrap_err();
    assert!(matches!(err, FmError::MissingPath { .. }), "{err}");
    let err = OnnxModel::open(tmp.path(), &options(4)).unwrap_err();
    assert!(matches!(err, FmError::NoModelFiles { .. }), "{err}");

    // A corrupt ONNX file names the file.
    std::fs::write(tmp.path().join("model.onnx"), b"this is not a protobuf").unwrap();
    let err = OnnxModel::open(tmp.path(), &options(4)).unwrap_err();
    assert!(matches!(err, FmError::ModelLoad { .. }), "{err}");
    assert!(err.to_string().contains("model.onnx"));

    // A text tower without a tokenizer.
    let notok = tempfile::tempdir().unwrap();
    common::copy_dir(&common::tiny_clip_dir(), notok.path());
    let err = OnnxModel::open(notok.path(), &options(4)).unwrap_err();
    assert!(err.to_string().contains("tokenizer.json"), "{err}");

    // A variant that is not there, and a zero batch size.
    let dir = common::tiny_clip_with_tokenizer();
    let err = OnnxModel::open(
        dir.path(),
        &OnnxOptions {
            variant: Some("q4".into()),
            ..options(4)
        },
    )
    .unwrap_err();
    assert!(
        matches!(
            err,
            FmError::InvalidOption {
                field: "variant",
                ..
            }
        ),
        "{err}"
    );
    let err = OnnxModel::open(dir.path(), &options(0)).unwrap_err();
    assert!(
        matches!(
            err,
            FmError::InvalidOption {
                field: "batch_size",
                ..
            }
        ),
        "{err}"
    );

    // An empty prompt.
    let model = OnnxModel::open(dir.path(), &options(4)).unwrap();
    assert!(matches!(
        model.embed_texts(&["".into()]),
        Err(FmError::EmptyPrompt { index: 0 })
    ));
}

#[test]
fn unavailable_execution_provider_is_an_error_not_a_silent_fallback() {
    let info = runtime_info().unwrap();
    if info.providers.iter().any(|p| p == "coreml") {
        return; // Only meaningful where CoreML is absent (everything but macOS builds).
    }
    let dir = common::tiny_clip_with_tokenizer();
    let err = OnnxModel::open(
        dir.path(),
        &OnnxOptions {
            provider: ExecutionProvider::CoreMl,
            ..options(4)
        },
    )
    .unwrap_err();
    assert!(matches!(err, FmError::ProviderUnavailable { .. }), "{err}");
}

#[test]
fn open_model_accepts_pixels_and_directories() {
    let m = open_model("pixels", &OnnxOptions::default()).unwrap();
    assert_eq!(m.dim(), asal_fm::PIXEL_DIM);
    let dir = common::tiny_clip_with_tokenizer();
    let m = open_model(dir.path().to_str().unwrap(), &OnnxOptions::default()).unwrap();
    assert_eq!(m.dim(), 16);
}

#[test]
fn combined_model_file_embeds_both_images_and_text() {
    let g = goldens();
    let dir = tempfile::tempdir().unwrap();
    let src = common::tiny_clip_dir().join("../tiny-clip-combined");
    common::copy_dir(&src, dir.path());
    std::fs::copy(
        common::fixture_tokenizer(),
        dir.path().join("tokenizer.json"),
    )
    .unwrap();
    let model = OnnxModel::open(dir.path(), &options(3)).unwrap();
    assert!(model.files().vision.ends_with("model.onnx") && model.files().text.is_none());
    assert!(model.supports_text());
    // The same weights as the separate towers: the same goldens, with the unused side fed a dummy.
    let img = model.embed_images(&frames(&g)).unwrap();
    assert!(common::max_abs_diff(&img, &normalized_rows(&g.image_embeds, 16)) < 1e-4);
    let txt = model.embed_texts(&g.prompts).unwrap();
    assert!(common::max_abs_diff(&txt, &normalized_rows(&g.text_embeds, 16)) < 1e-4);
}
