//! The search monitor: tailing `log.jsonl` written in pieces (partial and malformed lines, a
//! rewritten log), and real tiny searches run through the monitor (Life-like sweeps with the
//! pixel model on the GPU adapter at hand, lavapipe included): curves equal to the log the runner
//! wrote, status, best creature, stop and resume to the uninterrupted result, errors in the panel.
//! The panel is driven through `egui_kittest` by its labels.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use asal_search::run::{LogEntry, OpenMode, RunStore};
use asal_viewer::monitor::{
    FollowedRun, JobState, LogTail, MonitorAction, RunStatus, SearchMonitor, SearchRequest,
};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;

/// Generous for a tiny sweep on a busy 2-core machine with a software GPU.
const WAIT: Duration = Duration::from_secs(120);

fn entry(g: u64) -> LogEntry {
    LogEntry {
        generation: g,
        best_fitness: 0.5 - g as f32 * 0.01,
        mean_fitness: 0.7,
        best_so_far: 0.5 - g as f32 * 0.01,
        sigma: None,
        evaluated: 2,
        skipped: 0,
        frames: 16,
        embedded: 16,
        genomes_per_s: 10.0,
        frames_per_s: 80.0,
        seconds: BTreeMap::from([("evaluate".to_string(), 0.2)]),
    }
}

fn line(e: &LogEntry) -> String {
    format!("{}\n", serde_json::to_string(e).unwrap())
}

fn append(path: &Path, bytes: &[u8]) {
    let mut f = std::fs::OpenOptions::new().append(true).open(path).unwrap();
    f.write_all(bytes).unwrap();
}

#[test]
fn tail_reads_new_bytes_only_keeps_a_partial_line_and_reports_malformed_lines() {
    let tmp = tempfile::tempdir().unwrap();
    let store = RunStore::open(tmp.path().join("run"), "", OpenMode::New).unwrap();
    let log = store.dir().join("log.jsonl");
    let mut tail = LogTail::new(&log);
    // No log yet: nothing, no error.
    assert_eq!(tail.poll().unwrap(), Default::default());

    store.append_log(&entry(0)).unwrap();
    store.append_log(&entry(1)).unwrap();
    let third = line(&entry(2));
    let (head, rest) = third.split_at(third.len() / 2);
    append(&log, head.as_bytes());
    let update = tail.poll().unwrap();
    assert_eq!(update.entries, vec![entry(0), entry(1)]);
    assert!(update.problems.is_empty() && !update.restarted);
    assert_eq!(tail.pending_bytes(), head.len(), "the half line waits");
    assert_eq!(tail.offset(), std::fs::metadata(&log).unwrap().len());
    assert!(
        tail.poll().unwrap().entries.is_empty(),
        "nothing new, nothing read"
    );

    // The rest of the line, a malformed line, a good one, a blank one and another partial one.
    let fifth = line(&entry(4));
    append(
        &log,
        format!(
            "{rest}{{\"generation\": 3, \"best_fit\n{}\n{}",
            line(&entry(3)).trim_end(),
            &fifth[..10]
        )
        .as_bytes(),
    );
    let update = tail.poll().unwrap();
    assert_eq!(update.entries, vec![entry(2), entry(3)]);
    assert_eq!(update.problems.len(), 1, "{:?}", update.problems);
    let problem = &update.problems[0];
    assert!(
        problem.contains("log.jsonl line 4") && problem.contains("skipped"),
        "{problem}"
    );
    append(&log, &fifth.as_bytes()[10..]);
    assert_eq!(tail.poll().unwrap().entries, vec![entry(4)]);

    // A resumed run rewrites its log (temp file renamed over it, as `RunStore::truncate_log`):
    // reading starts over.
    let rewritten = store.dir().join(".log.jsonl.tmp");
    std::fs::write(&rewritten, line(&entry(0)) + &line(&entry(1))).unwrap();
    std::fs::rename(&rewritten, &log).unwrap();
    let update = tail.poll().unwrap();
    assert!(update.restarted);
    assert_eq!(update.entries, vec![entry(0), entry(1)]);
    // A followed run shows the good lines around a malformed one, and the message.
    let mut run = FollowedRun::attach(store.dir()).unwrap();
    append(&log, b"garbage\n");
    store.append_log(&entry(2)).unwrap();
    run.refresh();
    assert_eq!(run.entries(), &[entry(0), entry(1), entry(2)]);
    assert_eq!(run.generations(), 3);
    assert!(
        run.problems()
            .iter()
            .any(|p| p.contains("log.jsonl line 3")),
        "{:?}",
        run.problems()
    );
    // Recently written, not done (no checkpoint says so).
    assert_eq!(run.status(std::time::SystemTime::now()), RunStatus::Running);
    let later = std::time::SystemTime::now() + Duration::from_secs(3600);
    assert!(matches!(run.status(later), RunStatus::Stalled { .. }));
}

/// A tiny Life-like sweep: `rules` rules from B3/S23's neighbourhood, 2 per generation, on 32×32
/// soups with the pixel model (no download).
fn sweep_config(dir: &Path, name: &str, rules: u32) -> PathBuf {
    let path = dir.join(format!("{name}.toml"));
    std::fs::write(
        &path,
        format!(
            r#"
[substrate]
name = "gol"
size = 32

[rollout]
steps = 12
frames = 4
sampling = "chunk_starts"
frame_size = 32

[model]
name = "pixels"

[objective]
kind = "open_endedness"

[optimiser]
kind = "sweep"
popsize = 2
rule_range = [6140, {}]

[run]
seed = 7
rollouts_per_candidate = 2
checkpoint_every = 2
keep_best = 3
"#,
            6140 + rules
        ),
    )
    .unwrap();
    path
}

/// Polls until the monitor's search is no longer active.
fn wait_for_job(monitor: &mut SearchMonitor) -> JobState {
    let start = Instant::now();
    loop {
        monitor.poll_now();
        let state = monitor.job_state().cloned().expect("a search was started");
        if !state.is_active() {
            return state;
        }
        assert!(
            start.elapsed() < WAIT,
            "search still {state:?} after {WAIT:?}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn logged(dir: &Path) -> Vec<LogEntry> {
    RunStore::open(dir, "", OpenMode::Resume)
        .unwrap()
        .read_log()
        .unwrap()
        .iter()
        .map(LogEntry::without_timings)
        .collect()
}

/// One test, so the uninterrupted run serves both as the panel's subject and as the reference for
/// the stopped-and-resumed one (each generation costs seconds on lavapipe).
#[test]
fn a_real_search_shows_its_curves_and_best_creature_and_resumes_after_a_stop() {
    let tmp = tempfile::tempdir().unwrap();
    let config = sweep_config(tmp.path(), "tiny", 6);
    let full = tmp.path().join("full");
    let mut monitor = SearchMonitor::new();
    monitor.set_poll_interval(Duration::ZERO);
    monitor
        .start_search(SearchRequest::new(&config, &full))
        .unwrap();
    assert_eq!(
        wait_for_job(&mut monitor),
        JobState::Finished { generation: 3 }
    );
    monitor.poll_now();
    let run = monitor.run().expect("the started run is followed");
    // The curves are exactly what the runner logged.
    let written = RunStore::open(&full, "", OpenMode::Resume)
        .unwrap()
        .read_log()
        .unwrap();
    assert_eq!(run.entries(), written.as_slice());
    assert_eq!(run.generations(), 3);
    assert_eq!(run.status(std::time::SystemTime::now()), RunStatus::Done);
    let best = run.best().expect("best creature written").clone();
    assert_eq!(best.path, full.join("creatures/best-000.json"));
    let best_fitness = written
        .iter()
        .map(|e| e.best_fitness)
        .fold(f32::INFINITY, f32::min);
    assert_eq!(best.score, Some(best_fitness));

    // Another monitor attaches through the panel, shows the status, opens the best creature.
    let mut fresh = SearchMonitor::new();
    fresh.set_poll_interval(Duration::ZERO);
    let mut harness = Harness::new_ui_state(
        |ui, (m, action): &mut (SearchMonitor, Option<MonitorAction>)| {
            if let Some(a) = m.monitor_ui(ui) {
                *action = Some(a);
            }
        },
        (fresh, None),
    );
    harness.run();
    harness.get_by_label("No run attached: attach to a run directory or start a search.");
    let field = harness.get_by_label("Run directory:");
    field.focus();
    field.type_text(full.to_str().unwrap());
    harness.get_by_label("Attach").click();
    harness.run();
    harness.get_by_label("Status: done");
    harness.get_by_label_contains("Generations: 3");
    harness.get_by_label("Open best creature").click();
    harness.run();
    assert_eq!(
        harness.state().1,
        Some(MonitorAction::OpenCreature(best.path.clone()))
    );

    // Stopped at once (before or during its first generation), the run stays resumable...
    let stopped = tmp.path().join("stopped");
    monitor
        .start_search(SearchRequest::new(&config, &stopped))
        .unwrap();
    monitor.stop_search();
    let JobState::Stopped { generation } = wait_for_job(&mut monitor) else {
        panic!("expected a stop, got {:?}", monitor.job_state());
    };
    assert!(generation < 3);
    assert!(stopped.join("checkpoint/state.json").is_file(), "resumable");
    assert!(
        monitor
            .messages()
            .iter()
            .any(|m| m.contains("can be resumed")),
        "{:?}",
        monitor.messages()
    );
    assert_eq!(monitor.run().unwrap().dir(), stopped.as_path());
    assert_ne!(
        monitor.run().unwrap().status(std::time::SystemTime::now()),
        RunStatus::Done
    );
    // ...and resumed, reaches exactly what the uninterrupted run reached.
    monitor
        .start_search(SearchRequest::resume(&stopped))
        .unwrap();
    assert_eq!(
        wait_for_job(&mut monitor),
        JobState::Finished { generation: 3 }
    );
    assert_eq!(logged(&stopped), logged(&full));
    let genome = |dir: &Path| {
        let text = std::fs::read_to_string(dir.join("creatures/best-000.json")).unwrap();
        serde_json::from_str::<serde_json::Value>(&text).unwrap()["genome"].clone()
    };
    assert_eq!(genome(&stopped), genome(&full));
    // The sweep's members (population.safetensors, the gallery's atlas) too.
    let members = |dir: &Path| {
        RunStore::open(dir, "", OpenMode::Resume)
            .unwrap()
            .load_members()
            .unwrap()
            .expect("a sweep stores its members")
    };
    assert_eq!(members(&stopped), members(&full));
    assert_eq!(members(&full).len(), 6);
}

#[test]
fn bad_input_is_a_message_not_a_crash() {
    let tmp = tempfile::tempdir().unwrap();
    let mut monitor = SearchMonitor::new();
    let err = monitor.attach(tmp.path()).unwrap_err().to_string();
    assert!(err.contains("not a run directory"), "{err}");
    let err = monitor
        .start_search(SearchRequest::new(
            tmp.path().join("none.toml"),
            tmp.path().join("o"),
        ))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("none.toml") && err.contains("does not exist"),
        "{err}"
    );

    // A config the search refuses: the worker's error reaches the panel's messages.
    let bad = tmp.path().join("bad.toml");
    std::fs::write(&bad, "[substrate]\nname = \"no-such-substrate\"\n[rollout]\nframes = 4\n[objective]\nkind = \"open_endedness\"\n").unwrap();
    monitor
        .start_search(SearchRequest::new(&bad, tmp.path().join("bad-run")))
        .unwrap();
    let JobState::Failed(message) = wait_for_job(&mut monitor) else {
        panic!("expected a failure, got {:?}", monitor.job_state());
    };
    assert!(message.contains("no-such-substrate"), "{message}");
    let shown = format!("search failed: {message}");
    assert!(
        monitor.messages().contains(&shown),
        "{:?}",
        monitor.messages()
    );
    assert!(
        !tmp.path().join("bad-run").exists(),
        "nothing written for a refused config"
    );

    let mut harness = Harness::new_ui_state(
        |ui, m: &mut SearchMonitor| {
            m.monitor_ui(ui);
        },
        monitor,
    );
    harness.run();
    harness.get_by_label(&shown);
    harness.get_by_label(&format!("Search here: failed: {message}"));
    harness.get_by_label("Clear messages").click();
    harness.run();
    assert!(harness.state().messages().is_empty());
}
