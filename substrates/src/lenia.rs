//! Lenia (`lenia`): continuous cellular automata with ring kernels and smooth growth.
//!
//! Two variants share one GPU kernel (`shaders/lenia_step.wgsl`):
//!
//! - **`asal`**: the original's multi-channel Lenia (its `lenia_impl.py`, from Leniabreeder,
//!   itself after Bert Chan's "Aquarium" patterns): 3 channels, 15 kernels routed c0 → c1, ring
//!   weights b, relative radius r, Gaussian growth h·(2·exp(−((U−m)/s)²/2) − 1), A ← clip(A + G/T).
//!   A camera rolls the world by the last centre-of-mass shift before each step, and the rendered
//!   phenotype is the central 64×64 crop. The 3117-dimensional genome is [m, s, h offsets (45),
//!   cell offsets (32×32×3)] decoded as sigmoid(logit(base) + δ), dynamics offsets clipped to ±1.
//! - **`classic`**: Chan's single-channel Lenia (Lenia, Complex Systems 28(3), 2019) with the
//!   polynomial kernel core (4q(1−q))⁴ and growth 2·max(0, 1−(u−m)²/9s²)⁴ − 1, e.g. Orbium.
//!
//! Kernels are built once on the CPU. The convolution runs one of two ways on the GPU:
//!
//! - **direct** (`shaders/lenia_step.wgsl`): a sum over each kernel's non-zero taps, read from a
//!   tile staged in workgroup memory; cost ∝ cells × taps, reach ≤ [`MAX_REACH`].
//! - **FFT** (`shaders/lenia_fft_*.wgsl`): forward 2-D FFT of each source channel of the rolled
//!   world, product with each kernel's spectrum (computed once per substrate on the CPU in f64:
//!   kernels are fixed by the config, never searched), inverse FFT of kernels in pairs (the
//!   spectra are real, so two kernels share one complex inverse), then growth and update; cost
//!   ∝ cells × log2(side) × (channels + kernels/2). Needs a power-of-two side of 8 to
//!   [`FFT_MAX_SIZE`]; any kernel reach. Each pass transforms one line per invocation in
//!   private memory (`lenia_fft_lane*.wgsl`, sides up to [`LANE_FFT_MAX_SIZE`]); the
//!   workgroup-cooperative kernels, one line per workgroup, compute the same spectra (to float32
//!   rounding) and remain for larger sides and as the benchmark's baseline ([`FftKernels`]).
//!
//! The config's `"convolution"` picks one: `"auto"` (default) by the cost model in
//! [`prefer_fft`], `"direct"`, or `"fft"` (an error for other world sides: toroidal convolution
//! needs the period to be the side itself, so zero padding would not be exact). Both paths agree
//! to float32 rounding (summation order differs: ~1e-7 per step).

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::genome::{Decode, Decoded, GenomeBlock, GenomeSpec};
use crate::gol::entry;
use crate::gpu::Gpu;
use crate::reference;
use crate::shaders;
use crate::substrate::{FrameTarget, Init, Substrate, WorldBatch};
use crate::tensors::{State, Tensor};

/// A kernel ring weight: a number, or a fraction written as text (`"11/12"`), as in Chan's files.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Weight {
    /// A plain number.
    Number(f64),
    /// `"a/b"` or `"a"`.
    Text(String),
}

impl Weight {
    fn value(&self) -> Result<f64> {
        match self {
            Weight::Number(v) => Ok(*v),
            Weight::Text(t) => {
                let parse = |s: &str| s.trim().parse::<f64>().ok();
                let v = match t.split_once('/') {
                    Some((a, b)) => parse(a).zip(parse(b)).map(|(a, b)| a / b),
                    None => parse(t),
                };
                v.filter(|v| v.is_finite()).ok_or_else(|| {
                    Error::invalid(
                        "kernel ring weight",
                        format!("`{t}` is not a number or fraction like `11/12`"),
                    )
                })
            }
        }
    }
}

/// One kernel of a pattern: shape (b, r), routing (c0 → c1) and growth (m, s, h).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct KernelSpec {
    /// Ring weights, innermost first.
    pub b: Vec<Weight>,
    /// Radius relative to R, in (0, 1].
    #[serde(default = "one")]
    pub r: f64,
    /// Growth centre.
    pub m: f64,
    /// Growth width.
    pub s: f64,
    /// Growth weight.
    #[serde(default = "one")]
    pub h: f64,
    /// Source channel.
    #[serde(default)]
    pub c0: usize,
    /// Target channel.
    #[serde(default)]
    pub c1: usize,
}

fn one() -> f64 {
    1.0
}

/// Kernel core: the radial profile inside each ring.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KernelCore {
    /// exp(−((q − 0.5)/0.15)²/2), the original ASAL/Leniabreeder kernel.
    Bump,
    /// (4q(1−q))⁴, Chan's kernel `kn = 1`.
    Quad4,
}

/// Growth function.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Growth {
    /// 2·exp(−((u − m)/s)²/2) − 1.
    Gaussian,
    /// 2·max(0, 1 − (u − m)²/(9s²))⁴ − 1, Chan's growth `gn = 1`.
    Quad4,
}

/// A Lenia pattern: world rule and initial cells.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LeniaPattern {
    /// Kernel radius in cells.
    #[serde(rename = "R")]
    pub radius: f64,
    /// Time resolution: dt = 1/T.
    #[serde(rename = "T")]
    pub time_resolution: f64,
    /// Kernel core.
    pub kernel_core: KernelCore,
    /// Growth function.
    pub growth: Growth,
    /// Kernels.
    pub kernels: Vec<KernelSpec>,
    /// Cells as `[channel][row][col]` in [0, 1].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cells: Option<Vec<Vec<Vec<f64>>>>,
    /// Cells in Chan's RLE (single channel), instead of `cells`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cells_rle: Option<String>,
}

/// How the potentials are computed (a creature file's `config.convolution`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Convolution {
    /// The cheaper of the two by [`prefer_fft`]; FFT where direct cannot run (reach > 24).
    #[default]
    Auto,
    /// Sum over the kernels' taps.
    Direct,
    /// Through the 2-D FFT; power-of-two world sides of 8 to [`FFT_MAX_SIZE`] only.
    Fft,
}

/// Largest world side of the FFT path: one line of complex values, twice (Stockham ping-pong),
/// plus the growth sums must fit in 16 KiB of workgroup memory. Keep in sync with `FFT_MAX` in
/// `shaders/lenia_fft_common.wgsl`.
pub const FFT_MAX_SIZE: u32 = 512;

/// Work per world and step of each path, in the same rough unit (a multiply-add):
/// `(direct, fft)`. Direct: one MAC per tap per cell. FFT: a radix-2 pass over n² points costs
/// ~5·n²·log2(n)/2 MAC-equivalents per 2-D transform (rows and columns), done for each
/// channel forward and each kernel pair inverse, plus the spectral product; weighted by
/// [`LANE_FFT_OVERHEAD`] (sides up to [`LANE_FFT_MAX_SIZE`]) or [`FFT_OVERHEAD`] (the
/// workgroup kernels, larger sides).
#[must_use]
pub fn convolution_costs(size: u32, channels: usize, kernels: usize, taps: usize) -> (f64, f64) {
    let cells = f64::from(size) * f64::from(size);
    let direct = cells * taps as f64;
    let transforms = (channels + kernels.div_ceil(2)) as f64;
    let fft = cells * (transforms * 2.5 * f64::from(size.max(2)).log2() + kernels as f64);
    let overhead = if size <= LANE_FFT_MAX_SIZE {
        LANE_FFT_OVERHEAD
    } else {
        FFT_OVERHEAD
    };
    (direct, fft * overhead)
}

/// How much slower per nominal operation the FFT path runs than the direct one: strided column
/// access, barriers between stages and four dispatches per step instead of one. Measured on
/// lavapipe (`asal bench --only lenia`, 128²): 5N7KKM 870 ms direct vs 52 ms FFT per step
/// (nominal ratio 33, so 2.0), Orbium R = 13 104 ms vs 8.6 ms (nominal 14.8, so 1.2). With 2,
/// a single kernel at 128² goes FFT above ~70 taps (R ≈ 5), as the FLOP crossover predicts.
pub const FFT_OVERHEAD: f64 = 2.0;

/// The same for the lane kernels, whose butterflies run in registers: measured on lavapipe in
/// one run (`cargo bench -p asal-substrates`, 128², ×1): 5N7KKM 0.5 steps/s direct vs 127.6
/// FFT (nominal ratio 33, so 0.13), Orbium 3.2 vs 346 (nominal 14.8, so 0.14). With 0.14 a
/// single kernel goes FFT above ~5 taps: at power-of-two sides the FFT wins almost always.
pub const LANE_FFT_OVERHEAD: f64 = 0.14;

/// Whether the cost model prefers the FFT path for this configuration (if it is possible).
#[must_use]
pub fn prefer_fft(size: u32, channels: usize, kernels: usize, taps: usize) -> bool {
    let (direct, fft) = convolution_costs(size, channels, kernels, taps);
    fft < direct
}

/// Which Lenia.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Variant {
    /// The original ASAL Lenia: genome with h, initial step inside init.
    Asal,
    /// Chan's classic Lenia: no h in the genome, no extra initial step.
    Classic,
}

/// Settings of the Lenia substrate (a creature file's `config`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LeniaConfig {
    /// Which Lenia.
    pub variant: Variant,
    /// World side in cells.
    #[serde(default = "default_size")]
    pub size: u32,
    /// Roll the world to keep the creature centred (ASAL's camera).
    #[serde(default)]
    pub recenter: bool,
    /// Side of the centred crop that is rendered (ASAL: 64); the whole world when absent.
    #[serde(default)]
    pub crop: Option<u32>,
    /// Side of the square box of genome cells, centred in the world (ASAL: 32); the pattern's
    /// own size when absent.
    #[serde(default)]
    pub cells_size: Option<u32>,
    /// Bound on the dynamics offsets in the genome (ASAL: 1).
    #[serde(default)]
    pub clip_dynamics: Option<f64>,
    /// Bound on the cell offsets (ASAL: none).
    #[serde(default)]
    pub clip_cells: Option<f64>,
    /// Convolution method: `"auto"` (default), `"direct"` or `"fft"`.
    #[serde(default)]
    pub convolution: Convolution,
    /// The pattern.
    pub pattern: LeniaPattern,
}

fn default_size() -> u32 {
    128
}

/// The built-in 5N7KKM creature file (ASAL's start pattern).
pub const AQUARIUM_5N7KKM: &str = include_str!("../../assets/creatures/5N7KKM.json");

/// Decoded cells of a pattern: `[channel][row][col]`.
type Cells = Vec<Vec<Vec<f64>>>;

/// Decodes Chan's RLE for Lenia cells (values 0..255 → /255), as `Board.rle2arr`.
pub fn decode_chan_rle(text: &str) -> Result<Vec<Vec<f64>>> {
    let bad = |m: String| Error::invalid("cells_rle", m);
    let mut rows: Vec<Vec<u32>> = vec![Vec::new()];
    let mut count = String::new();
    let mut chars = text.chars().peekable();
    let take_count = |count: &mut String| -> Result<usize> {
        let n = if count.is_empty() {
            1
        } else {
            count
                .parse()
                .map_err(|_| bad(format!("bad count `{count}`")))?
        };
        count.clear();
        Ok(n)
    };
    while let Some(c) = chars.next() {
        match c {
            '0'..='9' => count.push(c),
            '!' => break,
            '$' => {
                let n = take_count(&mut count)?;
                for _ in 0..n {
                    rows.push(Vec::new());
                }
            }
            '.' | 'b' => {
                let n = take_count(&mut count)?;
                if let Some(r) = rows.last_mut() {
                    r.extend(std::iter::repeat_n(0, n));
                }
            }
            'o' => {
                let n = take_count(&mut count)?;
                if let Some(r) = rows.last_mut() {
                    r.extend(std::iter::repeat_n(255, n));
                }
            }
            'A'..='X' => {
                let n = take_count(&mut count)?;
                let v = u32::from(c) - u32::from('A') + 1;
                if let Some(r) = rows.last_mut() {
                    r.extend(std::iter::repeat_n(v, n));
                }
            }
            'p'..='y' => {
                let Some(c1) = chars.next().filter(|c1| ('A'..='X').contains(c1)) else {
                    return Err(bad(format!("`{c}` must be followed by a letter A-X")));
                };
                let n = take_count(&mut count)?;
                let v =
                    (u32::from(c) - u32::from('p')) * 24 + (u32::from(c1) - u32::from('A')) + 25;
                if let Some(r) = rows.last_mut() {
                    r.extend(std::iter::repeat_n(v, n));
                }
            }
            c if c.is_whitespace() => {}
            other => return Err(bad(format!("unexpected `{other}`"))),
        }
    }
    let width = rows.iter().map(Vec::len).max().unwrap_or(0);
    Ok(rows
        .into_iter()
        .map(|mut r| {
            r.resize(width, 0);
            r.into_iter().map(|v| f64::from(v) / 255.0).collect()
        })
        .collect())
}

/// Kernel taps: for each kernel, the non-zero weights at integer offsets, normalised to sum 1.
#[derive(Clone, Debug, PartialEq)]
pub struct KernelTaps {
    /// `(dy, dx, weight)` per kernel.
    pub taps: Vec<Vec<(i32, i32, f32)>>,
}

/// Builds the kernels of a pattern, in f64 then rounded, normalised to sum 1.
pub fn build_kernels(pattern: &LeniaPattern) -> Result<KernelTaps> {
    let radius = pattern.radius;
    let mut all = Vec::with_capacity(pattern.kernels.len());
    for (k, spec) in pattern.kernels.iter().enumerate() {
        let b: Vec<f64> = spec.b.iter().map(Weight::value).collect::<Result<_>>()?;
        if b.is_empty() || !(spec.r > 0.0 && spec.r <= 1.0) {
            return Err(Error::invalid(
                format!("kernel {k}"),
                format!(
                    "needs at least one ring weight and 0 < r ≤ 1 (got {} rings, r = {})",
                    b.len(),
                    spec.r
                ),
            ));
        }
        let reach = (radius * spec.r).ceil() as i32;
        let rings = b.len() as f64;
        let mut taps = Vec::new();
        let mut total = 0.0;
        for dy in -reach..=reach {
            for dx in -reach..=reach {
                let dist = f64::from(dy * dy + dx * dx).sqrt() / radius;
                let w = match pattern.kernel_core {
                    KernelCore::Bump => {
                        // D = |X|·len(b)/r; K = [D < len(b)]·b[⌊D⌋]·bell(D mod 1; 0.5, 0.15).
                        let d = dist * rings / spec.r;
                        if d < rings {
                            let q = d.fract();
                            b[d.floor() as usize] * (-((q - 0.5) / 0.15).powi(2) / 2.0).exp()
                        } else {
                            0.0
                        }
                    }
                    KernelCore::Quad4 => {
                        // r = |X|/(R·r_k); K = [r < 1]·b[min(⌊B·r⌋, B−1)]·(4q(1−q))⁴, q = B·r mod 1.
                        let r = dist / spec.r;
                        if r < 1.0 {
                            let br = rings * r;
                            let q = br.fract();
                            b[(br.floor() as usize).min(b.len() - 1)]
                                * (4.0 * q * (1.0 - q)).powi(4)
                        } else {
                            0.0
                        }
                    }
                };
                if w > 0.0 {
                    taps.push((dy, dx, w));
                    total += w;
                }
            }
        }
        if total <= 0.0 {
            return Err(Error::invalid(
                format!("kernel {k}"),
                "has no positive weight",
            ));
        }
        all.push(
            taps.into_iter()
                .map(|(dy, dx, w)| (dy, dx, (w / total) as f32))
                .collect(),
        );
    }
    Ok(KernelTaps { taps: all })
}

/// The Lenia substrate.
#[derive(Debug)]
pub struct Lenia {
    config: LeniaConfig,
    genome: GenomeSpec,
    kernels: KernelTaps,
    channels: usize,
    /// Side of the genome's cell box (square for ASAL, the pattern's box for classic).
    box_rows: usize,
    box_cols: usize,
    /// Whether steps convolve through the FFT.
    fft: bool,
    /// Which kernels run the FFT path.
    fft_kernels: FftKernels,
}

/// The two implementations of the FFT path's passes; they compute the same spectra up to
/// float32 rounding (radix 2 and radix 4), at different speeds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FftKernels {
    /// One workgroup per line, its invocations sharing the butterflies of each stage through
    /// workgroup memory (`shaders/lenia_fft_{rows,cols,inverse_cols,growth}.wgsl`). Kept as the
    /// benchmark's baseline.
    Workgroup,
    /// One invocation per line, the whole line in private memory
    /// (`shaders/lenia_fft_lane*.wgsl`): the default, faster on lavapipe, where every
    /// workgroup-memory access with a computed address costs a loop over the SIMD lanes. World
    /// sides above [`LANE_FFT_MAX_SIZE`] fall back to the workgroup kernels.
    Lane,
}

/// Longest line the lane kernels take: two private lines of 512 complex values per invocation
/// (plus the growth sums) did not finish a 512² transform in minutes on lavapipe, so 512² worlds
/// keep the workgroup kernels.
pub const LANE_FFT_MAX_SIZE: u32 = 256;

impl FftKernels {
    fn pipelines(self, gpu: &Gpu, n: u32) -> shaders::LeniaFftPipelines {
        match self {
            Self::Lane if n <= LANE_FFT_MAX_SIZE => shaders::lenia_fft_lane_pipelines(gpu, n),
            Self::Lane | Self::Workgroup => shaders::lenia_fft_pipelines(gpu),
        }
    }
}

/// Uniform parameters. Keep in sync with `LeniaParams` in `shaders/lenia_common.wgsl`.
#[repr(C)]
#[derive(Clone, Copy, Debug, bytemuck::Pod, bytemuck::Zeroable)]
pub struct LeniaParams {
    /// World side.
    pub size: u32,
    /// Channels.
    pub channels: u32,
    /// Kernels.
    pub kernels: u32,
    /// Worlds in the batch.
    pub worlds: u32,
    /// 1/T.
    pub dt: f32,
    /// 0 Gaussian, 1 polynomial.
    pub growth: u32,
    /// Camera on.
    pub recenter: u32,
    /// Rendered crop side, 0 = whole world.
    pub crop: u32,
    /// R.
    pub radius: f32,
    /// Largest tap offset: the halo of the step kernel's tile.
    pub reach: u32,
    /// Padding.
    pub pad: [u32; 2],
}

/// One kernel tap as the step shader reads it. Keep in sync with `Tap` in
/// `shaders/lenia_common.wgsl`.
#[repr(C)]
#[derive(Clone, Copy, Debug, bytemuck::Pod, bytemuck::Zeroable)]
pub struct Tap {
    /// Offset into the tile: `(-dy)·side + (-dx)`, side = 16 + 2·reach.
    pub offset: i32,
    /// Kernel weight.
    pub weight: f32,
}

/// Output tile side of `shaders/lenia_step.wgsl`.
const STEP_TILE: u32 = 16;
/// Largest kernel reach the step kernel's 64×64 tile holds.
pub const MAX_REACH: u32 = 24;

/// Per-kernel tap range and routing. Keep in sync with `KernelInfo` in `shaders/lenia_common.wgsl`.
#[repr(C)]
#[derive(Clone, Copy, Debug, bytemuck::Pod, bytemuck::Zeroable)]
pub struct KernelInfo {
    /// First tap.
    pub tap_start: u32,
    /// One past the last tap.
    pub tap_end: u32,
    /// Source channel.
    pub source: u32,
    /// Destination channel.
    pub dest: u32,
}

/// Camera state. Keep in sync with `Camera` in `shaders/lenia_common.wgsl`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, bytemuck::Pod, bytemuck::Zeroable)]
pub struct Camera {
    /// Last centre (y, x) in units of R.
    pub center: [f32; 2],
    /// Last shift (y, x).
    pub shift: [i32; 2],
    /// Sum of shifts.
    pub total: [i32; 2],
    /// Mass before the last step.
    pub mass: f32,
    /// Padding.
    pub pad: f32,
}

impl Lenia {
    /// A Lenia substrate from a creature file's config.
    pub fn new(config: LeniaConfig) -> Result<Self> {
        let p = &config.pattern;
        if !(p.radius >= 1.0
            && p.radius <= 64.0
            && p.time_resolution > 0.0
            && p.time_resolution.is_finite())
        {
            return Err(Error::invalid(
                "Lenia pattern",
                format!(
                    "R = {} and T = {}: need 1 ≤ R ≤ 64 and T > 0",
                    p.radius, p.time_resolution
                ),
            ));
        }
        if p.kernels.is_empty() {
            return Err(Error::invalid("Lenia pattern", "has no kernels"));
        }
        let cells = pattern_cells(p)?;
        let channels = cells.len();
        if !(1..=3).contains(&channels) {
            return Err(Error::invalid(
                "Lenia pattern",
                format!("{channels} channels; 1 to 3 are supported"),
            ));
        }
        for (k, spec) in p.kernels.iter().enumerate() {
            if spec.c0 >= channels || spec.c1 >= channels {
                return Err(Error::invalid(
                    format!("kernel {k}"),
                    format!(
                        "routes channel {} → {} but the pattern has {channels} channel(s)",
                        spec.c0, spec.c1
                    ),
                ));
            }
            let valid = spec.s > 0.0 && spec.m.is_finite() && spec.h.is_finite();
            if !valid {
                return Err(Error::invalid(
                    format!("kernel {k}"),
                    format!(
                        "needs s > 0 and finite m, h (m = {}, s = {}, h = {})",
                        spec.m, spec.s, spec.h
                    ),
                ));
            }
        }
        let kernels = build_kernels(p)?;
        let max_reach = kernels
            .taps
            .iter()
            .flatten()
            .map(|t| t.0.abs().max(t.1.abs()))
            .max()
            .unwrap_or(0);
        if config.size < 8 || config.size > 4096 || 2 * max_reach as u32 + 1 > config.size {
            return Err(Error::invalid(
                "world size",
                format!(
                    "{}: must be 8..=4096 and larger than the kernel's diameter ({})",
                    config.size,
                    2 * max_reach + 1
                ),
            ));
        }
        let fft_possible = config.size.is_power_of_two() && config.size <= FFT_MAX_SIZE;
        let taps = kernels.taps.iter().map(Vec::len).sum();
        let fft = match config.convolution {
            Convolution::Direct => false,
            Convolution::Fft if fft_possible => true,
            Convolution::Fft => {
                return Err(Error::invalid(
                    "convolution",
                    format!(
                        "\"fft\" needs a power-of-two world side from 8 to {FFT_MAX_SIZE}, not {} (toroidal convolution needs the period to be the side, so padding would not be exact): use \"direct\" or \"auto\"",
                        config.size
                    ),
                ));
            }
            Convolution::Auto => {
                fft_possible
                    && (max_reach as u32 > MAX_REACH
                        || prefer_fft(config.size, channels, p.kernels.len(), taps))
            }
        };
        if !fft && max_reach as u32 > MAX_REACH {
            return Err(Error::invalid(
                "Lenia kernel",
                format!(
                    "reaches {max_reach} cells (R·r); the direct-convolution kernel supports up to {MAX_REACH} (the FFT path any, for power-of-two world sides up to {FFT_MAX_SIZE}): lower R or r"
                ),
            ));
        }
        let (rows, cols) = (cells[0].len(), cells[0].first().map_or(0, Vec::len));
        let (box_rows, box_cols) = match config.cells_size {
            Some(s) => (s as usize, s as usize),
            None => (rows, cols),
        };
        if rows > box_rows
            || cols > box_cols
            || box_rows > config.size as usize
            || box_cols > config.size as usize
        {
            return Err(Error::invalid(
                "Lenia cells",
                format!(
                    "a {rows}×{cols} pattern in a {box_rows}×{box_cols} box in a {}² world does not fit",
                    config.size
                ),
            ));
        }
        if let Some(crop) = config.crop
            && (crop == 0 || crop > config.size)
        {
            return Err(Error::invalid(
                "crop",
                format!("{crop}: must be 1..={}", config.size),
            ));
        }
        let k = p.kernels.len();
        let clip_dyn = config.clip_dynamics.unwrap_or(f64::INFINITY) as f32;
        let clip_cells = config.clip_cells.unwrap_or(f64::INFINITY) as f32;
        let mut blocks = vec![
            GenomeBlock {
                name: "m".into(),
                shape: vec![k],
                decode: Decode::LogitOffset {
                    base: p.kernels.iter().map(|s| s.m as f32).collect(),
                    clip: clip_dyn,
                },
                doc: "growth centre per kernel".into(),
            },
            GenomeBlock {
                name: "s".into(),
                shape: vec![k],
                decode: Decode::LogitOffset {
                    base: p.kernels.iter().map(|s| s.s as f32).collect(),
                    clip: clip_dyn,
                },
                doc: "growth width per kernel".into(),
            },
        ];
        if config.variant == Variant::Asal {
            blocks.push(GenomeBlock {
                name: "h".into(),
                shape: vec![k],
                decode: Decode::LogitOffset {
                    base: p.kernels.iter().map(|s| s.h as f32).collect(),
                    clip: clip_dyn,
                },
                doc: "growth weight per kernel".into(),
            });
        }
        // Cells in (y, x, c) order, the pattern centred in the box as the original pads it.
        let (oy, ox) = ((box_rows - rows) / 2, (box_cols - cols) / 2);
        let mut base = vec![0f32; box_rows * box_cols * channels];
        for (c, plane) in cells.iter().enumerate() {
            for (y, row) in plane.iter().enumerate() {
                for (x, &v) in row.iter().enumerate() {
                    base[((oy + y) * box_cols + ox + x) * channels + c] = v as f32;
                }
            }
        }
        blocks.push(GenomeBlock {
            name: "cells".into(),
            shape: vec![box_rows, box_cols, channels],
            decode: Decode::LogitOffset {
                base,
                clip: clip_cells,
            },
            doc: "initial cells (y, x, channel)".into(),
        });
        let genome = GenomeSpec {
            substrate: "lenia".into(),
            blocks,
        };
        Ok(Self {
            config,
            genome,
            kernels,
            channels,
            box_rows,
            box_cols,
            fft,
            fft_kernels: FftKernels::Lane,
        })
    }

    /// Runs the FFT path with `kernels` (the benchmark compares the two; results agree to float32
    /// rounding).
    #[must_use]
    pub fn with_fft_kernels(mut self, kernels: FftKernels) -> Self {
        self.fft_kernels = kernels;
        self
    }

    /// Whether steps convolve through the FFT (the config's choice, or the cost model's).
    #[must_use]
    pub fn uses_fft(&self) -> bool {
        self.fft
    }

    /// The kernels' spectra for the FFT path, `[kernel][ky][kx]`, scaled by 1/n² (the inverse
    /// transform's normalisation, folded in here so the GPU never applies it).
    ///
    /// Each kernel's weight depends only on the distance, so K(−d) = K(d) exactly (the same f64
    /// expression rounded once) and its spectrum is real: only the real part is kept. Computed in
    /// f64 as two 1-D DFTs over the (2·reach+1)² box of taps, then rounded once.
    fn kernel_spectra(&self) -> Vec<f32> {
        let n = self.config.size as usize;
        let (cos, sin) = dft_table(n);
        let reach = self.reach() as i32;
        let side = (2 * reach + 1) as usize;
        let scale = 1.0 / (n * n) as f64;
        let mut out = Vec::with_capacity(self.kernels.taps.len() * n * n);
        for taps in &self.kernels.taps {
            // R[dy][kx] = Σ_dx K(dy, dx)·exp(−2πi·kx·dx/n), then F[ky][kx] = Σ_dy R[dy][kx]·exp(−2πi·ky·dy/n).
            let mut rows = vec![(0f64, 0f64); side * n];
            for &(dy, dx, w) in taps {
                let row = &mut rows[(dy + reach) as usize * n..][..n];
                for (kx, r) in row.iter_mut().enumerate() {
                    let a = (kx as i64 * i64::from(dx)).rem_euclid(n as i64) as usize;
                    r.0 += f64::from(w) * cos[a];
                    r.1 -= f64::from(w) * sin[a];
                }
            }
            for ky in 0..n {
                for kx in 0..n {
                    let mut re = 0f64;
                    for dy in -reach..=reach {
                        let (r_re, r_im) = rows[(dy + reach) as usize * n + kx];
                        let a = (ky as i64 * i64::from(dy)).rem_euclid(n as i64) as usize;
                        // Re((r_re + i·r_im)·(cos − i·sin)).
                        re += r_re * cos[a] + r_im * sin[a];
                    }
                    out.push((re * scale) as f32);
                }
            }
        }
        out
    }

    /// ASAL's Lenia: pattern 5N7KKM as the original configures it.
    pub fn asal() -> Result<Self> {
        Self::from_creature_json(AQUARIUM_5N7KKM, Path::new("assets/creatures/5N7KKM.json"))
    }

    /// A Lenia substrate from the `config` of a creature file's JSON text.
    pub fn from_creature_json(text: &str, path: &Path) -> Result<Self> {
        #[derive(Deserialize)]
        struct Outer {
            config: LeniaConfig,
        }
        let outer: Outer = serde_json::from_str(text)
            .map_err(|e| Error::file(path, format!("not a Lenia creature: {e}")))?;
        Self::new(outer.config)
    }

    /// The settings.
    #[must_use]
    pub fn config(&self) -> &LeniaConfig {
        &self.config
    }

    /// Largest |dy| or |dx| over all kernel taps.
    #[must_use]
    pub fn reach(&self) -> u32 {
        self.kernels
            .taps
            .iter()
            .flatten()
            .map(|t| t.0.unsigned_abs().max(t.1.unsigned_abs()))
            .max()
            .unwrap_or(0)
    }

    /// Channels.
    #[must_use]
    pub fn channels(&self) -> usize {
        self.channels
    }

    /// The kernel taps.
    #[must_use]
    pub fn kernels(&self) -> &KernelTaps {
        &self.kernels
    }

    /// Growth parameters (m, s, h) per kernel for a decoded genome.
    pub(crate) fn growth_params(&self, decoded: &Decoded) -> Vec<[f32; 4]> {
        let k = self.config.pattern.kernels.len();
        let m = decoded.get("m").unwrap_or(&[]);
        let s = decoded.get("s").unwrap_or(&[]);
        let h = decoded.get("h");
        (0..k)
            .map(|i| {
                [
                    m[i],
                    s[i],
                    h.map_or(self.config.pattern.kernels[i].h as f32, |h| h[i]),
                    0.0,
                ]
            })
            .collect()
    }

    /// The world before any step: decoded cells placed at the centre, planar `[c][y][x]`.
    pub(crate) fn world_pre(&self, decoded: &Decoded) -> Vec<f32> {
        let n = self.config.size as usize;
        let c = self.channels;
        let cells = decoded.get("cells").unwrap_or(&[]);
        let (oy, ox) = (n / 2 - self.box_rows / 2, n / 2 - self.box_cols / 2);
        let mut world = vec![0f32; c * n * n];
        for y in 0..self.box_rows {
            for x in 0..self.box_cols {
                for ch in 0..c {
                    world[ch * n * n + (oy + y) * n + ox + x] =
                        cells[(y * self.box_cols + x) * c + ch];
                }
            }
        }
        world
    }

    /// Whether init performs one step (the original's `init_state` does).
    #[must_use]
    pub fn steps_in_init(&self) -> bool {
        self.config.variant == Variant::Asal
    }

    pub(crate) fn params(&self, worlds: u32) -> LeniaParams {
        LeniaParams {
            size: self.config.size,
            channels: self.channels as u32,
            kernels: self.config.pattern.kernels.len() as u32,
            worlds,
            dt: (1.0 / self.config.pattern.time_resolution) as f32,
            growth: match self.config.pattern.growth {
                Growth::Gaussian => 0,
                Growth::Quad4 => 1,
            },
            recenter: u32::from(self.config.recenter),
            crop: self.config.crop.unwrap_or(0),
            radius: self.config.pattern.radius as f32,
            reach: self.reach(),
            pad: [0; 2],
        }
    }

    /// A world and camera given as a state (fixture names), converted to planar layout.
    pub(crate) fn world_from_state(&self, state: &State) -> Result<(Vec<f32>, Camera)> {
        let n = self.config.size as usize;
        let c = self.channels;
        let world = state.get("world").ok_or_else(|| {
            Error::invalid(
                "initial state",
                "a Lenia state needs a `world` tensor [size, size, channels]",
            )
        })?;
        if world.shape != [n, n, c] {
            return Err(Error::invalid(
                "initial state",
                format!(
                    "`world` has shape {:?}; this substrate needs [{n}, {n}, {c}]",
                    world.shape
                ),
            ));
        }
        let values = world.to_f32();
        if let Some(v) = values.iter().find(|v| !v.is_finite()) {
            return Err(Error::invalid(
                "initial state",
                format!("`world` holds {v}; cells must be finite"),
            ));
        }
        let mut planar = vec![0f32; c * n * n];
        for (i, v) in values.iter().enumerate() {
            let (cell, ch) = (i / c, i % c);
            planar[ch * n * n + cell] = *v;
        }
        let pair = |name: &str| -> Result<[i32; 2]> {
            match state.get(name) {
                None => Ok([0, 0]),
                Some(t) if t.len() == 2 => {
                    let v = t.to_i32();
                    Ok([v[0], v[1]])
                }
                Some(t) => Err(Error::invalid(
                    "initial state",
                    format!("`{name}` has shape {:?}; expected [2]", t.shape),
                )),
            }
        };
        let center = match state.get("last_center") {
            Some(t) if t.len() == 2 => {
                let v = t.to_f32();
                [v[0], v[1]]
            }
            _ => [0.0, 0.0],
        };
        let camera = Camera {
            center,
            shift: pair("last_shift")?,
            total: pair("total_shift")?,
            mass: 0.0,
            pad: 0.0,
        };
        Ok((planar, camera))
    }

    /// How states of this substrate are laid out.
    pub(crate) fn layout(&self) -> LeniaLayout {
        LeniaLayout {
            size: self.config.size as usize,
            channels: self.channels,
            crop: self.config.crop.map(|c| c as usize),
        }
    }

    /// Initial planar world and camera of one world, before the init step (if any).
    pub(crate) fn initial(
        &self,
        genome: &[f32],
        init: &Init,
        world: u32,
    ) -> Result<(Vec<f32>, Camera, bool)> {
        match init {
            Init::Seed(_) => {
                let decoded = self.genome.decode(genome)?;
                Ok((
                    self.world_pre(&decoded),
                    Camera::default(),
                    self.steps_in_init(),
                ))
            }
            Init::States(states) => {
                let state = states
                    .get(world as usize)
                    .or(states.first())
                    .ok_or_else(|| Error::invalid("initial states", "no state given"))?;
                let (w, c) = self.world_from_state(state)?;
                Ok((w, c, false))
            }
        }
    }
}

/// cos and sin of 2πk/n for k < n, in f64.
fn dft_table(n: usize) -> (Vec<f64>, Vec<f64>) {
    let angle = |k: usize| std::f64::consts::TAU * k as f64 / n as f64;
    (
        (0..n).map(|k| angle(k).cos()).collect(),
        (0..n).map(|k| angle(k).sin()).collect(),
    )
}

/// The FFT's twiddles exp(−2πik/n), k < n/2, rounded once from f64.
fn twiddles(n: u32) -> Vec<[f32; 2]> {
    let (cos, sin) = dft_table(n as usize);
    (0..n as usize / 2)
        .map(|k| [cos[k] as f32, -sin[k] as f32])
        .collect()
}

/// The twiddle table, for the pipelines that read it (the workgroup kernels; the lane kernels
/// have their twiddles compiled in).
fn twiddle_buffer(
    gpu: &Gpu,
    pipelines: &shaders::LeniaFftPipelines,
    n: u32,
) -> Option<wgpu::Buffer> {
    (pipelines.kind == FftKernels::Workgroup).then(|| {
        gpu.storage_buffer(
            "lenia fft twiddles",
            bytemuck::cast_slice(&twiddles(n)),
            wgpu::BufferUsages::empty(),
        )
    })
}

/// A bind group of one FFT pass: `entries`, plus the twiddles at binding 7 where the pipelines
/// read them.
fn fft_bind_group(
    gpu: &Gpu,
    pipeline: &wgpu::ComputePipeline,
    twiddles: Option<&wgpu::Buffer>,
    entries: &[wgpu::BindGroupEntry],
) -> wgpu::BindGroup {
    let mut all = entries.to_vec();
    all.extend(twiddles.map(|tw| entry(7, tw)));
    gpu.device.create_bind_group(&wgpu::BindGroupDescriptor {
        label: Some("lenia fft"),
        layout: &pipeline.get_bind_group_layout(0),
        entries: &all,
    })
}

/// Checks that `n` is a world side the FFT kernels handle.
fn check_fft_size(n: u32) -> Result<()> {
    if n.is_power_of_two() && (8..=FFT_MAX_SIZE).contains(&n) {
        Ok(())
    } else {
        Err(Error::invalid(
            "FFT size",
            format!("{n}: the FFT kernels take powers of two from 8 to {FFT_MAX_SIZE}"),
        ))
    }
}

/// Forward 2-D FFT on the GPU of real `n`×`n` planes (`planes.len()` a multiple of n²), by the
/// FFT path's own row and column `kernels`: the spectra `[plane][ky][kx]` as (re, im). For tests
/// and the benchmark: with `repeats > 1` the passes run that many times in one submission (the
/// column pass works in place, so only `repeats == 1` returns the spectrum).
pub fn gpu_forward_fft(
    gpu: &Gpu,
    kernels: FftKernels,
    n: u32,
    planes: &[f32],
    repeats: u32,
) -> Result<Vec<[f32; 2]>> {
    check_fft_size(n)?;
    let plane = (n * n) as usize;
    if planes.is_empty() || !planes.len().is_multiple_of(plane) {
        return Err(Error::invalid(
            "FFT input",
            format!("{} values are not whole {n}×{n} planes", planes.len()),
        ));
    }
    let count = (planes.len() / plane) as u32;
    let params = LeniaParams {
        size: n,
        channels: 1,
        kernels: 0,
        worlds: count,
        dt: 0.0,
        growth: 0,
        recenter: 0,
        crop: 0,
        radius: 1.0,
        reach: 0,
        pad: [0; 2],
    };
    let uniform = gpu.storage_buffer(
        "fft params",
        bytemuck::bytes_of(&params),
        wgpu::BufferUsages::UNIFORM,
    );
    let src = gpu.storage_buffer(
        "fft input",
        bytemuck::cast_slice(planes),
        wgpu::BufferUsages::empty(),
    );
    let spectrum = gpu.storage_zeroed("fft spectrum", planes.len() as u64 * 8);
    let camera = gpu.storage_zeroed(
        "fft camera",
        u64::from(count) * std::mem::size_of::<Camera>() as u64,
    );
    let p = kernels.pipelines(gpu, n);
    let tw = twiddle_buffer(gpu, &p, n);
    let groups = n.div_ceil(p.lines_per_group());
    let bind = |pipeline: &wgpu::ComputePipeline, entries: &[wgpu::BindGroupEntry]| {
        fft_bind_group(gpu, pipeline, tw.as_ref(), entries)
    };
    let rows = bind(
        &p.rows,
        &[
            entry(0, &uniform),
            entry(1, &src),
            entry(2, &spectrum),
            entry(6, &camera),
        ],
    );
    let cols = bind(&p.cols, &[entry(0, &uniform), entry(2, &spectrum)]);
    let mut encoder = gpu.device.create_command_encoder(&Default::default());
    for _ in 0..repeats.max(1) {
        let mut pass = encoder.begin_compute_pass(&Default::default());
        pass.set_pipeline(&p.rows);
        pass.set_bind_group(0, &rows, &[]);
        pass.dispatch_workgroups(groups, 1, count);
        pass.set_pipeline(&p.cols);
        pass.set_bind_group(0, &cols, &[]);
        pass.dispatch_workgroups(groups, 1, count);
    }
    let bytes = gpu.read_buffer(Some(encoder), &spectrum, 0, spectrum.size())?;
    Ok(bytemuck::cast_slice(&bytes).to_vec())
}

/// The pattern's cells as `[channel][row][col]`.
fn pattern_cells(p: &LeniaPattern) -> Result<Cells> {
    let cells = match (&p.cells, &p.cells_rle) {
        (Some(c), None) => c.clone(),
        (None, Some(rle)) => vec![decode_chan_rle(rle)?],
        _ => {
            return Err(Error::invalid(
                "Lenia pattern",
                "give exactly one of `cells` or `cells_rle`",
            ));
        }
    };
    let rows = cells.first().map_or(0, Vec::len);
    let cols = cells.first().and_then(|c| c.first()).map_or(0, Vec::len);
    if rows == 0 || cols == 0 {
        return Err(Error::invalid("Lenia cells", "are empty"));
    }
    for plane in &cells {
        if plane.len() != rows || plane.iter().any(|r| r.len() != cols) {
            return Err(Error::invalid(
                "Lenia cells",
                format!("every channel must be {rows}×{cols}"),
            ));
        }
        if let Some(v) = plane.iter().flatten().find(|v| !(0.0..=1.0).contains(*v)) {
            return Err(Error::invalid(
                "Lenia cells",
                format!("value {v} is outside [0, 1]"),
            ));
        }
    }
    Ok(cells)
}

impl Substrate for Lenia {
    fn name(&self) -> &'static str {
        "lenia"
    }

    fn genome(&self) -> &GenomeSpec {
        &self.genome
    }

    fn default_steps(&self) -> u32 {
        256
    }

    fn bytes_per_world(&self) -> u64 {
        let n = u64::from(self.config.size);
        // Two ping-pong worlds, growth parameters and the camera.
        let base = 2 * n * n * self.channels as u64 * 4
            + self.config.pattern.kernels.len() as u64 * 16
            + 32;
        if self.fft {
            // The FFT path's complex scratch: the channels' spectra and the kernel pairs' potentials.
            let lines = self.channels + self.config.pattern.kernels.len().div_ceil(2);
            base + lines as u64 * n * n * 8
        } else {
            base
        }
    }

    fn create_batch(
        &self,
        gpu: &Gpu,
        genomes: &[f32],
        init: &Init,
        first_world: u32,
    ) -> Result<Box<dyn WorldBatch>> {
        let worlds = self.genome.validate_batch(genomes)? as u32;
        let d = self.genome.dim();
        let mut world_data = Vec::new();
        let mut cameras = Vec::new();
        let mut growth = Vec::new();
        let mut step_in_init = false;
        for (w, genome) in genomes.chunks_exact(d).enumerate() {
            // Seeds are keyed by the global world index; given states are this batch's own slice.
            let index = match init {
                Init::Seed(_) => first_world + w as u32,
                Init::States(_) => w as u32,
            };
            let (world, camera, steps) = self.initial(genome, init, index)?;
            world_data.extend(world);
            cameras.push(camera);
            step_in_init |= steps;
            growth.extend(self.growth_params(&self.genome.decode(genome)?));
        }
        let world_bytes = world_data.len() as u64 * 4;
        if world_bytes > gpu.limits().max_storage_buffer_binding_size {
            return Err(Error::invalid(
                "batch",
                format!(
                    "{worlds} Lenia worlds need {world_bytes} bytes, over the adapter's storage binding limit"
                ),
            ));
        }
        let mut taps: Vec<Tap> = Vec::new();
        let mut info = Vec::new();
        let side = (STEP_TILE + 2 * self.reach()) as i32;
        for (k, kernel) in self.kernels.taps.iter().enumerate() {
            let start = taps.len() as u32;
            taps.extend(kernel.iter().map(|&(dy, dx, weight)| Tap {
                offset: -dy * side - dx,
                weight,
            }));
            let spec = &self.config.pattern.kernels[k];
            info.push(KernelInfo {
                tap_start: start,
                tap_end: taps.len() as u32,
                source: spec.c0 as u32,
                dest: spec.c1 as u32,
            });
        }
        let params = self.params(worlds);
        let uniform = gpu.storage_buffer(
            "lenia params",
            bytemuck::bytes_of(&params),
            wgpu::BufferUsages::UNIFORM,
        );
        let worlds_buf = [
            gpu.storage_buffer(
                "lenia world a",
                bytemuck::cast_slice(&world_data),
                wgpu::BufferUsages::empty(),
            ),
            gpu.storage_zeroed("lenia world b", world_bytes),
        ];
        let taps_buf = gpu.storage_buffer(
            "lenia taps",
            bytemuck::cast_slice(&taps),
            wgpu::BufferUsages::empty(),
        );
        let info_buf = gpu.storage_buffer(
            "lenia kernels",
            bytemuck::cast_slice(&info),
            wgpu::BufferUsages::empty(),
        );
        let growth_buf = gpu.storage_buffer(
            "lenia growth",
            bytemuck::cast_slice(&growth),
            wgpu::BufferUsages::empty(),
        );
        let camera_buf = gpu.storage_buffer(
            "lenia camera",
            bytemuck::cast_slice(&cameras),
            wgpu::BufferUsages::empty(),
        );
        let pipelines = shaders::lenia_pipelines(gpu);
        let step_groups = [0usize, 1].map(|i| {
            gpu.device.create_bind_group(&wgpu::BindGroupDescriptor {
                label: Some("lenia step"),
                layout: &pipelines.step.get_bind_group_layout(0),
                entries: &[
                    entry(0, &uniform),
                    entry(1, &worlds_buf[i]),
                    entry(2, &worlds_buf[1 - i]),
                    entry(3, &taps_buf),
                    entry(4, &info_buf),
                    entry(5, &growth_buf),
                    entry(6, &camera_buf),
                ],
            })
        });
        let camera_groups = [0usize, 1].map(|i| {
            gpu.device.create_bind_group(&wgpu::BindGroupDescriptor {
                label: Some("lenia camera"),
                layout: &pipelines.camera.get_bind_group_layout(0),
                entries: &[
                    entry(0, &uniform),
                    entry(1, &worlds_buf[i]),
                    entry(2, &worlds_buf[1 - i]),
                    entry(3, &camera_buf),
                ],
            })
        });
        let fft = if self.fft {
            Some(self.fft_state(
                gpu,
                worlds,
                &uniform,
                &worlds_buf,
                &info_buf,
                &growth_buf,
                &camera_buf,
            )?)
        } else {
            None
        };
        let mut batch = LeniaBatch {
            fft,
            gpu: gpu.clone(),
            lenia_params: params,
            uniform,
            worlds: worlds_buf,
            camera: camera_buf,
            current: 0,
            step_groups,
            camera_groups,
            pipelines,
            layout: self.layout(),
        };
        if step_in_init {
            let mut encoder = gpu.device.create_command_encoder(&Default::default());
            batch.encode_step(&mut encoder);
            gpu.queue.submit([encoder.finish()]);
        }
        Ok(Box::new(batch))
    }

    fn cpu_rollout(
        &self,
        genome: &[f32],
        init: &Init,
        world: u32,
        steps: &[u32],
    ) -> Result<Vec<State>> {
        let decoded = self.genome.decode(genome)?;
        let growth = self.growth_params(&decoded);
        let (mut planar, mut camera, step_first) = self.initial(genome, init, world)?;
        let sim = reference::lenia::Sim::new(self, &growth);
        if step_first {
            sim.step(&mut planar, &mut camera);
        }
        let last = steps.iter().copied().max().unwrap_or(0);
        let mut out = Vec::new();
        for t in 0..=last {
            if steps.contains(&t) {
                out.push(self.layout().state(&planar, &camera));
            }
            if t < last {
                sim.step(&mut planar, &mut camera);
            }
        }
        Ok(out)
    }
}

impl Lenia {
    /// The FFT path's buffers and bind groups for a batch of `worlds`.
    #[allow(
        clippy::too_many_arguments,
        reason = "the batch's buffers, each bound by name"
    )]
    fn fft_state(
        &self,
        gpu: &Gpu,
        worlds: u32,
        uniform: &wgpu::Buffer,
        world_bufs: &[wgpu::Buffer; 2],
        info: &wgpu::Buffer,
        growth: &wgpu::Buffer,
        camera: &wgpu::Buffer,
    ) -> Result<FftState> {
        let n = u64::from(self.config.size);
        let pairs = self.config.pattern.kernels.len().div_ceil(2) as u32;
        let channels = self.channels as u32;
        let spectrum_bytes = u64::from(worlds * channels) * n * n * 8;
        let potential_bytes = u64::from(worlds * pairs) * n * n * 8;
        if potential_bytes.max(spectrum_bytes) > gpu.limits().max_storage_buffer_binding_size {
            return Err(Error::invalid(
                "batch",
                format!(
                    "{worlds} Lenia worlds need {potential_bytes} bytes of FFT scratch, over the adapter's storage binding limit"
                ),
            ));
        }
        let spectrum = gpu.storage_zeroed("lenia fft spectrum", spectrum_bytes);
        let potentials = gpu.storage_zeroed("lenia fft potentials", potential_bytes);
        let spectra = gpu.storage_buffer(
            "lenia kernel spectra",
            bytemuck::cast_slice(&self.kernel_spectra()),
            wgpu::BufferUsages::empty(),
        );
        let pipelines = self.fft_kernels.pipelines(gpu, self.config.size);
        let tw = twiddle_buffer(gpu, &pipelines, self.config.size);
        let bind = |pipeline: &wgpu::ComputePipeline, entries: &[wgpu::BindGroupEntry]| {
            fft_bind_group(gpu, pipeline, tw.as_ref(), entries)
        };
        let rows = [0usize, 1].map(|i| {
            bind(
                &pipelines.rows,
                &[
                    entry(0, uniform),
                    entry(1, &world_bufs[i]),
                    entry(2, &spectrum),
                    entry(6, camera),
                ],
            )
        });
        let cols = bind(&pipelines.cols, &[entry(0, uniform), entry(2, &spectrum)]);
        let inverse_cols = bind(
            &pipelines.inverse_cols,
            &[
                entry(0, uniform),
                entry(2, &spectrum),
                entry(3, &spectra),
                entry(4, info),
                entry(5, &potentials),
            ],
        );
        let growth_groups = [0usize, 1].map(|i| {
            bind(
                &pipelines.growth,
                &[
                    entry(0, uniform),
                    entry(1, &world_bufs[i]),
                    entry(2, &world_bufs[1 - i]),
                    entry(4, info),
                    entry(5, &potentials),
                    entry(6, camera),
                    entry(8, growth),
                ],
            )
        });
        Ok(FftState {
            pipelines,
            rows,
            cols,
            inverse_cols,
            growth: growth_groups,
            pairs,
        })
    }
}

/// The FFT path of a batch: its bind groups (by parity of the current world where it matters).
struct FftState {
    pipelines: shaders::LeniaFftPipelines,
    rows: [wgpu::BindGroup; 2],
    cols: wgpu::BindGroup,
    inverse_cols: wgpu::BindGroup,
    growth: [wgpu::BindGroup; 2],
    pairs: u32,
}

/// What turns a planar world and its camera back into a state in the fixtures' names.
pub(crate) struct LeniaLayout {
    size: usize,
    channels: usize,
    crop: Option<usize>,
}

impl LeniaLayout {
    /// `world` (y, x, c), the rendered crop `img`, and the camera fields.
    pub(crate) fn state(&self, planar: &[f32], camera: &Camera) -> State {
        let (n, c) = (self.size, self.channels);
        let mut world = vec![0f32; n * n * c];
        for ch in 0..c {
            for cell in 0..n * n {
                world[cell * c + ch] = planar[ch * n * n + cell];
            }
        }
        let crop = self.crop.unwrap_or(n);
        let off = (n - crop) / 2;
        let mut img = Vec::with_capacity(crop * crop * c);
        for y in off..off + crop {
            img.extend_from_slice(&world[(y * n + off) * c..(y * n + off + crop) * c]);
        }
        let mut s = State::new();
        s.insert("world".into(), Tensor::f32(&[n, n, c], world));
        s.insert("img".into(), Tensor::f32(&[crop, crop, c], img));
        s.insert(
            "last_center".into(),
            Tensor::f32(&[2], camera.center.to_vec()),
        );
        s.insert(
            "last_shift".into(),
            Tensor::i32(&[2], camera.shift.to_vec()),
        );
        s.insert(
            "total_shift".into(),
            Tensor::i32(&[2], camera.total.to_vec()),
        );
        s
    }
}

/// Lenia worlds on the GPU.
struct LeniaBatch {
    gpu: Gpu,
    lenia_params: LeniaParams,
    uniform: wgpu::Buffer,
    worlds: [wgpu::Buffer; 2],
    camera: wgpu::Buffer,
    current: usize,
    step_groups: [wgpu::BindGroup; 2],
    camera_groups: [wgpu::BindGroup; 2],
    pipelines: shaders::LeniaPipelines,
    layout: LeniaLayout,
    /// Present when steps convolve through the FFT.
    fft: Option<FftState>,
}

impl WorldBatch for LeniaBatch {
    fn len(&self) -> u32 {
        self.lenia_params.worlds
    }

    fn encode_step(&mut self, encoder: &mut wgpu::CommandEncoder) {
        let n = self.lenia_params.size;
        let worlds = self.lenia_params.worlds;
        let mut pass = encoder.begin_compute_pass(&Default::default());
        if let Some(fft) = &self.fft {
            let planes = worlds * self.lenia_params.channels;
            let groups = n.div_ceil(fft.pipelines.lines_per_group());
            pass.set_pipeline(&fft.pipelines.rows);
            pass.set_bind_group(0, &fft.rows[self.current], &[]);
            pass.dispatch_workgroups(groups, 1, planes);
            pass.set_pipeline(&fft.pipelines.cols);
            pass.set_bind_group(0, &fft.cols, &[]);
            pass.dispatch_workgroups(groups, 1, planes);
            pass.set_pipeline(&fft.pipelines.inverse_cols);
            pass.set_bind_group(0, &fft.inverse_cols, &[]);
            pass.dispatch_workgroups(groups, 1, worlds * fft.pairs);
            pass.set_pipeline(&fft.pipelines.growth);
            pass.set_bind_group(0, &fft.growth[self.current], &[]);
            pass.dispatch_workgroups(groups, 1, worlds);
        } else {
            pass.set_pipeline(&self.pipelines.step);
            pass.set_bind_group(0, &self.step_groups[self.current], &[]);
            pass.dispatch_workgroups(n.div_ceil(STEP_TILE), n.div_ceil(STEP_TILE), worlds);
        }
        pass.set_pipeline(&self.pipelines.camera);
        pass.set_bind_group(0, &self.camera_groups[self.current], &[]);
        pass.dispatch_workgroups(self.lenia_params.worlds, 1, 1);
        drop(pass);
        self.current = 1 - self.current;
    }

    fn encode_render(&self, encoder: &mut wgpu::CommandEncoder, target: &FrameTarget, slot: u32) {
        target.encode_render_kernel(
            &self.gpu,
            encoder,
            &self.pipelines.render,
            &self.uniform,
            &self.worlds[self.current],
            slot,
        );
    }

    fn read_states(&self, gpu: &Gpu) -> Result<Vec<State>> {
        let world = &self.worlds[self.current];
        let bytes = gpu.read_buffer(None, world, 0, world.size())?;
        let cams = gpu.read_buffer(None, &self.camera, 0, self.camera.size())?;
        let planar: &[f32] = bytemuck::cast_slice(&bytes);
        let cameras: &[Camera] = bytemuck::cast_slice(&cams);
        let per_world = self.layout.channels * self.layout.size * self.layout.size;
        Ok(planar
            .chunks_exact(per_world)
            .zip(cameras)
            .take(self.lenia_params.worlds as usize)
            .map(|(w, c)| self.layout.state(w, c))
            .collect())
    }
}
