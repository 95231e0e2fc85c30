//! `cargo bench -p asal-fm --bench embed`: embedding throughput through the whole path (frames on
//! the GPU → preprocess → readback → embed) against bare inference, for the pixel model, the
//! committed tiny CLIP and a ViT-B/32-shaped model with random weights generated here by
//! `scripts/make_vit_b32.py` (needs Python with numpy and onnx: `$PYTHON`, else the project's
//! `.venv`, else `python3`; skipped with a note when none has them).
//!
//! Environment: `ASAL_BENCH_SECONDS` (per kind and model, default 3), `ASAL_BENCH_BATCH` (default
//! 32), `ASAL_EP` (execution provider, default cpu), `ASAL_ADAPTER` (GPU adapter).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use asal_fm::bench::embed_path;
use asal_fm::{ExecutionProvider, GpuPreprocessor, OnnxModel, OnnxOptions, PixelModel};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn env_or<T: std::str::FromStr>(key: &str, default: T) -> T {
    std::env::var(key)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Generates (once) the random ViT-B/32 under the target directory; `None` when Python lacks onnx.
fn vit_b32() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("vit-b32-random");
    if dir.join("onnx/vision_model.onnx").is_file() {
        return Some(dir);
    }
    let venv = repo().join(".venv/bin/python");
    let python = std::env::var("PYTHON")
        .ok()
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            if venv.is_file() {
                venv
            } else {
                PathBuf::from("python3")
            }
        });
    eprintln!("generating a random ViT-B/32 in {} ...", dir.display());
    let status = std::process::Command::new(&python)
        .arg(repo().join("scripts/make_vit_b32.py"))
        .arg(&dir)
        .status();
    match status {
        Ok(s) if s.success() => Some(dir),
        other => {
            eprintln!(
                "skipping ViT-B/32: {} scripts/make_vit_b32.py failed ({other:?}); it needs numpy and onnx",
                python.display()
            );
            None
        }
    }
}

fn open(dir: &Path, options: &OnnxOptions) -> Result<OnnxModel, asal_fm::FmError> {
    OnnxModel::open(dir, options)
}

fn main() -> ExitCode {
    // `cargo bench` passes `--bench`; a filter-free run is all this target supports.
    let seconds: f64 = env_or("ASAL_BENCH_SECONDS", 3.0);
    let batch: usize = env_or("ASAL_BENCH_BATCH", 32);
    let provider: ExecutionProvider = env_or("ASAL_EP", ExecutionProvider::Cpu);
    let gpu = match asal_substrates::Gpu::new(None) {
        Ok(g) => g,
        Err(e) => {
            eprintln!("embed bench needs a GPU adapter: {e}");
            return ExitCode::FAILURE;
        }
    };
    let pre = match GpuPreprocessor::new(&gpu) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    println!(
        "embed bench on {} · ort provider {provider} · batch {batch}",
        gpu.describe()
    );
    let options = OnnxOptions {
        provider,
        batch_size: batch,
        ..OnnxOptions::default()
    };
    let mut failed = false;
    let mut report = |r: Result<asal_fm::bench::EmbedBench, asal_fm::FmError>| match r {
        Ok(b) => println!("{b}"),
        Err(e) => {
            eprintln!("error: {e}");
            failed = true;
        }
    };
    report(embed_path(&pre, &PixelModel::new(), batch, 224, seconds));
    let tiny = repo().join("assets/test-models/tiny-clip");
    // The committed directory has a text tower but no tokenizer (tests add the fixture one); the
    // benchmark needs the image tower only, so it opens a copy holding just that.
    let tmp = std::env::temp_dir().join(format!("asal-bench-tiny-{}", std::process::id()));
    let tiny_ready = (|| -> std::io::Result<()> {
        std::fs::create_dir_all(tmp.join("onnx"))?;
        std::fs::copy(
            tiny.join("onnx/vision_model.onnx"),
            tmp.join("onnx/vision_model.onnx"),
        )?;
        std::fs::copy(
            tiny.join("preprocessor_config.json"),
            tmp.join("preprocessor_config.json"),
        )?;
        Ok(())
    })();
    match tiny_ready {
        Ok(()) => {
            report(open(&tmp, &options).and_then(|m| embed_path(&pre, &m, batch, 32, seconds)))
        }
        Err(e) => eprintln!("skipping the tiny model: {e}"),
    }
    let _ = std::fs::remove_dir_all(&tmp);
    if let Some(dir) = vit_b32() {
        report(open(&dir, &options).and_then(|m| embed_path(&pre, &m, batch, 224, seconds)));
    }
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
