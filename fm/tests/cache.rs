//! The embedding cache sends each distinct frame to the model once.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]

use std::sync::atomic::{AtomicUsize, Ordering};

use asal_fm::{CachedModel, FmError, FoundationModel, Frame, PixelModel};

/// The pixel model, counting the frames it is asked to embed.
#[derive(Default)]
struct Counting {
    frames: AtomicUsize,
}

impl FoundationModel for Counting {
    fn name(&self) -> &str {
        "counting"
    }
    fn dim(&self) -> usize {
        PixelModel.dim()
    }
    fn supports_text(&self) -> bool {
        false
    }
    fn embed_images(&self, frames: &[Frame<'_>]) -> asal_fm::Result<Vec<f32>> {
        self.frames.fetch_add(frames.len(), Ordering::Relaxed);
        PixelModel.embed_images(frames)
    }
    fn embed_texts(&self, _: &[String]) -> asal_fm::Result<Vec<f32>> {
        Err(FmError::ImageOnly {
            model: "counting".into(),
        })
    }
}

fn frame_bytes(seed: u8) -> Vec<u8> {
    (0..64 * 64 * 4)
        .map(|i| (i as u8).wrapping_mul(seed).wrapping_add(seed))
        .collect()
}

#[test]
fn identical_frames_are_embedded_once_and_answers_are_unchanged() {
    let (a, b, c) = (frame_bytes(3), frame_bytes(7), frame_bytes(11));
    let fa = Frame::rgba8(64, 64, &a);
    let fb = Frame::rgba8(64, 64, &b);
    let fc = Frame::rgba8(64, 64, &c);
    let cached = CachedModel::new(Counting::default(), 100);

    // Within one batch, duplicates are embedded once.
    let first = cached.embed_images(&[fa, fb, fa, fa]).unwrap();
    assert_eq!(cached.inner().frames.load(Ordering::Relaxed), 2);
    let direct = PixelModel.embed_images(&[fa, fb, fa, fa]).unwrap();
    assert_eq!(first, direct);

    // Across batches, only the new frame reaches the model.
    let second = cached.embed_images(&[fb, fc, fa]).unwrap();
    assert_eq!(cached.inner().frames.load(Ordering::Relaxed), 3);
    assert_eq!(second, PixelModel.embed_images(&[fb, fc, fa]).unwrap());
    assert_eq!(cached.stats(), (4, 3));
    assert!(matches!(
        cached.embed_texts(&["x".into()]),
        Err(FmError::ImageOnly { .. })
    ));
}

#[test]
fn the_cache_is_bounded() {
    let frames: Vec<Vec<u8>> = (1..=4).map(frame_bytes).collect();
    let cached = CachedModel::new(Counting::default(), 2);
    for f in &frames {
        cached.embed_images(&[Frame::rgba8(64, 64, f)]).unwrap();
    }
    // Frame 1 was evicted (capacity 2), frame 4 is still there.
    cached
        .embed_images(&[Frame::rgba8(64, 64, &frames[3])])
        .unwrap();
    assert_eq!(cached.inner().frames.load(Ordering::Relaxed), 4);
    cached
        .embed_images(&[Frame::rgba8(64, 64, &frames[0])])
        .unwrap();
    assert_eq!(cached.inner().frames.load(Ordering::Relaxed), 5);
}
