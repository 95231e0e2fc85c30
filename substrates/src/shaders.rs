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
    ("boids_step", BOIDS_STEP, "step"),
    ("boids_render", BOIDS_RENDER, "render"),
    ("nca_init", NCA_INIT, "init"),
    ("nca_step", NCA_STEP, "step"),
    ("nca_render", NCA_RENDER, "render"),
    ("dnca_init", DNCA_INIT, "init"),
    ("dnca_step", DNCA_STEP, "step"),
    ("dnca_render", DNCA_RENDER, "render"),
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

/// Boids: one step.
pub const BOIDS_STEP: &str = shader!("boids_step.wgsl");
/// Boids: render.
pub const BOIDS_RENDER: &str = shader!("boids_render.wgsl");
/// Continuous NCA: initial cells.
pub const NCA_INIT: &str = shader!("common/hash.wgsl", "nca_common.wgsl", "nca_init.wgsl");
/// Continuous NCA: one step.
pub const NCA_STEP: &str = shader!(
    "common/hash.wgsl",
    "nca_common.wgsl",
    "nca_net.wgsl",
    "nca_step.wgsl"
);
/// Continuous NCA: render.
pub const NCA_RENDER: &str = shader!("nca_common.wgsl", "nca_render.wgsl");
/// Discrete NCA: initial cells.
pub const DNCA_INIT: &str = shader!("common/hash.wgsl", "nca_common.wgsl", "dnca_init.wgsl");
/// Discrete NCA: one step.
pub const DNCA_STEP: &str = shader!(
    "common/hash.wgsl",
    "nca_common.wgsl",
    "nca_net.wgsl",
    "dnca_step.wgsl"
);
/// Discrete NCA: render.
pub const DNCA_RENDER: &str = shader!("nca_common.wgsl", "dnca_render.wgsl");

/// Compiled boids pipelines.
#[derive(Clone)]
pub(crate) struct BoidsPipelines {
    pub(crate) step: wgpu::ComputePipeline,
    pub(crate) render: wgpu::ComputePipeline,
}

pub(crate) fn boids_pipelines(gpu: &Gpu) -> BoidsPipelines {
    BoidsPipelines {
        step: gpu.pipeline("boids_step", BOIDS_STEP, "step"),
        render: gpu.pipeline("boids_render", BOIDS_RENDER, "render"),
    }
}

/// Compiled neural CA pipelines (continuous or discrete).
#[derive(Clone)]
pub(crate) struct NcaPipelines {
    pub(crate) init: wgpu::ComputePipeline,
    pub(crate) step: wgpu::ComputePipeline,
    pub(crate) render: wgpu::ComputePipeline,
}

pub(crate) fn nca_pipelines(gpu: &Gpu) -> NcaPipelines {
    NcaPipelines {
        init: gpu.pipeline("nca_init", NCA_INIT, "init"),
        step: gpu.pipeline("nca_step", NCA_STEP, "step"),
        render: gpu.pipeline("nca_render", NCA_RENDER, "render"),
    }
}

pub(crate) fn dnca_pipelines(gpu: &Gpu) -> NcaPipelines {
    NcaPipelines {
        init: gpu.pipeline("dnca_init", DNCA_INIT, "init"),
        step: gpu.pipeline("dnca_step", DNCA_STEP, "step"),
        render: gpu.pipeline("dnca_render", DNCA_RENDER, "render"),
    }
}
