//! An embedding cache: identical frames are embedded once.
//!
//! Dead, static or periodic worlds repeat frames constantly, and a model call costs far more than a
//! SHA-256 of the frame bytes, so [`CachedModel`] keys embeddings by [`Frame::content_hash`] and only
//! sends unseen frames (each distinct one once, even within a batch) to the wrapped model.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::error::{FmError, Result};
use crate::model::FoundationModel;
use crate::preprocess::{Frame, ImageSpec};

struct Store {
    map: HashMap<[u8; 32], Vec<f32>>,
    /// Insertion order, for evicting the oldest entries past the capacity.
    order: VecDeque<[u8; 32]>,
}

/// Wraps a model with a bounded content-hash cache of image embeddings (text is not cached).
pub struct CachedModel<M> {
    inner: M,
    capacity: usize,
    store: Mutex<Store>,
    hits: AtomicU64,
    misses: AtomicU64,
}

impl<M: FoundationModel> CachedModel<M> {
    /// Caches up to `capacity` embeddings (oldest evicted first).
    pub fn new(inner: M, capacity: usize) -> Self {
        Self {
            inner,
            capacity: capacity.max(1),
            store: Mutex::new(Store {
                map: HashMap::new(),
                order: VecDeque::new(),
            }),
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
        }
    }

    /// The wrapped model.
    pub fn inner(&self) -> &M {
        &self.inner
    }

    /// (hits, misses) so far: frames answered from the cache vs. sent to the model.
    pub fn stats(&self) -> (u64, u64) {
        (
            self.hits.load(Ordering::Relaxed),
            self.misses.load(Ordering::Relaxed),
        )
    }

    fn poisoned(&self) -> FmError {
        FmError::Inference {
            path: self.inner.name().into(),
            message: "embedding cache lock poisoned by an earlier panic".into(),
        }
    }
}

impl<M: FoundationModel> FoundationModel for CachedModel<M> {
    fn name(&self) -> &str {
        self.inner.name()
    }

    fn dim(&self) -> usize {
        self.inner.dim()
    }

    fn supports_text(&self) -> bool {
        self.inner.supports_text()
    }

    fn image_spec(&self) -> Option<ImageSpec> {
        self.inner.image_spec()
    }

    fn embed_images(&self, frames: &[Frame<'_>]) -> Result<Vec<f32>> {
        for (i, f) in frames.iter().enumerate() {
            f.validate(i)?;
        }
        let d = self.inner.dim();
        let keys: Vec<[u8; 32]> = frames.iter().map(Frame::content_hash).collect();
        // Distinct frames not in the cache, in first-seen order.
        let mut todo: Vec<usize> = Vec::new();
        {
            let store = self.store.lock().map_err(|_| self.poisoned())?;
            let mut queued: HashMap<[u8; 32], ()> = HashMap::new();
            for (i, k) in keys.iter().enumerate() {
                if !store.map.contains_key(k) && queued.insert(*k, ()).is_none() {
                    todo.push(i);
                }
            }
        }
        let fresh_frames: Vec<Frame<'_>> = todo.iter().map(|&i| frames[i]).collect();
        let fresh = if fresh_frames.is_empty() {
            Vec::new()
        } else {
            self.inner.embed_images(&fresh_frames)?
        };
        let mut store = self.store.lock().map_err(|_| self.poisoned())?;
        let mut local: HashMap<[u8; 32], &[f32]> = HashMap::new();
        for (j, &i) in todo.iter().enumerate() {
            local.insert(keys[i], &fresh[j * d..(j + 1) * d]);
        }
        let mut out = Vec::with_capacity(frames.len() * d);
        for k in &keys {
            if let Some(row) = local.get(k) {
                out.extend_from_slice(row);
            } else if let Some(row) = store.map.get(k) {
                out.extend_from_slice(row);
            } else {
                // Evicted by a concurrent call between the two locks: an invariant break, not bad input.
                return Err(FmError::Inference {
                    path: self.inner.name().into(),
                    message: "cache entry vanished".into(),
                });
            }
        }
        self.misses.fetch_add(todo.len() as u64, Ordering::Relaxed);
        self.hits
            .fetch_add((frames.len() - todo.len()) as u64, Ordering::Relaxed);
        for (k, row) in local {
            if store.map.insert(k, row.to_vec()).is_none() {
                store.order.push_back(k);
            }
        }
        while store.order.len() > self.capacity {
            if let Some(old) = store.order.pop_front() {
                store.map.remove(&old);
            }
        }
        Ok(out)
    }

    // `gpu_input` stays `Frames`: the cache needs the frame bytes on the host to hash them.
    fn embed_preprocessed(
        &self,
        values: &crate::preprocess::PixelValues,
        n: usize,
    ) -> Result<Vec<f32>> {
        // Preprocessed values are not frames, so they bypass the cache.
        self.inner.embed_preprocessed(values, n)
    }

    fn embed_texts(&self, prompts: &[String]) -> Result<Vec<f32>> {
        self.inner.embed_texts(prompts)
    }
}
