//! Snapshot tests of the explorer's main screens on the tiny fixture run, rendered by egui's
//! wgpu renderer on lavapipe (deterministic: the CPU rasteriser gives the same pixels every run,
//! and the simulations advance per frame, never per second).

#![allow(clippy::unwrap_used, reason = "tests")]

mod common;

use asal_viewer::Screen;
use common::{fixture, harness};
use egui_kittest::kittest::Queryable as _;

#[test]
fn main_screens() {
    let f = fixture();
    let mut h = harness(vec![f.run.clone(), f.orbium.clone(), f.orbium_b.clone()]);
    h.run();
    // Paths of the temporary folder differ per run; the messages naming them are dismissed.
    h.state_mut().dismiss_notices();
    h.state_mut().show_screen(Screen::Grid);
    // Eight steps of every thumbnail, so the grid shows the rules at work, not only soups.
    h.get_by_label("Play").click();
    h.run_steps(8);
    h.get_by_label("Pause").click();
    h.run();
    h.snapshot("grid");

    h.get_by_label("open Orbium unicaudatus").click();
    h.run();
    for _ in 0..6 {
        h.get_by_label("Step").click();
        h.run();
    }
    h.snapshot("creature");

    h.state_mut().start_interpolation(4, 5);
    h.state_mut().show_screen(Screen::Interpolation);
    h.run();
    h.get_by_role_and_label(eframe::egui::Role::Slider, "t")
        .set_value_accesskit(0.5);
    h.run();
    h.snapshot("interpolation");

    h.key_press(eframe::egui::Key::F1);
    h.run();
    h.snapshot("help");
}

#[test]
fn error_messages() {
    let mut h = harness(Vec::new());
    h.run();
    // A fixed text, so the snapshot does not depend on the temporary folder's name.
    h.state_mut().open_path(std::path::Path::new("no/such/run"));
    h.run();
    h.snapshot("errors");
}
