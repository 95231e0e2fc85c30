//! The substrate interface and the batched rollout that drives it.
//!
//! A [`Substrate`] turns n genomes into a [`WorldBatch`] living on the GPU; the batch records one
//! step (or one render) of all n worlds per call, one dispatch per kernel. [`rollout`] strings
//! those together: many steps per command buffer, renders only at the K sampled steps, and
//! readbacks only of frames (and of states when asked to dump them).

use crate::error::{Error, Result};
use crate::genome::GenomeSpec;
use crate::gpu::Gpu;
use crate::tensors::State;

/// How the initial states of a batch are made.
#[derive(Clone, Debug)]
pub enum Init {
    /// Drawn from the counter-based hash keyed by this seed and each world's global index.
    Seed(u64),
    /// Given, one state per world (or one shared by all), in the fixtures' field names.
    States(Vec<State>),
}

/// A batch of worlds on the GPU, all advanced and rendered together.
pub trait WorldBatch {
    /// Number of worlds.
    fn len(&self) -> u32;

    /// Whether the batch is empty (never, once created).
    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Records one step of every world.
    fn encode_step(&mut self, encoder: &mut wgpu::CommandEncoder);

    /// Records `steps` steps of every world. Substrates that can fuse several steps into one
    /// dispatch (small Life grids kept in workgroup memory) override this.
    fn encode_steps(&mut self, encoder: &mut wgpu::CommandEncoder, steps: u32) {
        for _ in 0..steps {
            self.encode_step(encoder);
        }
    }

    /// Records rendering the current state of every world into frame slot `slot` of `target`.
    fn encode_render(&self, encoder: &mut wgpu::CommandEncoder, target: &FrameTarget, slot: u32);

    /// Reads every world's current state back, in the fixtures' field names and shapes.
    fn read_states(&self, gpu: &Gpu) -> Result<Vec<State>>;
}

/// A family of simulations indexed by a flat genome.
pub trait Substrate: Send + Sync {
    /// Canonical name (`gol`, `lenia`, ...).
    fn name(&self) -> &'static str;

    /// Layout and decoding of the genome.
    fn genome(&self) -> &GenomeSpec;

    /// The original's rollout length for this substrate.
    fn default_steps(&self) -> u32;

    /// GPU bytes one world needs (state, parameters and scratch), used to split batches that
    /// would exceed the adapter's limits.
    fn bytes_per_world(&self) -> u64;

    /// Uploads `genomes` (row after row) and initial states; `first_world` is the global index of
    /// the first world so seeded draws do not depend on how a batch was split.
    fn create_batch(
        &self,
        gpu: &Gpu,
        genomes: &[f32],
        init: &Init,
        first_world: u32,
    ) -> Result<Box<dyn WorldBatch>>;

    /// The CPU reference twin, for tests and for machines where correctness matters more than speed.
    fn cpu_rollout(
        &self,
        genome: &[f32],
        init: &Init,
        world: u32,
        steps: &[u32],
    ) -> Result<Vec<State>>;
}

/// Which steps are rendered. Step t means the state after t steps (0 = initial state).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FrameTimes {
    /// The ends of K equal chunks, as the original's `time_sampling=(K, True)`: steps
    /// jT/K − 1 for j = 1..K.
    ChunkEnds(u32),
    /// These steps.
    Steps(Vec<u32>),
    /// Every `n`-th step starting at 0 (0, n, 2n, ... ≤ T), as the original's GoL sweep.
    Every(u32),
}

/// The frames a rollout renders.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FrameSchedule {
    /// Which steps.
    pub times: FrameTimes,
    /// Also render the step after each chosen one (the one before, at the end), so strobing
    /// rules (B0) are judged on both phases.
    pub both_parities: bool,
}

impl FrameSchedule {
    /// The sorted, de-duplicated steps to render for a rollout of `total` steps.
    pub fn resolve(&self, total: u32) -> Result<Vec<u32>> {
        let mut steps = match &self.times {
            FrameTimes::ChunkEnds(k) => {
                if *k == 0 || *k > total {
                    return Err(Error::invalid(
                        "frame count",
                        format!("K = {k} chunk ends need 1 ≤ K ≤ steps ({total})"),
                    ));
                }
                (1..=*k)
                    .map(|j| (u64::from(j) * u64::from(total) / u64::from(*k)) as u32 - 1)
                    .collect()
            }
            FrameTimes::Steps(s) => {
                if let Some(bad) = s.iter().find(|&&t| t > total) {
                    return Err(Error::invalid(
                        "frame steps",
                        format!("step {bad} is past the end of a {total}-step rollout"),
                    ));
                }
                s.clone()
            }
            FrameTimes::Every(n) => {
                if *n == 0 {
                    return Err(Error::invalid("frame interval", "must be ≥ 1"));
                }
                (0..=total).step_by(*n as usize).collect()
            }
        };
        if self.both_parities {
            let partners: Vec<u32> = steps
                .iter()
                .map(|&t| {
                    if t < total {
                        t + 1
                    } else {
                        t.saturating_sub(1)
                    }
                })
                .collect();
            steps.extend(partners);
        }
        steps.sort_unstable();
        steps.dedup();
        if steps.is_empty() {
            return Err(Error::invalid("frame steps", "no frame would be rendered"));
        }
        Ok(steps)
    }
}

/// GPU frames: `[world][slot][y][x]` RGBA8 packed in u32 (R in the low byte).
pub struct FrameTarget {
    /// The packed pixels.
    pub buffer: wgpu::Buffer,
    /// Frame side, in pixels.
    pub size: u32,
    /// Frames per world.
    pub slots: u32,
    /// Worlds.
    pub worlds: u32,
    /// One tiny uniform per slot (`FrameParams`), so many renders can share a command buffer.
    slot_params: Vec<wgpu::Buffer>,
}

/// Per-render parameters. Keep in sync with `FrameParams` in `shaders/common/frame.wgsl`.
#[repr(C)]
#[derive(Clone, Copy, Debug, bytemuck::Pod, bytemuck::Zeroable)]
pub struct FrameParams {
    /// Which slot this render writes.
    pub slot: u32,
    /// Frame side, in pixels.
    pub size: u32,
    /// Frames per world.
    pub slots: u32,
    /// Worlds in the batch.
    pub worlds: u32,
}

impl FrameTarget {
    /// Allocates frames for `worlds` × `slots` images of `size`².
    pub fn new(gpu: &Gpu, worlds: u32, slots: u32, size: u32) -> Result<Self> {
        if size == 0 || size > 4096 {
            return Err(Error::invalid(
                "frame size",
                format!("{size} px; valid: 1..=4096"),
            ));
        }
        let bytes = u64::from(worlds) * u64::from(slots) * u64::from(size) * u64::from(size) * 4;
        if bytes > gpu.limits().max_storage_buffer_binding_size {
            return Err(Error::invalid(
                "frame batch",
                format!(
                    "{worlds} worlds × {slots} frames of {size}² px need {bytes} bytes, over the adapter's \
                     {} byte storage binding limit",
                    gpu.limits().max_storage_buffer_binding_size
                ),
            ));
        }
        let buffer = gpu.storage_zeroed("frames", bytes);
        let slot_params = (0..slots)
            .map(|slot| {
                let p = FrameParams {
                    slot,
                    size,
                    slots,
                    worlds,
                };
                gpu.storage_buffer(
                    "frame params",
                    bytemuck::bytes_of(&p),
                    wgpu::BufferUsages::UNIFORM,
                )
            })
            .collect();
        Ok(Self {
            buffer,
            size,
            slots,
            worlds,
            slot_params,
        })
    }

    /// The uniform for `slot`.
    #[must_use]
    pub fn slot_params(&self, slot: u32) -> &wgpu::Buffer {
        &self.slot_params[slot as usize]
    }

    /// Reads all frames back as RGBA8 bytes, `[world][slot][y][x][rgba]`.
    pub fn read(&self, gpu: &Gpu, encoder: Option<wgpu::CommandEncoder>) -> Result<Vec<u8>> {
        gpu.read_buffer(encoder, &self.buffer, 0, self.buffer.size())
    }

    /// Records a render kernel that follows the common binding convention — 0: the substrate's
    /// uniform, 1: this slot's `FrameParams`, 2: the state, 3: the frames — with 8×8 workgroups
    /// over the frame and worlds along z.
    pub(crate) fn encode_render_kernel(
        &self,
        gpu: &Gpu,
        encoder: &mut wgpu::CommandEncoder,
        pipeline: &wgpu::ComputePipeline,
        uniform: &wgpu::Buffer,
        state: &wgpu::Buffer,
        slot: u32,
    ) {
        let bind = gpu.device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("render"),
            layout: &pipeline.get_bind_group_layout(0),
            entries: &[
                uniform.as_entire_binding(),
                self.slot_params(slot).as_entire_binding(),
                state.as_entire_binding(),
                self.buffer.as_entire_binding(),
            ]
            .into_iter()
            .enumerate()
            .map(|(binding, resource)| wgpu::BindGroupEntry {
                binding: binding as u32,
                resource,
            })
            .collect::<Vec<_>>(),
        });
        let mut pass = encoder.begin_compute_pass(&Default::default());
        pass.set_pipeline(pipeline);
        pass.set_bind_group(0, &bind, &[]);
        let (x, y, z) = self.workgroups();
        pass.dispatch_workgroups(x, y, z);
    }

    /// Dispatch size for a render kernel with 8×8 workgroups over the frame and worlds along z.
    #[must_use]
    pub fn workgroups(&self) -> (u32, u32, u32) {
        (self.size.div_ceil(8), self.size.div_ceil(8), self.worlds)
    }
}

/// What a rollout computes.
#[derive(Clone, Debug)]
pub struct RolloutSpec {
    /// Steps to simulate.
    pub steps: u32,
    /// Steps whose frames are rendered (sorted; from [`FrameSchedule::resolve`]).
    pub frame_steps: Vec<u32>,
    /// Frame side, pixels.
    pub frame_size: u32,
    /// Steps whose full states are read back (sorted).
    pub dump_steps: Vec<u32>,
}

/// What a rollout returns.
#[derive(Debug, Default)]
pub struct RolloutOutput {
    /// Frames, `[world][frame][y][x][rgba]`, one per `frame_steps` entry.
    pub frames: Vec<u8>,
    /// For each dump step, every world's state.
    pub states: Vec<(u32, Vec<State>)>,
}

/// Steps recorded per command buffer: enough to amortise submission, few enough that progress
/// callbacks arrive regularly and one submission never runs for minutes on a slow adapter.
const STEPS_PER_SUBMIT: u32 = 64;

/// Simulates every genome (row after row) for `spec.steps`, rendering and dumping as asked.
/// Batches larger than the adapter's limits run in several passes with identical results.
pub fn rollout(
    gpu: &Gpu,
    substrate: &dyn Substrate,
    genomes: &[f32],
    init: &Init,
    spec: &RolloutSpec,
    progress: &mut dyn FnMut(u64),
) -> Result<RolloutOutput> {
    let n = substrate.genome().validate_batch(genomes)?;
    if let Some(&t) = spec
        .frame_steps
        .iter()
        .chain(&spec.dump_steps)
        .find(|&&t| t > spec.steps)
    {
        return Err(Error::invalid(
            "rollout",
            format!(
                "step {t} requested but the rollout has only {} steps",
                spec.steps
            ),
        ));
    }
    if let Init::States(states) = init
        && states.len() != 1
        && states.len() != n
    {
        return Err(Error::invalid(
            "initial states",
            format!(
                "{} states given for {n} worlds; give one per world or one for all",
                states.len()
            ),
        ));
    }
    let per_world = substrate.bytes_per_world()
        + u64::from(spec.frame_size).pow(2) * 4 * spec.frame_steps.len().max(1) as u64;
    let limit = gpu
        .limits()
        .max_storage_buffer_binding_size
        .min(gpu.limits().max_buffer_size);
    if per_world > limit {
        return Err(Error::invalid(
            "batch",
            format!(
                "one world needs {per_world} bytes of GPU memory, over the adapter's {limit} byte buffer limit; \
                 use a smaller grid, fewer frames or smaller frames"
            ),
        ));
    }
    let max_worlds = ((limit / per_world) as usize)
        .min(gpu.limits().max_workgroups_per_dimension as usize)
        .max(1);
    let d = substrate.genome().dim();
    let mut out = RolloutOutput {
        frames: Vec::with_capacity(
            n * spec.frame_steps.len() * (spec.frame_size as usize).pow(2) * 4,
        ),
        states: spec
            .dump_steps
            .iter()
            .map(|&t| (t, Vec::with_capacity(n)))
            .collect(),
    };
    let mut start = 0;
    while start < n {
        let count = max_worlds.min(n - start);
        let chunk_init = match init {
            Init::States(s) if s.len() == n => Init::States(s[start..start + count].to_vec()),
            other => other.clone(),
        };
        let chunk = rollout_chunk(
            gpu,
            substrate,
            &genomes[start * d..(start + count) * d],
            &chunk_init,
            start as u32,
            spec,
            progress,
        )?;
        out.frames.extend_from_slice(&chunk.frames);
        for ((_, all), (_, part)) in out.states.iter_mut().zip(chunk.states) {
            all.extend(part);
        }
        start += count;
    }
    Ok(out)
}

fn rollout_chunk(
    gpu: &Gpu,
    substrate: &dyn Substrate,
    genomes: &[f32],
    init: &Init,
    first_world: u32,
    spec: &RolloutSpec,
    progress: &mut dyn FnMut(u64),
) -> Result<RolloutOutput> {
    let mut batch = substrate.create_batch(gpu, genomes, init, first_world)?;
    let worlds = batch.len();
    let slots = spec.frame_steps.len() as u32;
    let target = (slots > 0)
        .then(|| FrameTarget::new(gpu, worlds, slots, spec.frame_size))
        .transpose()?;
    let mut states = Vec::new();
    let mut encoder = gpu.device.create_command_encoder(&Default::default());
    let mut recorded = 0u32;
    let mut t = 0u32;
    loop {
        if let Some(target) = &target
            && let Ok(slot) = spec.frame_steps.binary_search(&t)
        {
            batch.encode_render(&mut encoder, target, slot as u32);
        }
        if spec.dump_steps.binary_search(&t).is_ok() {
            gpu.submit_and_wait(std::mem::replace(
                &mut encoder,
                gpu.device.create_command_encoder(&Default::default()),
            ))?;
            states.push((t, batch.read_states(gpu)?));
        }
        if t == spec.steps {
            break;
        }
        // Steps up to the next frame, dump, submission boundary or the end, recorded at once
        // so substrates that fuse steps can do so.
        let next_event = spec
            .frame_steps
            .iter()
            .chain(&spec.dump_steps)
            .copied()
            .filter(|&e| e > t)
            .min()
            .unwrap_or(spec.steps)
            .min(spec.steps);
        let run = (next_event - t).min(STEPS_PER_SUBMIT - recorded);
        batch.encode_steps(&mut encoder, run);
        t += run;
        recorded += run;
        if recorded == STEPS_PER_SUBMIT {
            gpu.submit_and_wait(std::mem::replace(
                &mut encoder,
                gpu.device.create_command_encoder(&Default::default()),
            ))?;
            progress(u64::from(recorded) * u64::from(worlds));
            recorded = 0;
        }
    }
    let frames = match &target {
        Some(target) => target.read(gpu, Some(encoder))?,
        None => {
            gpu.submit_and_wait(encoder)?;
            Vec::new()
        }
    };
    progress(u64::from(recorded) * u64::from(worlds));
    Ok(RolloutOutput { frames, states })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunk_ends_match_the_original() {
        // main_opt's time_sampling=(K, True) picks s_{jT/K-1}: for T = 256, K = 4 → 63, 127, 191, 255.
        let s = FrameSchedule {
            times: FrameTimes::ChunkEnds(4),
            both_parities: false,
        };
        assert_eq!(s.resolve(256).ok(), Some(vec![63, 127, 191, 255]));
    }

    #[test]
    fn both_parities_add_the_next_step() {
        let s = FrameSchedule {
            times: FrameTimes::Steps(vec![0, 64, 128]),
            both_parities: true,
        };
        assert_eq!(s.resolve(128).ok(), Some(vec![0, 1, 64, 65, 127, 128]));
    }

    #[test]
    fn every_nth_starts_at_zero() {
        let s = FrameSchedule {
            times: FrameTimes::Every(64),
            both_parities: false,
        };
        let steps = s.resolve(2047).ok().unwrap_or_default();
        assert_eq!(steps.len(), 32);
        assert_eq!(steps.last(), Some(&1984));
    }

    #[test]
    fn bad_schedules_are_errors() {
        let too_many = FrameSchedule {
            times: FrameTimes::ChunkEnds(10),
            both_parities: false,
        };
        assert!(too_many.resolve(5).is_err());
        let past_end = FrameSchedule {
            times: FrameTimes::Steps(vec![11]),
            both_parities: false,
        };
        assert!(past_end.resolve(10).is_err());
    }
}
