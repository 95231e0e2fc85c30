//! The tokenizer against the fixture CLIP tokenizer and its expected ids.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]

mod common;

use asal_fm::{CLIP_CONTEXT, ClipTokenizer, FmError};

#[derive(serde::Deserialize)]
struct Case {
    text: String,
    input_ids: Vec<i64>,
}

#[derive(serde::Deserialize)]
struct Cases {
    cases: Vec<Case>,
}

fn cases() -> Vec<Case> {
    let path = common::shared_dir().join("fixtures/clip/token_cases.json");
    let c: Cases = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    assert!(
        c.cases.len() >= 10,
        "fixture should hold the dozen prompt cases"
    );
    c.cases
}

#[test]
fn reproduces_every_fixture_case() {
    let tok = ClipTokenizer::from_file(common::fixture_tokenizer()).unwrap();
    for case in cases() {
        assert_eq!(
            tok.encode(&case.text).unwrap(),
            case.input_ids,
            "prompt {:?}",
            case.text
        );
    }
}

#[test]
fn batch_pads_to_context_with_end_token_and_mask() {
    let tok = ClipTokenizer::from_file(common::fixture_tokenizer()).unwrap();
    let cases = cases();
    let texts: Vec<String> = cases.iter().map(|c| c.text.clone()).collect();
    let batch = tok.encode_batch(&texts).unwrap();
    assert_eq!((batch.rows, batch.len), (texts.len(), CLIP_CONTEXT));
    for (i, case) in cases.iter().enumerate() {
        let row = &batch.ids[i * CLIP_CONTEXT..(i + 1) * CLIP_CONTEXT];
        let mask = &batch.attention_mask[i * CLIP_CONTEXT..(i + 1) * CLIP_CONTEXT];
        let n = case.input_ids.len();
        assert_eq!(&row[..n], case.input_ids.as_slice());
        // OpenAI CLIP pads with <|endoftext|> (49407).
        assert!(row[n..].iter().all(|&t| t == 49407));
        assert!(mask[..n].iter().all(|&m| m == 1) && mask[n..].iter().all(|&m| m == 0));
    }
}

#[test]
fn long_prompts_are_truncated_keeping_the_end_token() {
    let tok = ClipTokenizer::from_file(common::fixture_tokenizer()).unwrap();
    let long = "cell ".repeat(200);
    let ids = tok.encode(&long).unwrap();
    assert_eq!(ids.len(), CLIP_CONTEXT);
    assert_eq!(ids[0], 49406);
    assert_eq!(ids[CLIP_CONTEXT - 1], 49407);
    assert!(ids[1..CLIP_CONTEXT - 1].iter().all(|&t| t != 49407));
}

#[test]
fn empty_prompt_is_an_error_naming_its_position() {
    let tok = ClipTokenizer::from_file(common::fixture_tokenizer()).unwrap();
    let err = tok
        .encode_batch(&["a cat".into(), "   ".into()])
        .unwrap_err();
    assert!(matches!(err, FmError::EmptyPrompt { index: 1 }), "{err}");
}

#[test]
fn missing_or_broken_tokenizer_files_are_clear_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let err = ClipTokenizer::from_file(tmp.path()).unwrap_err();
    assert!(matches!(err, FmError::MissingPath { .. }), "{err}");
    let bad = tmp.path().join("tokenizer.json");
    std::fs::write(&bad, "{not json").unwrap();
    let err = ClipTokenizer::from_file(&bad).unwrap_err();
    assert!(matches!(err, FmError::Tokenizer { .. }), "{err}");
    assert!(err.to_string().contains("tokenizer.json"));
}
