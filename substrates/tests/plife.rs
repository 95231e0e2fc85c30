//! Particle Life: genome decoding, the GPU grid kernel against the original's fixture trajectory
//! and its CPU twin, the splat renderer against the original's frames, long-run sanity, the
//! grid's pair savings, config errors and the WGSL layouts of the shared structs.

#![allow(clippy::unwrap_used, reason = "a test fails loudly on any error")]

mod common;

use asal_substrates::creature::build;
use asal_substrates::plife::{Neighbours, Plife, PlifeConfig, pair_count_stats};
use asal_substrates::substrate::{Init, RolloutSpec, Substrate, rollout};
use common::{asal_fixture, gpu, max_abs_diff};

fn no_progress(_: u64) {}

/// Largest torus-wrapped difference between two position lists.
fn max_wrapped_diff(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len());
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
fn genome_decodes_like_the_original() {
    let fx = asal_fixture("plife");
    let plife = Plife::new(PlifeConfig::default()).unwrap();
    assert_eq!(plife.genome().dim(), 42);
    let params = fx.get("params").unwrap().to_f32();
    let world = plife.world(&params).unwrap();
    // σ(0) = 0.5 exactly: α = 0 and β = 0.5 with no rounding at all.
    assert_eq!(
        world.physics.alpha,
        fx.get("decoded.alpha").unwrap().to_f32()
    );
    assert_eq!(world.physics.beta, fx.get("decoded.beta").unwrap().to_f32());
    // Optional fields extend the genome in sorted-key order.
    let wide = Plife::new(PlifeConfig {
        search_space: "beta+alpha+rmax+mass+dt+half_life+c_dist+x_dist".into(),
        ..PlifeConfig::default()
    })
    .unwrap();
    let names: Vec<&str> = wide
        .genome()
        .blocks
        .iter()
        .map(|b| b.name.as_str())
        .collect();
    assert_eq!(
        names,
        [
            "alpha",
            "beta",
            "c_dist",
            "dt",
            "half_life",
            "mass",
            "rmax",
            "x_dist"
        ]
    );
    assert_eq!(wide.genome().dim(), 36 + 6 + 6 + 1 + 6 + 6 + 6 + 49);
    let w = wide.world(&vec![0.0; wide.genome().dim()]).unwrap();
    // 10^(1.5·0.5 − 2) and friends, to float32 rounding of powf.
    assert!((w.physics.rmax[0] - 10f32.powf(-1.25)).abs() < 1e-7);
    assert!((w.physics.mass[0] - 10f32.powf(-0.75)).abs() < 1e-6);
    assert!((w.physics.dt - 10f32.powf(-2.5)).abs() < 1e-8);
}

#[test]
fn gpu_follows_the_original_trajectory() {
    // From the original's state0, the GPU grid kernel reproduces states 1, 2, 10 and 64 within the
    // README's float32 tolerances (x 1e-6 / v 1e-5 at steps 1-2, x 1e-5 / v 1e-4 later). The
    // original's own float32-vs-float64 gap is at most 7.5e-7 (x) and 6.6e-6 (v) at step 64, and
    // the grid only reorders the force sum, so these bounds leave 10× headroom.
    let fx = asal_fixture("plife");
    let plife = Plife::new(PlifeConfig::default()).unwrap();
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
        let (tx, tv) = if *t <= 2 { (1e-6, 1e-5) } else { (1e-5, 1e-4) };
        let s = &states[0];
        let dx = max_wrapped_diff(
            &s["x"].to_f32(),
            &fx.get(&format!("state{t}.x")).unwrap().to_f32(),
        );
        let dv = max_abs_diff(
            &s["v"].to_f32(),
            &fx.get(&format!("state{t}.v")).unwrap().to_f32(),
        );
        eprintln!("plife state{t}: max |Δx| {dx:.2e}, max |Δv| {dv:.2e}");
        assert!(dx < tx, "state{t}.x: {dx} ≥ {tx}");
        assert!(dv < tv, "state{t}.v: {dv} ≥ {tv}");
        assert_eq!(
            s["c"].to_i32(),
            fx.get(&format!("state{t}.c")).unwrap().to_i32()
        );
    }
    // frame0 from the identical state: the splat skips only exact zeros, so what remains is the
    // GPU's exp/sqrt rounding on edge pixels (k = 2000 amplifies a 1e-7 distance error to ~5e-5)
    // plus RGBA8 quantisation (0.5/255).
    let size = 224 * 224 * 4;
    let got0 = frame_rgb(&out.frames[..size]);
    let want0 = fx.get("frame0").unwrap().to_f32();
    let d0 = max_abs_diff(&got0, &want0);
    eprintln!("plife frame0: max diff {d0:.2e}");
    assert!(d0 <= 0.5 / 255.0 + 1e-4, "frame0 differs by {d0}");
    // frame64: positions agree to ~1e-6, amplified ≤ 500× by the disc edges (README), plus
    // quantisation.
    let got64 = frame_rgb(&out.frames[size..]);
    let want64 = fx.get("frame64").unwrap().to_f32();
    let d64 = max_abs_diff(&got64, &want64);
    eprintln!("plife frame64: max diff {d64:.2e}");
    assert!(d64 <= 0.5 / 255.0 + 5e-3, "frame64 differs by {d64}");
}

#[test]
fn cpu_twin_renders_the_original_frame() {
    let fx = asal_fixture("plife");
    let plife = Plife::new(PlifeConfig::default()).unwrap();
    let params = fx.get("params").unwrap().to_f32();
    let img = plife
        .render_cpu(&params, &fx.state("state0").unwrap(), 224)
        .unwrap();
    let d = max_abs_diff(&img, &fx.get("frame0").unwrap().to_f32());
    eprintln!("plife twin frame0: max diff {d:.2e}");
    // Same float32 formula, same order; k = 2000 turns last-bit differences in the pixel
    // coordinate or exp into up to ~1e-4.
    assert!(d < 1e-4, "twin frame0 differs by {d}");
}

#[test]
fn cpu_twin_follows_the_original_first_steps() {
    let fx = asal_fixture("plife");
    let plife = Plife::new(PlifeConfig::default()).unwrap();
    let params = fx.get("params").unwrap().to_f32();
    let init = Init::States(vec![fx.state("state0").unwrap()]);
    let states = plife.cpu_rollout(&params, &init, 0, &[2]).unwrap();
    let dx = max_wrapped_diff(
        &states[0]["x"].to_f32(),
        &fx.get("state2.x").unwrap().to_f32(),
    );
    let dv = max_abs_diff(
        &states[0]["v"].to_f32(),
        &fx.get("state2.v").unwrap().to_f32(),
    );
    assert!(dx < 1e-6 && dv < 1e-5, "twin state2: Δx {dx}, Δv {dv}");
}

fn small() -> Plife {
    Plife::new(PlifeConfig {
        particles: 400,
        ..PlifeConfig::default()
    })
    .unwrap()
}

fn random_genomes(d: usize, n: usize, seed: u32) -> Vec<f32> {
    (0..d * n)
        .map(|i| {
            let h = asal_substrates::hash::hash4(seed, 0, 0, i as u32);
            asal_substrates::hash::unit_f32(h) * 4.0 - 2.0
        })
        .collect()
}

#[test]
fn gpu_matches_its_cpu_twin_on_a_small_batch() {
    // Three worlds with random α, β from seeded initial states: identical initial draws, then
    // 20 steps. The grid and the dense sum add the same forces in a different order, so states
    // agree to float32 summation error.
    let plife = small();
    let genomes = random_genomes(42, 3, 11);
    let spec = RolloutSpec {
        steps: 20,
        frame_steps: vec![],
        frame_size: 64,
        dump_steps: vec![0, 20],
    };
    let out = rollout(
        gpu(),
        &plife,
        &genomes,
        &Init::Seed(5),
        &spec,
        &mut no_progress,
    )
    .unwrap();
    for w in 0..3 {
        let cpu = plife
            .cpu_rollout(
                &genomes[w * 42..(w + 1) * 42],
                &Init::Seed(5),
                w as u32,
                &[0, 20],
            )
            .unwrap();
        assert_eq!(
            out.states[0].1[w], cpu[0],
            "world {w}: initial states differ"
        );
        let dx = max_wrapped_diff(&out.states[1].1[w]["x"].to_f32(), &cpu[1]["x"].to_f32());
        let dv = max_abs_diff(&out.states[1].1[w]["v"].to_f32(), &cpu[1]["v"].to_f32());
        assert!(dx < 1e-5 && dv < 1e-4, "world {w}: Δx {dx}, Δv {dv}");
    }
}

#[test]
fn all_pairs_baseline_agrees_with_the_grid() {
    let grid = small();
    let dense = Plife::new(PlifeConfig {
        particles: 400,
        neighbours: Neighbours::AllPairs,
        ..PlifeConfig::default()
    })
    .unwrap();
    let genomes = random_genomes(42, 2, 3);
    let spec = RolloutSpec {
        steps: 10,
        frame_steps: vec![],
        frame_size: 64,
        dump_steps: vec![10],
    };
    let a = rollout(
        gpu(),
        &grid,
        &genomes,
        &Init::Seed(1),
        &spec,
        &mut no_progress,
    )
    .unwrap();
    let b = rollout(
        gpu(),
        &dense,
        &genomes,
        &Init::Seed(1),
        &spec,
        &mut no_progress,
    )
    .unwrap();
    for w in 0..2 {
        let d = max_wrapped_diff(
            &a.states[0].1[w]["x"].to_f32(),
            &b.states[0].1[w]["x"].to_f32(),
        );
        assert!(d < 1e-5, "world {w}: grid vs all pairs {d}");
    }
}

#[test]
fn replays_are_bit_identical() {
    // The per-cell rank pass fixes the summation order, so atomics never leak into results.
    let plife = small();
    let genomes = random_genomes(42, 2, 9);
    let spec = RolloutSpec {
        steps: 30,
        frame_steps: vec![30],
        frame_size: 64,
        dump_steps: vec![30],
    };
    let a = rollout(
        gpu(),
        &plife,
        &genomes,
        &Init::Seed(2),
        &spec,
        &mut no_progress,
    )
    .unwrap();
    let b = rollout(
        gpu(),
        &plife,
        &genomes,
        &Init::Seed(2),
        &spec,
        &mut no_progress,
    )
    .unwrap();
    assert_eq!(a.states, b.states);
    assert_eq!(a.frames, b.frames);
}

#[test]
fn long_random_rollouts_stay_finite_and_on_the_torus() {
    // Strong random forces, searched masses, ranges and time steps: 300 steps, every position in
    // [0, 1) and every velocity finite.
    let plife = Plife::new(PlifeConfig {
        particles: 300,
        search_space: "beta+alpha+mass+dt+half_life+rmax".into(),
        ..PlifeConfig::default()
    })
    .unwrap();
    let d = plife.genome().dim();
    let mut genomes = random_genomes(d, 4, 21);
    for g in &mut genomes {
        *g *= 3.0;
    }
    let spec = RolloutSpec {
        steps: 300,
        frame_steps: vec![300],
        frame_size: 32,
        dump_steps: vec![300],
    };
    let out = rollout(
        gpu(),
        &plife,
        &genomes,
        &Init::Seed(3),
        &spec,
        &mut no_progress,
    )
    .unwrap();
    for s in &out.states[0].1 {
        assert!(s["x"].to_f32().iter().all(|x| (0.0..1.0).contains(x)));
        assert!(s["v"].to_f32().iter().all(|v| v.is_finite()));
    }
}

#[test]
fn grid_saves_pairs() {
    // The fixture's 5000 uniform particles at rmax 0.1 (9 cells per side, since 0.1f32 > 0.1):
    // the grid visits about 9/81 of all pairs.
    let fx = asal_fixture("plife");
    let x: Vec<[f32; 2]> = fx
        .get("state0.x")
        .unwrap()
        .to_f32()
        .chunks_exact(2)
        .map(|p| [p[0], p[1]])
        .collect();
    let stats = pair_count_stats(&x, 0.1);
    eprintln!("plife 5000: {stats:?}, saving {:.1}×", stats.saving());
    assert_eq!(stats.all_pairs, 25_000_000);
    assert!(stats.saving() >= 5.0);
    assert!(stats.interacting < stats.grid);
}

#[test]
fn bad_configs_are_clear_errors() {
    let err = |v: serde_json::Value| {
        build("plife", &v)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default()
    };
    assert!(err(serde_json::json!({"particles": 0})).contains("particles"));
    assert!(err(serde_json::json!({"rmax": 0.9})).contains("rmax"));
    assert!(err(serde_json::json!({"dt": -1.0})).contains("dt"));
    assert!(err(serde_json::json!({"mass": 0.0})).contains("mass"));
    assert!(err(serde_json::json!({"colours": 0})).contains("colours"));
    assert!(err(serde_json::json!({"search_space": "beta+gamma"})).contains("gamma"));
    assert!(err(serde_json::json!({"partcles": 10})).contains("valid fields"));
    let plife = build("particle-life", &serde_json::Value::Null).unwrap();
    assert_eq!(plife.genome().dim(), 42);
    // A NaN genome and a wrong-length genome are refused before any GPU work.
    assert!(plife.genome().validate(&[f32::NAN; 42]).is_err());
    assert!(plife.genome().validate(&[0.0; 41]).is_err());
}

#[test]
fn cell_step_matches_the_particle_step() {
    // The cell-per-invocation kernel adds each particle's forces in the same order with the same
    // arithmetic as the particle-per-invocation one, so states match bit for bit. rmax 0.1 gives
    // a 10×10 grid (cells of ~4 particles here, so partial passes of 8); 0.3 a 3×3 grid (~44 per
    // cell: several full passes); 0.5 the 2×2 grid where the neighbourhood shrinks to the
    // distinct cells. The cell kernel holds each pass's α rows in registers up to 8 colours (12
    // colours take its path that loads α per pair) or, as its baseline, always loads them.
    for (rmax, colours) in [(0.1, 6), (0.3, 6), (0.5, 6), (0.1, 12)] {
        let config = PlifeConfig {
            particles: 400,
            rmax,
            colours,
            ..PlifeConfig::default()
        };
        let d = colours as usize * (colours as usize + 1);
        let genomes = random_genomes(d, 3, 17);
        let spec = RolloutSpec {
            steps: 12,
            frame_steps: vec![],
            frame_size: 64,
            dump_steps: vec![1, 12],
        };
        let run = |cell_step: bool, alpha_rows: bool| {
            let plife = Plife::new(config.clone())
                .unwrap()
                .with_cell_step(cell_step)
                .with_alpha_rows(alpha_rows);
            rollout(
                gpu(),
                &plife,
                &genomes,
                &Init::Seed(4),
                &spec,
                &mut no_progress,
            )
            .unwrap()
        };
        let particles = run(false, true);
        let cells = run(true, true);
        assert_eq!(
            cells.states, particles.states,
            "rmax {rmax}, {colours} colours"
        );
        let loads = run(true, false);
        assert_eq!(
            loads.states, particles.states,
            "rmax {rmax}, {colours} colours"
        );
    }
}

#[test]
fn tiled_splat_matches_the_per_pixel_splat_and_the_twin() {
    // The tile kernel composites the same candidates in the same order with the same arithmetic
    // as the per-pixel kernel, so frames match bit for bit; both against the CPU twin's render of
    // the same state within the fixture test's bound (GPU exp/sqrt rounding on disc edges,
    // amplified by k, plus RGBA8 quantisation). Cases: the original's world at 224² (85 render
    // cells, 2.6 pixels wide: 3-pixel tiles); wider discs (21 cells) at 64² (cells exactly 3
    // pixels, where rounding can give a cell a 4th), 100² (two tiles per cell) and 224² (4-pixel
    // tiles, three per cell); searched masses (a different render grid in every world). The
    // default tiles read linked draw keys (each entry carries its cell's next key); the own-key
    // tiles they replaced must give the same frames too.
    let fx = asal_fixture("plife");
    let wide = PlifeConfig {
        particles: 400,
        render_radius: 0.04,
        ..PlifeConfig::default()
    };
    let masses = PlifeConfig {
        particles: 400,
        search_space: "alpha+mass".into(),
        ..PlifeConfig::default()
    };
    let cases: Vec<(PlifeConfig, Vec<f32>, Init, u32, u32)> = vec![
        (
            PlifeConfig::default(),
            fx.get("params").unwrap().to_f32(),
            Init::States(vec![fx.state("state0").unwrap()]),
            224,
            0,
        ),
        (
            wide.clone(),
            random_genomes(42, 2, 21),
            Init::Seed(6),
            64,
            8,
        ),
        (
            wide.clone(),
            random_genomes(42, 2, 21),
            Init::Seed(6),
            100,
            8,
        ),
        (wide, random_genomes(42, 1, 22), Init::Seed(7), 224, 8),
        (masses, random_genomes(42, 3, 23), Init::Seed(8), 96, 8),
    ];
    for (config, genomes, init, size, steps) in cases {
        let spec = RolloutSpec {
            steps,
            frame_steps: vec![steps],
            frame_size: size,
            dump_steps: vec![steps],
        };
        let run = |tiled: bool, linked: bool| {
            let plife = Plife::new(config.clone())
                .unwrap()
                .with_tiled_render(tiled)
                .with_linked_render_keys(linked);
            rollout(gpu(), &plife, &genomes, &init, &spec, &mut no_progress).unwrap()
        };
        let tiled = run(true, true);
        let own_key_tiled = run(true, false);
        let per_pixel = run(false, true);
        let what = format!("{size}² render_radius {}", config.render_radius);
        assert_eq!(tiled.states, per_pixel.states, "{what}");
        assert!(
            tiled.frames == per_pixel.frames,
            "{what}: tiled and per-pixel frames differ"
        );
        assert!(
            own_key_tiled.frames == per_pixel.frames,
            "{what}: own-key tiled and per-pixel frames differ"
        );
        let plife = Plife::new(config.clone()).unwrap();
        let d = plife.genome().dim();
        let frame = (size * size * 4) as usize;
        for (w, state) in tiled.states[0].1.iter().enumerate() {
            let twin = plife
                .render_cpu(&genomes[w * d..(w + 1) * d], state, size as usize)
                .unwrap();
            let got = frame_rgb(&tiled.frames[w * frame..(w + 1) * frame]);
            let diff = max_abs_diff(&got, &twin);
            assert!(
                diff <= 0.5 / 255.0 + 1e-4,
                "{what}, world {w}: GPU frame vs CPU twin {diff}"
            );
        }
    }
}
