//! Particle Lenia: genome decoding, the GPU gradient step against the original's fixture
//! trajectory and its CPU twin, and the field renderer against the original's frames.

#![allow(clippy::unwrap_used, reason = "a test fails loudly on any error")]

mod common;

use asal_substrates::creature::build;
use asal_substrates::plenia::{Plenia, PleniaConfig};
use asal_substrates::substrate::{Init, RolloutSpec, Substrate, rollout};
use common::{asal_fixture, gpu, max_abs_diff};

fn no_progress(_: u64) {}

fn frame_rgb(frames: &[u8]) -> Vec<f32> {
    frames
        .chunks_exact(4)
        .flat_map(|p| [p[0], p[1], p[2]])
        .map(|v| f32::from(v) / 255.0)
        .collect()
}

#[test]
fn genome_decodes_like_the_original() {
    let fx = asal_fixture("plenia");
    let plenia = Plenia::new(PleniaConfig::default()).unwrap();
    assert_eq!(plenia.genome().dim(), 6);
    let rule = plenia.rule(&fx.get("params").unwrap().to_f32()).unwrap();
    let got = [
        rule.mu_k,
        rule.sigma_k,
        rule.w_k,
        rule.mu_g,
        rule.sigma_g,
        rule.c_rep,
    ];
    for (v, name) in got
        .iter()
        .zip(["mu_k", "sigma_k", "w_k", "mu_g", "sigma_g", "c_rep"])
    {
        assert_eq!(
            *v,
            fx.get(&format!("decoded.{name}")).unwrap().to_f32()[0],
            "{name}"
        );
    }
    // exp of a large but finite genome overflows: a clear genome error, not a NaN world.
    assert!(plenia.rule(&[100.0, 0.0, 0.0, 0.0, 0.0, 0.0]).is_err());
}

#[test]
fn gpu_follows_the_original_trajectory() {
    // README: states 1, 2, 10 within 1e-5, state 64 within 1e-4 (the original's float32 error is
    // at most 1.3e-6 at step 10 and 9.7e-6 at step 64: a smooth gradient flow).
    let fx = asal_fixture("plenia");
    let plenia = Plenia::new(PleniaConfig::default()).unwrap();
    let params = fx.get("params").unwrap().to_f32();
    let init = Init::States(vec![fx.state("state0").unwrap()]);
    let spec = RolloutSpec {
        steps: 64,
        frame_steps: vec![0, 64],
        frame_size: 224,
        dump_steps: vec![1, 2, 10, 64],
    };
    let out = rollout(gpu(), &plenia, &params, &init, &spec, &mut no_progress).unwrap();
    for (t, states) in &out.states {
        let tol = if *t == 64 { 1e-4 } else { 1e-5 };
        let d = max_abs_diff(
            &states[0]["x"].to_f32(),
            &fx.get(&format!("state{t}.x")).unwrap().to_f32(),
        );
        eprintln!("plenia state{t}: max |Δx| {d:.2e}");
        assert!(d < tol, "state{t}: {d} ≥ {tol}");
    }
    // Frames: the field is smooth, so state errors of 1e-5 move pixels by ~1e-5; the RGBA8
    // quantisation (0.5/255) dominates. The particle mask edge (r² = 0.02) and the global
    // min-max make a few pixels more sensitive, hence the 1e-3 allowance.
    let size = 224 * 224 * 4;
    for (k, name) in [(0, "frame0"), (1, "frame64")] {
        let got = frame_rgb(&out.frames[k * size..(k + 1) * size]);
        let d = max_abs_diff(&got, &fx.get(name).unwrap().to_f32());
        eprintln!("plenia {name}: max diff {d:.2e}");
        assert!(d <= 0.5 / 255.0 + 1e-3, "{name} differs by {d}");
    }
}

#[test]
fn cpu_twin_matches_the_original() {
    let fx = asal_fixture("plenia");
    let plenia = Plenia::new(PleniaConfig::default()).unwrap();
    let params = fx.get("params").unwrap().to_f32();
    let state0 = fx.state("state0").unwrap();
    let img = plenia.render_cpu(&params, &state0, 224).unwrap();
    let d = max_abs_diff(&img, &fx.get("frame0").unwrap().to_f32());
    eprintln!("plenia twin frame0 max diff {d:.2e}");
    assert!(d < 1e-4, "twin frame0 differs by {d}");
    let s = plenia
        .cpu_rollout(&params, &Init::States(vec![state0]), 0, &[10])
        .unwrap();
    let dx = max_abs_diff(&s[0]["x"].to_f32(), &fx.get("state10.x").unwrap().to_f32());
    assert!(dx < 1e-5, "twin state10: {dx}");
}

/// Runs 30 steps of `worlds` random genomes on the GPU and checks each world's states and
/// frame against the CPU twin.
fn matches_its_cpu_twin(plenia: &Plenia, worlds: usize, frame_size: u32) {
    let genomes: Vec<f32> = (0..6 * worlds as u32)
        .map(|i| {
            let h = asal_substrates::hash::hash4(6, 0, 0, i);
            asal_substrates::hash::unit_f32(h) * 0.6 - 0.3
        })
        .collect();
    let spec = RolloutSpec {
        steps: 30,
        frame_steps: vec![30],
        frame_size,
        dump_steps: vec![0, 30],
    };
    let out = rollout(
        gpu(),
        plenia,
        &genomes,
        &Init::Seed(3),
        &spec,
        &mut no_progress,
    )
    .unwrap();
    let pixels = (frame_size * frame_size * 4) as usize;
    for w in 0..worlds {
        let cpu = plenia
            .cpu_rollout(
                &genomes[w * 6..(w + 1) * 6],
                &Init::Seed(3),
                w as u32,
                &[0, 30],
            )
            .unwrap();
        assert_eq!(
            out.states[0].1[w], cpu[0],
            "world {w}: initial states differ"
        );
        // The kernels sum the same terms in the same order as the twin, with products
        // regrouped (divisions hoisted, exp as exp2): ~1e-7 relative per step, which 30 steps
        // of a smooth gradient flow keep far below 1e-4.
        let s = &out.states[1].1[w];
        let d = max_abs_diff(&s["x"].to_f32(), &cpu[1]["x"].to_f32());
        assert!(d < 1e-4, "world {w}: {d}");
        assert!(s["x"].to_f32().iter().all(|v| v.is_finite()));
        let img = plenia
            .render_cpu(&genomes[w * 6..(w + 1) * 6], s, frame_size as usize)
            .unwrap();
        let frame = &out.frames[w * pixels..(w + 1) * pixels];
        let d = max_abs_diff(&frame_rgb(frame), &img);
        assert!(d <= 0.5 / 255.0 + 1e-3, "world {w} frame: {d}");
    }
}

#[test]
fn gpu_matches_its_cpu_twin_on_a_small_batch() {
    for block_kernels in [true, false] {
        let plenia = Plenia::new(PleniaConfig::default())
            .unwrap()
            .with_block_kernels(block_kernels);
        matches_its_cpu_twin(&plenia, 4, 48);
    }
}

#[test]
fn odd_counts_and_frame_sides_match_the_cpu_twin() {
    // 37 points: an odd count pads each world's points to an even stride and ends the block
    // kernels' pair loads on a single point; 3 blocks of 13 leave 2 lanes past the end. A 45 px
    // frame ends on a partial 4×4 pixel block. Both kernel sets, 3 worlds.
    for block_kernels in [true, false] {
        let plenia = Plenia::new(PleniaConfig {
            particles: 37,
            ..PleniaConfig::default()
        })
        .unwrap()
        .with_block_kernels(block_kernels);
        matches_its_cpu_twin(&plenia, 3, 45);
    }
}

#[test]
fn bad_configs_are_clear_errors() {
    let err = |v: serde_json::Value| {
        build("plenia", &v)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default()
    };
    assert!(err(serde_json::json!({"particles": 0})).contains("particles"));
    assert!(err(serde_json::json!({"dt": -0.1})).contains("dt"));
    assert!(err(serde_json::json!({"points": 5})).contains("valid fields"));
    let bad_state = Init::States(vec![Default::default()]);
    let plenia = Plenia::new(PleniaConfig::default()).unwrap();
    let e = plenia
        .cpu_rollout(&[0.0; 6], &bad_state, 0, &[0])
        .err()
        .unwrap();
    assert!(e.to_string().contains("`x`"), "{e}");
}
