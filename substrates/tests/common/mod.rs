//! Shared helpers for the substrate tests: fixtures and the GPU.

#![allow(dead_code, reason = "each test binary uses a different subset")]

use std::path::PathBuf;
use std::sync::OnceLock;

use asal_substrates::Gpu;
use asal_substrates::tensors::TensorFile;

/// `../shared/fixtures/<sub>` relative to the repository root, or a clear panic.
pub(crate) fn fixture_dir(sub: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/fixtures")
        .join(sub);
    assert!(
        dir.is_dir(),
        "fixtures missing: {} not found; the tests read the shared/ folder that sits beside the repository",
        dir.display()
    );
    dir
}

/// The tensors of `fixtures/asal/<name>.safetensors`.
pub(crate) fn asal_fixture(name: &str) -> TensorFile {
    let path = fixture_dir("asal").join(format!("{name}.safetensors"));
    TensorFile::read(&path).unwrap_or_else(|e| panic!("cannot read fixture: {e}"))
}

/// One GPU for the whole test binary. A test that finds no adapter fails with the reason.
pub(crate) fn gpu() -> &'static Gpu {
    static GPU: OnceLock<Gpu> = OnceLock::new();
    GPU.get_or_init(|| match Gpu::new(None) {
        Ok(gpu) => {
            eprintln!("GPU tests on {}", gpu.describe());
            gpu
        }
        Err(e) => panic!("GPU tests need an adapter: {e}"),
    })
}

/// Largest absolute difference between two equally long slices.
pub(crate) fn max_abs_diff(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len(), "length mismatch");
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f32::max)
}
