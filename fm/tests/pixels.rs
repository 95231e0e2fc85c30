//! The pixel model against the original's `pixels_emb<k>` of every ASAL fixture.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]

mod common;

use asal_fm::{FmError, FoundationModel, Frame, PIXEL_DIM, PixelModel};

const FIXTURES: [&str; 9] = [
    "lenia",
    "gol",
    "boids",
    "plife",
    "plife_plus",
    "plenia",
    "dnca",
    "nca_d1",
    "nca_d3",
];
const IMAGENET_STD: [f32; 3] = [0.229, 0.224, 0.225];

/// (fixture, step, frame, expected embedding) for every frame with a pixel embedding.
fn cases() -> Vec<(String, String, Vec<f32>, Vec<f32>)> {
    let mut out = Vec::new();
    for name in FIXTURES {
        let t = common::load_tensors(
            &common::shared_dir().join(format!("fixtures/asal/{name}.safetensors")),
        );
        let mut steps: Vec<String> = t
            .keys()
            .filter_map(|k| k.strip_prefix("pixels_emb").map(str::to_string))
            .collect();
        steps.sort();
        assert!(
            steps.len() >= 2,
            "{name}: expected pixels_emb0 and pixels_emb64, found {steps:?}"
        );
        for s in steps {
            let frame = &t[&format!("frame{s}")];
            assert_eq!(frame.shape, vec![224, 224, 3]);
            let emb = t[&format!("pixels_emb{s}")].f32();
            assert_eq!(emb.len(), PIXEL_DIM);
            out.push((name.to_string(), s, frame.f32(), emb));
        }
    }
    out
}

#[test]
fn matches_every_fixture_from_f32_frames() {
    let model = PixelModel::new();
    let cases = cases();
    assert!(cases.len() >= 18);
    for (name, step, frame, want) in &cases {
        let got = model
            .embed_images(&[Frame::rgb_f32(224, 224, frame)])
            .unwrap();
        // The fixtures' own stated bound for an identical frame: ≤ 1e-6 per component.
        let d = common::max_abs_diff(&got, want);
        assert!(d <= 1e-6, "{name} frame{step}: max |diff| = {d:e}");
        assert!((common::norm(&got) - 1.0).abs() < 1e-6);
    }
}

#[test]
fn matches_every_fixture_from_rgba8_frames_within_the_quantisation_bound() {
    let model = PixelModel::new();
    for (name, step, frame, want) in cases() {
        let rgba: Vec<u8> = frame
            .chunks_exact(3)
            .flat_map(|p| {
                [p[0], p[1], p[2]]
                    .map(|v| (v.clamp(0.0, 1.0) * 255.0).round() as u8)
                    .into_iter()
                    .chain([255])
            })
            .collect();
        let f = Frame::rgba8(224, 224, &rgba);
        let got = model.embed_images(&[f]).unwrap();
        // Rounding to 8 bits moves each value by at most 0.5/255, so each pooled, normalised feature by
        // at most δ_c = 0.5/255/std_c. With v' the unnormalised features of the quantised frame and
        // e the reference embedding, |e'_i − e_i| ≤ (δ_i + |e_i|·‖δ‖) / ‖v'‖ (triangle inequality on
        // v'/‖v'‖ − v/‖v‖). 1e-6 covers float32 rounding on top.
        let v = PixelModel::features(&f, 0).unwrap();
        let vnorm = common::norm(&v);
        let delta: Vec<f64> = IMAGENET_STD
            .iter()
            .map(|s| 0.5 / 255.0 / f64::from(*s))
            .collect();
        let delta_norm = (delta.iter().map(|d| d * d).sum::<f64>() * 784.0).sqrt();
        let mut worst = 0.0f64;
        for i in 0..PIXEL_DIM {
            let bound = (delta[i / 784] + f64::from(want[i].abs()) * delta_norm) / vnorm + 1e-6;
            let diff = f64::from((got[i] - want[i]).abs());
            assert!(
                diff <= bound,
                "{name} frame{step} component {i}: |diff| {diff:e} > bound {bound:e}"
            );
            worst = worst.max(diff);
        }
        // And the embedding is still the same point for any objective: cosine ≥ 0.9999.
        let cos: f64 = got
            .iter()
            .zip(&want)
            .map(|(a, b)| f64::from(*a) * f64::from(*b))
            .sum();
        assert!(cos >= 0.9999, "{name} frame{step}: cosine {cos}");
        assert!(
            worst > 0.0 || name == "gol",
            "{name}: quantisation should perturb a non-binary frame"
        );
    }
}

#[test]
fn other_frame_sizes_are_resized_to_224() {
    // A flat colour stays flat through the resize, so a 50×50 frame must embed like the 224×224 one.
    let model = PixelModel::new();
    let small = vec![0.25f32; 50 * 50 * 3];
    let big = vec![0.25f32; 224 * 224 * 3];
    let a = model
        .embed_images(&[Frame::rgb_f32(50, 50, &small)])
        .unwrap();
    let b = model
        .embed_images(&[Frame::rgb_f32(224, 224, &big)])
        .unwrap();
    assert!(common::max_abs_diff(&a, &b) < 1e-6);
}

#[test]
fn folded_resize_and_pooling_equal_resizing_then_pooling() {
    // Up (the search's 64² Life frames, odd 50 and 7), same size, down (256, 300), non-square.
    let sizes = [
        (64, 64),
        (50, 50),
        (7, 7),
        (224, 224),
        (256, 256),
        (300, 97),
        (64, 48),
    ];
    let model = PixelModel::new();
    for (w, h) in sizes {
        let mut x: u32 = 0x9e37_79b9 ^ (w * 1000 + h) as u32;
        let bytes: Vec<u8> = (0..2 * w * h * 4)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                (x >> 24) as u8
            })
            .collect();
        let floats: Vec<f32> = bytes[..w * h * 3]
            .iter()
            .map(|&b| f32::from(b) / 255.0)
            .collect();
        let frames = [
            Frame::rgba8(w, h, &bytes[..w * h * 4]),
            Frame::rgba8(w, h, &bytes[w * h * 4..]),
            Frame::rgb_f32(w, h, &floats),
        ];
        let got = model.embed_images(&frames).unwrap();
        for (k, f) in frames.iter().enumerate() {
            let want = PixelModel::reference_embedding(f);
            // Both are the same linear map up to rounding: the reference resizes in f32 (relative
            // error ~1e-7 per resized value, components are at most 1 in magnitude), the model sums
            // in f64; 1e-6 is a few float32 ulps of a unit component, far below any real difference
            // (one pixel of a 64² frame changed by one level moves its cell's component by ~6e-5).
            let d = common::max_abs_diff(&got[k * PIXEL_DIM..(k + 1) * PIXEL_DIM], &want);
            assert!(d <= 1e-6, "{w}×{h} frame {k}: max |diff| = {d:e}");
        }
    }
}

#[test]
fn pixel_model_is_image_only_and_rejects_bad_frames() {
    let model = PixelModel::new();
    assert!(matches!(
        model.embed_texts(&["a cat".into()]),
        Err(FmError::ImageOnly { .. })
    ));
    let short = vec![0u8; 10];
    let err = model
        .embed_images(&[Frame::rgba8(224, 224, &short)])
        .unwrap_err();
    assert!(matches!(err, FmError::BadFrame { index: 0, .. }), "{err}");
}
