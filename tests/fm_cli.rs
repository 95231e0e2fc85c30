//! End to end: `asal embed`, `asal tokenize`, `asal models` and the ONNX Runtime part of `asal info`,
//! run as the built binary on the committed tiny CLIP model and PNGs written here. Bad input must
//! give a clear message and a non-zero exit, never a panic.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn shared() -> PathBuf {
    let dir = repo().join("../shared");
    assert!(
        dir.join("fixtures/clip/tokenizer.json").is_file(),
        "shared fixtures not found at {} (the project's shared/ folder beside the checkout)",
        dir.display()
    );
    dir
}

/// Runs `asal` with `ASAL_HOME` in a temp dir (no user models leak in).
fn asal(home: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_asal"))
        .args(args)
        .env("ASAL_HOME", home)
        .env_remove("ORT_DYLIB_PATH")
        .env_remove("ASAL_EP")
        .output()
        .unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Fails unless the command failed cleanly: exit code 1, an `error:` line containing every
/// needle, and no panic.
fn assert_clean_failure(o: &Output, needles: &[&str]) {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(1), "expected exit 1, stderr:\n{err}");
    assert!(!err.contains("panicked"), "panic:\n{err}");
    assert!(err.contains("error:"), "{err}");
    for n in needles {
        assert!(err.contains(n), "missing `{n}` in:\n{err}");
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &to.join(e.file_name()));
        } else {
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
}

/// A temp dir with the tiny CLIP model (plus the fixture tokenizer) in `model/` and two PNGs.
struct Setup {
    tmp: tempfile::TempDir,
}

impl Setup {
    fn new() -> Self {
        let tmp = tempfile::tempdir().unwrap();
        let model = tmp.path().join("model");
        copy_dir(&repo().join("assets/test-models/tiny-clip"), &model);
        std::fs::copy(
            shared().join("fixtures/clip/tokenizer.json"),
            model.join("tokenizer.json"),
        )
        .unwrap();
        for (name, w, h) in [("a.png", 40, 30), ("b.png", 64, 64)] {
            let img = image::RgbaImage::from_fn(w, h, |x, y| {
                image::Rgba([(x * 7 + y * 3) as u8, (x * y) as u8, 128, 255])
            });
            img.save(tmp.path().join(name)).unwrap();
        }
        Self { tmp }
    }

    fn path(&self, p: &str) -> String {
        self.tmp.path().join(p).to_string_lossy().into_owned()
    }

    fn home(&self) -> PathBuf {
        self.tmp.path().join("home")
    }

    fn run(&self, args: &[&str]) -> Output {
        asal(&self.home(), args)
    }
}

/// (name, shape, f32 values) of every tensor in a safetensors file.
fn read_tensors(path: &str) -> Vec<(String, Vec<usize>, Vec<f32>)> {
    let bytes = std::fs::read(path).unwrap();
    let st = safetensors::SafeTensors::deserialize(&bytes).unwrap();
    let mut out: Vec<_> = st
        .tensors()
        .into_iter()
        .map(|(name, t)| {
            assert_eq!(t.dtype(), safetensors::Dtype::F32);
            let v = t
                .data()
                .chunks_exact(4)
                .map(|b| f32::from_le_bytes(b.try_into().unwrap()))
                .collect();
            (name, t.shape().to_vec(), v)
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

fn assert_unit_rows(v: &[f32], d: usize) {
    for row in v.chunks_exact(d) {
        let n: f64 = row
            .iter()
            .map(|x| f64::from(*x).powi(2))
            .sum::<f64>()
            .sqrt();
        assert!((n - 1.0).abs() < 1e-5, "row norm {n}");
    }
}

#[test]
fn embed_writes_unit_image_and_text_embeddings() {
    let s = Setup::new();
    let out = s.path("e.safetensors");
    let o = s.run(&[
        "embed",
        "--model",
        &s.path("model"),
        &s.path("a.png"),
        &s.path("b.png"),
        "--batch-size",
        "1",
        "--text",
        "a photo of a cat",
        "a caterpillar",
        "--out",
        &out,
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let t = read_tensors(&out);
    assert_eq!(t.len(), 2);
    assert_eq!(
        (t[0].0.as_str(), t[0].1.clone()),
        ("image_embeds", vec![2, 16])
    );
    assert_eq!(
        (t[1].0.as_str(), t[1].1.clone()),
        ("text_embeds", vec![2, 16])
    );
    assert_unit_rows(&t[0].2, 16);
    assert_unit_rows(&t[1].2, 16);

    // The pixel model needs no runtime files and no download.
    let out = s.path("p.safetensors");
    let o = s.run(&[
        "embed",
        "--model",
        "pixels",
        &s.path("a.png"),
        "--out",
        &out,
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let t = read_tensors(&out);
    assert_eq!(
        (t[0].0.as_str(), t[0].1.clone()),
        ("image_embeds", vec![1, 2352])
    );
    assert_unit_rows(&t[0].2, 2352);
}

#[test]
fn tokenize_prints_the_fixture_ids() {
    let s = Setup::new();
    let cases: serde_json::Value = serde_json::from_slice(
        &std::fs::read(shared().join("fixtures/clip/token_cases.json")).unwrap(),
    )
    .unwrap();
    let cases: Vec<(String, String)> = cases["cases"]
        .as_array()
        .unwrap()
        .iter()
        .take(4)
        .map(|c| {
            let ids: Vec<String> = c["input_ids"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i.as_i64().unwrap().to_string())
                .collect();
            (c["text"].as_str().unwrap().to_string(), ids.join(" "))
        })
        .collect();
    let mut args = vec!["tokenize", "--model"];
    let model = s.path("model");
    args.push(&model);
    args.extend(cases.iter().map(|(t, _)| t.as_str()));
    let o = s.run(&args);
    assert!(o.status.success(), "{}", stderr(&o));
    let stdout = String::from_utf8(o.stdout).unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    let want: Vec<&str> = cases.iter().map(|(_, ids)| ids.as_str()).collect();
    assert_eq!(lines, want);
}

#[test]
fn bad_model_input_fails_cleanly() {
    let s = Setup::new();
    let img = s.path("a.png");
    let out = s.path("x.safetensors");
    let embed = |model: &str, extra: &[&str]| {
        let mut args = vec!["embed", "--model", model, img.as_str()];
        args.extend_from_slice(extra);
        args.extend(["--out", out.as_str()]);
        s.run(&args)
    };

    // A model directory that does not exist.
    let missing = s.path("no-such-model");
    assert_clean_failure(&embed(&missing, &[]), &["no-such-model", "does not exist"]);
    // An unknown registry name.
    assert_clean_failure(
        &embed("clip-vit-b99", &[]),
        &["unknown model", "clip-vit-b32"],
    );
    // A known registry name that is not downloaded.
    assert_clean_failure(
        &embed("clip-vit-b32", &[]),
        &["asal models pull clip-vit-b32"],
    );
    // A directory without ONNX files.
    let empty = s.path("empty");
    std::fs::create_dir(&empty).unwrap();
    assert_clean_failure(
        &embed(&empty, &[]),
        &["no ONNX model found", "vision_model"],
    );
    // A corrupt (non-ONNX) file where the vision model should be.
    let corrupt = s.tmp.path().join("corrupt");
    copy_dir(&s.tmp.path().join("model"), &corrupt);
    std::fs::write(corrupt.join("onnx/vision_model.onnx"), b"this is not ONNX").unwrap();
    let o = embed(corrupt.to_str().unwrap(), &[]);
    assert_clean_failure(&o, &["cannot load ONNX model", "vision_model.onnx"]);
    // Text asked of image-only models: the pixel model and a vision tower alone.
    assert_clean_failure(&embed("pixels", &["--text", "a cat"]), &["images only"]);
    let vision_only = s.tmp.path().join("vision-only");
    std::fs::create_dir_all(vision_only.join("onnx")).unwrap();
    std::fs::copy(
        s.tmp.path().join("model/onnx/vision_model.onnx"),
        vision_only.join("onnx/vision_model.onnx"),
    )
    .unwrap();
    let o = embed(vision_only.to_str().unwrap(), &["--text", "a cat"]);
    assert_clean_failure(&o, &["images only"]);
    // An empty prompt.
    assert_clean_failure(
        &embed(&s.path("model"), &["--text", "  "]),
        &["prompt 0 is empty"],
    );
    let o = s.run(&["tokenize", "--model", &s.path("model"), "ok", ""]);
    assert_clean_failure(&o, &["prompt 1 is empty"]);
    // Bad options.
    assert_clean_failure(
        &embed(&s.path("model"), &["--ep", "vulkan"]),
        &["vulkan", "cpu, cuda"],
    );
    assert_clean_failure(
        &embed(&s.path("model"), &["--ep", "cuda"]),
        &["cuda", "--gpu"],
    );
    assert_clean_failure(
        &embed(&s.path("model"), &["--batch-size", "0"]),
        &["--batch-size"],
    );
    // A tokenizer that does not load.
    let bad_tok = s.tmp.path().join("bad-tokenizer");
    copy_dir(&s.tmp.path().join("model"), &bad_tok);
    std::fs::write(bad_tok.join("tokenizer.json"), b"{ not json").unwrap();
    let o = s.run(&["tokenize", "--model", bad_tok.to_str().unwrap(), "a cat"]);
    assert_clean_failure(&o, &["cannot load tokenizer", "tokenizer.json"]);
    assert_clean_failure(
        &s.run(&["tokenize", "--model", "pixels", "a"]),
        &["no tokenizer"],
    );
}

#[test]
fn bad_images_and_outputs_fail_cleanly() {
    let s = Setup::new();
    let out = s.path("x.safetensors");
    let not_png = s.path("not.png");
    std::fs::write(&not_png, b"plain text, not an image").unwrap();
    let o = s.run(&["embed", "--model", "pixels", &not_png, "--out", &out]);
    assert_clean_failure(&o, &["not.png"]);
    let missing = s.path("missing.png");
    let o = s.run(&["embed", "--model", "pixels", &missing, "--out", &out]);
    assert_clean_failure(&o, &["missing.png"]);
    let o = s.run(&["embed", "--model", "pixels", "--out", &out]);
    assert_clean_failure(&o, &["nothing to embed"]);
    let nowhere = s.path("no/such/dir/x.safetensors");
    let o = s.run(&[
        "embed",
        "--model",
        "pixels",
        &s.path("a.png"),
        "--out",
        &nowhere,
    ]);
    assert_clean_failure(&o, &["does not exist"]);
    assert!(
        !Path::new(&out).exists(),
        "a failed run left an output file"
    );
}

#[test]
fn missing_runtime_is_a_clear_error_and_info_still_reports_the_gpu() {
    let s = Setup::new();
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_asal"))
            .args(args)
            .env("ASAL_HOME", s.home())
            .env("ORT_DYLIB_PATH", s.path("nowhere/libonnxruntime.so"))
            .output()
            .unwrap()
    };
    let o = run(&[
        "embed",
        "--model",
        &s.path("model"),
        &s.path("a.png"),
        "--out",
        &s.path("x.safetensors"),
    ]);
    assert_clean_failure(
        &o,
        &[
            "ONNX Runtime was not found",
            "nowhere",
            "scripts/install-onnxruntime.sh",
        ],
    );
    // The pixel model does not need the runtime.
    let o = run(&[
        "embed",
        "--model",
        "pixels",
        &s.path("a.png"),
        "--out",
        &s.path("p.st"),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    // `asal info` reports the missing runtime and how to install it; a GPU failure (if any) is
    // the only thing that may fail the command.
    let o = run(&["info"]);
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(stdout.contains("onnx runtime: not available"), "{stdout}");
    assert!(stdout.contains("install-onnxruntime.sh"), "{stdout}");
}

#[test]
fn info_reports_the_runtime_and_models_list_pull_verify_path() {
    let s = Setup::new();
    let o = s.run(&["info"]);
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(stdout.contains("onnx runtime:"), "{stdout}");
    assert!(stdout.contains("version:"), "{stdout}");
    assert!(stdout.contains("providers:  cpu"), "{stdout}");

    let o = s.run(&["models", "list"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let stdout = String::from_utf8_lossy(&o.stdout);
    for name in [
        "pixels",
        "clip-vit-b32",
        "clip-vit-l14",
        "dinov2-small",
        "dinov2-base",
    ] {
        assert!(stdout.contains(name), "{stdout}");
    }
    assert_clean_failure(
        &s.run(&["models", "path", "clip-vit-b32"]),
        &["not downloaded"],
    );
    assert_clean_failure(
        &s.run(&["models", "verify", "clip-vit-b32"]),
        &["not downloaded"],
    );
    assert_clean_failure(&s.run(&["models", "pull", "nope"]), &["unknown model"]);
    // Pull against an unreachable mirror: a clear download error, nothing left in the models folder.
    let o = Command::new(env!("CARGO_BIN_EXE_asal"))
        .args(["models", "pull", "dinov2-small"])
        .env("ASAL_HOME", s.home())
        .env("ASAL_HF_MIRROR", "http://127.0.0.1:9")
        .output()
        .unwrap();
    assert_clean_failure(&o, &["dinov2-small", "ASAL_HF_MIRROR"]);
    assert!(
        !s.home()
            .join("models/dinov2-small/asal-manifest.json")
            .exists()
    );
}
