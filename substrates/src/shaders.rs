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
    ("gol_fused", GOL_FUSED, "fused"),
    ("gol_render", GOL_RENDER, "render"),
    ("lenia_step", LENIA_STEP, "step"),
    ("lenia_camera", LENIA_CAMERA, "camera"),
    ("lenia_render", LENIA_RENDER, "render"),
    ("lenia_fft_rows", LENIA_FFT_ROWS, "fft_rows"),
    ("lenia_fft_cols", LENIA_FFT_COLS, "fft_cols"),
    (
        "lenia_fft_inverse_cols",
        LENIA_FFT_INVERSE_COLS,
        "inverse_cols",
    ),
    ("lenia_fft_growth", LENIA_FFT_GROWTH, "growth_rows"),
    ("boids_step", BOIDS_STEP, "step"),
    ("boids_step_slots", BOIDS_STEP_SLOTS, "step"),
    ("boids_render_blocks", BOIDS_RENDER_BLOCKS, "render"),
    ("boids_triangles", BOIDS_TRIANGLES, "triangles"),
    ("boids_tile_masks", BOIDS_TILE_MASKS, "tile_masks"),
    ("boids_render_tiles", BOIDS_RENDER_TILES, "render"),
    ("boids_render", BOIDS_RENDER, "render"),
    ("nca_init", NCA_INIT, "init"),
    ("nca_step", NCA_STEP, "step"),
    ("nca_render", NCA_RENDER, "render"),
    ("dnca_init", DNCA_INIT, "init"),
    ("dnca_step", DNCA_STEP, "step"),
    ("dnca_render", DNCA_RENDER, "render"),
    ("particle_bin", PARTICLE_BIN, "bin"),
    ("particle_scan", PARTICLE_SCAN, "scan"),
    ("particle_scatter", PARTICLE_SCATTER, "scatter"),
    ("particle_sort", PARTICLE_SORT, "sort"),
    ("particle_splat", PARTICLE_SPLAT, "splat_discs"),
    ("particle_splat_tiles", PARTICLE_SPLAT_TILES, "splat_tiles"),
    ("plife_step", PLIFE_STEP, "step"),
    ("plife_step_cells", PLIFE_STEP_CELLS, "step_cells"),
    ("plife_step_all", PLIFE_STEP_ALL, "step_all"),
    ("plife_plus_step", PLIFE_PLUS_STEP, "step"),
    (
        "plife_plus_step_in_range",
        PLIFE_PLUS_STEP_IN_RANGE,
        "step_in_range",
    ),
    (
        "plife_plus_source_halves",
        PLIFE_PLUS_STEP_IN_RANGE,
        "source_halves",
    ),
    ("plenia_step", PLENIA_STEP, "step"),
    ("plenia_field", PLENIA_FIELD, "field_colour"),
    ("plenia_render", PLENIA_RENDER, "render"),
    ("plenia_step_blocks", PLENIA_STEP_BLOCKS, "step_blocks"),
    ("plenia_extent", PLENIA_FIELD_BLOCKS, "extent"),
    ("plenia_field_blocks", PLENIA_FIELD_BLOCKS, "field_blocks"),
    (
        "plenia_normalise_blocks",
        PLENIA_FIELD_BLOCKS,
        "normalise_blocks",
    ),
    ("bench_probe", BENCH_PROBE, "fma_rate"),
    ("nca_tile", NCA_TILE, "step_tile"),
    ("dnca_tile", DNCA_TILE, "step_tile"),
    ("gol_lanes", GOL_LANES, "lanes"),
];

/// Life-like CA: many generations of small grids, one world per invocation in private memory.
pub const GOL_LANES: &str = shader!("gol_common.wgsl", "gol_lanes.wgsl");

/// Discrete NCA: one step, quads of cells down row strips, tap-pair tables in workgroup memory.
pub const DNCA_TILE: &str = shader!("common/hash.wgsl", "nca_common.wgsl", "dnca_tile.wgsl");

/// Continuous NCA: one step, quads of cells down row strips, the network in workgroup memory.
pub const NCA_TILE: &str = shader!("common/hash.wgsl", "nca_common.wgsl", "nca_tile.wgsl");

/// Adapter microbenchmarks of `asal bench` (dispatch cost, bandwidth, FMA rate, load paths).
pub const BENCH_PROBE: &str = shader!("bench_probe.wgsl");

/// Life-like CA: initial soup.
pub const GOL_INIT: &str = shader!("common/hash.wgsl", "gol_common.wgsl", "gol_init.wgsl");
/// Life-like CA: one generation.
pub const GOL_STEP: &str = shader!("gol_common.wgsl", "gol_step.wgsl");
/// Life-like CA: many generations of a small grid in workgroup memory.
pub const GOL_FUSED: &str = shader!("gol_common.wgsl", "gol_fused.wgsl");
/// Life-like CA: render.
pub const GOL_RENDER: &str = shader!("common/frame.wgsl", "gol_common.wgsl", "gol_render.wgsl");
/// Lenia: growth step.
pub const LENIA_STEP: &str = shader!("lenia_common.wgsl", "lenia_step.wgsl");
/// Lenia: centre of mass and camera shift.
pub const LENIA_CAMERA: &str = shader!("lenia_common.wgsl", "lenia_camera.wgsl");
/// Lenia: render.
pub const LENIA_RENDER: &str = shader!(
    "common/frame.wgsl",
    "lenia_common.wgsl",
    "lenia_render.wgsl"
);

/// Lenia FFT path: forward FFT of the rolled world's rows.
pub const LENIA_FFT_ROWS: &str = shader!(
    "lenia_common.wgsl",
    "lenia_fft_common.wgsl",
    "lenia_fft_rows.wgsl"
);
/// Lenia FFT path: forward FFT of the columns, completing the channels' spectra.
pub const LENIA_FFT_COLS: &str = shader!(
    "lenia_common.wgsl",
    "lenia_fft_common.wgsl",
    "lenia_fft_cols.wgsl"
);
/// Lenia FFT path: product with the kernels' spectra and inverse FFT of the columns.
pub const LENIA_FFT_INVERSE_COLS: &str = shader!(
    "lenia_common.wgsl",
    "lenia_fft_common.wgsl",
    "lenia_fft_inverse_cols.wgsl"
);
/// Lenia FFT path: inverse FFT of the rows, growth and update.
pub const LENIA_FFT_GROWTH: &str = shader!(
    "lenia_common.wgsl",
    "lenia_fft_common.wgsl",
    "lenia_fft_growth.wgsl"
);

/// Lenia FFT path, lane kernels (one line per invocation, in private memory): forward FFT of
/// the rolled world's rows. Compiled for a world side by [`lenia_fft_lane_pipelines`].
pub const LENIA_FFT_LANE_ROWS: &str = shader!(
    "lenia_common.wgsl",
    "lenia_fft_lane.wgsl",
    "lenia_fft_lane_rows.wgsl"
);
/// Lenia FFT path, lane kernels: forward FFT of the columns.
pub const LENIA_FFT_LANE_COLS: &str = shader!(
    "lenia_common.wgsl",
    "lenia_fft_lane.wgsl",
    "lenia_fft_lane_cols.wgsl"
);
/// Lenia FFT path, lane kernels: product with the kernels' spectra, inverse FFT of the columns.
pub const LENIA_FFT_LANE_INVERSE_COLS: &str = shader!(
    "lenia_common.wgsl",
    "lenia_fft_lane.wgsl",
    "lenia_fft_lane_inverse_cols.wgsl"
);
/// Lenia FFT path, lane kernels: inverse FFT of the rows, growth and update.
pub const LENIA_FFT_LANE_GROWTH: &str = shader!(
    "lenia_common.wgsl",
    "lenia_fft_lane.wgsl",
    "lenia_fft_lane_growth.wgsl"
);

/// The line-length declaration of `shaders/lenia_fft_lane.wgsl` (private arrays need a
/// compile-time length), replaced per world side. Keep in sync with that file.
const LANE_LINE_DECL: &str = "const LINE: u32 = 128u;";

/// The four lane kernels' sources for world side `n` (a power of two ≥ 2): (name, source, entry
/// point). Each is the bundled source with its line length set to `n` and the generated
/// straight-line transform appended (`lane_fft.rs`); not in [`ALL`], since the bundled text alone
/// lacks the transform: tests/lenia_fft.rs validates these.
pub fn lenia_fft_lane_sources(n: u32) -> [(String, String, &'static str); 4] {
    let fft = crate::lane_fft::fft_lane_wgsl(n as usize);
    let finish = crate::lane_fft::finish_all_wgsl(n);
    let line = |source: &str| {
        let mut text = source.replace(LANE_LINE_DECL, &format!("const LINE: u32 = {n}u;"));
        text.push_str(&fft);
        if text.contains("fn lane_finish(") {
            text.push_str(&finish);
        }
        text
    };
    [
        ("lenia_fft_lane_rows", LENIA_FFT_LANE_ROWS, "lane_rows"),
        ("lenia_fft_lane_cols", LENIA_FFT_LANE_COLS, "lane_cols"),
        (
            "lenia_fft_lane_inverse_cols",
            LENIA_FFT_LANE_INVERSE_COLS,
            "lane_inverse_cols",
        ),
        (
            "lenia_fft_lane_growth",
            LENIA_FFT_LANE_GROWTH,
            "lane_growth_rows",
        ),
    ]
    .map(|(name, source, entry)| (format!("{name}_{n}"), line(source), entry))
}

/// The lane kernels compiled for world side `n` (a power of two the FFT path accepts).
pub(crate) fn lenia_fft_lane_pipelines(gpu: &Gpu, n: u32) -> LeniaFftPipelines {
    let [rows, cols, inverse_cols, growth] =
        lenia_fft_lane_sources(n).map(|(name, source, entry)| gpu.pipeline(&name, &source, entry));
    LeniaFftPipelines {
        rows,
        cols,
        inverse_cols,
        growth,
        kind: crate::lenia::FftKernels::Lane,
    }
}

/// Compiled Life-like pipelines.
#[derive(Clone)]
pub(crate) struct GolPipelines {
    pub(crate) init: wgpu::ComputePipeline,
    pub(crate) step: wgpu::ComputePipeline,
    pub(crate) fused: wgpu::ComputePipeline,
    pub(crate) render: wgpu::ComputePipeline,
}

pub(crate) fn gol_pipelines(gpu: &Gpu) -> GolPipelines {
    GolPipelines {
        init: gpu.pipeline("gol_init", GOL_INIT, "init"),
        step: gpu.pipeline("gol_step", GOL_STEP, "step"),
        fused: gpu.pipeline("gol_fused", GOL_FUSED, "fused"),
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

/// Compiled pipelines of the Lenia FFT path.
#[derive(Clone)]
pub(crate) struct LeniaFftPipelines {
    pub(crate) rows: wgpu::ComputePipeline,
    pub(crate) cols: wgpu::ComputePipeline,
    pub(crate) inverse_cols: wgpu::ComputePipeline,
    pub(crate) growth: wgpu::ComputePipeline,
    /// Which kernels these are (a lane request falls back to the workgroup kernels above
    /// `LANE_FFT_MAX_SIZE`).
    pub(crate) kind: crate::lenia::FftKernels,
}

impl LeniaFftPipelines {
    /// Lines (rows or columns) one workgroup transforms. Keep in sync with the kernels'
    /// `@workgroup_size`: one workgroup per line, or 64 lines of one invocation each.
    pub(crate) fn lines_per_group(&self) -> u32 {
        match self.kind {
            crate::lenia::FftKernels::Workgroup => 1,
            crate::lenia::FftKernels::Lane => 64,
        }
    }
}

pub(crate) fn lenia_fft_pipelines(gpu: &Gpu) -> LeniaFftPipelines {
    LeniaFftPipelines {
        rows: gpu.pipeline("lenia_fft_rows", LENIA_FFT_ROWS, "fft_rows"),
        cols: gpu.pipeline("lenia_fft_cols", LENIA_FFT_COLS, "fft_cols"),
        inverse_cols: gpu.pipeline(
            "lenia_fft_inverse_cols",
            LENIA_FFT_INVERSE_COLS,
            "inverse_cols",
        ),
        growth: gpu.pipeline("lenia_fft_growth", LENIA_FFT_GROWTH, "growth_rows"),
        kind: crate::lenia::FftKernels::Workgroup,
    }
}

/// Boids: one step.
pub const BOIDS_STEP: &str = shader!("boids_common.wgsl", "boids_net.wgsl", "boids_step.wgsl");
/// Boids: one step with the nearest 16 neighbours kept in register slots (n_nbrs ≤ 16).
pub const BOIDS_STEP_SLOTS: &str = shader!(
    "boids_common.wgsl",
    "boids_net.wgsl",
    "boids_step_slots.wgsl"
);
/// Boids: render.
pub const BOIDS_RENDER: &str = shader!(
    "common/frame.wgsl",
    "boids_common.wgsl",
    "boids_triangle.wgsl",
    "boids_render.wgsl"
);
/// Boids: render, 4×4 pixel blocks per invocation over 32×32 tiles.
pub const BOIDS_RENDER_BLOCKS: &str = shader!(
    "common/frame.wgsl",
    "boids_common.wgsl",
    "boids_triangle.wgsl",
    "boids_render_blocks.wgsl"
);
/// Boids tile render, pass 1: every boid's triangle record.
pub const BOIDS_TRIANGLES: &str = shader!(
    "common/frame.wgsl",
    "boids_common.wgsl",
    "boids_triangle.wgsl",
    "boids_raster.wgsl",
    "boids_triangles.wgsl"
);
/// Boids tile render, pass 2: each 32×32 tile's mask of the boids touching it.
pub const BOIDS_TILE_MASKS: &str = shader!(
    "common/frame.wgsl",
    "boids_common.wgsl",
    "boids_triangle.wgsl",
    "boids_raster.wgsl",
    "boids_tile_masks.wgsl"
);
/// Boids tile render, pass 3: 4×4 pixel blocks over each tile's listed triangles.
pub const BOIDS_RENDER_TILES: &str = shader!(
    "common/frame.wgsl",
    "boids_common.wgsl",
    "boids_triangle.wgsl",
    "boids_raster.wgsl",
    "boids_render_tiles.wgsl"
);
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
pub const NCA_RENDER: &str = shader!("common/frame.wgsl", "nca_common.wgsl", "nca_render.wgsl");
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
pub const DNCA_RENDER: &str = shader!("common/frame.wgsl", "nca_common.wgsl", "dnca_render.wgsl");

/// The boids step: the register-slot neighbour selection (`boids_step_slots.wgsl`, n_nbrs ≤ 16)
/// with `slot_step`, else the sorted private array.
pub(crate) fn boids_step_pipeline(gpu: &Gpu, slot_step: bool) -> wgpu::ComputePipeline {
    if slot_step {
        gpu.pipeline("boids_step_slots", BOIDS_STEP_SLOTS, "step")
    } else {
        gpu.pipeline("boids_step", BOIDS_STEP, "step")
    }
}

/// The three passes of the boids tile render, its render pass with `STEPPED` (the pass without
/// it is [`boids_render_tiles_per_pixel`], compiled when a frame first needs it).
#[derive(Clone)]
pub(crate) struct BoidsTilePipelines {
    pub(crate) triangles: wgpu::ComputePipeline,
    pub(crate) masks: wgpu::ComputePipeline,
    pub(crate) render: wgpu::ComputePipeline,
}

pub(crate) fn boids_tile_pipelines(gpu: &Gpu) -> BoidsTilePipelines {
    BoidsTilePipelines {
        triangles: gpu.pipeline("boids_triangles", BOIDS_TRIANGLES, "triangles"),
        masks: gpu.pipeline("boids_tile_masks", BOIDS_TILE_MASKS, "tile_masks"),
        render: gpu.pipeline("boids_render_tiles", BOIDS_RENDER_TILES, "render"),
    }
}

/// The tile render pass evaluating every pixel's exponentials (`STEPPED` off), for frames where
/// stepping from a block's first pixel could overflow (`boids::stepped_render_in_range`).
pub(crate) fn boids_render_tiles_per_pixel(gpu: &Gpu) -> wgpu::ComputePipeline {
    gpu.pipeline_with_constants(
        "boids_render_tiles STEPPED=false",
        BOIDS_RENDER_TILES,
        "render",
        &[("STEPPED", 0.0)],
    )
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

/// Particle grids: cell of each particle and its slot (counting sort, pass 1).
pub const PARTICLE_BIN: &str = shader!("particle_common.wgsl", "particle_bin.wgsl");
/// Particle grids: prefix sum of cell counts (pass 2).
pub const PARTICLE_SCAN: &str = shader!("particle_common.wgsl", "particle_scan.wgsl");
/// Particle grids: scatter into cell ranges (pass 3).
pub const PARTICLE_SCATTER: &str = shader!("particle_common.wgsl", "particle_scatter.wgsl");
/// Particle grids: deterministic order within cells, packed entries (pass 4).
pub const PARTICLE_SORT: &str = shader!("particle_common.wgsl", "particle_sort.wgsl");
/// Particle Life / Life++: soft-disc splat over the render grid.
pub const PARTICLE_SPLAT: &str = shader!(
    "common/frame.wgsl",
    "particle_common.wgsl",
    "particle_splat.wgsl"
);
/// Particle Life / Life++: soft-disc splat, one invocation per tile of pixels inside a render cell.
pub const PARTICLE_SPLAT_TILES: &str = shader!(
    "common/frame.wgsl",
    "particle_common.wgsl",
    "particle_splat_tiles.wgsl"
);
/// Particle Life: one step through the grid.
pub const PLIFE_STEP: &str = shader!(
    "particle_common.wgsl",
    "plife_common.wgsl",
    "plife_step.wgsl"
);
/// Particle Life: one step through the grid, one invocation per grid cell.
pub const PLIFE_STEP_CELLS: &str = shader!(
    "particle_common.wgsl",
    "plife_common.wgsl",
    "plife_step_cells.wgsl"
);
/// Particle Life: one step over all pairs (benchmark baseline only).
pub const PLIFE_STEP_ALL: &str = shader!("plife_common.wgsl", "plife_step_all.wgsl");
/// Particle Life++: one step through the grid, one particle per invocation (benchmark baseline).
pub const PLIFE_PLUS_STEP: &str = shader!(
    "particle_common.wgsl",
    "plife_common.wgsl",
    "plife_plus_common.wgsl",
    "plife_plus_step.wgsl"
);
/// Particle Life++: one step through a finer grid, particles in grid order, the network run only
/// for sources inside rmax; and the first layer's source halves it reads (`source_halves`).
pub const PLIFE_PLUS_STEP_IN_RANGE: &str = shader!(
    "particle_common.wgsl",
    "plife_common.wgsl",
    "plife_plus_common.wgsl",
    "plife_plus_step_in_range.wgsl"
);
/// Particle Lenia: one gradient step.
pub const PLENIA_STEP: &str = shader!("plenia_common.wgsl", "plenia_step.wgsl");
/// Particle Lenia: unnormalised field picture and extrema.
pub const PLENIA_FIELD: &str = shader!(
    "common/frame.wgsl",
    "plenia_common.wgsl",
    "plenia_field.wgsl"
);
/// Particle Lenia: min-max normalisation to RGBA8.
pub const PLENIA_RENDER: &str = shader!("common/frame.wgsl", "plenia_render.wgsl");
/// Particle Lenia: one gradient step, blocks of particles per lane, two neighbours per load.
pub const PLENIA_STEP_BLOCKS: &str = shader!("plenia_common.wgsl", "plenia_step_blocks.wgsl");
/// Particle Lenia: each world's view extent, the field picture and its normalisation in 4×4
/// pixel blocks.
pub const PLENIA_FIELD_BLOCKS: &str = shader!(
    "common/frame.wgsl",
    "plenia_common.wgsl",
    "plenia_field_blocks.wgsl"
);

/// Compiled particle-grid pipelines (shared by Particle Life and Life++).
#[derive(Clone)]
pub(crate) struct ParticleGridPipelines {
    pub(crate) bin: wgpu::ComputePipeline,
    pub(crate) scan: wgpu::ComputePipeline,
    pub(crate) scatter: wgpu::ComputePipeline,
    pub(crate) sort: wgpu::ComputePipeline,
    pub(crate) splat: wgpu::ComputePipeline,
}

pub(crate) fn particle_grid_pipelines(gpu: &Gpu) -> ParticleGridPipelines {
    ParticleGridPipelines {
        bin: gpu.pipeline("particle_bin", PARTICLE_BIN, "bin"),
        scan: gpu.pipeline("particle_scan", PARTICLE_SCAN, "scan"),
        scatter: gpu.pipeline("particle_scatter", PARTICLE_SCATTER, "scatter"),
        sort: gpu.pipeline("particle_sort", PARTICLE_SORT, "sort"),
        splat: gpu.pipeline("particle_splat", PARTICLE_SPLAT, "splat_discs"),
    }
}

/// Compiled Particle Life pipeline (grid or all-pairs step).
#[derive(Clone)]
pub(crate) struct PlifePipelines {
    pub(crate) step: wgpu::ComputePipeline,
}

/// `cell_step`: through the grid, one invocation per cell rather than per particle.
pub(crate) fn plife_pipelines(
    gpu: &Gpu,
    neighbours: crate::plife::Neighbours,
    cell_step: bool,
) -> PlifePipelines {
    let step = match neighbours {
        crate::plife::Neighbours::Grid if cell_step => {
            gpu.pipeline("plife_step_cells", PLIFE_STEP_CELLS, "step_cells")
        }
        crate::plife::Neighbours::Grid => gpu.pipeline("plife_step", PLIFE_STEP, "step"),
        crate::plife::Neighbours::AllPairs => {
            gpu.pipeline("plife_step_all", PLIFE_STEP_ALL, "step_all")
        }
    };
    PlifePipelines { step }
}

/// Compiled Particle Life++ pipeline.
#[derive(Clone)]
pub(crate) struct PlifePlusPipelines {
    pub(crate) step: wgpu::ComputePipeline,
    /// The in-range kernel's first pass (none for the baseline kernel).
    pub(crate) source_halves: Option<wgpu::ComputePipeline>,
}

/// `in_range_step`: the kernel that runs the network only for sources inside rmax, in grid order.
pub(crate) fn plife_plus_pipelines(gpu: &Gpu, in_range_step: bool) -> PlifePlusPipelines {
    if in_range_step {
        PlifePlusPipelines {
            step: gpu.pipeline(
                "plife_plus_step_in_range",
                PLIFE_PLUS_STEP_IN_RANGE,
                "step_in_range",
            ),
            source_halves: Some(gpu.pipeline(
                "plife_plus_step_in_range",
                PLIFE_PLUS_STEP_IN_RANGE,
                "source_halves",
            )),
        }
    } else {
        PlifePlusPipelines {
            step: gpu.pipeline("plife_plus_step", PLIFE_PLUS_STEP, "step"),
            source_halves: None,
        }
    }
}

/// Compiled Particle Lenia pipelines.
#[derive(Clone)]
pub(crate) struct PleniaPipelines {
    pub(crate) step: wgpu::ComputePipeline,
    /// The block kernels' per-world view extent pass (`None` for the per-pixel field kernel,
    /// which finds the extent itself).
    pub(crate) extent: Option<wgpu::ComputePipeline>,
    pub(crate) field: wgpu::ComputePipeline,
    pub(crate) render: wgpu::ComputePipeline,
}

/// `block_kernels`: particle blocks per lane for the step and pixel blocks per lane for the field
/// picture (`plenia_*_blocks.wgsl`) instead of the per-invocation kernels.
pub(crate) fn plenia_pipelines(gpu: &Gpu, block_kernels: bool) -> PleniaPipelines {
    if block_kernels {
        PleniaPipelines {
            step: gpu.pipeline("plenia_step_blocks", PLENIA_STEP_BLOCKS, "step_blocks"),
            extent: Some(gpu.pipeline("plenia_extent", PLENIA_FIELD_BLOCKS, "extent")),
            field: gpu.pipeline("plenia_field_blocks", PLENIA_FIELD_BLOCKS, "field_blocks"),
            render: gpu.pipeline(
                "plenia_normalise_blocks",
                PLENIA_FIELD_BLOCKS,
                "normalise_blocks",
            ),
        }
    } else {
        PleniaPipelines {
            step: gpu.pipeline("plenia_step", PLENIA_STEP, "step"),
            extent: None,
            field: gpu.pipeline("plenia_field", PLENIA_FIELD, "field_colour"),
            render: gpu.pipeline("plenia_render", PLENIA_RENDER, "render"),
        }
    }
}
