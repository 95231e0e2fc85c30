//! Lenia: genome decoding and kernels against the original's fixtures, the GPU kernel against
//! its CPU twin and the fixture trajectory, and Orbium's physics.

#![allow(clippy::unwrap_used, reason = "a test fails loudly on any error")]

mod common;

use asal_substrates::lenia::{Lenia, build_kernels};
use asal_substrates::substrate::{Init, RolloutSpec, Substrate, rollout};
use common::{asal_fixture, fixture_dir, gpu, max_abs_diff};

fn no_progress(_: u64) {}

fn zeros(lenia: &Lenia) -> Vec<f32> {
    vec![0.0; lenia.genome().dim()]
}

#[test]
fn genome_decodes_like_the_original() {
    let fx = asal_fixture("lenia");
    let lenia = Lenia::asal().unwrap();
    assert_eq!(lenia.genome().dim(), 3117);
    let params = fx.get("params").unwrap().to_f32();
    let decoded = lenia.genome().decode(&params).unwrap();
    for name in ["m", "s", "h", "cells"] {
        let want = fx.get(&format!("decoded.{name}")).unwrap().to_f32();
        let got = decoded.get(name).unwrap();
        // sigmoid(logit(x)) round trips within a few float32 ulps of values ≤ 1.
        assert!(max_abs_diff(got, &want) < 1e-7, "decoded.{name}");
    }
    // Dynamics offsets are clipped to ±1, cell offsets are not.
    let mut g = zeros(&lenia);
    g[0] = 5.0;
    g[45] = 5.0;
    let d = lenia.genome().decode(&g).unwrap();
    let sig = |x: f64| 1.0 / (1.0 + (-x).exp());
    let logit = |p: f64| (p / (1.0 - p)).ln();
    assert!((f64::from(d.get("m").unwrap()[0]) - sig(logit(0.22) + 1.0)).abs() < 1e-6);
    // An unclipped +5 logit offset multiplies a 1e-6 cell by about e^5 (a ±1 clip would give e^1).
    let lifted = f64::from(d.get("cells").unwrap()[0]) / 1e-6;
    assert!((lifted - 5f64.exp()).abs() < 1.0, "cell scaled by {lifted}");
}

#[test]
fn kernels_match_the_original() {
    let fx = asal_fixture("lenia");
    let k = fx.get("lenia.kernels").unwrap();
    assert_eq!(k.shape, [25, 25, 15]);
    let want = k.to_f32();
    let lenia = Lenia::asal().unwrap();
    let taps = build_kernels(&lenia.config().pattern).unwrap();
    for (ki, kernel) in taps.taps.iter().enumerate() {
        let mut dense = vec![0f32; 625];
        for &(dy, dx, w) in kernel {
            dense[((12 + dy) * 25 + 12 + dx) as usize] = w;
        }
        let want_k: Vec<f32> = (0..625).map(|i| want[i * 15 + ki]).collect();
        // f64 construction rounded once against the original's float32 construction.
        assert!(max_abs_diff(&dense, &want_k) < 2e-7, "kernel {ki}");
    }
}

#[test]
fn init_step_reproduces_state0() {
    // world_pre plus one step (the original's init_state) on the CPU twin and on the GPU.
    let fx = asal_fixture("lenia");
    let lenia = Lenia::asal().unwrap();
    let g = zeros(&lenia);
    let cpu = lenia.cpu_rollout(&g, &Init::Seed(0), 0, &[0]).unwrap();
    let want = fx.get("state0.world").unwrap().to_f32();
    // One step's float32 error (f32_vs_f64 of step 1 is 5.9e-7); the FFT vs direct sum adds ~1e-7.
    assert!(max_abs_diff(&cpu[0]["world"].to_f32(), &want) < 1e-5);
    assert_eq!(
        cpu[0]["last_shift"].to_i32(),
        fx.get("state0.last_shift").unwrap().to_i32()
    );
    let spec = RolloutSpec {
        steps: 0,
        frame_steps: vec![0],
        frame_size: 224,
        dump_steps: vec![0],
    };
    let out = rollout(gpu(), &lenia, &g, &Init::Seed(0), &spec, &mut no_progress).unwrap();
    let gpu_state = &out.states[0].1[0];
    assert!(max_abs_diff(&gpu_state["world"].to_f32(), &want) < 1e-5);
    assert!(
        max_abs_diff(
            &gpu_state["img"].to_f32(),
            &fx.get("state0.img").unwrap().to_f32()
        ) < 1e-5
    );
    assert!(
        max_abs_diff(
            &gpu_state["last_center"].to_f32(),
            &fx.get("state0.last_center").unwrap().to_f32()
        ) < 1e-5
    );
    // frame0 from (nearly) identical states: RGBA8 quantisation is the only difference (≤ 0.5/255).
    let frame = fx.get("frame0").unwrap().to_f32();
    let got: Vec<f32> = out
        .frames
        .chunks_exact(4)
        .flat_map(|p| [p[0], p[1], p[2]])
        .map(|v| f32::from(v) / 255.0)
        .collect();
    assert!(max_abs_diff(&got, &frame) <= 0.5 / 255.0 + 1e-5);
}

#[test]
fn gpu_follows_the_original_trajectory() {
    // From the original's state0: states 1, 2, 10 and 64 within the fixture sidecar's float32
    // budget (the original's own f32-vs-f64 gap is 6e-7, 1e-6, 4e-6 and 4.2e-5 there), with the
    // camera shifts exactly equal. 5N7KKM is chaotic, so step 256 is only compared statistically.
    let fx = asal_fixture("lenia");
    let lenia = Lenia::asal().unwrap();
    let params = fx.get("params").unwrap().to_f32();
    let init = Init::States(vec![fx.state("state0").unwrap()]);
    let spec = RolloutSpec {
        steps: 64,
        frame_steps: vec![64],
        frame_size: 224,
        dump_steps: vec![1, 2, 10, 64],
    };
    let out = rollout(gpu(), &lenia, &params, &init, &spec, &mut no_progress).unwrap();
    for (t, states) in &out.states {
        let tol = match t {
            1 | 2 => 1e-5,
            10 => 1e-4,
            _ => 1e-3,
        };
        let s = &states[0];
        let want = fx.get(&format!("state{t}.world")).unwrap().to_f32();
        let diff = max_abs_diff(&s["world"].to_f32(), &want);
        assert!(diff < tol, "state{t}: max diff {diff} ≥ {tol}");
        for field in ["last_shift", "total_shift"] {
            assert_eq!(
                s[field].to_i32(),
                fx.get(&format!("state{t}.{field}")).unwrap().to_i32(),
                "state{t}.{field}"
            );
        }
    }
    // frame64: the state error (≤ 1e-3) plus RGBA8 quantisation (≤ 0.5/255).
    let frame = fx.get("frame64").unwrap().to_f32();
    let got: Vec<f32> = out
        .frames
        .chunks_exact(4)
        .flat_map(|p| [p[0], p[1], p[2]])
        .map(|v| f32::from(v) / 255.0)
        .collect();
    assert!(max_abs_diff(&got, &frame) < 1e-3 + 0.5 / 255.0);
}

#[test]
fn gpu_matches_cpu_twin() {
    // A perturbed genome (so the test is not only the fixture point), two worlds, 3 steps: the
    // twin sums the same taps in the same order, so only exp() and FMA contraction differ.
    let lenia = Lenia::asal().unwrap();
    let d = lenia.genome().dim();
    let mut genomes = vec![0f32; 2 * d];
    for (i, g) in genomes.iter_mut().enumerate() {
        *g = 0.3 * ((i as f32) * 0.618).sin();
    }
    let spec = RolloutSpec {
        steps: 3,
        frame_steps: vec![],
        frame_size: 64,
        dump_steps: vec![3],
    };
    let out = rollout(
        gpu(),
        &lenia,
        &genomes,
        &Init::Seed(0),
        &spec,
        &mut no_progress,
    )
    .unwrap();
    for w in 0..2 {
        let cpu = lenia
            .cpu_rollout(&genomes[w * d..(w + 1) * d], &Init::Seed(0), w as u32, &[3])
            .unwrap();
        let diff = max_abs_diff(
            &out.states[0].1[w]["world"].to_f32(),
            &cpu[0]["world"].to_f32(),
        );
        assert!(diff < 1e-5, "world {w}: {diff}");
        assert_eq!(
            out.states[0].1[w]["total_shift"].to_i32(),
            cpu[0]["total_shift"].to_i32()
        );
    }
}

#[test]
fn orbium_glides_and_keeps_its_mass() {
    // Classic Orbium (R = 13, T = 10) in a 64² world for 500 steps: a soliton keeps its mass
    // within a few percent and moves (its centre of mass travels several cells).
    let path = fixture_dir("../..").join("main/assets/creatures/orbium.json");
    let text = std::fs::read_to_string(
        env!("CARGO_MANIFEST_DIR").to_owned() + "/../assets/creatures/orbium.json",
    )
    .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut value: serde_json::Value = serde_json::from_str(&text).unwrap();
    value["config"]["size"] = 64.into();
    let lenia = Lenia::from_creature_json(&value.to_string(), &path).unwrap();
    let g = zeros(&lenia);
    let spec = RolloutSpec {
        steps: 500,
        frame_steps: vec![],
        frame_size: 64,
        dump_steps: vec![0, 250, 500],
    };
    let out = rollout(gpu(), &lenia, &g, &Init::Seed(0), &spec, &mut no_progress).unwrap();
    let mass: Vec<f32> = out
        .states
        .iter()
        .map(|(_, s)| s[0]["world"].to_f32().iter().sum())
        .collect();
    let centroid = |w: &[f32]| {
        // Circular mean on the torus, so wrapping does not fake a jump.
        let n = 64.0f32;
        let (mut sy, mut cy, mut sx, mut cx) = (0f32, 0f32, 0f32, 0f32);
        for (i, v) in w.iter().enumerate() {
            let (y, x) = ((i / 64) as f32, (i % 64) as f32);
            let (ay, ax) = (y / n * std::f32::consts::TAU, x / n * std::f32::consts::TAU);
            sy += v * ay.sin();
            cy += v * ay.cos();
            sx += v * ax.sin();
            cx += v * ax.cos();
        }
        (
            sy.atan2(cy) / std::f32::consts::TAU * n,
            sx.atan2(cx) / std::f32::consts::TAU * n,
        )
    };
    assert!(mass[0] > 10.0);
    for m in &mass[1..] {
        assert!((m / mass[0] - 1.0).abs() < 0.05, "mass {mass:?}");
    }
    let (y0, x0) = centroid(&out.states[0].1[0]["world"].to_f32());
    let (y1, x1) = centroid(&out.states[2].1[0]["world"].to_f32());
    let wrap = |d: f32| (d + 32.0).rem_euclid(64.0) - 32.0;
    let moved = wrap(y1 - y0).hypot(wrap(x1 - x0));
    assert!(
        moved > 3.0,
        "Orbium should glide; its centre moved {moved} cells"
    );
}

#[test]
fn split_batches_keep_each_worlds_given_state() {
    // Four worlds from four different given states, with the binding capped so two worlds fit
    // per batch: in the second batch, world 3 must start from state 3, not from its batch's first.
    let lenia = Lenia::asal().unwrap();
    let fx = asal_fixture("lenia");
    let states: Vec<_> = [0, 1, 2, 10]
        .iter()
        .map(|k| fx.state(&format!("state{k}")).unwrap())
        .collect();
    let capped = gpu()
        .clone()
        .with_max_binding_size(2 * lenia.bytes_per_world() + 1024);
    let genomes = zeros(&lenia).repeat(4);
    let spec = RolloutSpec {
        steps: 0,
        frame_steps: vec![],
        frame_size: 8,
        dump_steps: vec![0],
    };
    let out = rollout(
        &capped,
        &lenia,
        &genomes,
        &Init::States(states.clone()),
        &spec,
        &mut no_progress,
    )
    .unwrap();
    for (w, state) in states.iter().enumerate() {
        assert_eq!(out.states[0].1[w]["world"], state["world"], "world {w}");
    }
}
