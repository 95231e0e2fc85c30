//! CLIP text tokenisation through Hugging Face `tokenizers`, reading a model directory's `tokenizer.json`.
//!
//! Sequences get the start and end tokens the file's post-processor adds, are truncated to the
//! context length (77 for CLIP, keeping the end-of-text token last, with a warning) and padded to
//! the full context with the end-of-text id. Padding to a fixed 77 rather than to the longest
//! prompt gives every text batch the same shape; it does not change the embedding, because CLIP's
//! text tower is causal and pools at the first end-of-text token.

use std::path::{Path, PathBuf};

use crate::error::{FmError, Result};

/// CLIP's text context length.
pub const CLIP_CONTEXT: usize = 77;

/// A padded batch of token ids, row-major `[rows × len]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenBatch {
    /// Token ids, `rows × len`.
    pub ids: Vec<i64>,
    /// 1 for real tokens, 0 for padding, `rows × len`.
    pub attention_mask: Vec<i64>,
    /// Number of sequences.
    pub rows: usize,
    /// Length of every sequence (the context length).
    pub len: usize,
}

/// A tokenizer loaded from `tokenizer.json`.
pub struct ClipTokenizer {
    inner: tokenizers::Tokenizer,
    path: PathBuf,
    context: usize,
    pad_id: i64,
    eot_id: Option<i64>,
}

impl std::fmt::Debug for ClipTokenizer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClipTokenizer")
            .field("path", &self.path)
            .field("context", &self.context)
            .field("pad_id", &self.pad_id)
            .finish()
    }
}

impl ClipTokenizer {
    /// Loads `tokenizer.json` (the file itself, or a model directory containing it).
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self> {
        let mut path = path.as_ref().to_path_buf();
        if path.is_dir() {
            path = path.join("tokenizer.json");
        }
        if !path.exists() {
            return Err(FmError::MissingPath {
                path,
                hint: "a CLIP model directory needs the tokenizer.json of its hub repository"
                    .into(),
            });
        }
        let mut inner =
            tokenizers::Tokenizer::from_file(&path).map_err(|e| FmError::Tokenizer {
                path: path.clone(),
                message: e.to_string(),
            })?;
        // Padding and truncation are done here, identically for every tokenizer file.
        inner.with_padding(None);
        inner
            .with_truncation(None)
            .map_err(|e| FmError::Tokenizer {
                path: path.clone(),
                message: e.to_string(),
            })?;
        let eot_id = inner.token_to_id("<|endoftext|>").map(i64::from);
        // The original CLIP processor pads with its pad token, which is <|endoftext|> for OpenAI's CLIP.
        let pad_id = inner
            .get_padding()
            .map(|p| i64::from(p.pad_id))
            .or(eot_id)
            .unwrap_or(0);
        Ok(Self {
            inner,
            path,
            context: CLIP_CONTEXT,
            pad_id,
            eot_id,
        })
    }

    /// Sets the context length (default 77).
    pub fn with_context(mut self, context: usize) -> Self {
        self.context = context.max(2);
        self
    }

    /// The context length sequences are padded or truncated to.
    pub fn context(&self) -> usize {
        self.context
    }

    /// The tokenizer file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Token ids of one prompt, with start and end tokens, truncated to the context, not padded.
    pub fn encode(&self, text: &str) -> Result<Vec<i64>> {
        self.encode_indexed(text, 0)
    }

    fn encode_indexed(&self, text: &str, index: usize) -> Result<Vec<i64>> {
        if text.trim().is_empty() {
            return Err(FmError::EmptyPrompt { index });
        }
        let enc = self
            .inner
            .encode(text, true)
            .map_err(|e| FmError::Tokenizer {
                path: self.path.clone(),
                message: e.to_string(),
            })?;
        let mut ids: Vec<i64> = enc.get_ids().iter().map(|&i| i64::from(i)).collect();
        if ids.len() > self.context {
            tracing::warn!(
                prompt = text,
                tokens = ids.len(),
                context = self.context,
                "prompt is longer than the text context; truncated"
            );
            let last = ids.last().copied();
            ids.truncate(self.context);
            // Keep the end-of-text token last, as CLIP's own truncation does: the text tower pools there.
            if let (Some(slot), Some(eot)) = (ids.last_mut(), self.eot_id.or(last)) {
                *slot = eot;
            }
        }
        Ok(ids)
    }

    /// Token ids of many prompts, padded to the context length.
    pub fn encode_batch(&self, texts: &[String]) -> Result<TokenBatch> {
        let len = self.context;
        let mut ids = vec![self.pad_id; texts.len() * len];
        let mut attention_mask = vec![0; texts.len() * len];
        for (i, text) in texts.iter().enumerate() {
            let row = self.encode_indexed(text, i)?;
            ids[i * len..i * len + row.len()].copy_from_slice(&row);
            attention_mask[i * len..i * len + row.len()].fill(1);
        }
        Ok(TokenBatch {
            ids,
            attention_mask,
            rows: texts.len(),
            len,
        })
    }
}
