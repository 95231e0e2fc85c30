//! The Rust mirrors of the particle substrates' WGSL structs have the sizes and field offsets
//! naga lays out (same approach as `tests/shaders.rs`, kept here beside the particle code).

#![allow(clippy::unwrap_used, reason = "a test fails loudly on any error")]

mod common;

use std::mem::offset_of;

use asal_substrates::particle_grid::{GridParams, SplatParams};
use asal_substrates::plenia::PleniaParams;
use asal_substrates::plife::PlifeParams;
use asal_substrates::plife_plus::PlifePlusParams;
use common::check_layout;

fn check<T>(shaders: &[&str], struct_name: &str, rust: &[(&str, usize)]) {
    for shader in shaders {
        check_layout::<T>(shader, struct_name, rust);
    }
}

#[test]
fn particle_structs_match_their_wgsl_mirrors() {
    check::<GridParams>(
        &[
            "particle_bin",
            "particle_scan",
            "particle_scatter",
            "particle_sort",
            "particle_splat",
        ],
        "GridParams",
        &[
            ("particles", offset_of!(GridParams, particles)),
            ("worlds", offset_of!(GridParams, worlds)),
            ("cell_stride", offset_of!(GridParams, cell_stride)),
            ("use_tags", offset_of!(GridParams, use_tags)),
            ("state_stride", offset_of!(GridParams, state_stride)),
        ],
    );
    check::<SplatParams>(
        &["particle_splat"],
        "SplatParams",
        &[
            ("particles", offset_of!(SplatParams, particles)),
            ("worlds", offset_of!(SplatParams, worlds)),
            ("cell_stride", offset_of!(SplatParams, cell_stride)),
            ("sharpness", offset_of!(SplatParams, sharpness)),
            ("cutoff", offset_of!(SplatParams, cutoff)),
        ],
    );
    check::<PlifeParams>(
        &["plife_step", "plife_step_all", "plife_plus_step"],
        "PlifeParams",
        &[
            ("particles", offset_of!(PlifeParams, particles)),
            ("colours", offset_of!(PlifeParams, colours)),
            ("worlds", offset_of!(PlifeParams, worlds)),
            ("table_stride", offset_of!(PlifeParams, table_stride)),
            ("cell_stride", offset_of!(PlifeParams, cell_stride)),
        ],
    );
    check::<PlifePlusParams>(
        &["plife_plus_step", "plife_plus_step_in_range"],
        "PlifePlusParams",
        &[
            ("particles", offset_of!(PlifePlusParams, particles)),
            ("worlds", offset_of!(PlifePlusParams, worlds)),
            ("cell_stride", offset_of!(PlifePlusParams, cell_stride)),
            ("side", offset_of!(PlifePlusParams, side)),
            ("dt", offset_of!(PlifePlusParams, dt)),
            ("beta", offset_of!(PlifePlusParams, beta)),
            ("rmax", offset_of!(PlifePlusParams, rmax)),
            ("mass", offset_of!(PlifePlusParams, mass)),
            ("mu", offset_of!(PlifePlusParams, mu)),
            ("radius", offset_of!(PlifePlusParams, radius)),
            (
                "update_colours",
                offset_of!(PlifePlusParams, update_colours),
            ),
            (
                "cells_per_rmax",
                offset_of!(PlifePlusParams, cells_per_rmax),
            ),
        ],
    );
    check::<PleniaParams>(
        &[
            "plenia_step",
            "plenia_field",
            "plenia_step_blocks",
            "plenia_field_blocks",
        ],
        "PleniaParams",
        &[
            ("particles", offset_of!(PleniaParams, particles)),
            ("worlds", offset_of!(PleniaParams, worlds)),
            ("dt", offset_of!(PleniaParams, dt)),
            ("stride", offset_of!(PleniaParams, stride)),
        ],
    );
}
