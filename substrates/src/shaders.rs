//! WGSL sources, assembled from `shaders/` at compile time, and the pipelines built from them.
//!
//! Shared snippets (`shaders/common/`) are prepended by concatenation, the simplest import scheme
//! that keeps each kernel in its own file.

use crate::gpu::Gpu;

macro_rules! shader {
    ($($file:literal),+) => {
        concat!($(include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../shaders/", $file)), "\n"),+)
    };
}

/// Every kernel: (name, source, entry point). Tests validate each with naga.
pub const ALL: &[(&str, &str, &str)] = &[
    ("gol_init", GOL_INIT, "init"),
    ("gol_step", GOL_STEP, "step"),
    ("gol_render", GOL_RENDER, "render"),
    ("lenia_step", LENIA_STEP, "step"),
    ("lenia_camera", LENIA_CAMERA, "camera"),
    ("lenia_render", LENIA_RENDER, "render"),
];

/// Life-like CA: initial soup.
pub const GOL_INIT: &str = shader!("common/hash.wgsl", "gol_init.wgsl");
/// Life-like CA: one generation.
pub const GOL_STEP: &str = shader!("gol_step.wgsl");
/// Life-like CA: render.
pub const GOL_RENDER: &str = shader!("gol_render.wgsl");
/// Lenia: growth step.
pub const LENIA_STEP: &str = shader!("lenia_common.wgsl", "lenia_step.wgsl");
/// Lenia: centre of mass and camera shift.
pub const LENIA_CAMERA: &str = shader!("lenia_common.wgsl", "lenia_camera.wgsl");
/// Lenia: render.
pub const LENIA_RENDER: &str = shader!("lenia_common.wgsl", "lenia_render.wgsl");

/// Compiled Life-like pipelines.
#[derive(Clone)]
pub(crate) struct GolPipelines {
    pub(crate) init: wgpu::ComputePipeline,
    pub(crate) step: wgpu::ComputePipeline,
    pub(crate) render: wgpu::ComputePipeline,
}

pub(crate) fn gol_pipelines(gpu: &Gpu) -> GolPipelines {
    GolPipelines {
        init: gpu.pipeline("gol_init", GOL_INIT, "init"),
        step: gpu.pipeline("gol_step", GOL_STEP, "step"),
        render: gpu.pipeline("gol_render", GOL_RENDER, "render"),
    }
}

/// Compiled Lenia pipelines.
#[derive(Clone)]
pub(crate) struct LeniaPipelines {
    pub(crate) step: wgpu::ComputePipeline,
    pub(crate) camera: wgpu::ComputePipeline,
    pub(crate) render: wgpu::ComputePipeline,
}

pub(crate) fn lenia_pipelines(gpu: &Gpu) -> LeniaPipelines {
    LeniaPipelines {
        step: gpu.pipeline("lenia_step", LENIA_STEP, "step"),
        camera: gpu.pipeline("lenia_camera", LENIA_CAMERA, "camera"),
        render: gpu.pipeline("lenia_render", LENIA_RENDER, "render"),
    }
}
