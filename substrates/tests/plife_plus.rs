//! Particle Life++: genome layout, the GPU grid kernel against the original's fixture trajectory
//! and its CPU twin, the splat renderer against the original's frames, and long-run sanity.

#![allow(clippy::unwrap_used, reason = "a test fails loudly on any error")]

mod common;

use asal_substrates::creature::build;
use asal_substrates::plife_plus::{PlifePlus, PlifePlusConfig};
use asal_substrates::substrate::{Init, RolloutSpec, Substrate, rollout};
use common::{asal_fixture, gpu, max_abs_diff};

fn no_progress(_: u64) {}

fn max_wrapped_diff(a: &[f32], b: &[f32]) -> f32 {
    a.iter()
        .zip(b)
        .map(|(x, y)| {
            let d = (x - y).abs();
            d.min(1.0 - d)
        })
        .fold(0.0, f32::max)
}

fn frame_rgb(frames: &[u8]) -> Vec<f32> {
    frames
        .chunks_exact(4)
        .flat_map(|p| [p[0], p[1], p[2]])
        .map(|v| f32::from(v) / 255.0)
        .collect()
}

#[test]
fn genome_layout_is_the_originals() {
    let plife = PlifePlus::new(PlifePlusConfig::default()).unwrap();
    assert_eq!(plife.genome().dim(), 311);
    // The sidecar's param_layout: bias before kernel in every layer.
    let offsets: Vec<(String, usize)> = plife
        .genome()
        .blocks
        .iter()
        .scan(0, |o, b| {
            let at = *o;
            *o += b.len();
            Some((b.name.clone(), at))
        })
        .collect();
    assert_eq!(offsets[1], ("Dense_0.kernel".into(), 8));
    assert_eq!(offsets[7], ("Dense_3.kernel".into(), 255));
}

#[test]
fn gpu_follows_the_original_trajectory() {
    // README tolerances: steps 1-2 x 1e-6, v 1e-5, c 1e-6; step 10 x 1e-5, v 1e-4, c 1e-5;
    // step 64 x 1e-3, v 1e-2, c 1e-3 (the original's own float32-vs-float64 gap grows to 6.6e-5 /
    // 9.6e-4 / 4.6e-5 there: the network's tanh chain makes this substrate mildly chaotic).
    let fx = asal_fixture("plife_plus");
    let plife = PlifePlus::new(PlifePlusConfig::default()).unwrap();
    let params = fx.get("params").unwrap().to_f32();
    let init = Init::States(vec![fx.state("state0").unwrap()]);
    let spec = RolloutSpec {
        steps: 64,
        frame_steps: vec![0, 64],
        frame_size: 224,
        dump_steps: vec![1, 2, 10, 64],
    };
    let out = rollout(gpu(), &plife, &params, &init, &spec, &mut no_progress).unwrap();
    for (t, states) in &out.states {
        let (tx, tv, tc) = match t {
            1 | 2 => (1e-6, 1e-5, 1e-6),
            10 => (1e-5, 1e-4, 1e-5),
            _ => (1e-3, 1e-2, 1e-3),
        };
        let s = &states[0];
        let want = |f: &str| fx.get(&format!("state{t}.{f}")).unwrap().to_f32();
        let dx = max_wrapped_diff(&s["x"].to_f32(), &want("x"));
        let dv = max_abs_diff(&s["v"].to_f32(), &want("v"));
        let dc = max_abs_diff(&s["c"].to_f32(), &want("c"));
        eprintln!("plife_plus state{t}: max |Δx| {dx:.2e}, |Δv| {dv:.2e}, |Δc| {dc:.2e}");
        assert!(
            dx < tx && dv < tv && dc < tc,
            "state{t}: Δx {dx}, Δv {dv}, Δc {dc}"
        );
    }
    // frame0 from the identical state: GPU exp/sqrt rounding on disc edges (k = 750) plus RGBA8
    // quantisation. frame64: positions within ~1e-4 at worst, amplified ≤ 200× (README).
    let size = 224 * 224 * 4;
    let d0 = max_abs_diff(
        &frame_rgb(&out.frames[..size]),
        &fx.get("frame0").unwrap().to_f32(),
    );
    let d64 = max_abs_diff(
        &frame_rgb(&out.frames[size..]),
        &fx.get("frame64").unwrap().to_f32(),
    );
    eprintln!("plife_plus frame0 max diff {d0:.2e}, frame64 {d64:.2e}");
    assert!(d0 <= 0.5 / 255.0 + 1e-4, "frame0 differs by {d0}");
    assert!(d64 <= 0.5 / 255.0 + 0.05, "frame64 differs by {d64}");
}

#[test]
fn cpu_twin_matches_the_original() {
    let fx = asal_fixture("plife_plus");
    let plife = PlifePlus::new(PlifePlusConfig::default()).unwrap();
    let params = fx.get("params").unwrap().to_f32();
    let state0 = fx.state("state0").unwrap();
    let img = plife.render_cpu(&state0, 224).unwrap();
    let d = max_abs_diff(&img, &fx.get("frame0").unwrap().to_f32());
    eprintln!("plife_plus twin frame0 max diff {d:.2e}");
    assert!(d < 1e-4, "twin frame0 differs by {d}");
    let s = plife
        .cpu_rollout(&params, &Init::States(vec![state0]), 0, &[2])
        .unwrap();
    let dc = max_abs_diff(&s[0]["c"].to_f32(), &fx.get("state2.c").unwrap().to_f32());
    let dx = max_wrapped_diff(&s[0]["x"].to_f32(), &fx.get("state2.x").unwrap().to_f32());
    assert!(dc < 1e-6 && dx < 1e-6, "twin state2: Δx {dx}, Δc {dc}");
}

fn small() -> PlifePlus {
    PlifePlus::new(PlifePlusConfig {
        particles: 200,
        ..PlifePlusConfig::default()
    })
    .unwrap()
}

fn random_genomes(n: usize, seed: u32, scale: f32) -> Vec<f32> {
    (0..311 * n)
        .map(|i| {
            let h = asal_substrates::hash::hash4(seed, 0, 0, i as u32);
            (asal_substrates::hash::unit_f32(h) * 2.0 - 1.0) * scale
        })
        .collect()
}

#[test]
fn gpu_matches_its_cpu_twin_on_a_small_batch() {
    let plife = small();
    let genomes = random_genomes(2, 4, 0.5);
    let spec = RolloutSpec {
        steps: 5,
        frame_steps: vec![],
        frame_size: 32,
        dump_steps: vec![0, 5],
    };
    let out = rollout(
        gpu(),
        &plife,
        &genomes,
        &Init::Seed(8),
        &spec,
        &mut no_progress,
    )
    .unwrap();
    for w in 0..2 {
        let cpu = plife
            .cpu_rollout(
                &genomes[w * 311..(w + 1) * 311],
                &Init::Seed(8),
                w as u32,
                &[0, 5],
            )
            .unwrap();
        assert_eq!(
            out.states[0].1[w], cpu[0],
            "world {w}: initial states differ"
        );
        let s = &out.states[1].1[w];
        let dx = max_wrapped_diff(&s["x"].to_f32(), &cpu[1]["x"].to_f32());
        let dc = max_abs_diff(&s["c"].to_f32(), &cpu[1]["c"].to_f32());
        assert!(dx < 1e-5 && dc < 1e-5, "world {w}: Δx {dx}, Δc {dc}");
    }
}

#[test]
fn in_range_kernel_is_as_close_to_the_twin_as_the_per_particle_kernel() {
    // The in-range kernel computes the baseline's maths in other float32 roundings (sources in
    // its finer grid's order, the first layer split in two, tanh through one exponential), so
    // both are held to the CPU twin (all pairs, libm tanh) within the tolerance of
    // `gpu_matches_its_cpu_twin_on_a_small_batch`, 1e-5 (velocities relative to the fastest
    // particle): a missed, doubled or misplaced source moves colours and velocities by ~1e-3 a
    // step. Worlds start clustered (40 baseline steps with genomes at scale 3), so neighbouring
    // lanes see different numbers of sources in range; the compared steps use genomes at scale
    // 1, since scale-3 networks amplify last-bit differences of their inputs ~100× (the
    // baseline itself then ends ~1e-5 from the twin). Grids: the original's (rmax 0.1: 29×29
    // cells against 10×10), rmax 0.3 (10×10, wrapping rows split into cells), 0.4 (7×7: the
    // 7-cell neighbourhood is the whole row) and 0.5 (6×6, scanned whole); 150 particles leave a
    // workgroup partly empty; colours frozen once.
    let clustering = random_genomes(2, 23, 3.0);
    let genomes = random_genomes(2, 29, 1.0);
    for (rmax, update_colours) in [
        (0.1, true),
        (0.3, true),
        (0.4, true),
        (0.5, true),
        (0.1, false),
    ] {
        let config = PlifePlusConfig {
            particles: 150,
            rmax,
            update_colours,
            ..PlifePlusConfig::default()
        };
        let baseline = PlifePlus::new(config.clone())
            .unwrap()
            .with_in_range_step(false);
        let warm = RolloutSpec {
            steps: 40,
            frame_steps: vec![],
            frame_size: 32,
            dump_steps: vec![40],
        };
        let clustered = rollout(
            gpu(),
            &baseline,
            &clustering,
            &Init::Seed(6),
            &warm,
            &mut no_progress,
        )
        .unwrap();
        let starts = &clustered.states[0].1;
        let init = Init::States(starts.clone());
        let spec = RolloutSpec {
            steps: 3,
            frame_steps: vec![],
            frame_size: 32,
            dump_steps: vec![3],
        };
        let in_range = PlifePlus::new(config.clone()).unwrap();
        let fast = rollout(gpu(), &in_range, &genomes, &init, &spec, &mut no_progress).unwrap();
        let slow = rollout(gpu(), &baseline, &genomes, &init, &spec, &mut no_progress).unwrap();
        for (w, start) in starts.iter().enumerate() {
            let twin = in_range
                .cpu_rollout(
                    &genomes[w * 311..(w + 1) * 311],
                    &Init::States(vec![start.clone()]),
                    0,
                    &[3],
                )
                .unwrap();
            let t = &twin[0];
            let speed = t["v"].to_f32().iter().fold(1f32, |m, v| m.max(v.abs()));
            let distances = |s: &asal_substrates::tensors::State| {
                [
                    max_wrapped_diff(&s["x"].to_f32(), &t["x"].to_f32()),
                    max_abs_diff(&s["v"].to_f32(), &t["v"].to_f32()) / speed,
                    max_abs_diff(&s["c"].to_f32(), &t["c"].to_f32()),
                ]
            };
            let new = distances(&fast.states[0].1[w]);
            let old = distances(&slow.states[0].1[w]);
            let show = |d: [f32; 3]| d.map(|v| format!("{v:.1e}")).join(" ");
            eprintln!(
                "rmax {rmax}, drift {update_colours}, world {w}: from the twin (x, v / {speed:.1}, c) \
                 in-range {}, per-particle {}",
                show(new),
                show(old)
            );
            for ((n, o), what) in new.iter().zip(old).zip(["x", "v", "c"]) {
                assert!(
                    *n < 1e-5,
                    "rmax {rmax}, colours drift: {update_colours}, world {w}: {what} is {n} \
                     from the twin, the per-particle kernel {o}"
                );
            }
        }
    }
}

#[test]
fn long_random_rollouts_stay_finite_and_on_the_torus() {
    let plife = small();
    let genomes = random_genomes(3, 17, 3.0);
    let spec = RolloutSpec {
        steps: 200,
        frame_steps: vec![200],
        frame_size: 32,
        dump_steps: vec![200],
    };
    let out = rollout(
        gpu(),
        &plife,
        &genomes,
        &Init::Seed(4),
        &spec,
        &mut no_progress,
    )
    .unwrap();
    for s in &out.states[0].1 {
        assert!(s["x"].to_f32().iter().all(|x| (0.0..1.0).contains(x)));
        assert!(s["v"].to_f32().iter().all(|v| v.is_finite()));
        for c in s["c"].to_f32().chunks_exact(6) {
            let norm: f32 = c.iter().map(|v| v * v).sum::<f32>().sqrt();
            assert!((norm - 1.0).abs() < 1e-4, "colour norm {norm}");
        }
    }
}

#[test]
fn bad_configs_are_clear_errors() {
    let err = |v: serde_json::Value| {
        build("plife_plus", &v)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default()
    };
    assert!(err(serde_json::json!({"particles": 0})).contains("particles"));
    assert!(err(serde_json::json!({"rmax": 2.0})).contains("rmax"));
    assert!(err(serde_json::json!({"dt": 0.0})).contains("dt"));
    assert!(err(serde_json::json!({"colours": 6})).contains("valid fields"));
    assert!(build("plife_plus", &serde_json::json!({"update_colors": false})).is_ok());
}
