//! Life-like CA: the bit-packed GPU kernel against its CPU twin, the original's fixtures and
//! known physics (glider, blinker, Gosper gun).

#![allow(clippy::unwrap_used, reason = "a test fails loudly on any error")]

mod common;

use asal_substrates::gol::{Gol, GolConfig, GolStart, Pattern, Rule};
use asal_substrates::substrate::{
    FrameSchedule, FrameTimes, Init, RolloutSpec, Substrate, rollout,
};
use asal_substrates::tensors::State;
use common::{asal_fixture, gpu};

fn grid(state: &State) -> Vec<i32> {
    state["grid"].to_i32()
}

fn no_progress(_: u64) {}

#[test]
fn gpu_matches_fixture_exactly() {
    // The original's B3/S23 rollout from its own state0: every recorded state and both frames
    // must match bit for bit (integer dynamics).
    let fx = asal_fixture("gol");
    let state0 = fx.state("state0").unwrap();
    let gol = Gol::new(GolConfig::default()).unwrap();
    let spec = RolloutSpec {
        steps: 64,
        frame_steps: vec![0, 64],
        frame_size: 224,
        dump_steps: vec![1, 2, 10, 64],
    };
    let out = rollout(
        gpu(),
        &gol,
        &[6152.0],
        &Init::States(vec![state0]),
        &spec,
        &mut no_progress,
    )
    .unwrap();
    for (t, states) in &out.states {
        let want = fx.get(&format!("state{t}.grid")).unwrap().to_i32();
        assert_eq!(grid(&states[0]), want, "state{t}");
    }
    for (slot, t) in [0, 64].iter().enumerate() {
        let want = fx.get(&format!("frame{t}")).unwrap().to_f32();
        let got = &out.frames[slot * 224 * 224 * 4..(slot + 1) * 224 * 224 * 4];
        for (i, px) in got.chunks_exact(4).enumerate() {
            for c in 0..3 {
                assert_eq!(
                    f32::from(px[c]) / 255.0,
                    want[i * 3 + c],
                    "frame{t} pixel {i} channel {c}"
                );
            }
            assert_eq!(px[3], 255);
        }
    }
}

#[test]
fn cpu_twin_matches_every_fixture_step() {
    let fx = asal_fixture("gol");
    let all = fx.get("states_all").unwrap();
    assert_eq!(all.shape, [65, 64, 64]);
    let all = all.to_i32();
    let gol = Gol::new(GolConfig::default()).unwrap();
    let steps: Vec<u32> = (0..=64).collect();
    let init = Init::States(vec![fx.state("state0").unwrap()]);
    let states = gol.cpu_rollout(&[6152.0], &init, 0, &steps).unwrap();
    for (t, s) in states.iter().enumerate() {
        assert_eq!(grid(s), all[t * 4096..(t + 1) * 4096], "step {t}");
    }
}

#[test]
fn gpu_matches_cpu_twin_on_random_rules_and_soups() {
    // Several rules (including B0 strobing ones) and sizes, seeded soups drawn on the GPU: the
    // GPU must reproduce the CPU's initial soup and every generation exactly, with every
    // multi-generation kernel: world per invocation (32, 64, 128), workgroup-resident (the same
    // sides with it forced off), and per-step dispatches (96).
    let rules = [6152.0, 7291.0, 2579.0, 133_519.0, 1.0, 262_143.0];
    for (size, lanes) in [
        (32, true),
        (64, true),
        (128, true),
        (32, false),
        (64, false),
        (96, true),
    ] {
        let gol = Gol::new(GolConfig {
            size,
            start: GolStart::Soup { p0: None },
        })
        .unwrap()
        .with_lanes_kernel(lanes);
        let spec = RolloutSpec {
            steps: 12,
            frame_steps: vec![],
            frame_size: 224,
            dump_steps: vec![0, 1, 5, 12],
        };
        let init = Init::Seed(42);
        let out = rollout(gpu(), &gol, &rules, &init, &spec, &mut no_progress).unwrap();
        for (w, &rule) in rules.iter().enumerate() {
            let cpu = gol
                .cpu_rollout(&[rule], &init, w as u32, &spec.dump_steps)
                .unwrap();
            for ((t, gpu_states), cpu_state) in out.states.iter().zip(&cpu) {
                assert_eq!(
                    grid(&gpu_states[w]),
                    grid(cpu_state),
                    "size {size} lanes {lanes} rule {rule} step {t}"
                );
            }
        }
        // Soups differ between worlds and have densities inside the original's p0 range.
        let first = grid(&out.states[0].1[0]);
        let second = grid(&out.states[0].1[1]);
        assert_ne!(first, second);
        let density = first.iter().sum::<i32>() as f32 / first.len() as f32;
        assert!((0.02..0.45).contains(&density), "density {density}");
    }
}

#[test]
fn batch_split_gives_identical_results() {
    // Cap the storage binding so only one world (two 512-byte grids plus frames) fits per
    // dispatch: the rollout must split into three batches and still give every world its own
    // soup (keyed by the global world index), exactly as the CPU twin draws it.
    let gol = Gol::new(GolConfig::default()).unwrap();
    let capped = gpu()
        .clone()
        .with_max_binding_size(gol.bytes_per_world() + 8 * 8 * 4 * 2);
    let spec = RolloutSpec {
        steps: 3,
        frame_steps: vec![0],
        frame_size: 8,
        dump_steps: vec![3],
    };
    let out = rollout(
        &capped,
        &gol,
        &[6152.0; 3],
        &Init::Seed(7),
        &spec,
        &mut no_progress,
    )
    .unwrap();
    for (w, state) in out.states[0].1.iter().enumerate() {
        let cpu = gol
            .cpu_rollout(&[6152.0], &Init::Seed(7), w as u32, &[3])
            .unwrap();
        assert_eq!(grid(state), grid(&cpu[0]), "world {w}");
    }
    assert_eq!(out.states[0].1.len(), 3);
    assert_eq!(out.frames.len(), 3 * 8 * 8 * 4);
}

fn live_cells(g: &[i32], n: usize) -> Vec<(usize, usize)> {
    (0..n * n)
        .filter(|&i| g[i] == 1)
        .map(|i| (i / n, i % n))
        .collect()
}

fn run_pattern(rle: &str, size: u32, steps: &[u32]) -> Vec<Vec<i32>> {
    let pattern = Pattern::parse_rle(rle).unwrap();
    let gol = Gol::new(GolConfig {
        size,
        start: GolStart::Pattern(pattern),
    })
    .unwrap();
    let spec = RolloutSpec {
        steps: *steps.iter().max().unwrap(),
        frame_steps: vec![],
        frame_size: 8,
        dump_steps: steps.to_vec(),
    };
    let out = rollout(
        gpu(),
        &gol,
        &[f32::from(Rule::CONWAY.code() as u16)],
        &Init::Seed(0),
        &spec,
        &mut no_progress,
    );
    out.unwrap()
        .states
        .into_iter()
        .map(|(_, s)| grid(&s[0]))
        .collect()
}

#[test]
fn glider_moves_one_cell_diagonally_every_four_generations() {
    let states = run_pattern("x = 3, y = 3\nbob$2bo$3o!", 32, &[0, 4, 8, 40]);
    let start = live_cells(&states[0], 32);
    for (k, s) in states.iter().enumerate().skip(1) {
        let shift = [0, 1, 2, 10][k];
        let moved: Vec<_> = start
            .iter()
            .map(|&(y, x)| ((y + shift) % 32, (x + shift) % 32))
            .collect();
        let mut got = live_cells(s, 32);
        let mut want = moved;
        got.sort_unstable();
        want.sort_unstable();
        assert_eq!(got, want, "after {} generations", shift * 4);
    }
}

#[test]
fn blinker_has_period_two() {
    let states = run_pattern("x = 3, y = 1\n3o!", 32, &[0, 1, 2, 3]);
    assert_ne!(states[0], states[1]);
    assert_eq!(states[0], states[2]);
    assert_eq!(states[1], states[3]);
}

#[test]
fn gosper_gun_emits_a_glider_every_30_generations() {
    // The gun's population has period 30 and each period adds one 5-cell glider, so while no
    // glider has reached the torus' edge (128 cells at c/4: well after 120 generations) the
    // population at t + 30 is exactly 5 more than at t.
    let gun = "x = 36, y = 9, rule = B3/S23\n24bo$22bobo$12b2o6b2o12b2o$11bo3bo4b2o12b2o$2o8bo5bo3b2o$2o8bo3bob2o4bobo$10bo5bo7bo$11bo3bo$12b2o!";
    let steps = [30, 60, 90, 120];
    let states = run_pattern(gun, 128, &steps);
    let pop: Vec<i32> = states.iter().map(|g| g.iter().sum()).collect();
    for w in pop.windows(2) {
        assert_eq!(w[1] - w[0], 5, "populations {pop:?}");
    }
}

#[test]
fn frame_schedules_render_the_right_steps() {
    // A blinker alternates, so both parities of a step differ and chunk ends land where asked.
    let pattern = Pattern::parse_rle("x = 3, y = 1\n3o!").unwrap();
    let gol = Gol::new(GolConfig {
        size: 32,
        start: GolStart::Pattern(pattern),
    })
    .unwrap();
    let schedule = FrameSchedule {
        times: FrameTimes::Steps(vec![4]),
        both_parities: true,
    };
    let frame_steps = schedule.resolve(8).unwrap();
    assert_eq!(frame_steps, [4, 5]);
    let spec = RolloutSpec {
        steps: 8,
        frame_steps,
        frame_size: 32,
        dump_steps: vec![],
    };
    let out = rollout(
        gpu(),
        &gol,
        &[6152.0],
        &Init::Seed(0),
        &spec,
        &mut no_progress,
    )
    .unwrap();
    let (a, b) = out.frames.split_at(32 * 32 * 4);
    assert_ne!(a, b, "the two parities of a blinker must differ");
    let white = |f: &[u8]| f.chunks_exact(4).filter(|p| p[0] == 255).count();
    assert_eq!(white(a), 3);
    assert_eq!(white(b), 3);
}
