//! The model registry against a local HTTP server that imitates the hub (tree API + resolve URLs).
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use asal_fm::FmError;
use asal_fm::registry::{ModelEntry, ModelStatus, Registry, sha256_file};
use sha2::Digest;

const REPO: &str = "test/tiny-model";

#[derive(Default)]
struct State {
    /// What the server sends for each repository path.
    files: HashMap<String, Vec<u8>>,
    /// The tree listing (sizes and LFS hashes of the *true* files).
    listing: String,
    /// One-shot: close the connection after this many body bytes of this path.
    drop_after: Option<(String, usize)>,
    /// (path, Range header) of every file request.
    log: Vec<(String, Option<String>)>,
}

struct Server {
    base: String,
    state: Arc<Mutex<State>>,
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn model_bytes() -> Vec<u8> {
    // 300 kB of deterministic, non-repeating content (several read buffers' worth).
    let mut x: u32 = 12345;
    (0..300_000)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            (x >> 24) as u8
        })
        .collect()
}

fn start_server() -> Server {
    start_server_with(vec![
        (
            "config.json".into(),
            br#"{"model_type": "test"}"#.to_vec(),
            false,
        ),
        ("onnx/model.onnx".into(), model_bytes(), true),
    ])
}

/// Serves `files` (path, content, stored in LFS?) as repository `REPO` at revision `main`.
fn start_server_with(files: Vec<(String, Vec<u8>, bool)>) -> Server {
    let mut listing = vec![
        serde_json::json!({"type": "directory", "path": "onnx", "oid": "89abcdef0123456789abcdef0123456789abcdef"}),
    ];
    for (path, data, lfs) in &files {
        // Non-LFS entries carry a git blob id (SHA-1), which is not a content SHA-256.
        let mut item = serde_json::json!({"type": "file", "path": path, "size": data.len(), "oid": "0123456789abcdef0123456789abcdef01234567"});
        if *lfs {
            item["lfs"] = serde_json::json!({"oid": hex(&sha2::Sha256::digest(data)), "size": data.len(), "pointerSize": 134});
        }
        listing.push(item);
    }
    let listing = serde_json::Value::Array(listing).to_string();
    let files: HashMap<String, Vec<u8>> = files.into_iter().map(|(p, d, _)| (p, d)).collect();
    let state = Arc::new(Mutex::new(State {
        files,
        listing,
        ..State::default()
    }));
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let st = state.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut request = String::new();
            let mut range = None;
            reader.read_line(&mut request).unwrap();
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap() == 0 || line == "\r\n" {
                    break;
                }
                if let Some((k, v)) = line.split_once(':')
                    && k.eq_ignore_ascii_case("range")
                {
                    range = Some(v.trim().to_string());
                }
            }
            let path = request.split_whitespace().nth(1).unwrap_or("/").to_string();
            let mut s = st.lock().unwrap();
            let tree = format!("/api/models/{REPO}/tree/main?recursive=1");
            let prefix = format!("/{REPO}/resolve/main/");
            if path == tree {
                let body = s.listing.clone();
                let head = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    body.len()
                );
                let _ = stream.write_all(head.as_bytes());
                let _ = stream.write_all(body.as_bytes());
            } else if let Some(file) = path.strip_prefix(&prefix) {
                s.log.push((file.to_string(), range.clone()));
                let Some(data) = s.files.get(file).cloned() else {
                    let _ = stream.write_all(
                        b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                    );
                    continue;
                };
                let start = range
                    .as_deref()
                    .and_then(|r| r.strip_prefix("bytes="))
                    .and_then(|r| r.trim_end_matches('-').parse::<usize>().ok())
                    .unwrap_or(0);
                let body = &data[start..];
                let head = if start > 0 {
                    format!(
                        "HTTP/1.1 206 Partial Content\r\nContent-Range: bytes {start}-{}/{}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                        data.len() - 1,
                        data.len(),
                        body.len()
                    )
                } else {
                    format!(
                        "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                        body.len()
                    )
                };
                let _ = stream.write_all(head.as_bytes());
                match s.drop_after.take() {
                    Some((p, n)) if p == file => {
                        // Announce the whole length, send part of it, then hang up.
                        let _ = stream.write_all(&body[..n]);
                        let _ = stream.flush();
                        let _ = stream.shutdown(std::net::Shutdown::Both);
                    }
                    other => {
                        s.drop_after = other;
                        let _ = stream.write_all(body);
                    }
                }
            } else {
                let _ = stream.write_all(
                    b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                );
            }
        }
    });
    Server { base, state }
}

#[test]
fn pulled_model_opens_by_name_and_embeds() {
    let root = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let tiny = root.join("../assets/test-models/tiny-clip");
    let read = |p: std::path::PathBuf| {
        std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
    };
    let tokenizer = root.join("../../shared/fixtures/clip/tokenizer.json");
    assert!(
        tokenizer.is_file(),
        "shared fixtures missing at {}",
        tokenizer.display()
    );
    let server = start_server_with(vec![
        (
            "onnx/vision_model.onnx".into(),
            read(tiny.join("onnx/vision_model.onnx")),
            true,
        ),
        (
            "onnx/text_model.onnx".into(),
            read(tiny.join("onnx/text_model.onnx")),
            true,
        ),
        ("tokenizer.json".into(), read(tokenizer), false),
        (
            "preprocessor_config.json".into(),
            read(tiny.join("preprocessor_config.json")),
            false,
        ),
    ]);
    let entry = ModelEntry {
        name: "tiny-clip".into(),
        repo: REPO.into(),
        revision: "main".into(),
        files: [
            "onnx/vision_model.onnx",
            "onnx/text_model.onnx",
            "tokenizer.json",
            "preprocessor_config.json",
        ]
        .map(String::from)
        .to_vec(),
        text: true,
        description: "test".into(),
    };
    let home = tempfile::tempdir().unwrap();
    let reg = Registry::new(home.path(), &server.base, vec![entry]);
    let err = asal_fm::open_model_in(&reg, "tiny-clip", &Default::default())
        .err()
        .unwrap();
    assert!(
        matches!(err, FmError::NotDownloaded { .. })
            && err.to_string().contains("asal models pull tiny-clip"),
        "{err}"
    );
    reg.pull("tiny-clip", &mut no_progress()).unwrap();
    let model = asal_fm::open_model_in(&reg, "tiny-clip", &Default::default()).unwrap();
    assert_eq!((model.name(), model.dim()), ("tiny-clip", 16));
    let t = model.embed_texts(&["a caterpillar".into()]).unwrap();
    assert!((t.iter().map(|v| v * v).sum::<f32>() - 1.0).abs() < 1e-5);
}

fn registry(home: &std::path::Path, server: &Server) -> Registry {
    let entry = ModelEntry {
        name: "tiny".into(),
        repo: REPO.into(),
        revision: "main".into(),
        files: vec!["onnx/model.onnx".into(), "config.json".into()],
        text: false,
        description: "test".into(),
    };
    Registry::new(home, &server.base, vec![entry])
}

fn no_progress() -> impl FnMut(asal_fm::registry::Progress<'_>) {
    |_| {}
}

#[test]
fn full_pull_lands_verified_files_and_a_manifest() {
    let server = start_server();
    let home = tempfile::tempdir().unwrap();
    let reg = registry(home.path(), &server);
    assert_eq!(reg.status("tiny").unwrap(), ModelStatus::Missing);
    assert!(matches!(
        reg.path("tiny"),
        Err(FmError::NotDownloaded { .. })
    ));

    let mut last = 0;
    let dir = reg.pull("tiny", &mut |p| last = p.done.max(last)).unwrap();
    assert_eq!(last, 300_000);
    assert_eq!(
        std::fs::read(dir.join("onnx/model.onnx")).unwrap(),
        model_bytes()
    );
    assert_eq!(
        std::fs::read(dir.join("config.json")).unwrap(),
        br#"{"model_type": "test"}"#
    );
    assert_eq!(reg.status("tiny").unwrap(), ModelStatus::Complete);
    assert_eq!(reg.path("tiny").unwrap(), dir);
    let manifest = reg.verify("tiny").unwrap();
    assert_eq!(manifest.files.len(), 2);
    assert!(
        manifest
            .files
            .iter()
            .any(|f| f.hub_hash && f.path == "onnx/model.onnx")
    );
    // No partial files are left behind.
    assert!(!home.path().join("partial/tiny").exists());

    // A second pull fetches nothing.
    let before = server.state.lock().unwrap().log.len();
    reg.pull("tiny", &mut no_progress()).unwrap();
    assert_eq!(server.state.lock().unwrap().log.len(), before);

    // Verify catches a corrupted file.
    let model = dir.join("onnx/model.onnx");
    let mut bytes = std::fs::read(&model).unwrap();
    bytes[1000] ^= 0xff;
    std::fs::write(&model, &bytes).unwrap();
    let err = reg.verify("tiny").unwrap_err();
    assert!(matches!(err, FmError::Integrity { .. }), "{err}");
    assert!(err.to_string().contains("sha256"));
}

#[test]
fn interrupted_pull_resumes_with_a_range_request() {
    let server = start_server();
    server.state.lock().unwrap().drop_after = Some(("onnx/model.onnx".into(), 100_000));
    let home = tempfile::tempdir().unwrap();
    let reg = registry(home.path(), &server);

    let err = reg.pull("tiny", &mut no_progress()).unwrap_err();
    assert!(matches!(err, FmError::Download { .. }), "{err}");
    let final_path = home.path().join("models/tiny/onnx/model.onnx");
    assert!(
        !final_path.exists(),
        "a half-written file reached the model folder"
    );
    let part = home.path().join("partial/tiny/onnx/model.onnx.part");
    assert_eq!(std::fs::metadata(&part).unwrap().len(), 100_000);
    assert_eq!(reg.status("tiny").unwrap(), ModelStatus::Partial);

    let dir = reg.pull("tiny", &mut no_progress()).unwrap();
    assert_eq!(
        sha256_file(&dir.join("onnx/model.onnx")).unwrap(),
        hex(&sha2::Sha256::digest(model_bytes()))
    );
    let log = server.state.lock().unwrap().log.clone();
    let model_requests: Vec<_> = log.iter().filter(|(p, _)| p == "onnx/model.onnx").collect();
    assert_eq!(model_requests.len(), 2);
    assert_eq!(model_requests[0].1, None);
    assert_eq!(model_requests[1].1.as_deref(), Some("bytes=100000-"));
    reg.verify("tiny").unwrap();
}

#[test]
fn checksum_mismatch_is_rejected_and_leaves_nothing_behind() {
    let server = start_server();
    {
        // Same size, different content: only the hash can tell.
        let mut s = server.state.lock().unwrap();
        let f = s.files.get_mut("onnx/model.onnx").unwrap();
        f[150_000] ^= 0x55;
    }
    let home = tempfile::tempdir().unwrap();
    let reg = registry(home.path(), &server);
    let err = reg.pull("tiny", &mut no_progress()).unwrap_err();
    assert!(matches!(err, FmError::Integrity { .. }), "{err}");
    assert!(err.to_string().contains("sha256"), "{err}");
    assert!(!home.path().join("models/tiny/onnx/model.onnx").exists());
    assert!(
        !home
            .path()
            .join("partial/tiny/onnx/model.onnx.part")
            .exists()
    );
    assert_ne!(reg.status("tiny").unwrap(), ModelStatus::Complete);
}

#[test]
fn unknown_names_and_missing_repository_files_are_clear_errors() {
    let server = start_server();
    let home = tempfile::tempdir().unwrap();
    let reg = registry(home.path(), &server);
    let err = reg.pull("nope", &mut no_progress()).unwrap_err();
    assert!(
        matches!(err, FmError::UnknownModel { .. }) && err.to_string().contains("tiny"),
        "{err}"
    );

    let entry = ModelEntry {
        files: vec!["onnx/absent.onnx".into()],
        ..reg.entry("tiny").unwrap().clone()
    };
    let reg = Registry::new(home.path(), &server.base, vec![entry]);
    let err = reg.pull("tiny", &mut no_progress()).unwrap_err();
    assert!(err.to_string().contains("absent.onnx"), "{err}");
}

#[test]
fn builtin_entries_cover_the_issue_models() {
    let names: Vec<String> = asal_fm::registry::builtin_entries()
        .into_iter()
        .map(|e| e.name)
        .collect();
    for want in [
        "clip-vit-b32",
        "clip-vit-b32-fp16",
        "clip-vit-b32-quantized",
        "clip-vit-l14",
        "dinov2-small",
        "dinov2-base",
    ] {
        assert!(names.iter().any(|n| n == want), "missing {want}");
    }
}
