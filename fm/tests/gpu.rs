//! GPU preprocessing and the GPU pixel model against their CPU references, plus naga validation
//! of the kernels and the Rust/WGSL struct layouts.
//!
//! Tolerances, derived rather than tuned:
//! - Preprocessing (f32): the GPU applies the CPU's own f32 weights in the CPU's order; only fused
//!   multiply-adds and the division's rounding may differ. With values in [0, 1] and weights
//!   summing to 1, each of the ≤ ~20 roundings per value moves it by ≤ 2⁻²⁴, i.e. ≤ ~1.2e-6 before
//!   dividing by the smallest std (0.26): ≤ ~5e-6. We allow 2e-5.
//! - Preprocessing (f16): the above plus one f16 rounding step, ≤ 2⁻¹⁰·|v| (directed rounding is
//!   allowed by WGSL), so |gpu − cpu| ≤ 2⁻¹⁰·|v| + 2e-5.
//! - Pixel model: 64-term f32 block sums (≤ 63·2⁻²⁴·64 absolute on the sum, ÷64 ÷0.225) give
//!   ≤ 1.7e-5 per feature before L2; a row's norm is ≥ ~10 for any image (every feature is the
//!   normalised mean of a colour, |mean − μ|/σ is rarely small for all 2352), so ≤ ~2e-6 after.
//!   We allow 5e-6 and also check unit norms.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]

mod common;

use std::sync::OnceLock;

use asal_fm::gpu::{PixelParams, PreprocessParams, SHADERS, TapRange};
use asal_fm::preprocess::preprocess;
use asal_fm::{
    FmError, FoundationModel, Frame, GpuFrames, GpuPreprocessor, ImageSpec, OnnxModel, OnnxOptions,
    PIXEL_DIM, PixelModel, PixelValues, Precision,
};
use asal_substrates::{FrameTarget, Gpu};

fn parse(name: &str, source: &str) -> naga::Module {
    let module = naga::front::wgsl::parse_str(source)
        .unwrap_or_else(|e| panic!("{name}: {}", e.emit_to_string_with_path(source, name)));
    naga::valid::Validator::new(
        naga::valid::ValidationFlags::all(),
        naga::valid::Capabilities::all(),
    )
    .validate(&module)
    .unwrap_or_else(|e| panic!("{name}: {}", e.emit_to_string_with_path(source, name)));
    module
}

#[test]
fn every_kernel_validates_and_has_its_entry_point() {
    for (name, source, entry) in SHADERS {
        let module = parse(name, source);
        assert!(
            module
                .entry_points
                .iter()
                .any(|e| e.name == *entry && e.stage == naga::ShaderStage::Compute),
            "{name}: no compute entry point `{entry}`"
        );
    }
}

/// Size and field offsets of a WGSL struct as naga lays it out.
fn wgsl_layout(shader: &str, struct_name: &str) -> (usize, Vec<(String, usize)>) {
    let (_, source, _) = SHADERS.iter().find(|(n, ..)| *n == shader).unwrap();
    let module = parse(shader, source);
    for (_, ty) in module.types.iter() {
        if ty.name.as_deref() == Some(struct_name)
            && let naga::TypeInner::Struct { members, span } = &ty.inner
        {
            return (
                *span as usize,
                members
                    .iter()
                    .map(|m| (m.name.clone().unwrap_or_default(), m.offset as usize))
                    .collect(),
            );
        }
    }
    panic!("struct {struct_name} not found in {shader}");
}

fn check<T>(shader: &str, struct_name: &str, rust: &[(&str, usize)]) {
    let (size, fields) = wgsl_layout(shader, struct_name);
    assert_eq!(size, std::mem::size_of::<T>(), "{struct_name} size");
    assert_eq!(fields.len(), rust.len(), "{struct_name} field count");
    for ((wn, wo), (rn, ro)) in fields.iter().zip(rust) {
        assert_eq!(wn, rn, "{struct_name}: field order");
        assert_eq!(wo, ro, "{struct_name}.{wn} offset");
    }
}

#[test]
fn shared_structs_match_their_wgsl_mirrors() {
    use std::mem::offset_of;
    check::<PreprocessParams>(
        "fm_preprocess",
        "PreprocessParams",
        &[
            ("images", offset_of!(PreprocessParams, images)),
            ("src_width", offset_of!(PreprocessParams, src_width)),
            ("src_height", offset_of!(PreprocessParams, src_height)),
            ("size", offset_of!(PreprocessParams, size)),
            ("first_pixel", offset_of!(PreprocessParams, first_pixel)),
            ("image_stride", offset_of!(PreprocessParams, image_stride)),
            ("out_words", offset_of!(PreprocessParams, out_words)),
            ("half", offset_of!(PreprocessParams, half)),
            ("mean", offset_of!(PreprocessParams, mean)),
            ("std_dev", offset_of!(PreprocessParams, std_dev)),
        ],
    );
    check::<TapRange>(
        "fm_preprocess",
        "TapRange",
        &[
            ("start", offset_of!(TapRange, start)),
            ("count", offset_of!(TapRange, count)),
            ("weights", offset_of!(TapRange, weights)),
        ],
    );
    check::<PixelParams>(
        "fm_pixels",
        "PixelParams",
        &[
            ("images", offset_of!(PixelParams, images)),
            ("size", offset_of!(PixelParams, size)),
            ("grid", offset_of!(PixelParams, grid)),
            ("cell", offset_of!(PixelParams, cell)),
            ("mean", offset_of!(PixelParams, mean)),
            ("std_dev", offset_of!(PixelParams, std_dev)),
        ],
    );
}

/// One device and pipelines for the whole test binary; no adapter is a failure with the reason.
fn pre() -> &'static GpuPreprocessor {
    static PRE: OnceLock<GpuPreprocessor> = OnceLock::new();
    PRE.get_or_init(|| {
        let gpu = Gpu::new(None).unwrap_or_else(|e| panic!("GPU tests need an adapter: {e}"));
        eprintln!("GPU tests on {}", gpu.describe());
        GpuPreprocessor::new(&gpu).unwrap()
    })
}

/// Deterministic, varied RGBA8 frames (a hash of position and frame index).
fn frames_rgba(n: usize, w: usize, h: usize, seed: u32) -> Vec<u8> {
    (0..n * w * h * 4)
        .map(|i| {
            let mut x = (i as u32).wrapping_mul(0x9e37_79b9) ^ seed.wrapping_mul(0x85eb_ca6b);
            x ^= x >> 15;
            x = x.wrapping_mul(0x2c1b_3c6d);
            x ^= x >> 12;
            (x & 0xff) as u8
        })
        .collect()
}

fn host_frames(bytes: &[u8], w: usize, h: usize) -> Vec<Frame<'_>> {
    bytes
        .chunks_exact(w * h * 4)
        .map(|d| Frame::rgba8(w, h, d))
        .collect()
}

fn max_abs_diff(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len());
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f32::max)
}

#[test]
fn preprocessing_matches_the_cpu_for_up_down_and_same_size() {
    let spec = ImageSpec {
        size: 16,
        ..ImageSpec::CLIP
    };
    // Same size, upsampling, antialiased downsampling (×3), and a non-square frame that is
    // downsampled in x and upsampled in y.
    for (w, h) in [(16, 16), (7, 7), (48, 48), (40, 10)] {
        let bytes = frames_rgba(3, w, h, (w * 31 + h) as u32);
        let frames = host_frames(&bytes, w, h);
        let want = preprocess(&frames, &spec).unwrap();
        let got = pre()
            .preprocess_host(&frames, &spec, Precision::F32)
            .unwrap();
        let PixelValues::F32(got) = got else {
            panic!("asked for f32")
        };
        let d = max_abs_diff(&got, &want);
        eprintln!("{w}×{h} → 16: max |diff| {d:e}");
        assert!(d <= 2e-5, "{w}×{h} → 16: max |diff| {d:e}");

        let PixelValues::F16(half) = pre()
            .preprocess_host(&frames, &spec, Precision::F16)
            .unwrap()
        else {
            panic!("asked for f16")
        };
        assert_eq!(half.len(), want.len());
        for (i, (g, c)) in half.iter().zip(&want).enumerate() {
            let bound = c.abs() * 2f32.powi(-10) + 2e-5;
            assert!(
                (g.to_f32() - c).abs() <= bound,
                "{w}×{h} f16 value {i}: {} vs {c}",
                g.to_f32()
            );
        }
    }
}

#[test]
fn odd_f16_totals_and_empty_batches_work() {
    // 3·5·5 = 75 values: the last packed word holds one value and a zero.
    let spec = ImageSpec {
        size: 5,
        ..ImageSpec::IMAGENET
    };
    let bytes = frames_rgba(1, 9, 9, 7);
    let frames = host_frames(&bytes, 9, 9);
    let want = preprocess(&frames, &spec).unwrap();
    let got = pre()
        .preprocess_host(&frames, &spec, Precision::F16)
        .unwrap();
    assert_eq!(got.len(), 75);
    let d = max_abs_diff(&got.to_f32(), &want);
    assert!(d < 1e-2, "{d:e}");
    let empty = pre().preprocess_host(&[], &spec, Precision::F32).unwrap();
    assert!(empty.is_empty());
}

#[test]
fn strided_frames_of_a_rollout_target_select_one_slot() {
    let p = pre();
    let (worlds, slots, size) = (3u32, 2u32, 12u32);
    let target = FrameTarget::new(p.gpu(), worlds, slots, size).unwrap();
    let bytes = frames_rgba((worlds * slots) as usize, size as usize, size as usize, 99);
    p.gpu().queue.write_buffer(&target.buffer, 0, &bytes);
    let spec = ImageSpec {
        size: 8,
        ..ImageSpec::CLIP
    };
    let all = host_frames(&bytes, size as usize, size as usize);
    // Slot 1 of each world: frames 1, 3, 5 in world-major order.
    let slot1: Vec<Frame<'_>> = all.iter().skip(1).step_by(2).copied().collect();
    let want = preprocess(&slot1, &spec).unwrap();
    let got = p
        .preprocess(&GpuFrames::slot(&target, 1).unwrap(), &spec, Precision::F32)
        .unwrap()
        .to_f32();
    assert!(max_abs_diff(&got, &want) <= 2e-5);
    // All frames, and the readback helper.
    let got_all = p
        .preprocess(&GpuFrames::all(&target), &spec, Precision::F32)
        .unwrap()
        .to_f32();
    assert!(max_abs_diff(&got_all, &preprocess(&all, &spec).unwrap()) <= 2e-5);
    assert_eq!(
        p.read_frames(&GpuFrames::slot(&target, 1).unwrap())
            .unwrap(),
        slot1
            .iter()
            .flat_map(|f| match f.pixels {
                asal_fm::Pixels::Rgba8(d) => d.to_vec(),
                asal_fm::Pixels::RgbF32(_) => unreachable!(),
            })
            .collect::<Vec<u8>>()
    );
    assert!(matches!(
        GpuFrames::slot(&target, 2),
        Err(FmError::InvalidOption { .. })
    ));
}

#[test]
fn bad_layouts_are_errors_not_gpu_faults() {
    let p = pre();
    let (buffer, w, h) = p
        .upload(&host_frames(&frames_rgba(2, 4, 4, 1), 4, 4))
        .unwrap();
    let spec = ImageSpec {
        size: 4,
        ..ImageSpec::CLIP
    };
    let too_many = GpuFrames::packed(&buffer, w, h, 3);
    assert!(matches!(
        p.preprocess(&too_many, &spec, Precision::F32),
        Err(FmError::BadFrame { .. })
    ));
    let mixed = [Frame::rgba8(1, 1, &[0; 4]), Frame::rgba8(2, 1, &[0; 8])];
    assert!(matches!(
        p.upload(&mixed),
        Err(FmError::BadFrame { index: 1, .. })
    ));
    let rgb = [0.5f32; 3];
    assert!(p.upload(&[Frame::rgb_f32(1, 1, &rgb)]).is_err());
}

fn check_pixels(frames: &[Frame<'_>], what: &str) {
    let want = PixelModel::new().embed_images(frames).unwrap();
    let got = pre().pixel_embeddings_host(frames).unwrap();
    assert_eq!(got.len(), frames.len() * PIXEL_DIM);
    let d = max_abs_diff(&got, &want);
    eprintln!("{what}: max |diff| {d:e}");
    assert!(d <= 5e-6, "{what}: max |diff| {d:e}");
    for row in got.chunks_exact(PIXEL_DIM) {
        assert!((common::norm(row) - 1.0).abs() < 1e-5, "{what}: norm");
    }
}

#[test]
fn pixel_model_matches_the_cpu_on_fixture_frames() {
    // Two frames of the original's Lenia fixture at 224, quantised to RGBA8 as the renderer gives them.
    let t = common::load_tensors(&common::shared_dir().join("fixtures/asal/lenia.safetensors"));
    let mut bytes = Vec::new();
    for key in ["frame0", "frame64"] {
        let f = t
            .get(key)
            .unwrap_or_else(|| panic!("lenia fixture lacks {key}"));
        bytes.extend(f.f32().chunks_exact(3).flat_map(|p| {
            [p[0], p[1], p[2]]
                .map(|v| (v.clamp(0.0, 1.0) * 255.0).round() as u8)
                .into_iter()
                .chain([255])
        }));
    }
    check_pixels(&host_frames(&bytes, 224, 224), "lenia fixture frames");
}

#[test]
fn pixel_model_matches_the_cpu_when_resizing() {
    let up = frames_rgba(2, 50, 50, 3);
    check_pixels(&host_frames(&up, 50, 50), "50 → 224");
    let down = frames_rgba(1, 256, 256, 4);
    check_pixels(&host_frames(&down, 256, 256), "256 → 224");
    // A black frame: the features are the normalised black, not NaN.
    let black = vec![0u8; 8 * 8 * 4];
    check_pixels(&host_frames(&black, 8, 8), "black");
}

#[test]
fn embed_routes_each_model_kind() {
    let p = pre();
    let bytes = frames_rgba(3, 24, 24, 5);
    let frames = host_frames(&bytes, 24, 24);
    let (buffer, w, h) = p.upload(&frames).unwrap();
    let gpu_frames = GpuFrames::packed(&buffer, w, h, 3);

    // Pixel model: entirely on the GPU.
    let pixels = PixelModel::new();
    let got = p.embed(&pixels, &gpu_frames).unwrap();
    assert!(max_abs_diff(&got, &pixels.embed_images(&frames).unwrap()) <= 5e-6);

    // The cached model reads frames back and embeds through the cache.
    let cached = asal_fm::CachedModel::new(PixelModel::new(), 16);
    let got = p.embed(&cached, &gpu_frames).unwrap();
    assert!(max_abs_diff(&got, &pixels.embed_images(&frames).unwrap()) <= 1e-7);
    assert_eq!(cached.stats(), (0, 3));

    // ONNX models (f32 and fp16 files): GPU preprocessing, then the model. The preprocessed input
    // differs from the CPU's by ≤ 2e-5 (f32); through this tiny model that stays far below the
    // 1e-4 the goldens are checked with. The fp16 file sees f16 input on both paths, with the
    // same rounding bound as above, so it agrees within fp16 precision.
    let dir = common::tiny_clip_with_tokenizer();
    for (variant, tol) in [("fp32", 1e-4), ("fp16", 1e-2)] {
        let model = OnnxModel::open(
            dir.path(),
            &OnnxOptions {
                variant: Some(variant.into()),
                batch_size: 2,
                ..OnnxOptions::default()
            },
        )
        .unwrap();
        let want_precision = if variant == "fp16" {
            Precision::F16
        } else {
            Precision::F32
        };
        assert_eq!(model.input_precision(), want_precision);
        let got = p.embed(&model, &gpu_frames).unwrap();
        let want = model.embed_images(&frames).unwrap();
        let d = max_abs_diff(&got, &want);
        eprintln!("{variant}: max |diff| {d:e}");
        assert!(d < tol, "{variant}: max |diff| {d:e}");
        for row in got.chunks_exact(model.dim()) {
            assert!((common::norm(row) - 1.0).abs() < 1e-5);
        }
    }
}
