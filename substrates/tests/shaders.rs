//! Every WGSL kernel parses and validates with naga (no GPU needed), and every struct shared
//! between Rust and WGSL has the same size and field offsets on both sides.

#![allow(clippy::unwrap_used, reason = "a test fails loudly on any error")]

mod common;

use asal_substrates::bench::ProbeParams;
use asal_substrates::gol::{FuseParams, GolParams};
use asal_substrates::lenia::{Camera, KernelInfo, LeniaParams, Tap};
use asal_substrates::shaders::ALL;
use asal_substrates::substrate::FrameParams;

fn parse(name: &str, source: &str) -> (naga::Module, naga::valid::ModuleInfo) {
    let module = naga::front::wgsl::parse_str(source)
        .unwrap_or_else(|e| panic!("{name}: {}", e.emit_to_string_with_path(source, name)));
    let info = naga::valid::Validator::new(
        naga::valid::ValidationFlags::all(),
        naga::valid::Capabilities::all(),
    )
    .validate(&module)
    .unwrap_or_else(|e| panic!("{name}: {}", e.emit_to_string_with_path(source, name)));
    (module, info)
}

#[test]
fn every_shader_validates_and_has_its_entry_point() {
    for (name, source, entry) in ALL {
        let (module, _) = parse(name, source);
        assert!(
            module
                .entry_points
                .iter()
                .any(|e| e.name == *entry && e.stage == naga::ShaderStage::Compute),
            "{name}: no compute entry point `{entry}`"
        );
    }
}

fn check<T>(shader: &str, struct_name: &str, rust_offsets: &[(&str, usize)]) {
    common::check_layout::<T>(shader, struct_name, rust_offsets);
}

#[test]
fn shared_structs_match_their_wgsl_mirrors() {
    use std::mem::offset_of;
    let gol = [
        ("size", offset_of!(GolParams, size)),
        ("words_per_row", offset_of!(GolParams, words_per_row)),
        ("worlds", offset_of!(GolParams, worlds)),
        ("seed", offset_of!(GolParams, seed)),
        ("first_world", offset_of!(GolParams, first_world)),
        ("p0_fixed", offset_of!(GolParams, p0_fixed)),
    ];
    for shader in ["gol_init", "gol_step", "gol_fused", "gol_render"] {
        check::<GolParams>(shader, "GolParams", &gol);
    }
    check::<FuseParams>(
        "gol_fused",
        "FuseParams",
        &[("steps", offset_of!(FuseParams, steps))],
    );
    let lenia = [
        ("size", offset_of!(LeniaParams, size)),
        ("channels", offset_of!(LeniaParams, channels)),
        ("kernels", offset_of!(LeniaParams, kernels)),
        ("worlds", offset_of!(LeniaParams, worlds)),
        ("dt", offset_of!(LeniaParams, dt)),
        ("growth", offset_of!(LeniaParams, growth)),
        ("recenter", offset_of!(LeniaParams, recenter)),
        ("crop", offset_of!(LeniaParams, crop)),
        ("radius", offset_of!(LeniaParams, radius)),
        ("reach", offset_of!(LeniaParams, reach)),
    ];
    for shader in ["lenia_step", "lenia_camera", "lenia_render"] {
        check::<LeniaParams>(shader, "LeniaParams", &lenia);
    }
    check::<KernelInfo>(
        "lenia_step",
        "KernelInfo",
        &[
            ("tap_start", offset_of!(KernelInfo, tap_start)),
            ("tap_end", offset_of!(KernelInfo, tap_end)),
            ("source", offset_of!(KernelInfo, source)),
            ("dest", offset_of!(KernelInfo, dest)),
        ],
    );
    check::<Tap>(
        "lenia_step",
        "Tap",
        &[
            ("offset", offset_of!(Tap, offset)),
            ("weight", offset_of!(Tap, weight)),
        ],
    );
    check::<Camera>(
        "lenia_camera",
        "Camera",
        &[
            ("center", offset_of!(Camera, center)),
            ("shift", offset_of!(Camera, shift)),
            ("total", offset_of!(Camera, total)),
            ("mass", offset_of!(Camera, mass)),
        ],
    );
    let frame = [
        ("slot", offset_of!(FrameParams, slot)),
        ("size", offset_of!(FrameParams, size)),
        ("slots", offset_of!(FrameParams, slots)),
        ("worlds", offset_of!(FrameParams, worlds)),
    ];
    // Every kernel declaring FrameParams (they all take it from common/frame.wgsl).
    let mut renders = 0;
    for (name, source, _) in asal_substrates::shaders::ALL {
        if source.contains("struct FrameParams") {
            check::<FrameParams>(name, "FrameParams", &frame);
            renders += 1;
        }
    }
    assert!(renders >= 14, "only {renders} kernels declare FrameParams");
    check::<ProbeParams>(
        "bench_probe",
        "ProbeParams",
        &[
            ("mask", offset_of!(ProbeParams, mask)),
            ("iterations", offset_of!(ProbeParams, iterations)),
            ("pad0", offset_of!(ProbeParams, pad0)),
            ("pad1", offset_of!(ProbeParams, pad1)),
        ],
    );
}
