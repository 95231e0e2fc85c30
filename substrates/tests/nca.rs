//! Neural CA (`dnca`, `nca_d1`, `nca_d3`): genome layouts, the network and the update against
//! the original's fixtures (replaying its masks), the GPU kernels against the fixtures and the
//! CPU twin, long rollouts, bad input, and the Rust/WGSL struct layout.

#![allow(clippy::unwrap_used, reason = "a test fails loudly on any error")]

mod common;

use asal_substrates::nca::{DncaConfig, Nca, NcaConfig, NcaParams, Sampling};
use asal_substrates::reference::nca as twin;
use asal_substrates::substrate::{Init, RolloutSpec, Substrate, rollout};
use asal_substrates::tensors::{State, Tensor};
use common::{asal_fixture, check_layout, gpu, max_abs_diff};

fn no_progress(_: u64) {}

const N: usize = 128;

fn nca(d: u32) -> Nca {
    Nca::continuous(d, NcaConfig::default()).unwrap()
}

fn dnca() -> Nca {
    Nca::discrete(DncaConfig::default()).unwrap()
}

fn rgb_of(frames: &[u8]) -> Vec<f32> {
    frames
        .chunks_exact(4)
        .flat_map(|p| [p[0], p[1], p[2]])
        .map(|v| f32::from(v) / 255.0)
        .collect()
}

fn grid_state(shape: &[usize], values: Vec<f32>) -> State {
    let mut s = State::new();
    s.insert("grid".into(), Tensor::f32(shape, values));
    s
}

#[test]
fn genome_layouts_match_the_original() {
    for (name, sub) in [("dnca", dnca()), ("nca_d1", nca(1)), ("nca_d3", nca(3))] {
        let fx = asal_fixture(name);
        let params = fx.get("params").unwrap().to_f32();
        assert_eq!(params.len(), sub.genome().dim(), "{name}");
        let decoded = sub.genome().decode(&params).unwrap();
        for block in &sub.genome().blocks {
            let want = fx.get(&format!("decoded.{}", block.name)).unwrap();
            assert_eq!(want.shape, block.shape, "{name} {}", block.name);
            assert_eq!(
                decoded.get(&block.name).unwrap(),
                want.to_f32(),
                "{name} {}",
                block.name
            );
        }
    }
}

#[test]
fn nca_twin_replays_the_original() {
    // The network on state0 within 1e-5 of `nca.net_out0` (the README's bound; the only
    // difference is the summation order of a 9·(d+2)-term convolution). Then the original's own
    // masks replayed: states 1–10 within 1e-5 and state 64 within 1e-4 (the README's bounds; the
    // NCA is not chaotic, a 1e-7 perturbation of state0 stays below 3e-7 at step 64).
    for d in [1usize, 3] {
        let name = format!("nca_d{d}");
        let fx = asal_fixture(&name);
        let sub = nca(d as u32);
        let params = fx.get("params").unwrap().to_f32();
        let mut grid = fx.get("state0.grid").unwrap().to_f32();
        let net = twin::network(&params, sub.net(), N, &grid);
        let net_diff = max_abs_diff(&net, &fx.get("nca.net_out0").unwrap().to_f32());
        assert!(net_diff <= 1e-5, "{name} net_out0: {net_diff}");
        let masks = fx.get("nca.masks").unwrap().to_f32();
        let mut report = vec![("net_out0".to_owned(), net_diff)];
        for t in 1..=64usize {
            let mask: Vec<u8> = masks[(t - 1) * N * N..t * N * N]
                .iter()
                .map(|&m| m as u8)
                .collect();
            grid = twin::nca_step(&params, sub.net(), N, &grid, &mask, 0.01);
            if [1, 2, 10, 64].contains(&t) {
                let want = fx.get(&format!("state{t}.grid")).unwrap().to_f32();
                let diff = max_abs_diff(&grid, &want);
                let tol = if t == 64 { 1e-4 } else { 1e-5 };
                assert!(diff <= tol, "{name} state{t}: {diff}");
                report.push((format!("state{t}"), diff));
            }
        }
        eprintln!("{name} CPU twin vs fixture (max abs): {report:?}");
    }
}

#[test]
fn nca_gpu_network_and_frames_match_the_original() {
    // The GPU step with every cell updated and dt = 1 from the original's state0 gives
    // s0 + net(s0) wherever that is inside (0, 1): compared with `nca.net_out0` there, within the
    // README's 1e-5 plus the rounding of s0 + net (≤ 6e-8). frame0 from state0: RGBA8
    // quantisation (≤ 0.5/255) only, since the render is a copy.
    for d in [1u32, 3] {
        let name = format!("nca_d{d}");
        let fx = asal_fixture(&name);
        let sub = Nca::continuous(
            d,
            NcaConfig {
                p_drop: 0.0,
                dt: 1.0,
                ..Default::default()
            },
        )
        .unwrap();
        let params = fx.get("params").unwrap().to_f32();
        let s0 = fx.get("state0.grid").unwrap().to_f32();
        let want = fx.get("nca.net_out0").unwrap().to_f32();
        let init = Init::States(vec![fx.state("state0").unwrap()]);
        let spec = RolloutSpec {
            steps: 1,
            frame_steps: vec![0],
            frame_size: 224,
            dump_steps: vec![1],
        };
        let out = rollout(gpu(), &sub, &params, &init, &spec, &mut no_progress).unwrap();
        let s1 = out.states[0].1[0]["grid"].to_f32();
        let mut worst = 0f32;
        let mut compared = 0;
        for i in 0..s0.len() {
            let target = s0[i] + want[i];
            if target > 1e-3 && target < 1.0 - 1e-3 {
                worst = worst.max(((s1[i] - s0[i]) - want[i]).abs());
                compared += 1;
            }
        }
        assert!(
            compared > s0.len() / 4,
            "{name}: only {compared} unclipped cells"
        );
        assert!(worst <= 1e-5 + 6e-8, "{name} GPU net vs net_out0: {worst}");
        let frame = max_abs_diff(&rgb_of(&out.frames), &fx.get("frame0").unwrap().to_f32());
        assert!(frame <= 0.5 / 255.0 + 1e-6, "{name} frame0: {frame}");
        eprintln!("{name} GPU net vs net_out0: {worst:e} over {compared} cells; frame0 {frame:e}");
        // The CPU render is the same copy, exact in float.
        let cpu = sub.render_cpu(&fx.state("state64").unwrap(), 224).unwrap();
        assert!(max_abs_diff(&cpu, &fx.get("frame64").unwrap().to_f32()) <= 1e-7);
    }
}

#[test]
fn nca_gpu_matches_twin_with_hash_masks() {
    // Two worlds per d on a 32² grid from the hash, 6 steps with the default p_drop 0.5: the
    // initial grids are identical bit for bit, the masks are drawn by the same hash, and the
    // network differs only by FMA contraction and summation order (~1e-7 per step). Both step
    // kernels: the tiled one (sides that are multiples of 4; 20² also ends in a partial strip of
    // rows and a partial workgroup) and the per-cell one (forced, and chosen for a 30² grid).
    for (d, size, tiled) in [
        (1u32, 32u32, true),
        (3, 32, true),
        (1, 20, true),
        (3, 20, true),
        (1, 32, false),
        (3, 32, false),
        (3, 30, true),
    ] {
        let sub = Nca::continuous(
            d,
            NcaConfig {
                grid_size: size,
                dt: 0.5,
                ..Default::default()
            },
        )
        .unwrap()
        .with_tiled_step(tiled);
        assert_eq!(sub.uses_tiled_step(), tiled && size % 4 == 0);
        let dim = sub.genome().dim();
        let genomes: Vec<f32> = (0..2 * dim)
            .map(|i| 0.5 * (i as f32 * 0.37).sin())
            .collect();
        let spec = RolloutSpec {
            steps: 6,
            frame_steps: vec![],
            frame_size: size,
            dump_steps: vec![0, 6],
        };
        let init = Init::Seed(11);
        let out = rollout(gpu(), &sub, &genomes, &init, &spec, &mut no_progress).unwrap();
        for w in 0..2 {
            let cpu = sub
                .cpu_rollout(&genomes[w * dim..(w + 1) * dim], &init, w as u32, &[0, 6])
                .unwrap();
            assert_eq!(
                out.states[0].1[w], cpu[0],
                "d={d} world {w}: initial grids differ"
            );
            let diff = max_abs_diff(
                &out.states[1].1[w]["grid"].to_f32(),
                &cpu[1]["grid"].to_f32(),
            );
            assert!(diff < 1e-5, "d={d} {size}² tiled {tiled} world {w}: {diff}");
            let moved = max_abs_diff(&cpu[0]["grid"].to_f32(), &cpu[1]["grid"].to_f32());
            assert!(moved > 1e-3, "the test genome should change the grid");
        }
    }
}

#[test]
fn nca_masks_keep_half_the_cells() {
    // p_keep 0.5 over 128² cells: the fraction has standard error 0.004, so ±0.02 is 5σ.
    let mask = twin::nca_mask(5, 0, 1, N, 0.5);
    let kept = mask.iter().map(|&m| f64::from(m)).sum::<f64>() / (N * N) as f64;
    assert!((kept - 0.5).abs() < 0.02, "{kept}");
    assert_ne!(
        mask,
        twin::nca_mask(5, 0, 2, N, 0.5),
        "masks must change every step"
    );
}

#[test]
fn dnca_twin_matches_the_original_logits_and_states() {
    // Logits on state0 and state1 within the README's 1e-5 (they are O(0.1–2)). Teacher forced,
    // argmax(logits(state_t)) agrees with the original's state_{t+1} on ≥ 99% of the cells for
    // every t < 64: the original samples with Gumbel noise at temperature 1e-3, which flips
    // near-tie cells (measured 0.62% at most, 0.50% on average).
    let fx = asal_fixture("dnca");
    let sub = dnca();
    let params = fx.get("params").unwrap().to_f32();
    let all = fx.get("states_all").unwrap().to_f32();
    let grid_at = |t: usize| -> Vec<u32> {
        all[t * N * N..(t + 1) * N * N]
            .iter()
            .map(|&v| v as u32)
            .collect()
    };
    let mut logit_diffs = Vec::new();
    for t in [0usize, 1] {
        let logits = twin::dnca_logits(&params, sub.net(), N, &grid_at(t));
        let diff = max_abs_diff(
            &logits,
            &fx.get(&format!("dnca.logits{t}")).unwrap().to_f32(),
        );
        assert!(diff <= 1e-5, "logits{t}: {diff}");
        logit_diffs.push(diff);
    }
    let sampling = twin::DncaSampling {
        identity_bias: 0.0,
        temperature: 1e-3,
        gumbel: None,
    };
    let mut worst = 0f64;
    for t in 0..64 {
        let next = twin::dnca_step(&params, sub.net(), N, &grid_at(t), &sampling);
        let want = grid_at(t + 1);
        let differ = next.iter().zip(&want).filter(|(a, b)| a != b).count() as f64 / (N * N) as f64;
        worst = worst.max(differ);
    }
    assert!(worst <= 0.01, "argmax vs the original's samples: {worst}");
    eprintln!("dnca CPU twin: logits0/1 max diff {logit_diffs:?}; worst per-step mismatch {worst}");
}

#[test]
fn dnca_gpu_matches_the_original_and_the_twin() {
    // Teacher forced on the GPU: four worlds start from the original's states 0, 1, 10 and 63
    // and take one argmax step; each agrees with the original's next state on ≥ 99% of the cells
    // and with the CPU twin everywhere but exact float ties (allowed: 0.1%). Frames of the
    // palette are exact bytes.
    let fx = asal_fixture("dnca");
    let sub = dnca();
    let params = fx.get("params").unwrap().to_f32();
    let all = fx.get("states_all").unwrap().to_f32();
    let starts = [0usize, 1, 10, 63];
    let states: Vec<State> = starts
        .iter()
        .map(|&t| grid_state(&[N, N, 1], all[t * N * N..(t + 1) * N * N].to_vec()))
        .collect();
    let genomes: Vec<f32> = starts.iter().flat_map(|_| params.clone()).collect();
    let spec = RolloutSpec {
        steps: 1,
        frame_steps: vec![0],
        frame_size: 224,
        dump_steps: vec![1],
    };
    let init = Init::States(states);
    let out = rollout(gpu(), &sub, &genomes, &init, &spec, &mut no_progress).unwrap();
    for (w, &t) in starts.iter().enumerate() {
        let got = out.states[0].1[w]["grid"].to_f32();
        let want = &all[(t + 1) * N * N..(t + 2) * N * N];
        let differ = got.iter().zip(want).filter(|(a, b)| a != b).count() as f64 / (N * N) as f64;
        assert!(
            differ <= 0.01,
            "from state{t}: {differ} of cells differ from the original"
        );
        let cpu = sub.cpu_rollout(&params, &init, w as u32, &[1]).unwrap();
        let cpu_grid = cpu[0]["grid"].to_f32();
        let vs_twin =
            got.iter().zip(&cpu_grid).filter(|(a, b)| a != b).count() as f64 / (N * N) as f64;
        assert!(
            vs_twin <= 0.001,
            "from state{t}: {vs_twin} of cells differ from the twin"
        );
        eprintln!("dnca GPU from state{t}: {differ:.5} vs original, {vs_twin:.5} vs twin");
    }
    let frame0 = rgb_of(&out.frames[..224 * 224 * 4]);
    assert_eq!(frame0, fx.get("frame0").unwrap().to_f32(), "frame0");
}

#[test]
fn dnca_initial_states_follow_the_init_logits() {
    // GPU and twin draw the same grid bit for bit; the state histogram follows softmax(init)
    // (16384 cells: the standard error of a frequency is ≤ 0.004, so 0.02 is 5σ).
    let sub = Nca::discrete(DncaConfig {
        grid_size: 128,
        sampling: Sampling::Gumbel,
        ..Default::default()
    })
    .unwrap();
    let mut genome = vec![0f32; 588];
    let init_logits = [2.0f32, 1.0, 0.0, -1.0, 0.5, -3.0, 1.5, 0.0];
    genome[..8].copy_from_slice(&init_logits);
    let spec = RolloutSpec {
        steps: 0,
        frame_steps: vec![],
        frame_size: 32,
        dump_steps: vec![0],
    };
    let out = rollout(
        gpu(),
        &sub,
        &genome,
        &Init::Seed(4),
        &spec,
        &mut no_progress,
    )
    .unwrap();
    let cpu = sub.cpu_rollout(&genome, &Init::Seed(4), 0, &[0]).unwrap();
    assert_eq!(out.states[0].1[0], cpu[0]);
    let grid = cpu[0]["grid"].to_i32();
    let total: f32 = init_logits.iter().map(|l| l.exp()).sum();
    for (k, l) in init_logits.iter().enumerate() {
        let freq = grid.iter().filter(|&&s| s == k as i32).count() as f32 / grid.len() as f32;
        assert!((freq - l.exp() / total).abs() < 0.02, "state {k}: {freq}");
    }
}

#[test]
fn dnca_gumbel_sampling_matches_the_twin() {
    // With Gumbel noise from the hash the GPU and the twin draw the same noise; only log()
    // rounding differs, which can flip a cell only where two noisy logits tie to ~1e-7·1e3.
    // Both step kernels: tiled (sides that are multiples of 4; 20² ends in a partial strip of
    // rows) and per-cell (forced, and 30²).
    for (size, tiled) in [(32u32, true), (20, true), (32, false), (30, true)] {
        let sub = Nca::discrete(DncaConfig {
            grid_size: size,
            temperature: 0.5,
            sampling: Sampling::Gumbel,
            ..Default::default()
        })
        .unwrap()
        .with_tiled_step(tiled);
        assert_eq!(sub.uses_tiled_step(), tiled && size % 4 == 0);
        let genome: Vec<f32> = (0..588).map(|i| 0.4 * (i as f32 * 0.61).cos()).collect();
        let spec = RolloutSpec {
            steps: 3,
            frame_steps: vec![],
            frame_size: 32,
            dump_steps: vec![3],
        };
        let out = rollout(
            gpu(),
            &sub,
            &genome,
            &Init::Seed(9),
            &spec,
            &mut no_progress,
        )
        .unwrap();
        let cpu = sub.cpu_rollout(&genome, &Init::Seed(9), 0, &[3]).unwrap();
        let got = out.states[0].1[0]["grid"].to_i32();
        let want = cpu[0]["grid"].to_i32();
        let differ = got.iter().zip(&want).filter(|(a, b)| a != b).count();
        assert!(differ <= 2, "{size}² tiled {tiled}: {differ} cells differ");
    }
}

#[test]
fn private_network_copy_gives_the_workgroup_kernels_results_bit_for_bit() {
    // The tiled kernels read the network from a per-invocation private copy by default and from
    // workgroup memory when asked (the DNCA's Conv_0 then picks single-tap table entries by
    // selects instead of looking up pair sums, adding them in the pairs' order); the arithmetic
    // and its order are the same, so two worlds with different genomes must agree bit for bit
    // after 8 steps (the other tests hold the default against the twin and the original's
    // fixtures). DNCA with both samplings: Gumbel adds the hash noise path.
    let continuous = |channels: u32| -> Box<dyn Fn() -> Nca> {
        Box::new(move || {
            Nca::continuous(
                channels,
                NcaConfig {
                    grid_size: 32,
                    dt: 0.5,
                    ..Default::default()
                },
            )
            .unwrap()
        })
    };
    let cases: Vec<(String, Box<dyn Fn() -> Nca>)> = vec![
        ("nca_d1".into(), continuous(1)),
        ("nca_d3".into(), continuous(3)),
        (
            "dnca argmax".into(),
            Box::new(|| {
                Nca::discrete(DncaConfig {
                    grid_size: 32,
                    ..Default::default()
                })
                .unwrap()
            }),
        ),
        (
            "dnca gumbel".into(),
            Box::new(|| {
                Nca::discrete(DncaConfig {
                    grid_size: 32,
                    temperature: 0.5,
                    sampling: Sampling::Gumbel,
                    ..Default::default()
                })
                .unwrap()
            }),
        ),
    ];
    let spec = RolloutSpec {
        steps: 8,
        frame_steps: vec![],
        frame_size: 32,
        dump_steps: vec![0, 8],
    };
    for (name, make) in &cases {
        let dim = make().genome().dim();
        let genomes: Vec<f32> = (0..2 * dim)
            .map(|i| 0.5 * (i as f32 * 0.37).sin())
            .collect();
        let run = |private: bool| {
            let sub = make().with_private_network(private);
            assert!(sub.uses_tiled_step());
            rollout(
                gpu(),
                &sub,
                &genomes,
                &Init::Seed(5),
                &spec,
                &mut no_progress,
            )
            .unwrap()
        };
        let (private, shared) = (run(true), run(false));
        for w in 0..2 {
            assert_eq!(
                private.states[1].1[w], shared.states[1].1[w],
                "{name} world {w}: private and workgroup network differ"
            );
            assert_ne!(
                private.states[0].1[w], private.states[1].1[w],
                "{name} world {w}: the test genome should change the grid"
            );
        }
    }
}

#[test]
fn long_random_rollouts_stay_valid() {
    // 300 steps of random networks on 32² grids: NCA cells stay in [0, 1], DNCA states in 0..8.
    let spec = RolloutSpec {
        steps: 300,
        frame_steps: vec![300],
        frame_size: 32,
        dump_steps: vec![300],
    };
    for sub in [
        Nca::continuous(
            3,
            NcaConfig {
                grid_size: 32,
                dt: 0.3,
                ..Default::default()
            },
        )
        .unwrap(),
        Nca::discrete(DncaConfig {
            grid_size: 32,
            ..Default::default()
        })
        .unwrap(),
    ] {
        let dim = sub.genome().dim();
        let genomes: Vec<f32> = (0..3 * dim)
            .map(|i| 3.0 * (i as f32 * 1.37).sin())
            .collect();
        let out = rollout(
            gpu(),
            &sub,
            &genomes,
            &Init::Seed(1),
            &spec,
            &mut no_progress,
        )
        .unwrap();
        for s in &out.states[0].1 {
            let v = s["grid"].to_f32();
            let ok = if sub.name() == "dnca" {
                v.iter()
                    .all(|&x| (0.0..8.0).contains(&x) && x.fract() == 0.0)
            } else {
                v.iter().all(|x| (0.0..=1.0).contains(x))
            };
            assert!(ok, "{}: out of range", sub.name());
        }
    }
}

#[test]
fn bad_input_is_an_error() {
    let g = gpu();
    let spec = RolloutSpec {
        steps: 1,
        frame_steps: vec![],
        frame_size: 32,
        dump_steps: vec![],
    };
    let d1 = nca(1);
    let short = err(rollout(
        g,
        &d1,
        &[0.0; 208],
        &Init::Seed(0),
        &spec,
        &mut no_progress,
    ));
    assert!(short.contains("209"), "{short}");
    let mut nan = vec![0f32; 209];
    nan[3] = f32::INFINITY;
    assert!(
        err(rollout(
            g,
            &d1,
            &nan,
            &Init::Seed(0),
            &spec,
            &mut no_progress
        ))
        .contains("finite")
    );
    let wrong_shape = Init::States(vec![grid_state(&[N, N, 3], vec![0.5; N * N * 3])]);
    let shape = err(d1.cpu_rollout(&[0.0; 209], &wrong_shape, 0, &[1]));
    assert!(shape.contains("[128, 128, 1]"), "{shape}");
    let out_of_range = Init::States(vec![grid_state(&[N, N, 1], vec![2.0; N * N])]);
    assert!(err(d1.cpu_rollout(&[0.0; 209], &out_of_range, 0, &[1])).contains("[0, 1]"));
    let d = dnca();
    let bad_state = Init::States(vec![grid_state(&[N, N, 1], vec![8.0; N * N])]);
    let state = err(rollout(
        g,
        &d,
        &[0.0; 588],
        &bad_state,
        &spec,
        &mut no_progress,
    ));
    assert!(state.contains("[0, 8)"), "{state}");
    let half = Init::States(vec![grid_state(&[N, N, 1], vec![0.5; N * N])]);
    assert!(err(d.cpu_rollout(&[0.0; 588], &half, 0, &[1])).contains("integers"));
}

#[test]
fn params_struct_matches_its_wgsl_mirror() {
    use std::mem::offset_of;
    let fields = [
        ("size", offset_of!(NcaParams, size)),
        ("channels", offset_of!(NcaParams, channels)),
        ("worlds", offset_of!(NcaParams, worlds)),
        ("seed", offset_of!(NcaParams, seed)),
        ("first_world", offset_of!(NcaParams, first_world)),
        ("genome_len", offset_of!(NcaParams, genome_len)),
        ("net_offset", offset_of!(NcaParams, net_offset)),
        ("gumbel", offset_of!(NcaParams, gumbel)),
        ("p_keep", offset_of!(NcaParams, p_keep)),
        ("dt", offset_of!(NcaParams, dt)),
        ("identity_bias", offset_of!(NcaParams, identity_bias)),
        ("temperature", offset_of!(NcaParams, temperature)),
    ];
    for shader in [
        "nca_init",
        "nca_step",
        "nca_tile",
        "nca_render",
        "dnca_init",
        "dnca_step",
        "dnca_tile",
        "dnca_render",
    ] {
        check_layout::<NcaParams>(shader, "NcaParams", &fields);
    }
}

/// The message of an expected error.
fn err<T>(r: Result<T, asal_substrates::Error>) -> String {
    r.err().map(|e| e.to_string()).unwrap()
}
