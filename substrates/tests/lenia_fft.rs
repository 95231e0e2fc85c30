//! Lenia's FFT path: the FFT kernels against an f64 DFT, the whole path against the original's
//! trajectory and against the direct path, and the choice between the two.

#![allow(clippy::unwrap_used, reason = "a test fails loudly on any error")]

mod common;

use asal_substrates::lenia::{FftKernels, Lenia, gpu_forward_fft};
use asal_substrates::substrate::{Init, RolloutSpec, Substrate, rollout};
use common::{asal_fixture, gpu, max_abs_diff};

fn no_progress(_: u64) {}

/// ASAL's 5N7KKM with `config` fields replaced.
fn asal_with(fields: &[(&str, serde_json::Value)]) -> asal_substrates::Result<Lenia> {
    let mut value: serde_json::Value =
        serde_json::from_str(asal_substrates::lenia::AQUARIUM_5N7KKM).unwrap();
    for (k, v) in fields {
        value["config"][*k] = v.clone();
    }
    Lenia::from_creature_json(&value.to_string(), std::path::Path::new("5N7KKM.json"))
}

/// A deterministic pseudo-random sequence in [0, 1).
fn noise(len: usize, seed: u64) -> Vec<f32> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 40) as f32 / (1u64 << 24) as f32
        })
        .collect()
}

/// f64 2-D DFT of one real n×n plane, as (re, im), by rows then columns.
fn dft2(plane: &[f32], n: usize) -> Vec<(f64, f64)> {
    let tau = std::f64::consts::TAU;
    let cs: Vec<(f64, f64)> = (0..n)
        .map(|k| {
            (
                (tau * k as f64 / n as f64).cos(),
                (tau * k as f64 / n as f64).sin(),
            )
        })
        .collect();
    let line = |get: &dyn Fn(usize) -> (f64, f64), k: usize| {
        (0..n).fold((0.0, 0.0), |(re, im), j| {
            let (x, y) = get(j);
            let (c, s) = cs[(j * k) % n];
            // (x + iy)(c − is)
            (re + x * c + y * s, im + y * c - x * s)
        })
    };
    let mut rows = vec![(0.0, 0.0); n * n];
    for y in 0..n {
        for kx in 0..n {
            rows[y * n + kx] = line(&|j| (f64::from(plane[y * n + j]), 0.0), kx);
        }
    }
    let mut out = vec![(0.0, 0.0); n * n];
    for kx in 0..n {
        for ky in 0..n {
            out[ky * n + kx] = line(&|j| rows[j * n + kx], ky);
        }
    }
    out
}

#[test]
fn fft_kernels_match_an_f64_dft() {
    // Random planes in [0, 1), two per size, all in one dispatch. Each of the log2 N = 2·log2 n
    // butterfly stages rounds once (ε = 2^-24 per operation, plus the twiddles' own rounding), so
    // (Higham, Accuracy and Stability, §24.1) the error vector's L2 norm is O(log2 N·ε)·‖X‖₂ =
    // O(log2 N·ε·√N)·‖x‖₂: the RMS error per output is bounded by 2·log2(N)·ε·‖x‖₂ (≈1e-4 at
    // n = 64), and each output, a sum of N terms |x_j|, by log2(N)·ε·‖x‖₁ in the worst case.
    for n in [8usize, 64, 128, 256] {
        let planes = noise(2 * n * n, n as u64);
        let got = gpu_forward_fft(gpu(), FftKernels::Lane, n as u32, &planes, 1).unwrap();
        let log2 = 2.0 * (n as f64).log2();
        let eps = f64::from(f32::EPSILON) / 2.0;
        for (p, plane) in planes.chunks_exact(n * n).enumerate() {
            let l2 = plane
                .iter()
                .map(|v| f64::from(*v).powi(2))
                .sum::<f64>()
                .sqrt();
            let l1 = plane.iter().map(|v| f64::from(*v)).sum::<f64>();
            let want = dft2(plane, n);
            let errors: Vec<f64> = want
                .iter()
                .zip(&got[p * n * n..(p + 1) * n * n])
                .map(|(w, g)| (w.0 - f64::from(g[0])).hypot(w.1 - f64::from(g[1])))
                .collect();
            let worst = errors.iter().copied().fold(0.0, f64::max);
            let rms = (errors.iter().map(|e| e * e).sum::<f64>() / errors.len() as f64).sqrt();
            let (rms_tol, max_tol) = (2.0 * log2 * eps * l2, log2 * eps * l1);
            eprintln!(
                "n = {n}, plane {p}: rms error {rms:.2e} (bound {rms_tol:.2e}), max {worst:.2e} (bound {max_tol:.2e})"
            );
            assert!(rms < rms_tol, "n = {n}: rms {rms} ≥ {rms_tol}");
            assert!(worst < max_tol, "n = {n}: max {worst} ≥ {max_tol}");
        }
    }
}

#[test]
fn generated_lane_kernels_validate_for_every_side() {
    // The lane kernels exist only as bundled source + generated transform, one per world side,
    // so they are validated here rather than through shaders::ALL.
    for n in (1..=8).map(|p| 1u32 << p) {
        for (name, source, entry) in asal_substrates::shaders::lenia_fft_lane_sources(n) {
            let module = naga::front::wgsl::parse_str(&source)
                .unwrap_or_else(|e| panic!("{name}: {}", e.emit_to_string(&source)));
            naga::valid::Validator::new(
                naga::valid::ValidationFlags::all(),
                naga::valid::Capabilities::all(),
            )
            .validate(&module)
            .unwrap_or_else(|e| panic!("{name}: {}", e.emit_to_string(&source)));
            assert!(
                module.entry_points.iter().any(|e| e.name == entry),
                "{name}: no entry point {entry}"
            );
            assert!(
                source.contains(&format!("const LINE: u32 = {n}u;")),
                "{name}: line length not set"
            );
        }
    }
}

#[test]
fn lane_kernels_equal_the_workgroup_kernels() {
    // Radix 4 (lane) and radix 2 (workgroup) round differently, but each output of either is
    // within log2(N)·ε·‖x‖₁ of the exact DFT (see fft_kernels_match_an_f64_dft, one dimension
    // of N = n points per pass, two passes), and ‖x‖₁ is the DC term, the largest magnitude
    // here (inputs ≥ 0): 2·log2(n)·ε·scale bounds their difference and is far below any
    // indexing or twiddle mistake (those move outputs by O(|X|)).
    for n in [8u32, 32, 128, 256] {
        let planes = noise(2 * (n * n) as usize, u64::from(n) + 7);
        let lane = gpu_forward_fft(gpu(), FftKernels::Lane, n, &planes, 1).unwrap();
        let group = gpu_forward_fft(gpu(), FftKernels::Workgroup, n, &planes, 1).unwrap();
        let scale = group
            .iter()
            .map(|z| z[0].abs().max(z[1].abs()))
            .fold(0f32, f32::max);
        let worst = lane
            .iter()
            .zip(&group)
            .map(|(a, b)| (a[0] - b[0]).abs().max((a[1] - b[1]).abs()))
            .fold(0f32, f32::max);
        eprintln!("n = {n}: lane vs workgroup max diff {worst:.3e} (scale {scale:.3e})");
        let tol = 2.0 * (n as f32).log2() * f32::EPSILON * scale;
        assert!(worst <= tol, "n = {n}: {worst} > {tol}");
    }
}

#[test]
fn lane_and_workgroup_steps_agree() {
    // Whole FFT steps (roll, forward, kernel products, inverse, growth) of two perturbed worlds
    // through both implementations: equal up to the FFTs' rounding above (~1e-7 of the
    // potentials per step, amplified by the growth's slope as in fft_path_matches_the_direct_path),
    // within the 1e-5 budget the fixtures allow at steps 1-2, after 6 steps with the camera on.
    let fft = asal_with(&[("convolution", "fft".into())]).unwrap();
    let d = fft.genome().dim();
    let mut genomes = vec![0f32; 2 * d];
    for (i, g) in genomes.iter_mut().enumerate() {
        *g = 0.3 * ((i as f32) * 0.377).cos();
    }
    let spec = RolloutSpec {
        steps: 6,
        frame_steps: vec![],
        frame_size: 64,
        dump_steps: vec![6],
    };
    let run = |kernels: FftKernels| {
        let lenia = asal_with(&[("convolution", "fft".into())])
            .unwrap()
            .with_fft_kernels(kernels);
        rollout(
            gpu(),
            &lenia,
            &genomes,
            &Init::Seed(3),
            &spec,
            &mut no_progress,
        )
        .unwrap()
        .states
    };
    let (lane, group) = (run(FftKernels::Lane), run(FftKernels::Workgroup));
    for w in 0..2 {
        let diff = max_abs_diff(
            &lane[0].1[w]["world"].to_f32(),
            &group[0].1[w]["world"].to_f32(),
        );
        eprintln!("world {w}: lane vs workgroup {diff:.3e}");
        assert!(diff < 1e-5, "world {w}: {diff}");
        assert_eq!(lane[0].1[w]["total_shift"], group[0].1[w]["total_shift"]);
    }
}

#[test]
fn convolution_choice_and_override() {
    // ASAL's 15 kernels at 128²: ~6900 taps per cell against ~11 transforms, FFT by far.
    assert!(asal_with(&[]).unwrap().uses_fft());
    assert!(
        !asal_with(&[("convolution", "direct".into())])
            .unwrap()
            .uses_fft()
    );
    assert!(
        asal_with(&[("convolution", "fft".into())])
            .unwrap()
            .uses_fft()
    );
    // A side that is not a power of two: auto falls back to direct, "fft" is refused by name.
    let odd = asal_with(&[("size", 96.into())]).unwrap();
    assert!(!odd.uses_fft());
    let err = asal_with(&[("size", 96.into()), ("convolution", "fft".into())])
        .unwrap_err()
        .to_string();
    assert!(err.contains("power-of-two") && err.contains("96"), "{err}");
    let err = asal_with(&[("convolution", "fast".into())])
        .unwrap_err()
        .to_string();
    assert!(err.contains("fast"), "{err}");
    // Sides over the FFT kernels' line length fall back too.
    assert!(!asal_with(&[("size", 1024.into())]).unwrap().uses_fft());
}

#[test]
fn fft_path_follows_the_original_trajectory() {
    // The fixture test of tests/lenia.rs, forced through the FFT: the same budget (the original
    // itself is an FFT Lenia; its f32-vs-f64 gap is 6e-7, 1e-6, 4e-6 and 4.2e-5 at steps 1, 2,
    // 10 and 64) and the same exact camera shifts.
    let fx = asal_fixture("lenia");
    let lenia = asal_with(&[("convolution", "fft".into())]).unwrap();
    let params = fx.get("params").unwrap().to_f32();
    let init = Init::States(vec![fx.state("state0").unwrap()]);
    let spec = RolloutSpec {
        steps: 64,
        frame_steps: vec![],
        frame_size: 64,
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
        eprintln!("state{t}: max diff {diff:.3e}");
        assert!(diff < tol, "state{t}: max diff {diff} ≥ {tol}");
        for field in ["last_shift", "total_shift"] {
            assert_eq!(
                s[field].to_i32(),
                fx.get(&format!("state{t}.{field}")).unwrap().to_i32(),
                "state{t}.{field}"
            );
        }
    }
}

#[test]
fn fft_path_matches_the_direct_path() {
    // A perturbed genome, two worlds, 4 steps, both paths on the GPU. The potentials differ by
    // the FFT's rounding, ~log2(n²)·ε·|U| ≈ 1e-7 per step; the growth's slope (up to ~1/s, s ≈
    // 0.1–0.3 here) times dt = 0.5 and a sum over up to 5 kernels per channel amplify that to a
    // few 1e-6 per step: 2e-5 after 4 steps leaves room without hiding a wrong kernel or roll
    // (those differ by ≥ 1e-2).
    let direct = asal_with(&[("convolution", "direct".into())]).unwrap();
    let fft = asal_with(&[("convolution", "fft".into())]).unwrap();
    let d = fft.genome().dim();
    let mut genomes = vec![0f32; 2 * d];
    for (i, g) in genomes.iter_mut().enumerate() {
        *g = 0.3 * ((i as f32) * 0.618).sin();
    }
    let spec = RolloutSpec {
        steps: 4,
        frame_steps: vec![],
        frame_size: 64,
        dump_steps: vec![4],
    };
    let run = |l: &Lenia| {
        rollout(gpu(), l, &genomes, &Init::Seed(0), &spec, &mut no_progress)
            .unwrap()
            .states
    };
    let (a, b) = (run(&direct), run(&fft));
    for w in 0..2 {
        let diff = max_abs_diff(&a[0].1[w]["world"].to_f32(), &b[0].1[w]["world"].to_f32());
        eprintln!("world {w}: FFT vs direct {diff:.3e}");
        assert!(diff < 2e-5, "world {w}: {diff}");
        assert_eq!(a[0].1[w]["total_shift"], b[0].1[w]["total_shift"]);
    }
}

#[test]
#[ignore = "a measurement for the benchmark report, not a check: cargo test --test lenia_fft -- --ignored --nocapture"]
fn bare_fft_throughput() {
    // What bounds the FFT path: forward 2-D FFTs of 128² planes (row pass + column pass), timed
    // as many repeats in one submission, minus one repeat's time (submission and readback).
    let n = 128u32;
    for (kernels, planes) in [FftKernels::Workgroup, FftKernels::Lane]
        .into_iter()
        .flat_map(|k| [3usize, 11, 48].map(|p| (k, p)))
    {
        let data = noise(planes * (n * n) as usize, 1);
        let time = |repeats: u32| {
            let start = std::time::Instant::now();
            gpu_forward_fft(gpu(), kernels, n, &data, repeats).unwrap();
            start.elapsed().as_secs_f64()
        };
        time(1);
        let (one, many) = (time(1), time(21));
        let per = (many - one) / 20.0;
        eprintln!(
            "{kernels:?}: {planes} planes of 128²: {:.2} ms per batched 2-D FFT, {:.3} ms per plane, {:.1} MFLOP/s (5·N·log2 N)",
            per * 1e3,
            per * 1e3 / planes as f64,
            5.0 * f64::from(n * n) * 14.0 * planes as f64 / per / 1e6
        );
    }
}
