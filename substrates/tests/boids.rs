//! Boids: genome layout, the CPU twin and the GPU kernels against the original's fixtures, the
//! GPU against the twin, long rollouts, bad input, and the Rust/WGSL struct layout.

#![allow(clippy::unwrap_used, reason = "a test fails loudly on any error")]

mod common;

use asal_substrates::boids::{Boids, BoidsConfig, BoidsParams, ChunkParams, RenderKernel};
use asal_substrates::substrate::{Init, RolloutSpec, Substrate, rollout};
use asal_substrates::tensors::{State, TensorFile};
use common::{asal_fixture, check_layout, gpu, max_abs_diff};

fn no_progress(_: u64) {}

fn original() -> Boids {
    Boids::new(BoidsConfig::default()).unwrap()
}

/// Per boid, the largest torus-wrapped position difference and the largest heading difference.
fn per_boid_errors(got: &State, fx: &TensorFile, step: u32) -> Vec<(f32, f32)> {
    let gx = got["x"].to_f32();
    let gv = got["v"].to_f32();
    let wx = fx.get(&format!("state{step}.x")).unwrap().to_f32();
    let wv = fx.get(&format!("state{step}.v")).unwrap().to_f32();
    (0..gx.len() / 2)
        .map(|b| {
            let mut ex = 0f32;
            let mut ev = 0f32;
            for c in 0..2 {
                let d = (gx[2 * b + c] - wx[2 * b + c]).abs();
                ex = ex.max(d.min(1.0 - d));
                ev = ev.max((gv[2 * b + c] - wv[2 * b + c]).abs());
            }
            (ex, ev)
        })
        .collect()
}

/// Checks a trajectory against the fixture with the README's tolerances: the original's own
/// float32-vs-float64 gap is 3e-8/3.3e-7 (x/v) at step 1, 6e-8/7.3e-7 at step 2, 1.8e-7/6.3e-6 at
/// step 10 and 4.4e-6/8.8e-5 at step 64, and the bounds sit ~10× above it. At step 64 a flipped
/// neighbour rank or a flip at the 0.1 visual-range threshold may send a single boid elsewhere,
/// so only 99% of the boids must be within bounds there. Returns the max errors per step.
fn check_trajectory(states: &[(u32, State)], fx: &TensorFile, who: &str) -> Vec<(u32, f32, f32)> {
    let mut report = Vec::new();
    for (t, s) in states {
        let errors = per_boid_errors(s, fx, *t);
        let (tx, tv) = match t {
            1 | 2 => (1e-6, 1e-5),
            10 => (1e-5, 1e-4),
            _ => (1e-4, 1e-3),
        };
        let within = errors
            .iter()
            .filter(|(ex, ev)| *ex <= tx && *ev <= tv)
            .count();
        let need = if *t >= 64 {
            (errors.len() * 99).div_ceil(100)
        } else {
            errors.len()
        };
        let max_x = errors.iter().map(|e| e.0).fold(0.0, f32::max);
        let max_v = errors.iter().map(|e| e.1).fold(0.0, f32::max);
        assert!(
            within >= need,
            "{who} state{t}: {within}/{} boids within x {tx}, v {tv} (max {max_x}, {max_v})",
            errors.len()
        );
        report.push((*t, max_x, max_v));
    }
    report
}

fn rgb_of(frames: &[u8]) -> Vec<f32> {
    frames
        .chunks_exact(4)
        .flat_map(|p| [p[0], p[1], p[2]])
        .map(|v| f32::from(v) / 255.0)
        .collect()
}

#[test]
fn genome_layout_matches_the_original() {
    let fx = asal_fixture("boids");
    let boids = original();
    let params = fx.get("params").unwrap().to_f32();
    assert_eq!(boids.genome().dim(), 193);
    let decoded = boids.genome().decode(&params).unwrap();
    for block in &boids.genome().blocks {
        let want = fx.get(&format!("decoded.{}", block.name)).unwrap();
        assert_eq!(want.shape, block.shape, "{}", block.name);
        assert_eq!(
            decoded.get(&block.name).unwrap(),
            want.to_f32(),
            "{}",
            block.name
        );
    }
}

#[test]
fn cpu_twin_follows_the_original() {
    let fx = asal_fixture("boids");
    let boids = original();
    let params = fx.get("params").unwrap().to_f32();
    let init = Init::States(vec![fx.state("state0").unwrap()]);
    let steps = [1, 2, 10, 64];
    let states = boids.cpu_rollout(&params, &init, 0, &steps).unwrap();
    let paired: Vec<(u32, State)> = steps.iter().copied().zip(states).collect();
    let report = check_trajectory(&paired, &fx, "CPU");
    eprintln!("CPU twin vs fixture (step, max x err, max v err): {report:?}");
}

#[test]
fn cpu_render_matches_the_original_frames() {
    // Identical states: only the exp/division rounding differs, and the skipped pixels outside
    // each triangle's box carry coverage below 2e-9. The README's bound for frame0 is 1e-5.
    let fx = asal_fixture("boids");
    let boids = original();
    for t in [0, 64] {
        let img = boids
            .render_cpu(&fx.state(&format!("state{t}")).unwrap(), 224)
            .unwrap();
        let want = fx.get(&format!("frame{t}")).unwrap().to_f32();
        let diff = max_abs_diff(&img, &want);
        eprintln!("CPU frame{t} vs fixture: max diff {diff:e}");
        assert!(diff <= 1e-5, "frame{t}: {diff}");
    }
}

#[test]
fn gpu_follows_the_original() {
    let fx = asal_fixture("boids");
    let boids = original();
    let params = fx.get("params").unwrap().to_f32();
    let init = Init::States(vec![fx.state("state0").unwrap()]);
    let spec = RolloutSpec {
        steps: 64,
        frame_steps: vec![0],
        frame_size: 224,
        dump_steps: vec![1, 2, 10, 64],
    };
    let out = rollout(gpu(), &boids, &params, &init, &spec, &mut no_progress).unwrap();
    let paired: Vec<(u32, State)> = out.states.iter().map(|(t, s)| (*t, s[0].clone())).collect();
    let report = check_trajectory(&paired, &fx, "GPU");
    eprintln!("GPU vs fixture (step, max x err, max v err): {report:?}");
    // frame0 from the original's state0: RGBA8 quantisation (≤ 0.5/255) plus the float32
    // rendering error the README allows (1e-5).
    let want = fx.get("frame0").unwrap().to_f32();
    let diff = max_abs_diff(&rgb_of(&out.frames), &want);
    eprintln!("GPU frame0 vs fixture: max diff {diff:e} (RGBA8)");
    assert!(diff <= 0.5 / 255.0 + 1e-5, "frame0: {diff}");
}

fn test_genomes(n: usize, scale: f32) -> Vec<f32> {
    (0..n * 193)
        .map(|i| scale * ((i as f32 * 0.7549).sin() + (i as f32 * 0.1234).cos()))
        .collect()
}

fn gpu_vs_twin(config: BoidsConfig) {
    // Two worlds from the hash, 5 steps, weights of the size of the original's LeCun-normal
    // initialisation: both sides start from the same uploaded state; FMA contraction and the
    // driver's tanh (~1e-7 absolute) differ from the CPU, and the network's gain times the ×60
    // turn amplifies that to ~2e-5 in v by step 5 (measured on lavapipe), inside these bounds.
    // (Weights twice as large reach 3e-4 by step 4: the dynamics are chaotic, not the kernel wrong.)
    let boids = Boids::new(config).unwrap();
    let genomes = test_genomes(2, 0.4);
    let spec = RolloutSpec {
        steps: 5,
        frame_steps: vec![0, 5],
        frame_size: 96,
        dump_steps: vec![0, 5],
    };
    let init = Init::Seed(7);
    let out = rollout(gpu(), &boids, &genomes, &init, &spec, &mut no_progress).unwrap();
    for w in 0..2 {
        let cpu = boids
            .cpu_rollout(&genomes[w * 193..(w + 1) * 193], &init, w as u32, &[0, 5])
            .unwrap();
        assert_eq!(
            out.states[0].1[w], cpu[0],
            "world {w}: initial states differ"
        );
        let gx = out.states[1].1[w]["x"].to_f32();
        let cx = cpu[1]["x"].to_f32();
        let dx = gx
            .iter()
            .zip(&cx)
            .map(|(a, b)| (a - b).abs().min(1.0 - (a - b).abs()))
            .fold(0.0, f32::max);
        let dv = max_abs_diff(&out.states[1].1[w]["v"].to_f32(), &cpu[1]["v"].to_f32());
        assert!(dx < 1e-5 && dv < 1e-4, "world {w}: x {dx}, v {dv}");
        assert!(
            cpu[1]["v"]
                .to_f32()
                .chunks_exact(2)
                .zip(cpu[0]["v"].to_f32().chunks_exact(2))
                .any(|(a, b)| (a[0] - b[0]).abs() > 1e-3),
            "the test genome should make boids turn"
        );
        // Frames: the same triangles on both sides; a pixel may round to the neighbouring byte.
        let frame_px = 96 * 96 * 4;
        for (slot, state) in [&cpu[0], &cpu[1]].into_iter().enumerate() {
            let want = boids.render_cpu(state, 96).unwrap();
            let start = (w * 2 + slot) * frame_px;
            let got = rgb_of(&out.frames[start..start + frame_px]);
            let diff = max_abs_diff(&got, &want);
            assert!(diff <= 0.5 / 255.0 + 1e-4, "world {w} frame {slot}: {diff}");
        }
    }
}

#[test]
fn gpu_matches_cpu_twin() {
    gpu_vs_twin(BoidsConfig::default());
}

#[test]
fn gpu_matches_cpu_twin_with_wrapped_perception() {
    gpu_vs_twin(BoidsConfig {
        wrapped_perception: true,
        ..Default::default()
    });
}

#[test]
fn gpu_matches_cpu_twin_with_an_odd_flock() {
    // 37 boids: the step kernel's last invocation moves one boid instead of two, and the render
    // kernel's one chunk of triangles is partly empty.
    gpu_vs_twin(BoidsConfig {
        n_boids: 37,
        ..Default::default()
    });
}

#[test]
fn gpu_matches_cpu_twin_with_a_large_flock() {
    // 300 boids: a tile's mask spans ten words, and a world's step spans several workgroups.
    gpu_vs_twin(BoidsConfig {
        n_boids: 300,
        ..Default::default()
    });
}

#[test]
fn gpu_matches_cpu_twin_with_more_neighbours_than_slots() {
    // 20 neighbours: more than the register-slot kernel keeps, so the sorted-array kernel runs.
    gpu_vs_twin(BoidsConfig {
        n_nbrs: 20,
        ..Default::default()
    });
}

/// A dense flock: 48 boids within 0.03 of a point (every one in everyone's range, so the 16
/// nearest must be chosen among 47), 16 of them on 8 shared positions (distance ties, and boids
/// whose argsort entry 0 is a lower-indexed twin rather than themselves), the rest spread out.
fn crowded_state() -> State {
    let n = 128;
    let mut x = Vec::with_capacity(2 * n);
    let mut v = Vec::with_capacity(2 * n);
    for i in 0..n {
        let a = i as f32 * 2.399_963;
        let (px, py) = if i < 16 {
            let k = (i / 2) as f32;
            (0.5 + 0.003 * k, 0.5 - 0.002 * k)
        } else if i < 48 {
            let r = 0.03 * ((i - 16) as f32 / 32.0).sqrt();
            (0.5 + r * a.cos(), 0.5 + r * a.sin())
        } else {
            (
                (i as f32 * 0.618_034).fract(),
                (i as f32 * 0.414_214).fract(),
            )
        };
        x.extend([px, py]);
        v.extend([(1.3 * a).cos(), (1.3 * a).sin()]);
    }
    let mut s = State::new();
    s.insert(
        "x".into(),
        asal_substrates::tensors::Tensor::f32(&[n, 2], x),
    );
    s.insert(
        "v".into(),
        asal_substrates::tensors::Tensor::f32(&[n, 2], v),
    );
    s
}

#[test]
fn slot_step_is_bit_identical_to_the_sorted_array_step() {
    // Same (distance, index) order and the same network expressions in both kernels: the states
    // must agree bit for bit, in a dense flock with ties and for the seeded uniform worlds, with
    // the original's plain and the wrapped distances.
    let genomes = test_genomes(2, 0.4);
    let spec = RolloutSpec {
        steps: 6,
        frame_steps: vec![],
        frame_size: 32,
        dump_steps: vec![1, 6],
    };
    for wrapped in [false, true] {
        let config = BoidsConfig {
            wrapped_perception: wrapped,
            ..Default::default()
        };
        for init in [Init::States(vec![crowded_state()]), Init::Seed(11)] {
            let run = |slots: bool| {
                let boids = Boids::new(config.clone()).unwrap().with_slot_step(slots);
                rollout(gpu(), &boids, &genomes, &init, &spec, &mut no_progress).unwrap()
            };
            let (slots, sorted) = (run(true), run(false));
            assert_eq!(slots.states, sorted.states, "wrapped {wrapped}");
        }
    }
}

#[test]
fn slot_step_matches_the_cpu_twin_in_a_dense_flock() {
    // One step from the crowded state: the selection among 47 in-range boids and the ties must
    // pick the twin's argsort entries; what remains is FMA contraction and the driver's tanh
    // (~1e-7), amplified by the network and the ×60 turn to well under these bounds in one step.
    let boids = original();
    let genomes = test_genomes(1, 0.4);
    let init = Init::States(vec![crowded_state()]);
    let spec = RolloutSpec {
        steps: 1,
        frame_steps: vec![],
        frame_size: 32,
        dump_steps: vec![1],
    };
    let out = rollout(gpu(), &boids, &genomes, &init, &spec, &mut no_progress).unwrap();
    let cpu = boids.cpu_rollout(&genomes, &init, 0, &[0, 1]).unwrap();
    let dv = max_abs_diff(&out.states[0].1[0]["v"].to_f32(), &cpu[1]["v"].to_f32());
    let dx = max_abs_diff(&out.states[0].1[0]["x"].to_f32(), &cpu[1]["x"].to_f32());
    assert!(dx < 1e-6 && dv < 1e-5, "x {dx}, v {dv}");
    // The flock must actually steer, or the comparison says nothing about the selection.
    let turned = cpu[1]["v"]
        .to_f32()
        .chunks_exact(2)
        .zip(cpu[0]["v"].to_f32().chunks_exact(2))
        .take(48)
        .filter(|(a, b)| (a[0] - b[0]).abs() > 1e-3)
        .count();
    assert!(turned > 24, "only {turned} of the flock turned");
}

/// Renders `init` (step 0) with `kernel` at `size`, returning the rollout.
fn render_with(
    config: BoidsConfig,
    kernel: RenderKernel,
    genomes: &[f32],
    init: &Init,
    size: u32,
) -> asal_substrates::substrate::RolloutOutput {
    let spec = RolloutSpec {
        steps: 0,
        frame_steps: vec![0],
        frame_size: size,
        dump_steps: vec![0],
    };
    let boids = Boids::new(config).unwrap().with_render_kernel(kernel);
    rollout(gpu(), &boids, genomes, init, &spec, &mut no_progress).unwrap()
}

#[test]
fn render_kernels_match_the_cpu_twin() {
    // The crowded flock (48 overlapping triangles, boid 0 in red on top of them) and a uniform
    // one, at frame sides where the tile kernel evaluates every pixel's exponentials (70: a
    // block's exponents would spread over more than 64) and where it steps them from each block's
    // first pixel (96 and 224), with partial 32×32 tiles at 70 and 96. The block and pixel
    // kernels evaluate the twin's expressions (FMA contraction and the driver's exp: ~1e-7); the
    // tile kernel reaches the same exponents through ∇b·(q − t0) and stepping factors (a few
    // ulp more on each exponential, ~1e-6 on a mask, compounding where many triangles overlap:
    // 8e-6 measured in the crowded flock on lavapipe): every byte is the twin's value rounded,
    // give or take one rounding step, so within 0.5/255 + 2e-5.
    assert!(!asal_substrates::boids::stepped_render_in_range(
        0.015, 40.0, 70
    ));
    assert!(asal_substrates::boids::stepped_render_in_range(
        0.015, 40.0, 96
    ));
    assert!(asal_substrates::boids::stepped_render_in_range(
        0.015, 40.0, 224
    ));
    let genomes = test_genomes(2, 0.4);
    for init in [Init::States(vec![crowded_state()]), Init::Seed(5)] {
        for size in [70, 96, 224] {
            let frame_px = (size * size * 4) as usize;
            for kernel in [
                RenderKernel::Tiles,
                RenderKernel::Blocks,
                RenderKernel::Pixels,
            ] {
                let out = render_with(BoidsConfig::default(), kernel, &genomes, &init, size);
                for w in 0..2 {
                    let state = &out.states[0].1[w];
                    let want = original().render_cpu(state, size).unwrap();
                    let got = rgb_of(&out.frames[w * frame_px..(w + 1) * frame_px]);
                    let diff = max_abs_diff(&got, &want);
                    eprintln!("{kernel:?} size {size} world {w}: max diff {diff:e}");
                    assert!(
                        diff <= 0.5 / 255.0 + 2e-5,
                        "{kernel:?} size {size} world {w}: {diff}"
                    );
                    // The frame must show black boids and the red one, or it says little.
                    let red = got.chunks_exact(3).any(|p| p[0] > 0.9 && p[1] < 0.1);
                    let black = got.chunks_exact(3).filter(|p| p[0] < 0.1).count();
                    assert!(
                        red && black > 10,
                        "{kernel:?} size {size} world {w}: red {red}, black {black}"
                    );
                }
            }
        }
    }
}

#[test]
fn tile_render_spans_several_windows_and_large_flocks_fall_back() {
    // 600 boids: one world's records fill a uniform window, so three worlds take three chunks
    // (each its own window offset and first world); 1100 boids overflow a window and render with
    // the block kernel. Tolerance as in `render_kernels_match_the_cpu_twin`.
    for (n, worlds) in [(600, 3), (1100, 1)] {
        let config = BoidsConfig {
            n_boids: n,
            ..Default::default()
        };
        let genomes = test_genomes(worlds, 0.4);
        let init = Init::Seed(11);
        for size in [70, 224] {
            let out = render_with(config.clone(), RenderKernel::Tiles, &genomes, &init, size);
            let frame_px = (size * size * 4) as usize;
            let boids = Boids::new(config.clone()).unwrap();
            for w in 0..worlds {
                let want = boids.render_cpu(&out.states[0].1[w], size).unwrap();
                let got = rgb_of(&out.frames[w * frame_px..(w + 1) * frame_px]);
                let diff = max_abs_diff(&got, &want);
                assert!(
                    diff <= 0.5 / 255.0 + 2e-5,
                    "{n} boids, size {size}, world {w}: {diff}"
                );
            }
        }
    }
}

#[test]
fn wrapped_perception_sees_across_the_edge() {
    // Two boids 0.02 apart through the x edge, heading alike: the original's plain distance
    // (0.98) puts each out of the other's 0.1 range, so neither turns; through the torus they
    // see each other and a genome with a turn bias turns them.
    let mut genome = vec![0f32; 193];
    genome[184] = 1.0; // Dense_3.bias: tanh(1)·60 when anyone is in range
    let mut state = State::new();
    state.insert(
        "x".into(),
        asal_substrates::tensors::Tensor::f32(&[2, 2], vec![0.99, 0.5, 0.01, 0.5]),
    );
    state.insert(
        "v".into(),
        asal_substrates::tensors::Tensor::f32(&[2, 2], vec![0.0, 1.0, 0.0, 1.0]),
    );
    let init = Init::States(vec![state]);
    let heading = |wrapped: bool| {
        let b = Boids::new(BoidsConfig {
            n_boids: 2,
            n_nbrs: 1,
            wrapped_perception: wrapped,
            ..Default::default()
        })
        .unwrap();
        b.cpu_rollout(&genome, &init, 0, &[1]).unwrap()[0]["v"].to_f32()
    };
    assert_eq!(heading(false), vec![0.0, 1.0, 0.0, 1.0]);
    assert!(heading(true)[0] < -0.1, "{:?}", heading(true));
}

#[test]
fn long_random_rollout_stays_on_the_torus() {
    // 4 worlds of strongly turning random networks for 1000 steps (the original's rollout
    // length): every position stays in [0, 1), every heading unit length and finite.
    let boids = original();
    let genomes = test_genomes(4, 2.0);
    let spec = RolloutSpec {
        steps: 1000,
        frame_steps: vec![1000],
        frame_size: 32,
        dump_steps: vec![1000],
    };
    let out = rollout(
        gpu(),
        &boids,
        &genomes,
        &Init::Seed(3),
        &spec,
        &mut no_progress,
    )
    .unwrap();
    for s in &out.states[0].1 {
        assert!(s["x"].to_f32().iter().all(|x| (0.0..1.0).contains(x)));
        for v in s["v"].to_f32().chunks_exact(2) {
            let norm = v[0].hypot(v[1]);
            assert!((norm - 1.0).abs() < 1e-5, "heading norm {norm}");
        }
    }
}

#[test]
fn bad_input_is_an_error() {
    let boids = original();
    let g = gpu();
    let spec = RolloutSpec {
        steps: 1,
        frame_steps: vec![],
        frame_size: 32,
        dump_steps: vec![],
    };
    let short = err(rollout(
        g,
        &boids,
        &[0.0; 192],
        &Init::Seed(0),
        &spec,
        &mut no_progress,
    ));
    assert!(short.contains("193"), "{short}");
    let mut nan = vec![0f32; 193];
    nan[100] = f32::NAN;
    let nan_err = err(rollout(
        g,
        &boids,
        &nan,
        &Init::Seed(0),
        &spec,
        &mut no_progress,
    ));
    assert!(nan_err.contains("finite"), "{nan_err}");
    let fx = asal_fixture("boids");
    let mut state = fx.state("state0").unwrap();
    state.insert(
        "x".into(),
        asal_substrates::tensors::Tensor::f32(&[64, 2], vec![0.5; 128]),
    );
    let shape = err(rollout(
        g,
        &boids,
        &[0.0; 193],
        &Init::States(vec![state.clone()]),
        &spec,
        &mut no_progress,
    ));
    assert!(shape.contains("[128, 2]"), "{shape}");
    state.insert(
        "x".into(),
        asal_substrates::tensors::Tensor::f32(&[128, 2], vec![1.5; 256]),
    );
    let range = err(boids.cpu_rollout(&[0.0; 193], &Init::States(vec![state]), 0, &[1]));
    assert!(range.contains("[0, 1)"), "{range}");
    let missing = err(boids.cpu_rollout(&[0.0; 193], &Init::States(vec![State::new()]), 0, &[1]));
    assert!(missing.contains("`x`"), "{missing}");
}

#[test]
fn params_struct_matches_its_wgsl_mirror() {
    use std::mem::offset_of;
    let fields = [
        ("n_boids", offset_of!(BoidsParams, n_boids)),
        ("n_nbrs", offset_of!(BoidsParams, n_nbrs)),
        ("worlds", offset_of!(BoidsParams, worlds)),
        ("wrapped", offset_of!(BoidsParams, wrapped)),
        ("visual_range", offset_of!(BoidsParams, visual_range)),
        ("speed", offset_of!(BoidsParams, speed)),
        ("dt", offset_of!(BoidsParams, dt)),
        ("render_size", offset_of!(BoidsParams, render_size)),
        ("sharpness", offset_of!(BoidsParams, sharpness)),
        ("red_boid", offset_of!(BoidsParams, red_boid)),
        ("_pad0", offset_of!(BoidsParams, pad0)),
        ("_pad1", offset_of!(BoidsParams, pad1)),
    ];
    for shader in ["boids_step", "boids_render", "boids_render_tiles"] {
        check_layout::<BoidsParams>(shader, "BoidsParams", &fields);
    }
    let chunk = [
        ("first_world", offset_of!(ChunkParams, first_world)),
        ("_pad0", offset_of!(ChunkParams, pad)),
    ];
    for shader in ["boids_tile_masks", "boids_render_tiles"] {
        check_layout::<ChunkParams>(shader, "ChunkParams", &chunk);
    }
}

/// The message of an expected error.
fn err<T>(r: Result<T, asal_substrates::Error>) -> String {
    r.err().map(|e| e.to_string()).unwrap()
}
