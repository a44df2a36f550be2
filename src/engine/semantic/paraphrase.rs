//! The paraphrase encoder: a question against the questions people asked
//! before (known phrasings, issue #22).
//!
//! all-mpnet-base-v2 (12 layers, 768 dimensions, Apache-2.0; see
//! `models/all-mpnet-base-v2/README.md`) was trained on the same billion
//! sentence pairs as the passage encoder, most of them pairs that mean the
//! same, with twice the layers and width. Matching a new question to a
//! known one is where that shows: on the bundled article, with the public
//! and fixture questions as phrasings, the nearest phrasing names the right
//! passage for 0.833 of the public paraphrase set against 0.733 with
//! all-MiniLM-L6-v2 (QUALITY.md, session 10). Passages keep the small
//! encoder: there the larger one gained nothing (0.700 both).
//!
//! Only questions go through it, and only for an index with phrasings: a
//! corpus without a phrasing file never loads it. Its weights are compiled
//! in as int8 (one scale per row; 105 MB instead of 438 MB, vectors within
//! cosine 0.998 of the original f32 model's). Where the CPU has AVX2 its
//! linear layers stay int8 in memory and are widened in registers
//! ([`super::int8`]; 85 MB read per question instead of 340); elsewhere
//! they are expanded to f32 when it loads.

use candle_core::safetensors::SliceSafetensors;
use candle_core::{DType, Device, Shape, Tensor};
use candle_nn::VarBuilder;
use candle_nn::var_builder::SimpleBackend;
use once_cell::sync::Lazy;
use tokenizers::Tokenizer;

use super::mpnet::{Config, Mpnet, Words};
use super::{
    QuestionCache, encode_batched, padded, pool_mean, release_pages, token_ids, tokenizer,
};
use crate::error::{Error, Result};

/// Names the model beside the stored phrasing vectors: vectors of another
/// model are encoded again.
pub const MODEL_ID: &str = "all-mpnet-base-v2/int8";

/// Length of an embedding.
pub const DIM: usize = 768;

/// Longer questions are cut to this many tokens (a question of 10 KB is
/// still read; its first 128 tokens say what it asks). Well within the
/// model's 512 positions.
const MAX_TOKENS: usize = 128;

/// The weights, in two files of under 100 MB each: the embeddings and the
/// first six layers, then the last six.
static PARTS: [&[u8]; 2] = [
    include_bytes!("../../../models/all-mpnet-base-v2/model-1.safetensors"),
    include_bytes!("../../../models/all-mpnet-base-v2/model-2.safetensors"),
];
static TOKENIZER: &[u8] = include_bytes!("../../../models/all-mpnet-base-v2/tokenizer.json");
static CONFIG: &str = include_str!("../../../models/all-mpnet-base-v2/config.json");

/// The stored name of the word table, kept in its int8 form ([`Words`]).
const WORDS: &str = "embeddings.word_embeddings.weight";

/// Suffix of a weight's row scales: a tensor with one is stored as int8.
const SCALE: &str = ".scale";

static PARAPHRASER: Lazy<std::result::Result<Paraphraser, String>> =
    Lazy::new(|| Paraphraser::load(int8_runs()).map_err(|e| format!("{e:#}")));

/// Whether the process's paraphrase encoder keeps its weights int8: where the
/// CPU has AVX2, in an optimised build (unoptimised, as the tests are built,
/// the kernel is many times slower than candle's f32 product; its unit tests
/// still check it).
fn int8_runs() -> bool {
    super::int8::available() && !cfg!(debug_assertions)
}

/// The process's paraphrase encoder, loaded on first use (about 0.15 s and
/// 180 MB, BENCHMARKS.md).
pub fn paraphraser() -> Result<&'static Paraphraser> {
    PARAPHRASER.as_ref().map_err(|e| Error::Model(e.clone()))
}

/// A question encoder: text in, a unit vector of [`DIM`] floats out.
pub struct Paraphraser {
    model: Mpnet,
    tokenizer: Tokenizer,
    device: Device,
    questions: QuestionCache,
}

impl Paraphraser {
    /// The embedded model; `int8`: its linear layers through [`super::int8`]
    /// (only where [`super::int8::available`]), else in f32.
    pub fn load(int8: bool) -> anyhow::Result<Paraphraser> {
        let device = Device::Cpu;
        let config: Config = serde_json::from_str(CONFIG)?;
        let tokenizer = tokenizer(TOKENIZER, MAX_TOKENS)?;
        let stored = Stored {
            parts: PARTS
                .iter()
                .map(|part| SliceSafetensors::new(part))
                .collect::<candle_core::Result<_>>()?,
            f32_layout: !int8,
        };
        let words = Words::new(
            stored
                .load(WORDS, &device)?
                .flatten_all()?
                .to_vec1::<u8>()?,
            stored
                .load(&format!("{WORDS}{SCALE}"), &device)?
                .to_vec1::<f32>()?,
            config.hidden_size,
        )
        .ok_or_else(|| anyhow::anyhow!("the word table's scales do not match its rows"))?;
        let vb = VarBuilder::from_backend(Box::new(stored), DType::F32, device.clone());
        let model = Mpnet::load(vb, words, &config, int8)?;
        for part in PARTS {
            release_pages(part, part);
        }
        Ok(Paraphraser {
            model,
            tokenizer,
            device,
            questions: QuestionCache::new(),
        })
    }

    /// The embedding of a question, remembered for the next time it is asked.
    pub fn question(&self, text: &str) -> Result<Vec<f32>> {
        self.questions.get_or(text, |t| {
            Ok(self.encode(&[t])?.pop().unwrap_or_else(|| vec![0.0; DIM]))
        })
    }

    /// The embeddings of `texts`, in order, batched by length.
    pub fn encode(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>> {
        encode_batched(&token_ids(&self.tokenizer, texts)?, |batch| {
            let (ids, mask) = padded(batch, self.model.pad_id(), &self.device)?;
            pool_mean(&self.model.forward(&ids, &mask)?, &mask)
        })
    }
}

/// The embedded weights as the model asks for them, one tensor at a time:
/// an int8 tensor is expanded to f32 only then, so the model's f32 copy is
/// never whole (the int8 layers pack each weight as it comes).
struct Stored {
    parts: Vec<SliceSafetensors<'static>>,
    /// Linear weights laid out transposed, for the f32 product (see
    /// `Encoder::load`).
    f32_layout: bool,
}

impl Stored {
    /// The tensor `name` as stored, from whichever part holds it.
    fn load(&self, name: &str, device: &Device) -> candle_core::Result<Tensor> {
        let part = self.parts.iter().find(|p| p.get(name).is_ok());
        match part {
            Some(part) => part.load(name, device),
            None => Err(candle_core::Error::CannotFindTensor {
                path: name.to_string(),
            }),
        }
    }

    /// The tensor `name` as f32: an int8 one (kept as u8, 128 for 0)
    /// times its rows' scales.
    fn expanded(&self, name: &str, device: &Device) -> candle_core::Result<Tensor> {
        let t = self.load(name, device)?;
        let scale = format!("{name}{SCALE}");
        let t = if self.contains_tensor(&scale) {
            let scale = self.load(&scale, device)?.to_dtype(DType::F32)?;
            (t.to_dtype(DType::F32)? - 128.0)?.broadcast_mul(&scale.unsqueeze(1)?)?
        } else {
            t.to_dtype(DType::F32)?
        };
        if self.f32_layout && is_linear_weight(name) && t.rank() == 2 {
            t.t()?.contiguous()?.t()
        } else {
            Ok(t)
        }
    }
}

impl SimpleBackend for Stored {
    fn get(
        &self,
        shape: Shape,
        name: &str,
        _: candle_nn::Init,
        dtype: DType,
        device: &Device,
    ) -> candle_core::Result<Tensor> {
        let t = self.expanded(name, device)?.to_dtype(dtype)?;
        if t.shape() != &shape {
            return Err(candle_core::Error::UnexpectedShape {
                msg: format!("shape mismatch for {name}"),
                expected: shape,
                got: t.shape().clone(),
            });
        }
        Ok(t)
    }

    /// Asked for as u8, an int8 tensor comes as stored (for
    /// `bert::int8_as_stored`); otherwise as [`SimpleBackend::get`] gives it.
    fn get_unchecked(
        &self,
        name: &str,
        dtype: DType,
        device: &Device,
    ) -> candle_core::Result<Tensor> {
        if dtype == DType::U8 {
            return self.load(name, device);
        }
        self.expanded(name, device)?.to_dtype(dtype)
    }

    fn contains_tensor(&self, name: &str) -> bool {
        self.parts.iter().any(|p| p.get(name).is_ok())
    }
}

/// Whether a stored tensor is the weight of a linear layer (attention's four
/// products, the feed-forward layers).
fn is_linear_weight(name: &str) -> bool {
    [
        "attn.q.weight",
        "attn.k.weight",
        "attn.v.weight",
        "attn.o.weight",
        "dense.weight",
    ]
    .iter()
    .any(|suffix| name.ends_with(suffix))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::semantic::cosine;

    #[test]
    fn the_embedded_model_gives_the_reference_vectors() {
        // Reference: the same int8 weights through a NumPy copy of Hugging
        // Face's MPNetModel, mean-pooled and normalised (models/…/README.md).
        let p = Paraphraser::load(false).unwrap();
        let v = p
            .encode(&["Why do people hate talking to a machine?"])
            .unwrap();
        let norm: f32 = v[0].iter().map(|x| x * x).sum::<f32>().sqrt();
        assert!((norm - 1.0).abs() < 1e-4);
        for (got, want) in v[0].iter().zip([-0.01467, 0.04732, -0.01871, -0.04046]) {
            assert!((got - want).abs() < 2e-4, "{got} against {want}");
        }
    }

    #[test]
    fn a_paraphrase_is_close_and_another_question_far() {
        let p = paraphraser().unwrap();
        let v = p
            .encode(&[
                "How do I bake bread?",
                "What is the recipe for baking bread?",
                "Who won the football match?",
            ])
            .unwrap();
        assert!(cosine(&v[0], &v[1]) > 0.75, "{}", cosine(&v[0], &v[1]));
        assert!(cosine(&v[0], &v[2]) < 0.2, "{}", cosine(&v[0], &v[2]));
        // Cached: the same vector again.
        assert_eq!(p.question("How do I bake bread?").unwrap(), v[0]);
        // Padding in a batch does not move a text's vector.
        let alone = p.encode(&["Who won the football match?"]).unwrap();
        assert!(cosine(&alone[0], &v[2]) > 0.9999);
    }

    #[test]
    fn a_question_of_ten_kilobytes_is_encoded_from_its_first_tokens() {
        let long = "why ".repeat(2_500);
        let v = paraphraser().unwrap().question(&long).unwrap();
        assert_eq!(v.len(), DIM);
    }

    #[test]
    fn the_int8_forward_stays_within_its_tolerance() {
        if !super::super::int8::available() {
            return;
        }
        let f32s = Paraphraser::load(false).unwrap();
        let int8 = Paraphraser::load(true).unwrap();
        let texts = ["Who closes deals and haggles over terms?", "hi"];
        for (a, b) in f32s
            .encode(&texts)
            .unwrap()
            .iter()
            .zip(int8.encode(&texts).unwrap())
        {
            assert!(cosine(a, &b) > 0.99999, "{}", cosine(a, &b));
        }
    }
}
