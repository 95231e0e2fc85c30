//! Fixture loading shared by the unit tests.

use std::collections::HashMap;
use std::path::PathBuf;

/// Directory of the golden ASAL fixtures.
pub(crate) fn fixture_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/fixtures/asal")
}

/// All F32 (and I32, converted) tensors of `fixtures/asal/<name>.safetensors`, by name.
/// Panics with a message saying where the fixture was expected, since a missing fixture must fail
/// the test rather than skip it.
pub(crate) fn load_fixture(name: &str) -> HashMap<String, Vec<f32>> {
    let path = fixture_dir().join(format!("{name}.safetensors"));
    let bytes = std::fs::read(&path).unwrap_or_else(|e| {
        panic!(
            "fixture {} not found ({e}); the shared fixtures must be checked out next to the repository (../shared/fixtures/asal)",
            path.display()
        )
    });
    let st = safetensors::SafeTensors::deserialize(&bytes)
        .unwrap_or_else(|e| panic!("fixture {} is not valid safetensors: {e}", path.display()));
    let mut out = HashMap::new();
    for (name, view) in st.tensors() {
        let data = view.data();
        let values: Vec<f32> = match view.dtype() {
            safetensors::Dtype::F32 => data
                .chunks_exact(4)
                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                .collect(),
            safetensors::Dtype::I32 => data
                .chunks_exact(4)
                .map(|b| i32::from_le_bytes([b[0], b[1], b[2], b[3]]) as f32)
                .collect(),
            _ => continue,
        };
        out.insert(name, values);
    }
    out
}

/// Fetch a tensor or panic naming it.
pub(crate) fn tensor<'a>(t: &'a HashMap<String, Vec<f32>>, name: &str) -> &'a [f32] {
    t.get(name)
        .unwrap_or_else(|| panic!("fixture tensor {name} missing"))
}
