//! Uniform particle grids on the GPU and the soft-disc splat renderer built on them, shared by
//! Particle Life ([`crate::plife`]) and Particle Life++ ([`crate::plife_plus`]).
//!
//! A grid is a counting sort of all particles of all worlds by cell, rebuilt every step in four
//! dispatches (`shaders/particle_{bin,scan,scatter,sort}.wgsl`): count per cell (atomic slots),
//! exclusive prefix sum per world, scatter into cell ranges, then a per-cell rank pass that
//! orders each cell deterministically and packs `(x, y, index, tag)` entries for the consumers.
//! The simulation grid orders by particle index (so force sums have a fixed order and replays
//! are bit-identical); the render grid orders by draw key (so the splat composites in the
//! original's order).

use crate::gol::entry;
use crate::gpu::Gpu;
use crate::shaders::{self, ParticleGridPipelines};
use crate::substrate::FrameTarget;

/// Counting-sort parameters. Keep in sync with `GridParams` in `shaders/particle_common.wgsl`.
#[repr(C)]
#[derive(Clone, Copy, Debug, bytemuck::Pod, bytemuck::Zeroable)]
pub struct GridParams {
    /// Particles per world.
    pub particles: u32,
    /// Worlds in the batch.
    pub worlds: u32,
    /// Cells allocated per world.
    pub cell_stride: u32,
    /// 0: order cells by particle index; 1: by tag (draw key); 2: by tag, each entry holding
    /// the tag of the cell's next entry instead of its own (the tiled splat's render grid).
    pub use_tags: u32,
    /// vec4s per particle in the state buffer (position in the first).
    pub state_stride: u32,
    /// Padding.
    pub pad: [u32; 3],
}

/// Splat parameters. Keep in sync with `SplatParams` in `shaders/particle_common.wgsl`.
#[repr(C)]
#[derive(Clone, Copy, Debug, bytemuck::Pod, bytemuck::Zeroable)]
pub struct SplatParams {
    /// Particles per world.
    pub particles: u32,
    /// Worlds in the batch.
    pub worlds: u32,
    /// Cells allocated per world.
    pub cell_stride: u32,
    /// Padding.
    pub pad0: u32,
    /// k in coverage = 1 − σ(k(d − r)).
    pub sharpness: f32,
    /// k(d − r) beyond which a particle is skipped.
    pub cutoff: f32,
    /// Padding.
    pub pad1: [f32; 2],
}

/// k(d − r) above which 1 − σ(k(d − r)) rounds to 0 in float32 (σ within half an ulp of 1):
/// skipping such particles leaves every pixel bit-identical.
pub const SPLAT_CUTOFF: f32 = 17.0;

/// Largest grid side: 65 536 cells per world bound the counts buffer and the prefix sum.
pub const MAX_SIDE: u32 = 256;

/// Cells per side for interaction range `reach` on the unit square: the most cells no narrower
/// than `reach` (computed in f64 from the f32 value, so e.g. rmax = 0.1f32, a hair above 0.1,
/// gets 9 cells, not 10), between 1 and [`MAX_SIDE`].
#[must_use]
pub fn side_for(reach: f32) -> u32 {
    if reach.is_nan() || reach <= 0.0 {
        return 1;
    }
    ((1.0 / f64::from(reach)).floor() as u32).clamp(1, MAX_SIDE)
}

/// Scratch buffers of the counting sort, shared by the simulation and render grids (each use
/// rebuilds them from scratch).
pub(crate) struct GridScratch {
    counts: wgpu::Buffer,
    starts: wgpu::Buffer,
    cell_of: wgpu::Buffer,
    slot_of: wgpu::Buffer,
    members: wgpu::Buffer,
    pub(crate) entries: wgpu::Buffer,
    ranges: wgpu::Buffer,
    cell_stride: u32,
    particles: u32,
    worlds: u32,
}

impl GridScratch {
    pub(crate) fn new(gpu: &Gpu, particles: u32, worlds: u32, cell_stride: u32) -> Self {
        let n = u64::from(particles) * u64::from(worlds);
        let cells = u64::from(cell_stride) * u64::from(worlds);
        Self {
            counts: gpu.storage_zeroed("grid counts", cells * 4),
            starts: gpu.storage_zeroed("grid starts", cells * 4),
            cell_of: gpu.storage_zeroed("grid cell of", n * 4),
            slot_of: gpu.storage_zeroed("grid slot of", n * 4),
            members: gpu.storage_zeroed("grid members", n * 4),
            entries: gpu.storage_zeroed("grid entries", n * 16),
            ranges: gpu.storage_zeroed("grid cell ranges", cells * 16),
            cell_stride,
            particles,
            worlds,
        }
    }

    /// Bytes of scratch for one world.
    pub(crate) fn bytes_per_world(particles: u32, cell_stride: u32) -> u64 {
        u64::from(particles) * 28 + u64::from(cell_stride) * 24
    }

    pub(crate) fn counts(&self) -> &wgpu::Buffer {
        &self.counts
    }

    pub(crate) fn starts(&self) -> &wgpu::Buffer {
        &self.starts
    }
}

/// How a grid's cells order their entries (`GridParams::use_tags`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum CellOrder {
    /// By particle index (simulation grids).
    Index = 0,
    /// By tag (draw key), each entry carrying its own key (the per-pixel splat's render grid).
    DrawKey = 1,
    /// By tag, each entry carrying the key of its cell's next entry (the tiled splat's).
    LinkedDrawKey = 2,
}

/// One way of binning (simulation or render): its uniform, per-world sides, tags, and bind
/// groups for each of the two ping-pong state buffers.
pub(crate) struct GridUse {
    pub(crate) sides: wgpu::Buffer,
    bin: [wgpu::BindGroup; 2],
    scan: wgpu::BindGroup,
    scatter: wgpu::BindGroup,
    sort: [wgpu::BindGroup; 2],
}

impl GridUse {
    /// `tags`: per particle, the colour (simulation) or draw key (render, ordered by it).
    #[allow(clippy::too_many_arguments, reason = "plain buffer wiring")]
    pub(crate) fn new(
        gpu: &Gpu,
        pipelines: &ParticleGridPipelines,
        scratch: &GridScratch,
        states: &[wgpu::Buffer; 2],
        state_stride: u32,
        sides: &[u32],
        tags: &wgpu::Buffer,
        order: CellOrder,
    ) -> Self {
        let params = GridParams {
            particles: scratch.particles,
            worlds: scratch.worlds,
            cell_stride: scratch.cell_stride,
            use_tags: order as u32,
            state_stride,
            pad: [0; 3],
        };
        let uniform = gpu.storage_buffer(
            "grid params",
            bytemuck::bytes_of(&params),
            wgpu::BufferUsages::UNIFORM,
        );
        let sides = gpu.storage_buffer(
            "grid sides",
            bytemuck::cast_slice(sides),
            wgpu::BufferUsages::empty(),
        );
        let group = |label: &str, pipeline: &wgpu::ComputePipeline, e: &[(u32, &wgpu::Buffer)]| {
            let entries: Vec<_> = e.iter().map(|&(b, buf)| entry(b, buf)).collect();
            gpu.device.create_bind_group(&wgpu::BindGroupDescriptor {
                label: Some(label),
                layout: &pipeline.get_bind_group_layout(0),
                entries: &entries,
            })
        };
        let s = scratch;
        let bin = [0, 1].map(|i| {
            group(
                "grid bin",
                &pipelines.bin,
                &[
                    (0, &uniform),
                    (1, &sides),
                    (2, &states[i]),
                    (3, &s.counts),
                    (4, &s.cell_of),
                    (5, &s.slot_of),
                ],
            )
        });
        let scan = group(
            "grid scan",
            &pipelines.scan,
            &[(0, &uniform), (1, &sides), (2, &s.counts), (3, &s.starts)],
        );
        let scatter = group(
            "grid scatter",
            &pipelines.scatter,
            &[
                (0, &uniform),
                (1, &s.starts),
                (2, &s.cell_of),
                (3, &s.slot_of),
                (4, &s.members),
            ],
        );
        let sort = [0, 1].map(|i| {
            group(
                "grid sort",
                &pipelines.sort,
                &[
                    (0, &uniform),
                    (1, &states[i]),
                    (2, tags),
                    (3, &s.counts),
                    (4, &s.starts),
                    (5, &s.cell_of),
                    (6, &s.members),
                    (7, &s.entries),
                    (8, &s.ranges),
                ],
            )
        });
        Self {
            sides,
            bin,
            scan,
            scatter,
            sort,
        }
    }

    /// Records the four counting-sort dispatches for the positions in state buffer `current`.
    pub(crate) fn encode(
        &self,
        encoder: &mut wgpu::CommandEncoder,
        pipelines: &ParticleGridPipelines,
        scratch: &GridScratch,
        current: usize,
    ) {
        let cells = u64::from(scratch.cell_stride) * u64::from(scratch.worlds) * 4;
        encoder.clear_buffer(&scratch.counts, 0, Some(cells));
        let groups = scratch.particles.div_ceil(64);
        let mut pass = encoder.begin_compute_pass(&Default::default());
        pass.set_pipeline(&pipelines.bin);
        pass.set_bind_group(0, &self.bin[current], &[]);
        pass.dispatch_workgroups(groups, 1, scratch.worlds);
        pass.set_pipeline(&pipelines.scan);
        pass.set_bind_group(0, &self.scan, &[]);
        pass.dispatch_workgroups(1, 1, scratch.worlds);
        pass.set_pipeline(&pipelines.scatter);
        pass.set_bind_group(0, &self.scatter, &[]);
        pass.dispatch_workgroups(groups, 1, scratch.worlds);
        pass.set_pipeline(&pipelines.sort);
        pass.set_bind_group(0, &self.sort[current], &[]);
        pass.dispatch_workgroups(groups, 1, scratch.worlds);
    }
}

/// Tiles per render cell and axis that the tiled splat (`shaders/particle_splat_tiles.wgsl`)
/// dispatches for a `size`² frame over a grid of `side` cells per axis and tiles of `tile`
/// pixels: enough for the widest cell, ⌈(size − 1)/side⌉ pixels (the cell's last tile takes the
/// rare extra pixel rounding gives it). Keep in sync with `tiles_per_cell` in that shader.
#[must_use]
pub fn tiles_per_cell(size: u32, side: u32, tile: u32) -> u32 {
    let widest = (size.max(2) - 1).div_ceil(side.max(1));
    widest.div_ceil(tile).max(1)
}

/// Tile side (3 or 4 pixels) for the tiled splat: the one whose tiles cover a cell of the
/// finest grid (`side` cells per axis) with the fewest idle pixel slots, since the unrolled tile
/// costs the same whether its slots are inside the cell or not. Particle Life's default render
/// grid (85 cells, 2.6 pixels wide at 224²) gets 3; Particle Life++'s (28 cells, 8 pixels) 4.
#[must_use]
pub fn splat_tile(size: u32, side: u32) -> u32 {
    let widest = (size.max(2) - 1).div_ceil(side.max(1));
    if widest.div_ceil(4) * 4 <= widest.div_ceil(3) * 3 {
        4
    } else {
        3
    }
}

/// Rows per tile of the tiled splat (`ROWS` in its shader) for tiles `tile` pixels wide: two
/// tiles' worth where the finest grid's cells are that tall (Particle Life++'s 8-pixel cells at
/// 224²: 8 × 4 tiles), since what a tile costs is walking its 3×3 cells' discs (two lane-by-lane
/// loads and a 9-way merge step each), not blending them, so one walk should serve as many
/// pixels as the registers hold (32).
#[must_use]
pub fn splat_rows(size: u32, side: u32, tile: u32) -> u32 {
    tile * tiles_per_cell(size, side, tile).min(2)
}

/// The render side: a render grid plus the splat dispatch.
pub(crate) struct Splatter {
    /// Render grid for the tiled splat: entries carry their cell's next draw key.
    pub(crate) grid: GridUse,
    /// Render grid for the per-pixel splat: entries carry their own draw key.
    pixel_grid: GridUse,
    uniform: wgpu::Buffer,
    sides: Vec<u32>,
    tiled: bool,
    linked: bool,
}

impl Splatter {
    /// `sides`: render grid side per world (cells at least max radius + cutoff/k wide);
    /// `keys`: per particle, its position in the draw order.
    #[allow(clippy::too_many_arguments, reason = "plain buffer wiring")]
    pub(crate) fn new(
        gpu: &Gpu,
        pipelines: &ParticleGridPipelines,
        scratch: &GridScratch,
        states: &[wgpu::Buffer; 2],
        state_stride: u32,
        sides: &[u32],
        keys: &wgpu::Buffer,
        sharpness: f32,
    ) -> Self {
        let [grid, pixel_grid] = [CellOrder::LinkedDrawKey, CellOrder::DrawKey].map(|order| {
            GridUse::new(
                gpu,
                pipelines,
                scratch,
                states,
                state_stride,
                sides,
                keys,
                order,
            )
        });
        let params = SplatParams {
            particles: scratch.particles,
            worlds: scratch.worlds,
            cell_stride: scratch.cell_stride,
            pad0: 0,
            sharpness,
            cutoff: SPLAT_CUTOFF,
            pad1: [0.0; 2],
        };
        let uniform = gpu.storage_buffer(
            "splat params",
            bytemuck::bytes_of(&params),
            wgpu::BufferUsages::UNIFORM,
        );
        Self {
            grid,
            pixel_grid,
            uniform,
            sides: sides.to_vec(),
            tiled: true,
            linked: true,
        }
    }

    /// Chooses the splat kernel: one invocation per tile of pixels inside a render cell (the
    /// default), or one per pixel, kept as the benchmark baseline. Both give the same bits.
    #[must_use]
    pub(crate) fn with_tiles(mut self, tiled: bool) -> Self {
        self.tiled = tiled;
        self
    }

    /// Tiled splat variant: tall tiles (`splat_rows`) over grid entries that carry the draw key
    /// of their cell's next entry (the default: a disc walked costs two lane-by-lane loads, the
    /// entry and its attributes, and serves up to 32 pixels), or square tiles over entries that
    /// carry their own key (a third load per disc, 16 pixels: the kernel before, kept as the
    /// benchmark baseline). Both give the same bits.
    #[must_use]
    pub(crate) fn with_linked_keys(mut self, linked: bool) -> Self {
        self.linked = linked;
        self
    }

    /// Records binning by draw order and the splat into `slot` of `target`.
    #[allow(clippy::too_many_arguments, reason = "plain buffer wiring")]
    pub(crate) fn encode(
        &self,
        gpu: &Gpu,
        encoder: &mut wgpu::CommandEncoder,
        pipelines: &ParticleGridPipelines,
        scratch: &GridScratch,
        current: usize,
        attrs: &wgpu::Buffer,
        target: &FrameTarget,
        slot: u32,
    ) {
        if self.tiled {
            let cells = u64::from(scratch.cell_stride) * u64::from(scratch.worlds) * 16;
            encoder.clear_buffer(&scratch.ranges, 0, Some(cells));
        }
        let linked = self.tiled && self.linked;
        let grid = if linked { &self.grid } else { &self.pixel_grid };
        grid.encode(encoder, pipelines, scratch, current);
        let mut entries = vec![
            entry(0, &self.uniform),
            entry(1, target.slot_params(slot)),
            entry(2, &grid.sides),
            entry(5, &scratch.entries),
            entry(6, attrs),
            entry(7, &target.buffer),
        ];
        if self.tiled {
            entries.push(entry(3, &scratch.ranges));
        } else {
            entries.extend([entry(3, &scratch.counts), entry(4, &scratch.starts)]);
        }
        let (pipeline, groups) = if self.tiled {
            let finest = self.sides.iter().copied().max().unwrap_or(1);
            let tile = splat_tile(target.size, finest);
            let rows = if linked {
                splat_rows(target.size, finest, tile)
            } else {
                tile
            };
            // Tiles along each axis: the most any world needs (coarser worlds return early).
            let across = |tile| {
                self.sides
                    .iter()
                    .map(|&side| side * tiles_per_cell(target.size, side, tile))
                    .max()
                    .unwrap_or(1)
            };
            let pipeline = gpu.pipeline_with_constants(
                &format!("particle_splat_tiles (TILE {tile}, ROWS {rows}, LINKED {linked})"),
                shaders::PARTICLE_SPLAT_TILES,
                "splat_tiles",
                &[
                    ("TILE", f64::from(tile)),
                    ("ROWS", f64::from(rows)),
                    ("LINKED", f64::from(u8::from(linked))),
                ],
            );
            // x: columns, y: rows (as in the shader).
            let groups = (
                across(tile).div_ceil(8),
                across(rows).div_ceil(8),
                target.worlds,
            );
            (pipeline, groups)
        } else {
            (pipelines.splat.clone(), target.workgroups())
        };
        let bind = gpu.device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("particle splat"),
            layout: &pipeline.get_bind_group_layout(0),
            entries: &entries,
        });
        let mut pass = encoder.begin_compute_pass(&Default::default());
        pass.set_pipeline(&pipeline);
        pass.set_bind_group(0, &bind, &[]);
        pass.dispatch_workgroups(groups.0, groups.1, groups.2);
    }
}

/// Pair evaluations of one step: what a 3×3-cell grid scan visits against all pairs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PairCounts {
    /// Pairs (i, j) the grid kernel evaluates: Σ_i occupancy of the (up to) 3×3 cells around i.
    pub grid: u64,
    /// N², what the original's dense sum evaluates.
    pub all_pairs: u64,
    /// Pairs actually closer than the interaction range (minimum image), i ≠ j.
    pub interacting: u64,
    /// Cells per side of the grid.
    pub side: u32,
}

impl PairCounts {
    /// How many times fewer pairs the grid evaluates than all pairs.
    #[must_use]
    pub fn saving(&self) -> f64 {
        self.all_pairs as f64 / self.grid.max(1) as f64
    }
}

/// Counts the pair evaluations of one grid step for positions `x` in [0, 1)² and range `reach`
/// (the grid the GPU kernel builds), against all pairs. Interacting pairs are counted exactly
/// through the same grid.
#[must_use]
pub fn pair_counts(x: &[[f32; 2]], reach: f32) -> PairCounts {
    let side = side_for(reach);
    let s = side as usize;
    let cell = |p: f32| ((p.max(0.0) * side as f32) as usize).min(s - 1);
    let mut cells: Vec<Vec<usize>> = vec![Vec::new(); s * s];
    for (i, p) in x.iter().enumerate() {
        cells[cell(p[1]) * s + cell(p[0])].push(i);
    }
    let offsets: Vec<i64> = match side {
        1 => vec![0],
        2 => vec![0, 1],
        _ => vec![-1, 0, 1],
    };
    let (mut grid, mut interacting) = (0u64, 0u64);
    let wrap = |a: f32| {
        if a > 0.5 {
            a - 1.0
        } else if a < -0.5 {
            a + 1.0
        } else {
            a
        }
    };
    for (i, p) in x.iter().enumerate() {
        let (cx, cy) = (cell(p[0]) as i64, cell(p[1]) as i64);
        for &oy in &offsets {
            for &ox in &offsets {
                let xx = (cx + ox).rem_euclid(i64::from(side)) as usize;
                let yy = (cy + oy).rem_euclid(i64::from(side)) as usize;
                let members = &cells[yy * s + xx];
                grid += members.len() as u64;
                interacting += members
                    .iter()
                    .filter(|&&j| {
                        let (dx, dy) = (wrap(x[j][0] - p[0]), wrap(x[j][1] - p[1]));
                        j != i && (dx * dx + dy * dy).sqrt() < reach
                    })
                    .count() as u64;
            }
        }
    }
    let n = x.len() as u64;
    PairCounts {
        grid,
        all_pairs: n * n,
        interacting,
        side,
    }
}
