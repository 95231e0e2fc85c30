//! Interaction tests of the explorer on lavapipe: the simulation runs on the harness's own wgpu
//! device, exactly as it runs on eframe's in `asal view`.

#![allow(clippy::unwrap_used, reason = "tests")]

mod common;

use asal_viewer::{Screen, Settings};
use common::{RULES, fixture, harness, harness_with};
use eframe::egui::Role;
use egui_kittest::kittest::Queryable as _;

#[test]
fn opening_a_run_lists_its_creatures_and_runs_them_in_one_batch() {
    let f = fixture();
    let mut h = harness(vec![f.run.clone()]);
    h.run();
    let app = h.state();
    assert_eq!(app.library().entries.len(), RULES.len());
    // The partial last log line (a search still writing) is skipped, not an error.
    assert_eq!(app.library().runs[0].generations, 3);
    assert!(
        app.notices().iter().all(|n| !n.is_error),
        "{:?}",
        app.notices()
    );
    // Four creatures of one substrate and settings: one batch, one dispatch per kernel.
    assert_eq!(app.grid().groups.len(), 1);
    assert_eq!(app.grid().len(), RULES.len());
    // Sorted by score, best (lowest) first.
    let order = app
        .library()
        .view("", asal_viewer::library::SortKey::Score, false);
    let names: Vec<&str> = order
        .iter()
        .map(|&i| app.library().entries[i].name.as_str())
        .collect();
    assert_eq!(names, ["Conway", "HighLife", "DayNight", "Seeds"]);
    let filtered = app
        .library()
        .view("high", asal_viewer::library::SortKey::Name, false);
    assert_eq!(filtered.len(), 1);
}

#[test]
fn play_advances_the_step_counter_and_pause_stops_it() {
    let f = fixture();
    let mut h = harness(vec![f.run.clone()]);
    h.run();
    h.get_by_label("open Conway").click();
    h.run();
    assert_eq!(h.state().screen(), Screen::Creature);
    let view = h.state().creature_view().unwrap();
    assert_eq!(view.step(), 0);
    assert_eq!(view.genome(), [6152.0]);

    h.get_by_label("Play").click();
    h.run_steps(5);
    let played = h.state().creature_view().unwrap().step();
    assert!(
        played >= 4,
        "5 frames at 1 step per frame gave {played} steps"
    );

    h.get_by_label("Pause").click();
    h.run_steps(2);
    let paused = h.state().creature_view().unwrap().step();
    h.run_steps(3);
    assert_eq!(h.state().creature_view().unwrap().step(), paused);

    h.get_by_label("Step").click();
    h.run();
    assert_eq!(h.state().creature_view().unwrap().step(), paused + 1);

    // The world really moved on the GPU: Conway's soup after some steps differs from step 0.
    let app = h.state();
    let gpu = app.gpu().unwrap();
    let now = app
        .creature_view()
        .unwrap()
        .live()
        .read_states(gpu)
        .unwrap();
    h.get_by_label("Reset").click();
    h.run();
    let app = h.state();
    assert_eq!(app.creature_view().unwrap().step(), 0);
    let start = app
        .creature_view()
        .unwrap()
        .live()
        .read_states(app.gpu().unwrap())
        .unwrap();
    assert_ne!(now, start);
}

#[test]
fn keyboard_shortcuts_play_and_show_help() {
    let f = fixture();
    let mut h = harness(vec![f.orbium.clone()]);
    h.run();
    assert_eq!(h.state().screen(), Screen::Creature);
    h.key_press(eframe::egui::Key::Space);
    h.run_steps(3);
    assert!(h.state().creature_view().unwrap().playing());
    assert!(h.state().creature_view().unwrap().step() >= 2);
    h.key_press(eframe::egui::Key::Space);
    h.run_steps(1);
    assert!(!h.state().creature_view().unwrap().playing());
    h.key_press(eframe::egui::Key::F1);
    h.run();
    assert!(h.query_by_label("Keyboard shortcuts").is_some());
    h.key_press(eframe::egui::Key::Num1);
    h.run();
    assert_eq!(h.state().screen(), Screen::Grid);
}

#[test]
fn a_slider_changes_the_running_genome() {
    let f = fixture();
    let mut h = harness(vec![f.orbium.clone()]);
    h.run();
    h.get_by_label("Step").click();
    h.run();
    let before = h.state().creature_view().unwrap().genome().to_vec();
    assert!(before.iter().all(|&x| x == 0.0));
    // `m`: Orbium's growth centre, an offset in logit space.
    h.get_by_role_and_label(Role::Slider, "m")
        .set_value_accesskit(0.5);
    h.run();
    let view = h.state().creature_view().unwrap();
    assert_eq!(view.genome()[0], 0.5);
    assert_eq!(view.genome()[1..], before[1..]);
    // The running world got the new genome and kept its state (no reset).
    assert_eq!(view.live().genomes(), view.genome());
    assert_eq!(view.step(), 1);
    // Saving writes a creature file with the edited genome that loads again.
    let out = f.dir.path().join("saved/orbium-edited.json");
    h.state_mut().set_save_path(out.display().to_string());
    h.get_by_label("Save creature").click_accesskit();
    h.run();
    let saved = asal_substrates::creature::Creature::read(&out).unwrap();
    assert_eq!(saved.genome.as_ref().unwrap()[0], 0.5);
    assert_eq!(saved.score, None);
    assert!(
        h.state().notices().iter().all(|n| !n.is_error),
        "{:?}",
        h.state().notices()
    );
}

#[test]
fn mutation_spawns_valid_variants_into_the_grid() {
    let f = fixture();
    let settings = Settings {
        variants: 4,
        sigma: 0.2,
        ..Settings::default()
    };
    let mut h = harness_with(settings, vec![f.orbium.clone()]);
    h.run();
    h.get_by_label("Mutate").click_accesskit();
    h.run();
    let app = h.state();
    assert_eq!(app.screen(), Screen::Grid);
    assert_eq!(app.grid().len(), 4);
    let group = &app.grid().groups[0];
    let d = group.live.substrate().genome().dim();
    let genomes = group.live.genomes();
    for k in 0..4 {
        let g = &genomes[k * d..(k + 1) * d];
        assert!(g.iter().any(|&x| x != 0.0), "variant {k} equals its parent");
    }
    assert_ne!(genomes[..d], genomes[d..2 * d]);
}

#[test]
fn interpolation_ends_equal_the_two_creatures() {
    let f = fixture();
    let mut h = harness(vec![f.orbium.clone(), f.orbium_b.clone()]);
    h.run();
    let a = h.state().library().entries[0].creature.clone();
    let b = h.state().library().entries[1].creature.clone();
    let d = b.genome.as_ref().unwrap().len();
    let ga = vec![0.0f32; d];
    let gb = b.genome.clone().unwrap();
    assert_eq!(a.genome, None);

    h.state_mut().start_interpolation(0, 1);
    h.state_mut().show_screen(Screen::Interpolation);
    h.run();
    h.get_by_role_and_label(Role::Slider, "t")
        .set_value_accesskit(0.0);
    h.run();
    let [wa, mid, wb] = h.state().interpolation().genomes().unwrap();
    assert_eq!(wa, ga.as_slice());
    assert_eq!(wb, gb.as_slice());
    assert_eq!(mid, ga.as_slice(), "t = 0 is A exactly");

    // Same genome and seed, so the middle world's states equal A's step for step.
    h.get_by_label("Play").click();
    h.run_steps(3);
    h.get_by_label("Pause").click();
    h.run();
    let app = h.state();
    let live = app.interpolation().live.as_ref().unwrap();
    assert!(live.step() >= 2);
    let states = live.read_states(app.gpu().unwrap()).unwrap();
    assert_eq!(states[1], states[0]);
    assert_ne!(
        states[1], states[2],
        "A and B differ, or the test shows nothing"
    );

    h.get_by_role_and_label(Role::Slider, "t")
        .set_value_accesskit(1.0);
    h.run();
    let [_, mid, _] = h.state().interpolation().genomes().unwrap();
    assert_eq!(mid, gb.as_slice(), "t = 1 is B exactly");

    h.get_by_role_and_label(Role::Slider, "t")
        .set_value_accesskit(0.5);
    h.run();
    let [_, mid, _] = h.state().interpolation().genomes().unwrap();
    assert!((mid[0] - 0.2).abs() < 1e-6 && (mid[1] + 0.15).abs() < 1e-6);
    // Moving t keeps the worlds running where they were.
    assert!(h.state().interpolation().live.as_ref().unwrap().step() >= 2);
}

#[test]
fn interpolating_different_substrates_is_refused_with_a_message() {
    let f = fixture();
    let mut h = harness(vec![f.run.clone(), f.orbium.clone()]);
    h.run();
    h.state_mut().start_interpolation(0, 4);
    h.run();
    let last = h.state().notices().last().unwrap().clone();
    assert!(last.is_error);
    assert!(last.text.contains("one substrate"), "{}", last.text);
    assert!(h.state().interpolation().live.is_none());
}

#[test]
fn clip_export_is_frame_accurate() {
    let f = fixture();
    let settings = Settings {
        view_size: 64,
        clip: asal_viewer::export::ClipSettings {
            first: 0,
            frames: 3,
            every: 2,
            size: 64,
            fps: 10,
        },
        ..Settings::default()
    };
    let mut h = harness_with(settings, vec![f.orbium.clone()]);
    h.run();
    // The live frames at steps 0, 2 and 4.
    let mut live_frames = Vec::new();
    for k in 0..3 {
        if k > 0 {
            h.get_by_label("Step").click();
            h.run();
            h.get_by_label("Step").click();
            h.run();
        }
        let app = h.state();
        let view = app.creature_view().unwrap();
        assert_eq!(view.step(), 2 * k);
        live_frames.push(view.live().read_frame(app.gpu().unwrap(), 0).unwrap());
    }
    assert_ne!(live_frames[0], live_frames[2], "Orbium moves");

    let webp = f.dir.path().join("clips/orbium.webp");
    h.state_mut().set_clip_path(webp.display().to_string());
    h.get_by_label("Export clip").click_accesskit();
    h.run();
    assert!(
        h.state().notices().iter().all(|n| !n.is_error),
        "{:?}",
        h.state().notices()
    );
    let bytes = std::fs::read(&webp).unwrap();
    let decoder = webp_animation::Decoder::new(&bytes).unwrap();
    let frames: Vec<Vec<u8>> = decoder.into_iter().map(|f| f.data().to_vec()).collect();
    assert_eq!(frames.len(), 3);
    // Lossless WebP: the clip holds exactly the frames the live view showed at those steps.
    for (k, (clip, live)) in frames.iter().zip(&live_frames).enumerate() {
        assert!(
            clip == live,
            "clip frame {k} differs from the live frame at step {}",
            2 * k
        );
    }

    let gif_path = f.dir.path().join("clips/orbium.gif");
    h.state_mut().set_clip_path(gif_path.display().to_string());
    h.key_press_modifiers(eframe::egui::Modifiers::COMMAND, eframe::egui::Key::E);
    h.run();
    assert!(gif_path.is_file(), "{:?}", h.state().notices());
    let file = std::fs::File::open(&gif_path).unwrap();
    let mut options = gif::DecodeOptions::new();
    options.set_color_output(gif::ColorOutput::RGBA);
    let mut decoder = options.read_info(file).unwrap();
    assert_eq!((decoder.width(), decoder.height()), (64, 64));
    let mut n = 0;
    while decoder.read_next_frame().unwrap().is_some() {
        n += 1;
    }
    assert_eq!(n, 3);

    h.state_mut()
        .set_clip_path(f.dir.path().join("clip.mp4").display().to_string());
    h.get_by_label("Export clip").click_accesskit();
    h.run();
    let last = h.state().notices().last().unwrap();
    assert!(
        last.is_error && last.text.contains(".gif or .webp"),
        "{}",
        last.text
    );
}

#[test]
fn bad_inputs_show_a_message_and_the_app_keeps_running() {
    let f = fixture();
    let root = f.dir.path();
    let not_a_run = root.join("empty");
    std::fs::create_dir_all(&not_a_run).unwrap();
    let text = root.join("notes.txt");
    std::fs::write(&text, "hello").unwrap();
    let unknown = root.join("alien.json");
    std::fs::write(
        &unknown,
        r#"{"format":"asal-creature","version":1,"substrate":"boids2","genome":[1.0]}"#,
    )
    .unwrap();
    let cut = root.join("cut.json");
    std::fs::write(&cut, r#"{"format":"asal-creature","version":1,"subst"#).unwrap();
    let missing = root.join("nowhere");
    let mut h = harness(vec![
        not_a_run.clone(),
        text.clone(),
        unknown.clone(),
        cut.clone(),
        missing.clone(),
    ]);
    h.run();
    let notices = h.state().notices().to_vec();
    let errors: Vec<&str> = notices
        .iter()
        .filter(|n| n.is_error)
        .map(|n| n.text.as_str())
        .collect();
    assert_eq!(errors.len(), 5, "{errors:#?}");
    assert!(
        errors[0].contains("neither a run directory"),
        "{}",
        errors[0]
    );
    assert!(errors[1].contains("not a creature file"), "{}", errors[1]);
    assert!(
        errors[2].contains("boids2") && errors[2].contains("plenia"),
        "the message names the bad substrate and the valid ones: {}",
        errors[2]
    );
    assert!(errors[3].contains("cut.json"), "{}", errors[3]);
    assert!(errors[4].contains("no such file"), "{}", errors[4]);
    assert!(h.state().library().entries.is_empty());

    // Still usable: typing a good path opens it.
    h.get_by_label("Path").click();
    h.run();
    h.get_by_label("Path")
        .type_text(&f.run.display().to_string());
    h.get_by_label("Open").click();
    h.run();
    assert_eq!(h.state().library().entries.len(), RULES.len());
}

#[test]
fn recent_paths_and_settings_survive_a_restart() {
    let f = fixture();
    let mut h = harness(vec![f.run.clone(), f.orbium.clone()]);
    h.run();
    h.state_mut().show_screen(Screen::Interpolation);
    h.run();
    let mut storage = MemoryStorage::default();
    eframe::App::save(h.state_mut(), &mut storage);
    let settings: Settings = eframe::get_value(&storage, "asal-viewer-settings").unwrap();
    assert_eq!(settings.recent, vec![f.orbium.clone(), f.run.clone()]);
    let h2 = harness_with(settings, Vec::new());
    assert_eq!(h2.state().screen(), Screen::Interpolation);
    assert_eq!(h2.state().settings().recent.len(), 2);
}

#[derive(Default)]
struct MemoryStorage(std::collections::HashMap<String, String>);

impl eframe::Storage for MemoryStorage {
    fn get_string(&self, key: &str) -> Option<String> {
        self.0.get(key).cloned()
    }
    fn set_string(&mut self, key: &str, value: String) {
        self.0.insert(key.to_owned(), value);
    }
    fn remove_string(&mut self, key: &str) {
        self.0.remove(key);
    }
    fn flush(&mut self) {}
}

#[test]
fn dropping_files_on_the_window_opens_them() {
    let f = fixture();
    let mut h = harness(Vec::new());
    h.run();
    assert!(h.state().library().entries.is_empty());
    h.input_mut()
        .dropped_files
        .push(std::sync::Arc::new(Dropped(f.run.clone())));
    h.input_mut()
        .dropped_files
        .push(std::sync::Arc::new(Dropped(
            f.dir.path().join("missing.json"),
        )));
    h.run();
    let app = h.state();
    assert_eq!(app.library().entries.len(), RULES.len());
    assert_eq!(app.grid().len(), RULES.len());
    let last = app.notices().last().unwrap();
    assert!(
        last.is_error && last.text.contains("missing.json"),
        "{}",
        last.text
    );
}

/// A file dropped on the window, as the windowing layer reports it.
#[derive(Debug)]
struct Dropped(std::path::PathBuf);

impl eframe::egui::DroppedFile for Dropped {
    fn path(&self) -> &std::path::Path {
        &self.0
    }
    fn bytes(&self) -> Result<Vec<u8>, String> {
        std::fs::read(&self.0).map_err(|e| e.to_string())
    }
}
