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

/// Checks that a WGSL struct, as naga lays it out in `shader`, has the size of its Rust mirror
/// `T` and each listed field at the listed offset (padding fields may be left out).
pub(crate) fn check_layout<T>(shader: &str, struct_name: &str, rust: &[(&str, usize)]) {
    let source = asal_substrates::shaders::ALL
        .iter()
        .find(|(n, ..)| *n == shader)
        .unwrap_or_else(|| panic!("no shader {shader}"))
        .1;
    let module = naga::front::wgsl::parse_str(source)
        .unwrap_or_else(|e| panic!("{shader}: {}", e.emit_to_string_with_path(source, shader)));
    naga::valid::Validator::new(
        naga::valid::ValidationFlags::all(),
        naga::valid::Capabilities::all(),
    )
    .validate(&module)
    .unwrap_or_else(|e| panic!("{shader}: {}", e.emit_to_string_with_path(source, shader)));
    let (span, members) = module
        .types
        .iter()
        .find_map(|(_, ty)| match &ty.inner {
            naga::TypeInner::Struct { members, span }
                if ty.name.as_deref() == Some(struct_name) =>
            {
                Some((*span, members.clone()))
            }
            _ => None,
        })
        .unwrap_or_else(|| panic!("{shader}: no struct {struct_name}"));
    assert_eq!(
        span as usize,
        std::mem::size_of::<T>(),
        "{struct_name} size in {shader}"
    );
    for (name, offset) in rust {
        let member = members
            .iter()
            .find(|m| m.name.as_deref() == Some(*name))
            .unwrap_or_else(|| panic!("{shader}: {struct_name} has no field {name}"));
        assert_eq!(
            member.offset as usize, *offset,
            "{struct_name}.{name} in {shader}"
        );
    }
}
