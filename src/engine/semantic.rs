//! Sentence embeddings, for the semantic stage of the rerank.
//!
//! Words alone miss paraphrases ("bargaining" for "negotiation") and rank a
//! passage that repeats the question's words above one that answers it. A
//! small sentence encoder, all-MiniLM-L6-v2 (6 layers, 384 dimensions,
//! Apache-2.0; see `models/all-minilm-l6-v2/README.md`), maps a question and a
//! passage to vectors whose cosine says how close their meanings are.
//!
//! The weights (as f16, 45 MB) and the tokenizer are compiled into the
//! binary, so nothing is downloaded, ever. They are loaded once per process,
//! on first use, and run on the CPU with candle. Passages are encoded when
//! the index is built and stored with them; a question is encoded the first
//! time it is asked (3–10 ms, see BENCHMARKS.md), unless its words settle
//! the answer (see `Engine::search`), and remembered for the next
//! [`QUESTION_CACHE`] distinct questions.
//!
//! The forward pass is `bert`'s: candle-transformers' `BertModel` written out
//! with `gelu`'s vectorised GELU, 22% less user CPU for the same vectors
//! (BENCHMARKS.md, session 7), and, on CPUs with AVX512-BF16, its linear
//! layers in bf16 (`bf16`, 1.7× faster builds, session 8); `BertModel` itself
//! stays as the reference ([`Forward::Reference`]) that the unit tests check
//! it against. An index build runs whole batches on one worker per core
//! (`workers`).

use candle_core::safetensors::Load;
use candle_core::{DType, Device, Tensor};
use candle_nn::VarBuilder;
use candle_transformers::models::bert::{BertModel, Config};
use std::num::NonZeroUsize;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use half::f16;
use lru::LruCache;
use once_cell::sync::Lazy;
use tokenizers::Tokenizer;

use crate::error::{Error, Result};

mod bert;
mod bf16;
mod gelu;
mod halves;
mod int8;
mod mpnet;
pub mod paraphrase;
mod workers;
use bert::{Bert, Precision};

/// Names the model in the index manifest: an index built with another model
/// (or none) is rebuilt.
pub const MODEL_ID: &str = "all-MiniLM-L6-v2/f16/passage+sentences";

/// Length of an embedding.
pub const DIM: usize = 384;

/// Longer inputs are cut to this many tokens (the model was trained on 256;
/// a passage of 800 characters is about 180).
const MAX_TOKENS: usize = 256;

/// Most texts encoded together in one forward pass. Each core's worker runs
/// its own batch (`workers`), so this many texts per core: on the index
/// bench's 629 passages, 4 built in 22.7 s with a 185 MiB peak, 8 in 22.1 s
/// with 229 MiB, 16 in 24.2 s with 331 MiB (BENCHMARKS.md, session 8).
const BATCH: usize = 4;

/// Bound on a batch's texts × its longest text's tokens², i.e. on the size of
/// the attention tensors (texts × 12 heads × tokens × tokens floats, several
/// alive at once in the forward). Four texts of up to 128 tokens fit; texts
/// of 256 tokens go one at a time. Without such a bound a batch of sixteen
/// long passages held some 200 MB of attention scores.
const ATTENTION_BUDGET: usize = BATCH * 128 * 128;

/// Splits `order` (indices sorted by ascending token count, `len` giving a
/// text's tokens) into batches of at most [`BATCH`] texts within
/// [`ATTENTION_BUDGET`]. A batch always takes at least one text.
fn batches(order: &[usize], len: impl Fn(usize) -> usize) -> Vec<&[usize]> {
    let mut out = Vec::new();
    let mut start = 0;
    while start < order.len() {
        let mut end = start + 1;
        // Sorted ascending, so the newest text is the longest of the batch.
        while end < order.len()
            && end - start < BATCH
            && (end + 1 - start) * len(order[end]).pow(2) <= ATTENTION_BUDGET
        {
            end += 1;
        }
        out.push(&order[start..end]);
        start = end;
    }
    out
}

static WEIGHTS: &[u8] = include_bytes!("../../models/all-minilm-l6-v2/model.safetensors");
static TOKENIZER: &[u8] = include_bytes!("../../models/all-minilm-l6-v2/tokenizer.json");
static CONFIG: &str = include_str!("../../models/all-minilm-l6-v2/config.json");

/// The loaded model. Loading fails only if the embedded files are broken,
/// which a unit test rules out; the error is kept so every caller sees it.
static ENCODER: Lazy<std::result::Result<Encoder, String>> =
    Lazy::new(|| Encoder::load(Forward::fastest()).map_err(|e| format!("{e:#}")));

/// Tokens through the model since the process started: the texts' own, and
/// the padded shape's (batch × longest), for the arithmetic rate a build
/// reports (about 21 MFLOP a token for this model).
static TOKENS: AtomicU64 = AtomicU64::new(0);
static PADDED_TOKENS: AtomicU64 = AtomicU64::new(0);

/// (tokens, tokens with padding) encoded so far by this process.
pub fn tokens_encoded() -> (u64, u64) {
    (
        TOKENS.load(Ordering::Relaxed),
        PADDED_TOKENS.load(Ordering::Relaxed),
    )
}

/// Hands the resident pages of embedded weights (`bytes`, a part of the
/// static `of`) back to the kernel once they have been read. The stored
/// weights are needed only to build the f32 model; left resident they would
/// add their size (45 MB here, 105 MB for the paraphrase model) to every
/// process that encodes.
fn release_pages(of: &'static [u8], bytes: &[u8]) {
    let inside = of.as_ptr_range();
    let range = bytes.as_ptr_range();
    if range.start < inside.start || range.end > inside.end {
        return;
    }
    // SAFETY: sysconf only reads a system constant.
    let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    let Ok(page) = usize::try_from(page) else {
        return;
    };
    if page == 0 {
        return;
    }
    let start = bytes.as_ptr() as usize;
    let first = start.div_ceil(page) * page;
    let end = (start + bytes.len()) / page * page;
    if end <= first {
        return;
    }
    // SAFETY: [first, end) lies inside `bytes`, checked above to be part of
    // `of`, a static in the executable's read-only data: the kernel maps
    // it privately from the binary's file and nothing ever writes it, and the
    // range holds whole pages of it only. MADV_DONTNEED drops the resident
    // pages of such a mapping; a later read faults them in again from the
    // file, with the same bytes (only tests load the model a second time: the
    // binary loads it once, so even a binary not mapped from a file never
    // reads these bytes again). Nothing is freed that Rust still owns.
    let status =
        unsafe { libc::madvise(first as *mut libc::c_void, end - first, libc::MADV_DONTNEED) };
    if status != 0 {
        tracing::debug!("madvise did not release the embedded weights' pages");
    }
}

/// The process's encoder, loaded on first use (about 0.1 s).
pub fn encoder() -> Result<&'static Encoder> {
    ENCODER.as_ref().map_err(|e| Error::Model(e.clone()))
}

/// Questions whose embeddings an encoder remembers ([`QuestionCache`]).
const QUESTION_CACHE: usize = 512;

/// Which forward pass an encoder runs. The f32 ones give the same vectors:
/// they differ by about 2e-7 a component at most (BENCHMARKS.md, session 7),
/// well below the f16 step (6e-5 near 0.1) an index stores them with. The
/// bf16 one is within 0.0011 a component (cosine 0.99998), too close to move
/// a ranking, so an index built by any of them is kept: one built on a CPU
/// without AVX512-BF16 answers the same on one with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Forward {
    /// candle-transformers' `BertModel`, libm's scalar `erf` in its GELU (the
    /// encoder until session 7): the reference the other is checked against.
    Reference,
    /// This crate's forward pass with the vectorised GELU (`bert`), about 22%
    /// less user CPU; the process's encoder where the CPU has no AVX512-BF16.
    Vectorised,
    /// The same with its linear layers in bf16 (`bf16`): the process's
    /// encoder where the CPU has AVX512-BF16. Its vectors are not the same
    /// to 2e-7 but within the bf16 tolerance its unit test states (cosine
    /// at least 0.999 to the f32 vectors).
    Bf16,
}

/// The environment variable that keeps both encoders off the bf16 product
/// (see [`Forward::fastest`]).
pub const NO_BF16: &str = "PASSAGEBOT_NO_BF16";

impl Forward {
    /// The fastest forward this CPU and this build run: [`Forward::Bf16`] or
    /// [`Forward::Vectorised`]. An unoptimised build (the tests, `cargo run`
    /// without `--release`) compiles this crate without optimisation but
    /// candle's and gemm's with it (Cargo.toml), so there the bf16 kernel is
    /// many times slower than candle's f32 product and the f32 forward runs;
    /// the bf16 one is still checked by its unit tests.
    ///
    /// [`NO_BF16`] set in the environment takes the f32 forward on any CPU:
    /// how the speed of CPUs without AVX512-BF16 is measured on one with it.
    pub fn fastest() -> Forward {
        if bf16::available() && !cfg!(debug_assertions) && std::env::var_os(NO_BF16).is_none() {
            Forward::Bf16
        } else {
            Forward::Vectorised
        }
    }
}

enum Model {
    Reference(BertModel),
    Vectorised(Bert),
}

/// A sentence encoder: text in, a unit vector of [`DIM`] floats out.
pub struct Encoder {
    model: Model,
    /// Where the CPU has no AVX512-BF16 but AVX2: the same model with int8
    /// linear layers, for questions only (see [`Encoder::load_with`]).
    questions_model: Option<Model>,
    tokenizer: Tokenizer,
    device: Device,
    questions: QuestionCache,
}

impl Encoder {
    /// The embedded model, run by `forward` (the process's own encoder is
    /// [`encoder`]); with the f32 forward of an optimised build on a CPU
    /// with AVX2, questions go through int8 layers.
    pub fn load(forward: Forward) -> anyhow::Result<Encoder> {
        let int8_questions =
            forward == Forward::Vectorised && int8::available() && !cfg!(debug_assertions);
        Encoder::load_with(forward, int8_questions)
    }

    /// The embedded model, run by `forward`; `int8_questions`: a question,
    /// a few dozen tokens that mostly read weights, goes through a copy with
    /// int8 linear layers (22 MB read instead of 90 MB of f32: about 10 ms
    /// a question become 4 on this machine kind, BENCHMARKS.md session 12),
    /// while passages, batches that mostly compute, keep the f32 forward.
    /// Its vectors are within cosine 0.998 of the f32 ones (unit test).
    pub fn load_with(forward: Forward, int8_questions: bool) -> anyhow::Result<Encoder> {
        let device = Device::Cpu;
        let config: Config = serde_json::from_str(CONFIG)?;
        let tokenizer = limited(
            PARSED_TOKENIZER
                .as_ref()
                .map_err(|e| anyhow::anyhow!("{e}"))?
                .clone(),
            MAX_TOKENS,
        )?;
        // Tensor by tensor: only one f16 copy is alive beside the f32 model
        // (loading them all first held 45 MB more at the peak).
        let file = candle_core::safetensors::SliceSafetensors::new(WEIGHTS)?;
        let mut weights = std::collections::HashMap::new();
        // The questions' copy: linear weights as int8 rows (stored as u8,
        // 128 for 0) with their scales, quantised here from the rows in
        // order (from the transposed layout it took three times as long).
        let mut int8_weights = std::collections::HashMap::new();
        for (name, view) in file.tensors() {
            let mut t = view.load(&device)?.to_dtype(DType::F32)?;
            // Converted: its f16 bytes need not stay resident.
            release_pages(WEIGHTS, view.data());
            let linear = is_linear_weight(&name) && t.rank() == 2;
            if int8_questions && linear {
                let (outputs, inputs) = t.dims2()?;
                let (rows, scales) = int8::quantise(&t.flatten_all()?.to_vec1::<f32>()?, inputs);
                int8_weights.insert(
                    format!("{name}.scale"),
                    Tensor::from_vec(scales, outputs, &device)?,
                );
                int8_weights.insert(
                    name.clone(),
                    Tensor::from_vec(rows, (outputs, inputs), &device)?,
                );
            }
            if forward != Forward::Bf16 && linear {
                // A linear layer multiplies by its weight transposed: stored
                // transposed (the same values, another layout), that product
                // reads memory in order and takes half the time. Done here,
                // tensor by tensor, so no second copy of the model is alive.
                // The bf16 forward packs the weights its own way instead.
                t = t.t()?.contiguous()?.t()?;
            }
            if int8_questions && !linear {
                // Shared with the f32 model, not copied.
                int8_weights.insert(name.clone(), t.clone());
            }
            weights.insert(name, t);
        }
        drop(file);
        release_pages(WEIGHTS, WEIGHTS);
        let vb = VarBuilder::from_tensors(weights, DType::F32, &device);
        let questions_model = if int8_questions {
            let vb = VarBuilder::from_tensors(int8_weights, DType::F32, &device);
            Some(Model::Vectorised(Bert::load(vb, &config, Precision::Int8)?))
        } else {
            None
        };
        let model = match forward {
            Forward::Reference => Model::Reference(BertModel::load(vb, &config)?),
            Forward::Vectorised => Model::Vectorised(Bert::load(vb, &config, Precision::F32)?),
            Forward::Bf16 => Model::Vectorised(Bert::load(vb, &config, Precision::Bf16)?),
        };
        Ok(Encoder {
            model,
            questions_model,
            tokenizer,
            device,
            questions: QuestionCache::new(),
        })
    }

    /// The embedding of a question, remembered for the next time it is asked.
    pub fn question(&self, text: &str) -> Result<Vec<f32>> {
        self.questions
            .get_or(text, |t| match &self.questions_model {
                Some(model) => {
                    let ids = token_ids(&self.tokenizer, &[t])?;
                    let mut all = encode_batched(&ids, |batch| self.forward_by(model, batch))?;
                    Ok(all.pop().unwrap_or_else(|| vec![0.0; DIM]))
                }
                None => self.encode_one(t),
            })
    }

    /// The embedding of one text.
    pub fn encode_one(&self, text: &str) -> Result<Vec<f32>> {
        let mut all = self.encode(&[text])?;
        // `encode` returns one vector per input.
        Ok(all.pop().unwrap_or_else(|| vec![0.0; DIM]))
    }

    /// The embeddings of `texts`, in order. Texts of similar length are
    /// batched together so little work goes into padding.
    pub fn encode(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>> {
        encode_batched(&token_ids(&self.tokenizer, texts)?, |batch| {
            self.forward(batch)
        })
    }

    /// One padded batch through the model, mean-pooled over real tokens and
    /// normalised to unit length, as the model was trained.
    fn forward(&self, batch: &[&[u32]]) -> candle_core::Result<Vec<Vec<f32>>> {
        self.forward_by(&self.model, batch)
    }

    /// The same through `model`.
    fn forward_by(&self, model: &Model, batch: &[&[u32]]) -> candle_core::Result<Vec<Vec<f32>>> {
        let (hidden, mask) = self.hidden(model, batch)?;
        pool_mean(&hidden, &mask)
    }

    /// One padded batch through `model`: every token's final state
    /// (batch × longest × [`DIM`]) and the mask of real tokens.
    fn hidden(&self, model: &Model, batch: &[&[u32]]) -> candle_core::Result<(Tensor, Tensor)> {
        let (ids, mask) = padded(batch, 0, &self.device)?;
        let real: usize = batch.iter().map(|ids| ids.len()).sum();
        TOKENS.fetch_add(real as u64, Ordering::Relaxed);
        PADDED_TOKENS.fetch_add(ids.elem_count() as u64, Ordering::Relaxed);
        let hidden = match model {
            Model::Reference(model) => model.forward(&ids, &ids.zeros_like()?, Some(&mask))?,
            Model::Vectorised(model) => model.forward(&ids, &mask)?,
        };
        Ok((hidden, mask))
    }
}

/// The whole words of the encoder's vocabulary (lower-case ASCII letters,
/// no word pieces): about 20,000 English words, names and forms, the
/// dictionary [`crate::engine::typo::respell`] asks whether a word the
/// documents lack is a word at all. Empty if the embedded tokenizer were
/// broken (a unit test rules that out): then every word may be corrected, as
/// before.
static DICTIONARY: Lazy<std::collections::HashSet<String>> = Lazy::new(|| {
    let Ok(tokenizer) = PARSED_TOKENIZER.as_ref() else {
        return std::collections::HashSet::new();
    };
    tokenizer
        .get_vocab(false)
        .into_keys()
        .filter(|w| w.len() > 1 && w.bytes().all(|b| b.is_ascii_lowercase()))
        .collect()
});

/// Whether `word` (lower case) is a whole word of the encoder's vocabulary:
/// "line" and "thing" are, "custmers" and "negotiaton" are not.
pub fn is_dictionary_word(word: &str) -> bool {
    DICTIONARY.contains(word)
}

/// The encoder's tokenizer, parsed once (about 30 ms) for both the encoder
/// and the [`DICTIONARY`].
static PARSED_TOKENIZER: Lazy<std::result::Result<Tokenizer, String>> =
    Lazy::new(|| Tokenizer::from_bytes(TOKENIZER).map_err(|e| e.to_string()));

/// An embedded tokenizer (`bytes`, its `tokenizer.json`) that pads nothing
/// and cuts a text to `max_tokens`.
fn tokenizer(bytes: &[u8], max_tokens: usize) -> anyhow::Result<Tokenizer> {
    limited(
        Tokenizer::from_bytes(bytes).map_err(anyhow::Error::msg)?,
        max_tokens,
    )
}

/// `tokenizer` padding nothing and cutting a text to `max_tokens`.
fn limited(mut tokenizer: Tokenizer, max_tokens: usize) -> anyhow::Result<Tokenizer> {
    tokenizer.with_padding(None);
    tokenizer
        .with_truncation(Some(tokenizers::TruncationParams {
            max_length: max_tokens,
            ..Default::default()
        }))
        .map_err(anyhow::Error::msg)?;
    Ok(tokenizer)
}

/// Questions whose embeddings an encoder remembers: a `More` page, `:more`,
/// or the same question from the next student costs no second pass.
struct QuestionCache(Mutex<LruCache<String, Vec<f32>>>);

impl QuestionCache {
    fn new() -> QuestionCache {
        QuestionCache(Mutex::new(LruCache::new(
            NonZeroUsize::new(QUESTION_CACHE).unwrap_or(NonZeroUsize::MIN),
        )))
    }

    /// `text`'s remembered embedding, else `encode`'s, remembered.
    fn get_or(
        &self,
        text: &str,
        encode: impl FnOnce(&str) -> Result<Vec<f32>>,
    ) -> Result<Vec<f32>> {
        // A poisoned lock only means another search panicked mid-update of
        // the cache; its entries are still whole vectors.
        let cached = self
            .0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(text)
            .cloned();
        if let Some(v) = cached {
            return Ok(v);
        }
        let v = encode(text)?;
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .put(text.to_string(), v.clone());
        Ok(v)
    }
}

/// Each text's token ids, as `tokenizer` (with its truncation) gives them.
fn token_ids(tokenizer: &Tokenizer, texts: &[&str]) -> Result<Vec<Vec<u32>>> {
    texts
        .iter()
        .map(|text| {
            tokenizer
                .encode(*text, true)
                .map(|enc| enc.get_ids().to_vec())
                .map_err(|e| Error::Model(format!("cannot tokenise a text: {e}")))
        })
        .collect()
}

/// The vectors `forward` gives for each text's `ids`, in order. Texts of
/// similar length are batched together ([`batches`]) so little work goes into
/// padding, and the batches are shared among the cores ([`workers`]).
fn encode_batched(
    ids: &[Vec<u32>],
    forward: impl Fn(&[&[u32]]) -> candle_core::Result<Vec<Vec<f32>>> + Sync,
) -> Result<Vec<Vec<f32>>> {
    let mut order: Vec<usize> = (0..ids.len()).collect();
    order.sort_by_key(|&i| ids[i].len());
    let batches = batches(&order, |i| ids[i].len());
    let vectors = workers::map(&batches, |batch| {
        let rows: Vec<&[u32]> = batch.iter().map(|&i| ids[i].as_slice()).collect();
        forward(&rows).map_err(model_err)
    })?;
    let mut out = vec![Vec::new(); ids.len()];
    for (batch, vectors) in batches.iter().zip(vectors) {
        for (&i, v) in batch.iter().zip(vectors) {
            out[i] = v;
        }
    }
    Ok(out)
}

/// A batch as tensors: the ids padded with `pad` to the longest text (batch ×
/// longest, u32), and the mask of real tokens (1) and padding (0).
fn padded(batch: &[&[u32]], pad: u32, device: &Device) -> candle_core::Result<(Tensor, Tensor)> {
    let len = batch.iter().map(|ids| ids.len()).max().unwrap_or(0).max(1);
    let mut ids = Vec::with_capacity(batch.len() * len);
    let mut mask = Vec::with_capacity(batch.len() * len);
    for row in batch {
        ids.extend_from_slice(row);
        ids.extend(std::iter::repeat_n(pad, len - row.len()));
        mask.extend(std::iter::repeat_n(1u32, row.len()));
        mask.extend(std::iter::repeat_n(0u32, len - row.len()));
    }
    Ok((
        Tensor::from_vec(ids, (batch.len(), len), device)?,
        Tensor::from_vec(mask, (batch.len(), len), device)?,
    ))
}

/// Each text's mean token state over its real tokens (`hidden`: batch ×
/// tokens × dimensions; `mask`: batch × tokens, 1 for real tokens), scaled to
/// unit length: how both encoders pool.
fn pool_mean(hidden: &Tensor, mask: &Tensor) -> candle_core::Result<Vec<Vec<f32>>> {
    let mask = mask.to_dtype(DType::F32)?.unsqueeze(2)?;
    let summed = hidden.broadcast_mul(&mask)?.sum(1)?;
    let counts = mask.sum(1)?.clamp(1.0, f64::MAX)?;
    let mean = summed.broadcast_div(&counts)?;
    let norm = mean.sqr()?.sum_keepdim(1)?.sqrt()?.clamp(1e-12, f64::MAX)?;
    mean.broadcast_div(&norm)?.to_vec2()
}

/// A passage's vectors from its own token states (`states`, one per token of
/// `enc`, padding after): the passage's mean, and each sentence's mean over
/// the tokens inside it (late chunking, see [`Encoder::passages`]).
fn pool_late(text: &str, enc: &tokenizers::Encoding, states: &[Vec<f32>]) -> PassageVectors {
    let real = &states[..enc.len().min(states.len())];
    let passage = mean_unit(real.iter());
    let spans = crate::engine::corpus::sentence::sentences(text);
    let sentences = if spans.len() > 1 {
        spans
            .iter()
            .map(|span| {
                let inside = real
                    .iter()
                    .zip(enc.get_offsets())
                    .zip(enc.get_special_tokens_mask());
                let tokens: Vec<&Vec<f32>> = inside
                    .filter(|((_, (from, to)), special)| {
                        **special == 0 && *from < span.end && *to > span.start
                    })
                    .map(|((state, _), _)| state)
                    .collect();
                // A sentence cut off by the token limit shares the
                // passage's vector.
                if tokens.is_empty() {
                    passage.clone()
                } else {
                    mean_unit(tokens.into_iter())
                }
            })
            .collect()
    } else {
        Vec::new()
    };
    PassageVectors { passage, sentences }
}

/// The mean of `states`, scaled to unit length.
fn mean_unit<'a>(states: impl Iterator<Item = &'a Vec<f32>>) -> Vec<f32> {
    let mut sum = vec![0.0f32; DIM];
    let mut n = 0usize;
    for state in states {
        for (s, x) in sum.iter_mut().zip(state) {
            *s += x;
        }
        n += 1;
    }
    let n = n.max(1) as f32;
    sum.iter_mut().for_each(|s| *s /= n);
    let norm = sum.iter().map(|x| x * x).sum::<f32>().sqrt().max(1e-12);
    sum.iter_mut().for_each(|s| *s /= norm);
    sum
}

/// Whether a tensor of the checkpoint is the weight of a linear layer
/// (attention's query, key, value and output; the feed-forward layers), as
/// opposed to an embedding table or a layer norm.
fn is_linear_weight(name: &str) -> bool {
    ["query.weight", "key.weight", "value.weight", "dense.weight"]
        .iter()
        .any(|suffix| name.ends_with(suffix))
}

fn model_err(e: candle_core::Error) -> Error {
    Error::Model(e.to_string())
}

/// Cosine of two unit vectors (their dot product); 0 when either is missing.
pub fn cosine(a: &[f32], b: &[f32]) -> f32 {
    if a.len() != b.len() {
        return 0.0;
    }
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// What the index stores for one passage: the embedding of the whole
/// passage, then one per sentence when it has more than one. A question
/// usually asks about one sentence, and a window of 700 characters can be
/// about several things; the best sentence's similarity counts in the rank
/// beside the whole passage's (QUALITY.md, step 16).
#[derive(Debug, Clone, PartialEq)]
pub struct PassageVectors {
    pub passage: Vec<f32>,
    pub sentences: Vec<Vec<f32>>,
}

impl PassageVectors {
    /// The similarity of the closest sentence (the passage's own when it
    /// has a single sentence).
    pub fn best_sentence(&self, question: &[f32]) -> f32 {
        self.sentences
            .iter()
            .map(|s| cosine(question, s))
            .fold(None, |best: Option<f32>, c| {
                Some(best.map_or(c, |b| b.max(c)))
            })
            .unwrap_or_else(|| cosine(question, &self.passage))
    }

    /// Stored form: the vectors one after another, little-endian f16
    /// (768 bytes each), the passage's first.
    pub fn to_bytes(&self) -> Vec<u8> {
        std::iter::once(&self.passage)
            .chain(&self.sentences)
            .flatten()
            .flat_map(|x| f16::from_f32(*x).to_le_bytes())
            .collect()
    }

    /// The inverse of [`PassageVectors::to_bytes`]; `None` for bytes that
    /// are not whole vectors.
    pub fn from_bytes(bytes: &[u8]) -> Option<PassageVectors> {
        if bytes.is_empty() || !bytes.len().is_multiple_of(DIM * 2) {
            return None;
        }
        let mut vectors = bytes.chunks_exact(DIM * 2).map(|v| {
            v.chunks_exact(2)
                .map(|c| f16::from_le_bytes([c[0], c[1]]).to_f32())
                .collect::<Vec<f32>>()
        });
        let passage = vectors.next()?;
        Some(PassageVectors {
            passage,
            sentences: vectors.collect(),
        })
    }
}

impl Encoder {
    /// The stored vectors of each passage text. `late`: each passage goes
    /// through the model once, and a sentence's vector is the passage's own
    /// token states pooled over that sentence's tokens ("late chunking", about
    /// half the arithmetic); otherwise every sentence is encoded again on its own.
    pub fn passages(&self, texts: &[&str], late: bool) -> Result<Vec<PassageVectors>> {
        if late {
            self.passages_late(texts)
        } else {
            self.passages_apart(texts)
        }
    }

    /// Late chunking (see [`Encoder::passages`]).
    fn passages_late(&self, texts: &[&str]) -> Result<Vec<PassageVectors>> {
        let mut encodings = Vec::with_capacity(texts.len());
        for text in texts {
            encodings.push(
                self.tokenizer
                    .encode(*text, true)
                    .map_err(|e| Error::Model(format!("cannot tokenise a text: {e}")))?,
            );
        }
        let mut order: Vec<usize> = (0..texts.len()).collect();
        order.sort_by_key(|&i| encodings[i].len());
        let mut out: Vec<Option<PassageVectors>> = vec![None; texts.len()];
        let batches = batches(&order, |i| encodings[i].len());
        // Each batch's token states are pooled by its worker, so only the
        // vectors, not every token's state, wait for the other batches.
        let pooled = workers::map(&batches, |batch| {
            let ids: Vec<&[u32]> = batch.iter().map(|&i| encodings[i].get_ids()).collect();
            let (hidden, _) = self.hidden(&self.model, &ids).map_err(model_err)?;
            let hidden = hidden.to_vec3::<f32>().map_err(model_err)?;
            Ok::<_, Error>(
                batch
                    .iter()
                    .zip(hidden)
                    .map(|(&i, states)| pool_late(texts[i], &encodings[i], &states))
                    .collect::<Vec<_>>(),
            )
        })?;
        for (batch, vectors) in batches.iter().zip(pooled) {
            for (&i, v) in batch.iter().zip(vectors) {
                out[i] = Some(v);
            }
        }
        // Every index was in exactly one batch.
        Ok(out.into_iter().flatten().collect())
    }

    /// Every passage, then every sentence of it, encoded on its own.
    fn passages_apart(&self, texts: &[&str]) -> Result<Vec<PassageVectors>> {
        let mut inputs: Vec<&str> = texts.to_vec();
        let mut spans = Vec::with_capacity(texts.len());
        for text in texts {
            let sentences = crate::engine::corpus::sentence::sentences(text);
            let first = inputs.len();
            if sentences.len() > 1 {
                inputs.extend(sentences.into_iter().map(|r| &text[r]));
            }
            spans.push(first..inputs.len());
        }
        let mut vectors = self.encode(&inputs)?.into_iter();
        let passages: Vec<Vec<f32>> = vectors.by_ref().take(texts.len()).collect();
        let sentences: Vec<Vec<f32>> = vectors.collect();
        Ok(passages
            .into_iter()
            .zip(spans)
            .map(|(passage, span)| PassageVectors {
                passage,
                sentences: sentences[span.start - texts.len()..span.end - texts.len()].to_vec(),
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_dictionary_knows_english_words_and_not_misspellings() {
        assert!(DICTIONARY.len() > 15_000, "{}", DICTIONARY.len());
        for word in ["line", "thing", "beat", "tire", "customers"] {
            assert!(is_dictionary_word(word), "{word}");
        }
        for word in ["custmers", "negotiaton", "handels", "##s", "a"] {
            assert!(!is_dictionary_word(word), "{word}");
        }
    }

    #[test]
    fn the_embedded_model_loads_and_gives_unit_vectors_that_match_the_reference() {
        let e = encoder().expect("embedded model loads");
        let v = e.encode_one("This is an example sentence").unwrap();
        assert_eq!(v.len(), DIM);
        let norm: f32 = v.iter().map(|x| x * x).sum::<f32>().sqrt();
        assert!((norm - 1.0).abs() < 1e-3, "norm {norm}");
        // sentence-transformers' all-MiniLM-L6-v2 gives 0.0677, 0.0634, 0.0487
        // for this sentence; f16 weights stay within 1e-3 of it.
        for (got, want) in v.iter().zip([0.06771, 0.06337, 0.04877]) {
            assert!((got - want).abs() < 1e-3, "{got} vs {want}");
        }
    }

    #[test]
    fn the_vectorised_forward_gives_the_reference_vectors_for_every_passage_and_sentence() {
        let reference = Encoder::load(Forward::Reference).unwrap();
        let ours = Encoder::load(Forward::Vectorised).unwrap();
        let (vectors, lowest, largest) = agreement(&reference, &ours, usize::MAX);
        assert!(vectors > 30, "{vectors} vectors");
        // Measured: cosine 0.999999, components within 2.1e-7 (the f16 an index
        // stores is 6e-5 apart near 0.1). The tolerance is 0.995.
        assert!(lowest > 0.99999, "lowest cosine {lowest}");
        assert!(largest < 1e-5, "largest component difference {largest}");
    }

    #[test]
    fn the_bf16_forward_stays_within_its_tolerance_of_the_reference() {
        if !bf16::available() {
            eprintln!("skipped: this CPU has no AVX512-BF16");
            return;
        }
        let reference = Encoder::load(Forward::Reference).unwrap();
        let ours = Encoder::load(Forward::Bf16).unwrap();
        // The first 8 paragraphs: the kernel is compiled unoptimised in tests (the
        // whole article takes 14 s there).
        let (vectors, lowest, largest) = agreement(&reference, &ours, 8);
        assert!(vectors > 15, "{vectors} vectors");
        // Measured on an AMD EPYC with AVX512-BF16 (session 8): 42 vectors,
        // lowest cosine 0.99998, components within 0.0011. The tolerance:
        // cosine at least 0.999.
        assert!(lowest >= 0.999, "lowest cosine {lowest}");
        assert!(largest < 0.01, "largest component difference {largest}");
        eprintln!("bf16: {vectors} vectors, lowest cosine {lowest}, largest difference {largest}");
    }

    /// The bundled article's first `paragraphs` paragraphs through two
    /// encoders: a passage's vector and each sentence's, as the index stores
    /// them. How many vectors, the lowest cosine between the two encoders' and
    /// the largest difference in a component.
    fn agreement(a: &Encoder, b: &Encoder, paragraphs: usize) -> (usize, f32, f32) {
        let article = include_str!("../../corpus/sales-vs-marketing.md");
        let texts: Vec<&str> = article
            .split("\n\n")
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .take(paragraphs)
            .collect();
        let (mut vectors, mut lowest, mut largest) = (0, 1.0f32, 0.0f32);
        for (r, o) in a
            .passages(&texts, false)
            .unwrap()
            .iter()
            .zip(b.passages(&texts, false).unwrap())
        {
            assert_eq!(r.sentences.len(), o.sentences.len());
            let pairs = std::iter::once((&r.passage, &o.passage))
                .chain(r.sentences.iter().zip(&o.sentences));
            for (x, y) in pairs {
                vectors += 1;
                lowest = lowest.min(cosine(x, y));
                largest = x
                    .iter()
                    .zip(y)
                    .map(|(p, q)| (p - q).abs())
                    .fold(largest, f32::max);
            }
        }
        (vectors, lowest, largest)
    }

    #[test]
    fn batches_of_mixed_lengths_match_single_encodings() {
        let e = encoder().unwrap();
        let texts = [
            "How is sales different from marketing?",
            "Sales and marketing are similar functions yet also very different, and much of the confusion comes from the lens one uses.",
            "",
            "négociation 🤝",
        ];
        let batch = e.encode(&texts).unwrap();
        for (t, b) in texts.iter().zip(&batch) {
            let one = e.encode_one(t).unwrap();
            assert!(cosine(&one, b) > 0.999, "{t:?}");
        }
    }

    #[test]
    fn batches_keep_order_and_bound_the_attention_size() {
        let lens = [3, 5, 40, 120, 130, 200, 256, 256, 256, 256, 256];
        let order: Vec<usize> = (0..lens.len()).collect();
        let split = batches(&order, |i| lens[i]);
        assert_eq!(split.concat(), order);
        for b in &split {
            let longest = b.iter().map(|&i| lens[i]).max().unwrap();
            assert!(b.len() == 1 || b.len() * longest * longest <= ATTENTION_BUDGET);
            assert!(b.len() <= BATCH);
        }
        assert_eq!(batches(&[], |_| 1).len(), 0);
    }

    #[test]
    fn questions_through_int8_layers_point_where_the_f32_ones_do() {
        if !int8::available() {
            return;
        }
        let e = Encoder::load_with(Forward::Vectorised, true).unwrap();
        for q in [
            "Is marketing data driven?",
            "who handles negotiation with customers",
            "What does the author tell his students about sales and marketing?",
        ] {
            let int8 = e.question(q).unwrap();
            let f32 = e.encode_one(q).unwrap();
            assert_ne!(int8, f32, "{q}: the int8 layers were used");
            assert!(cosine(&int8, &f32) > 0.998, "{q}: {}", cosine(&int8, &f32));
        }
    }

    #[test]
    fn a_repeated_question_comes_from_the_cache_unchanged() {
        let e = encoder().unwrap();
        let first = e.question("Is marketing data driven?").unwrap();
        let again = e.question("Is marketing data driven?").unwrap();
        assert_eq!(first, again);
        assert_eq!(first, e.encode_one("Is marketing data driven?").unwrap());
    }

    #[test]
    fn meaning_is_closer_than_unrelated_text() {
        let e = encoder().unwrap();
        let q = e.encode_one("Is bargaining part of selling?").unwrap();
        let near = e
            .encode_one("Negotiation is a core skill of a salesperson.")
            .unwrap();
        let far = e.encode_one("The capital of France is Paris.").unwrap();
        assert!(cosine(&q, &near) > cosine(&q, &far) + 0.2);
    }

    #[test]
    fn stored_bytes_round_trip_and_bad_lengths_are_refused() {
        let v: Vec<f32> = (0..DIM).map(|i| (i as f32 / DIM as f32) - 0.5).collect();
        let w: Vec<f32> = v.iter().map(|x| -x).collect();
        let stored = PassageVectors {
            passage: v.clone(),
            sentences: vec![w.clone(), v.clone()],
        };
        let back = PassageVectors::from_bytes(&stored.to_bytes()).unwrap();
        assert_eq!(back.sentences.len(), 2);
        let close = |a: &[f32], b: &[f32]| a.iter().zip(b).all(|(x, y)| (x - y).abs() < 1e-3);
        assert!(close(&back.passage, &v) && close(&back.sentences[0], &w));
        assert_eq!(PassageVectors::from_bytes(&[0u8; 10]), None);
        assert_eq!(PassageVectors::from_bytes(&[]), None);
    }

    #[test]
    fn a_passage_gets_one_vector_per_sentence_and_the_best_sentence_wins() {
        let e = encoder().unwrap();
        let text = "Marketing uses research and big data. Sales closes deals by negotiation.";
        for late in [false, true] {
            let stored = e.passages(&[text, "One sentence only."], late).unwrap();
            assert_eq!(stored[0].sentences.len(), 2);
            assert!(stored[1].sentences.is_empty());
            let q = e.encode_one("Is bargaining part of selling?").unwrap();
            assert!(
                stored[0].best_sentence(&q) > cosine(&q, &stored[0].passage),
                "late: {late}"
            );
            assert_eq!(stored[1].best_sentence(&q), cosine(&q, &stored[1].passage));
        }
    }

    #[test]
    fn late_chunking_keeps_the_passage_vector_and_pools_each_sentence_from_it() {
        let e = encoder().unwrap();
        let text = "Marketing uses research and big data. Sales closes deals by negotiation. \
                    Both want happy customers.";
        let apart = e.passages(&[text], false).unwrap().remove(0);
        let late = e.passages(&[text], true).unwrap().remove(0);
        // The whole passage is pooled the same way either way.
        assert!(cosine(&apart.passage, &late.passage) > 0.999);
        assert_eq!(late.sentences.len(), 3);
        for (a, l) in apart.sentences.iter().zip(&late.sentences) {
            let norm: f32 = l.iter().map(|x| x * x).sum::<f32>().sqrt();
            assert!((norm - 1.0).abs() < 1e-3, "norm {norm}");
            // Each pooled sentence is closer to its own sentence encoded alone
            // than to the others.
            let own = cosine(a, l);
            for other in apart.sentences.iter().filter(|o| *o != a) {
                assert!(own > cosine(other, l), "{own} vs {}", cosine(other, l));
            }
        }
    }
}
