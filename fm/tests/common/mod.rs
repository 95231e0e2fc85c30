//! Helpers shared by the integration tests.
#![allow(
    dead_code,
    reason = "each test binary uses a different subset of the helpers"
)]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test helpers: a failure is a test failure"
)]

use std::path::PathBuf;

/// The shared fixtures folder, `../../shared` from the crate root; panics with the fix when missing.
pub(crate) fn shared_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared");
    assert!(
        dir.join("fixtures").is_dir(),
        "shared fixtures not found at {} (expected the project's shared/ folder beside the repository checkout)",
        dir.display()
    );
    dir
}

/// The fixture CLIP tokenizer.
pub(crate) fn fixture_tokenizer() -> PathBuf {
    shared_dir().join("fixtures/clip/tokenizer.json")
}

/// The committed tiny CLIP test model.
pub(crate) fn tiny_clip_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../assets/test-models/tiny-clip");
    assert!(
        dir.join("onnx/vision_model.onnx").is_file(),
        "missing {}; run scripts/make_test_models.py",
        dir.display()
    );
    dir
}

/// A copy of the tiny model in a temp dir, with the fixture tokenizer beside it (the 3.6 MB
/// tokenizer is not committed with the model).
pub(crate) fn tiny_clip_with_tokenizer() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(&tiny_clip_dir(), tmp.path());
    std::fs::copy(fixture_tokenizer(), tmp.path().join("tokenizer.json")).unwrap();
    tmp
}

pub(crate) fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let dst = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &dst);
        } else {
            std::fs::copy(e.path(), dst).unwrap();
        }
    }
}

/// A tensor from a safetensors file as little-endian values.
pub(crate) struct Tensor {
    pub(crate) shape: Vec<usize>,
    pub(crate) data: Vec<u8>,
}

impl Tensor {
    pub(crate) fn f32(&self) -> Vec<f32> {
        self.data
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes(b.try_into().unwrap()))
            .collect()
    }
    pub(crate) fn i64(&self) -> Vec<i64> {
        self.data
            .chunks_exact(8)
            .map(|b| i64::from_le_bytes(b.try_into().unwrap()))
            .collect()
    }
}

pub(crate) fn load_tensors(path: &std::path::Path) -> std::collections::HashMap<String, Tensor> {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    let st = safetensors::SafeTensors::deserialize(&bytes).unwrap();
    st.tensors()
        .into_iter()
        .map(|(name, t)| {
            (
                name,
                Tensor {
                    shape: t.shape().to_vec(),
                    data: t.data().to_vec(),
                },
            )
        })
        .collect()
}

pub(crate) fn norm(row: &[f32]) -> f64 {
    row.iter()
        .map(|v| f64::from(*v) * f64::from(*v))
        .sum::<f64>()
        .sqrt()
}

pub(crate) fn normalized(row: &[f32]) -> Vec<f32> {
    let n = norm(row);
    row.iter().map(|v| (f64::from(*v) / n) as f32).collect()
}

pub(crate) fn max_abs_diff(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len());
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f32::max)
}
