//! Throughput measurement shared by `asal bench` and `cargo bench`.
//!
//! A case builds one batch of worlds, warms it up, then records steps in command buffers of
//! growing length until a time budget is spent; the figure is world-steps per second (summed
//! over the batch) and, for grids, cell updates per second. Only submission and completion are
//! timed, not batch creation, so the numbers are the simulation's, not the upload's.

use std::time::{Duration, Instant};

use serde::Serialize;

use crate::error::Result;
use crate::gpu::Gpu;
use crate::substrate::{Init, Substrate};

/// One benchmark case.
pub struct Case {
    /// Display name, e.g. `gol 64² × 256`.
    pub name: String,
    /// The substrate.
    pub substrate: Box<dyn Substrate>,
    /// Genomes, row after row (one per world).
    pub genomes: Vec<f32>,
    /// Cells per world (0 for particle substrates).
    pub cells_per_world: u64,
    /// The original's steps/s for the same case on the 2-core reference machine, if known.
    pub original_steps_per_s: Option<f64>,
    /// The original's milliseconds per 224² render on that machine, if known.
    pub original_render_ms: Option<f64>,
}

/// One measured case.
#[derive(Clone, Debug, Serialize)]
pub struct Measurement {
    /// Case name.
    pub name: String,
    /// Worlds in the batch.
    pub worlds: u32,
    /// Steps timed (per world).
    pub steps: u64,
    /// Seconds those steps took.
    pub seconds: f64,
    /// World-steps per second, summed over the batch.
    pub steps_per_s: f64,
    /// Cell updates per second (grids only).
    pub cell_updates_per_s: Option<f64>,
    /// Milliseconds per step of the whole batch.
    pub ms_per_batch_step: f64,
    /// `steps_per_s` over the original's figure, when known.
    pub ratio_to_original: Option<f64>,
    /// Milliseconds per 224² frame (rendering every world once, divided by the worlds).
    pub render_ms: f64,
    /// The original's render time over ours, when known.
    pub render_ratio_to_original: Option<f64>,
}

/// Frame side the original renders at.
const RENDER_SIZE: u32 = 224;

/// Runs `case` for about `budget` of GPU time.
pub fn measure(gpu: &Gpu, case: &Case, budget: Duration) -> Result<Measurement> {
    let mut batch = case
        .substrate
        .create_batch(gpu, &case.genomes, &Init::Seed(1), 0)?;
    let worlds = batch.len();
    // Warm-up: one step and one multi-step chunk (substrates may fuse chunks into other
    // kernels), so pipeline compilation and first-touch costs of every path are not timed.
    for chunk in [1, 2] {
        let mut encoder = gpu.device.create_command_encoder(&Default::default());
        batch.encode_steps(&mut encoder, chunk);
        gpu.submit_and_wait(encoder)?;
    }
    let mut steps = 0u64;
    let mut chunk = 1u32;
    let start = Instant::now();
    while start.elapsed() < budget {
        let mut encoder = gpu.device.create_command_encoder(&Default::default());
        batch.encode_steps(&mut encoder, chunk);
        gpu.submit_and_wait(encoder)?;
        steps += u64::from(chunk);
        // Grow the chunk so fast cases amortise submission the way real rollouts do.
        chunk = (chunk * 2).min(256);
    }
    let seconds = start.elapsed().as_secs_f64();
    let steps_per_s = steps as f64 * f64::from(worlds) / seconds;
    let render_ms = measure_render(gpu, batch.as_ref(), budget / 4)?;
    Ok(Measurement {
        name: case.name.clone(),
        worlds,
        steps,
        seconds,
        steps_per_s,
        cell_updates_per_s: (case.cells_per_world > 0)
            .then_some(steps_per_s * case.cells_per_world as f64),
        ms_per_batch_step: seconds * 1e3 / steps as f64,
        ratio_to_original: case.original_steps_per_s.map(|o| steps_per_s / o),
        render_ms,
        render_ratio_to_original: case.original_render_ms.map(|o| o / render_ms),
    })
}

/// Milliseconds per rendered 224² frame, renders of all worlds repeated for about `budget`.
fn measure_render(
    gpu: &Gpu,
    batch: &dyn crate::substrate::WorldBatch,
    budget: Duration,
) -> Result<f64> {
    let target = crate::substrate::FrameTarget::new(gpu, batch.len(), 1, RENDER_SIZE)?;
    let mut encoder = gpu.device.create_command_encoder(&Default::default());
    batch.encode_render(&mut encoder, &target, 0);
    gpu.submit_and_wait(encoder)?;
    let start = Instant::now();
    let mut renders = 0u32;
    while renders == 0 || start.elapsed() < budget {
        let mut encoder = gpu.device.create_command_encoder(&Default::default());
        batch.encode_render(&mut encoder, &target, 0);
        gpu.submit_and_wait(encoder)?;
        renders += 1;
    }
    Ok(start.elapsed().as_secs_f64() * 1e3 / f64::from(renders * batch.len()))
}

/// The original's (steps/s at batch 1, steps/s at batch 16, ms per 224² render) on the 2-core
/// reference machine (`reference/performance.md`, last section).
#[must_use]
pub fn original_figures(substrate: &str) -> Option<(f64, f64, f64)> {
    Some(match substrate {
        "lenia" => (499.0, 285.0, 0.21),
        "gol" => (39_400.0, 62_100.0, 0.14),
        "boids" => (529.0, 508.0, 52.9),
        "plife" => (7.9, 2.9, 255.0),
        "plife_plus" => (20.4, 17.7, 73.5),
        "plenia" => (3950.0, 7660.0, 42.4),
        "dnca" => (147.0, 134.0, 0.21),
        "nca_d1" => (969.0, 438.0, 0.21),
        "nca_d3" => (625.0, 295.0, 0.23),
        _ => return None,
    })
}

/// The standard suite: every substrate at the original's size, batch 1 and 16, plus the sizes
/// the original could not afford (Life 8192², Particle Life at 50k and 100k particles).
pub fn suite() -> Result<Vec<Case>> {
    use crate::creature::build;
    use serde_json::json;
    let mut cases = Vec::new();
    let mut add = |name: String,
                   substrate: Box<dyn crate::substrate::Substrate>,
                   worlds: usize,
                   cells: u64,
                   original: bool| {
        let figures = original_figures(substrate.name()).filter(|_| original);
        let genome: Vec<f32> = if substrate.name() == "gol" {
            vec![6152.0]
        } else {
            vec![0.0; substrate.genome().dim()]
        };
        cases.push(Case {
            name,
            genomes: genome.repeat(worlds),
            cells_per_world: cells,
            original_steps_per_s: figures.and_then(|f| match worlds {
                1 => Some(f.0),
                16 => Some(f.1),
                _ => None,
            }),
            original_render_ms: figures.map(|f| f.2),
            substrate,
        });
    };
    for worlds in [1, 16, 256] {
        add(
            format!("gol 64² ×{worlds}"),
            build("gol", &json!({}))?,
            worlds,
            64 * 64,
            true,
        );
    }
    // The workgroup-resident multi-generation kernel, the baseline of the world-per-invocation
    // one, measured in the same run.
    for worlds in [1, 16] {
        add(
            format!("gol 64² workgroup kernel ×{worlds}"),
            Box::new(
                crate::gol::Gol::new(crate::gol::GolConfig::default())?.with_lanes_kernel(false),
            ),
            worlds,
            64 * 64,
            true,
        );
    }
    add(
        "gol 8192² ×1".into(),
        build("gol", &json!({ "size": 8192 }))?,
        1,
        8192 * 8192,
        false,
    );
    for worlds in [1, 16] {
        add(
            format!("lenia 5N7KKM 128² ×{worlds}"),
            build("lenia", &serde_json::Value::Null)?,
            worlds,
            128 * 128,
            true,
        );
    }
    // Both convolution paths forced, so the cost model's choice can be checked against them.
    let forced = |text: &str, convolution: &str| -> Result<Box<dyn crate::substrate::Substrate>> {
        let mut value: serde_json::Value = serde_json::from_str(text)
            .map_err(|e| crate::error::Error::invalid("bundled creature", e.to_string()))?;
        value["config"]["convolution"] = convolution.into();
        let path = std::path::Path::new("bench");
        Ok(Box::new(crate::lenia::Lenia::from_creature_json(
            &value.to_string(),
            path,
        )?))
    };
    for convolution in ["direct", "fft"] {
        for worlds in [1, 16] {
            add(
                format!("lenia 5N7KKM 128² {convolution} ×{worlds}"),
                forced(crate::lenia::AQUARIUM_5N7KKM, convolution)?,
                worlds,
                128 * 128,
                true,
            );
        }
        add(
            format!("lenia Orbium 128² {convolution} ×1"),
            forced(
                include_str!("../../assets/creatures/orbium.json"),
                convolution,
            )?,
            1,
            128 * 128,
            false,
        );
    }
    // The workgroup-cooperative FFT kernels: the baseline of the lane kernels, same run.
    for worlds in [1, 16] {
        let mut value: serde_json::Value = serde_json::from_str(crate::lenia::AQUARIUM_5N7KKM)
            .map_err(|e| crate::error::Error::invalid("bundled creature", e.to_string()))?;
        value["config"]["convolution"] = "fft".into();
        let lenia = crate::lenia::Lenia::from_creature_json(
            &value.to_string(),
            std::path::Path::new("bench"),
        )?
        .with_fft_kernels(crate::lenia::FftKernels::Workgroup);
        add(
            format!("lenia 5N7KKM 128² workgroup fft ×{worlds}"),
            Box::new(lenia),
            worlds,
            128 * 128,
            true,
        );
    }
    let orbium: crate::creature::Creature =
        serde_json::from_str(include_str!("../../assets/creatures/orbium.json"))
            .map_err(|e| crate::error::Error::invalid("bundled Orbium", e.to_string()))?;
    add(
        "lenia Orbium 128² ×1".into(),
        orbium.substrate()?,
        1,
        128 * 128,
        false,
    );
    for name in [
        "boids",
        "plife",
        "plife_plus",
        "plenia",
        "dnca",
        "nca_d1",
        "nca_d3",
    ] {
        let cells = if name.contains("nca") { 128 * 128 } else { 0 };
        for worlds in [1, 16] {
            add(
                format!("{name} ×{worlds}"),
                build(name, &json!({}))?,
                worlds,
                cells,
                true,
            );
        }
    }
    // The neural CAs' one-invocation-per-cell kernel, kept for grid sides that are not a
    // multiple of 4: the baseline of the tiled kernel, measured in the same run.
    for name in ["dnca", "nca_d1", "nca_d3"] {
        add(
            format!("{name} per-cell kernel ×16"),
            Box::new(crate::nca::Nca::from_json(name, &json!({}))?.with_tiled_step(false)),
            16,
            128 * 128,
            true,
        );
        // The tiled kernel reading its network from workgroup memory: the baseline of the
        // private copy, measured in the same run.
        add(
            format!("{name} workgroup-network kernel ×16"),
            Box::new(crate::nca::Nca::from_json(name, &json!({}))?.with_private_network(false)),
            16,
            128 * 128,
            true,
        );
    }
    // Boids' block render (every tile builds every triangle, three exponentials per pixel): the
    // baseline of the tile render, measured in the same run.
    add(
        "boids block render ×16".into(),
        Box::new(
            crate::boids::Boids::new(Default::default())?
                .with_render_kernel(crate::boids::RenderKernel::Blocks),
        ),
        16,
        0,
        true,
    );
    // Boids' sorted-private-array step and pixel-per-invocation render kernels: the baseline of
    // the register-slot step and the later render kernels, measured in the same run.
    add(
        "boids sorted-array step, pixel render ×16".into(),
        Box::new(
            crate::boids::Boids::new(Default::default())?
                .with_slot_step(false)
                .with_render_kernel(crate::boids::RenderKernel::Pixels),
        ),
        16,
        0,
        true,
    );
    // Particle Life's particle-per-invocation grid kernel: the baseline of the cell-per-invocation
    // one, measured in the same run.
    add(
        "plife per-particle kernel ×16".into(),
        Box::new(crate::plife::Plife::from_json(&json!({}))?.with_cell_step(false)),
        16,
        0,
        true,
    );
    // Particle Life's cell kernel loading α per pair: the baseline of the α-rows one.
    add(
        "plife α-load cell kernel ×16".into(),
        Box::new(crate::plife::Plife::from_json(&json!({}))?.with_alpha_rows(false)),
        16,
        0,
        true,
    );
    // Particle Life's per-pixel splat: the baseline of the tiled one, measured in the same run.
    add(
        "plife per-pixel splat ×16".into(),
        Box::new(crate::plife::Plife::from_json(&json!({}))?.with_tiled_render(false)),
        16,
        0,
        true,
    );
    // The same pair at Particle Life++'s render geometry (1000 discs of radius √0.1·0.04,
    // sharpness 30/0.04: 28 render cells of 8 pixels at 224², 4-pixel tiles), since
    // Particle Life++ renders through the same splat.
    // The middle row: square tiles over grid entries carrying their own draw key (the kernel
    // before tall tiles over linked keys), the baseline of the default.
    for (label, tiled, linked) in [
        ("", true, true),
        (", own-key tiles", true, false),
        (", per-pixel splat", false, true),
    ] {
        let config = json!({ "particles": 1000, "render_radius": 0.04, "sharpness": 30.0 });
        add(
            format!("plife 1000 Life++ discs{label} ×16"),
            Box::new(
                crate::plife::Plife::from_json(&config)?
                    .with_tiled_render(tiled)
                    .with_linked_render_keys(linked),
            ),
            16,
            0,
            false,
        );
    }
    // Particle Life++'s particle-per-invocation kernel: the baseline of the in-range one.
    add(
        "plife_plus per-particle kernel ×16".into(),
        Box::new(crate::plife_plus::PlifePlus::from_json(&json!({}))?.with_in_range_step(false)),
        16,
        0,
        true,
    );
    // Particle Lenia's per-invocation step and per-pixel field kernels: the baseline of the block
    // kernels, measured in the same run.
    for worlds in [1, 16] {
        add(
            format!("plenia per-invocation kernels ×{worlds}"),
            Box::new(crate::plenia::Plenia::new(Default::default())?.with_block_kernels(false)),
            worlds,
            0,
            true,
        );
    }
    add(
        "plife 5000 all pairs ×1".into(),
        build("plife", &json!({ "neighbours": "all_pairs" }))?,
        1,
        0,
        false,
    );
    // Bigger worlds at the paper's neighbour density: rmax shrinks as 1/sqrt(N) so each particle
    // sees as many neighbours as at N = 5000, rmax = 0.1.
    for n in [50_000u32, 100_000] {
        let rmax = 0.1 * (5000.0 / f64::from(n)).sqrt();
        add(
            format!("plife {}k (rmax {rmax:.4}) ×1", n / 1000),
            build("plife", &json!({ "particles": n, "rmax": rmax }))?,
            1,
            0,
            false,
        );
    }
    Ok(cases)
}

/// Uniform parameters of the probe kernels. Keep in sync with `ProbeParams` in
/// `shaders/bench_probe.wgsl`.
#[repr(C)]
#[derive(Clone, Copy, Debug, bytemuck::Pod, bytemuck::Zeroable)]
pub struct ProbeParams {
    /// Per-lane loads read `src[(i + 64·k) & mask]`.
    pub mask: u32,
    /// FMA probe: loop trips.
    pub iterations: u32,
    /// Padding to 16 bytes.
    pub pad0: u32,
    /// Padding to 16 bytes.
    pub pad1: u32,
}

/// One measured property of the adapter.
#[derive(Clone, Debug, Serialize)]
pub struct Probe {
    /// What was measured.
    pub name: String,
    /// The figure.
    pub value: f64,
    /// Its unit.
    pub unit: &'static str,
}

/// vec4 loads per invocation of the load probes (`LOADS` in `shaders/bench_probe.wgsl`).
const PROBE_LOADS: u64 = 64;

/// Measures the adapter's fixed costs (submit, dispatch, readback), its memory bandwidth and
/// FMA rate, and the cost of one load by where it reads from; each figure is the best of a few
/// repetitions of about `budget / 8`, so a loaded machine disturbs it less.
pub fn probes(gpu: &Gpu, budget: Duration) -> Result<Vec<Probe>> {
    const SOURCE: &str = crate::shaders::BENCH_PROBE;
    let slice = budget / 8;
    let vec4s: u64 = 1 << 21; // 32 MiB per buffer: far beyond the caches
    let params = ProbeParams {
        mask: (1 << 16) - 1,
        iterations: 256,
        pad0: 0,
        pad1: 0,
    };
    let uniform = gpu.storage_buffer(
        "probe params",
        bytemuck::bytes_of(&params),
        wgpu::BufferUsages::UNIFORM,
    );
    let src = gpu.storage_zeroed("probe src", vec4s * 16);
    let dst = gpu.storage_zeroed("probe dst", vec4s * 16);
    let table_data = vec![0.5f32; PROBE_LOADS as usize * 4];
    let table = gpu.storage_buffer(
        "probe table",
        bytemuck::cast_slice(&table_data),
        wgpu::BufferUsages::UNIFORM,
    );
    let buffers = [&uniform, &src, &dst, &table];
    let kernel = |entry: &str, bindings: &[u32]| {
        let pipeline = gpu.pipeline("bench_probe", SOURCE, entry);
        let entries: Vec<wgpu::BindGroupEntry> = bindings
            .iter()
            .map(|&b| wgpu::BindGroupEntry {
                binding: b,
                resource: buffers[b as usize].as_entire_binding(),
            })
            .collect();
        let bind = gpu.device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some(entry),
            layout: &pipeline.get_bind_group_layout(0),
            entries: &entries,
        });
        (pipeline, bind)
    };
    // Best seconds per repetition of `record` over a few repetitions within `slice`.
    let best = |record: &dyn Fn(&mut wgpu::CommandEncoder)| -> Result<f64> {
        let mut encoder = gpu.device.create_command_encoder(&Default::default());
        record(&mut encoder);
        gpu.submit_and_wait(encoder)?;
        let start = Instant::now();
        let mut best = f64::INFINITY;
        while best.is_infinite() || start.elapsed() < slice {
            let t = Instant::now();
            let mut encoder = gpu.device.create_command_encoder(&Default::default());
            record(&mut encoder);
            gpu.submit_and_wait(encoder)?;
            best = best.min(t.elapsed().as_secs_f64());
        }
        Ok(best)
    };
    let mut out = Vec::new();
    let mut push = |name: &str, value: f64, unit: &'static str| {
        out.push(Probe {
            name: name.into(),
            value,
            unit,
        });
    };

    push("submit + wait, empty", best(&|_| {})? * 1e6, "µs");
    let (empty, empty_bind) = kernel("empty", &[]);
    let dispatches = 1000u32;
    let one_pass = best(&|e| {
        let mut pass = e.begin_compute_pass(&Default::default());
        pass.set_pipeline(&empty);
        pass.set_bind_group(0, &empty_bind, &[]);
        for _ in 0..dispatches {
            pass.dispatch_workgroups(1, 1, 1);
        }
    })?;
    push(
        "empty dispatch (1 workgroup), one pass",
        one_pass * 1e6 / f64::from(dispatches),
        "µs",
    );
    let own_pass = best(&|e| {
        for _ in 0..dispatches {
            let mut pass = e.begin_compute_pass(&Default::default());
            pass.set_pipeline(&empty);
            pass.set_bind_group(0, &empty_bind, &[]);
            pass.dispatch_workgroups(1, 1, 1);
        }
    })?;
    push(
        "empty dispatch (1 workgroup), a pass each",
        own_pass * 1e6 / f64::from(dispatches),
        "µs",
    );
    let groups = 1024u32;
    let wide = best(&|e| {
        let mut pass = e.begin_compute_pass(&Default::default());
        pass.set_pipeline(&empty);
        pass.set_bind_group(0, &empty_bind, &[]);
        pass.dispatch_workgroups(groups, 1, 1);
    })?;
    push(
        "empty workgroup (64 invocations)",
        wide * 1e9 / f64::from(groups),
        "ns",
    );
    let t = Instant::now();
    let mut reads = 0u32;
    let mut best_read = f64::INFINITY;
    while reads == 0 || t.elapsed() < slice {
        let r = Instant::now();
        gpu.read_buffer(None, &dst, 0, 4)?;
        best_read = best_read.min(r.elapsed().as_secs_f64());
        reads += 1;
    }
    push("readback of 4 bytes", best_read * 1e6, "µs");

    let copy_groups = (vec4s / 64) as u32;
    let (copy, copy_bind) = kernel("copy", &[1, 2]);
    let seconds = best(&|e| {
        let mut pass = e.begin_compute_pass(&Default::default());
        pass.set_pipeline(&copy);
        pass.set_bind_group(0, &copy_bind, &[]);
        pass.dispatch_workgroups(copy_groups.min(65535), copy_groups.div_ceil(65535), 1);
    })?;
    push(
        "copy kernel bandwidth (read + write)",
        (2 * vec4s * 16) as f64 / seconds / 1e9,
        "GB/s",
    );

    let groups = 1024u32;
    let invocations = u64::from(groups) * 64;
    let (fma, fma_bind) = kernel("fma_rate", &[0, 2]);
    let seconds = best(&|e| {
        let mut pass = e.begin_compute_pass(&Default::default());
        pass.set_pipeline(&fma);
        pass.set_bind_group(0, &fma_bind, &[]);
        pass.dispatch_workgroups(groups, 1, 1);
    })?;
    let flops = invocations * u64::from(params.iterations) * 8 * 4 * 2;
    push("FMA rate", flops as f64 / seconds / 1e9, "GFLOP/s");

    for (entry, bindings) in [
        ("loads_storage_lane", &[0u32, 1, 2][..]),
        ("loads_storage_same", &[0, 1, 2]),
        ("loads_uniform_same", &[0, 2, 3]),
        ("loads_shared_same", &[0, 2, 3]),
        ("loads_storage_const", &[0, 1, 2]),
        ("loads_uniform_const", &[0, 2, 3]),
        ("loads_shared_const", &[0, 2, 3]),
    ] {
        let (pipeline, bind) = kernel(entry, bindings);
        let seconds = best(&|e| {
            let mut pass = e.begin_compute_pass(&Default::default());
            pass.set_pipeline(&pipeline);
            pass.set_bind_group(0, &bind, &[]);
            pass.dispatch_workgroups(groups, 1, 1);
        })?;
        push(
            &format!("vec4 load, {}", entry.trim_start_matches("loads_")),
            seconds * 1e9 / (invocations * PROBE_LOADS) as f64,
            "ns per lane",
        );
    }
    Ok(out)
}
