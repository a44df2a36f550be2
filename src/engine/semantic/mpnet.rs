//! The paraphrase encoder's MPNet forward pass (all-mpnet-base-v2).
//!
//! MPNet is BERT's shape (embeddings, twelve layers of self-attention and
//! feed-forward, post-layer-norm) with three differences, written out here
//! as Hugging Face's `MPNetModel` computes them:
//! - positions start after the padding id (2, 3, …) and there are no token
//!   types;
//! - every layer's attention scores get a bias by the distance between the
//!   two tokens, looked up in one table of 32 buckets per head
//!   ([`bucket`]: exact up to 7 tokens apart, then logarithmic up to 128);
//! - the attention's four products are named `attn.q`, `attn.k`, `attn.v`
//!   and `attn.o`.
//!
//! The layers are [`super::bert`]'s (`Layer`, under MPNet's names; linear
//! products with int8 weights where the CPU has AVX2, else f32). The word
//! table stays in its stored int8 form and is expanded a row at a time ([`Words`]): as f32 it would hold 94 MB for
//! the few dozen rows a question uses.

use candle_core::{DType, Module, Result, Tensor};
use candle_nn::{Embedding, LayerNorm, VarBuilder};
use serde::Deserialize;

use super::bert::{Layer, LayerNames, Precision};

/// The fields of the checkpoint's `config.json` the forward uses.
#[derive(Debug, Clone, Deserialize)]
pub struct Config {
    pub hidden_size: usize,
    pub num_hidden_layers: usize,
    pub num_attention_heads: usize,
    pub intermediate_size: usize,
    pub max_position_embeddings: usize,
    pub layer_norm_eps: f64,
    pub relative_attention_num_buckets: usize,
    pub pad_token_id: u32,
}

/// Relative distances at least this far apart share the last bucket.
const MAX_DISTANCE: f64 = 128.0;

/// The bucket of the bias table for a key `relative` tokens after the query
/// (negative: before it), out of `buckets`: the first half for keys before
/// the query (or at it), the second for keys after; exact distances below a quarter of `buckets`,
/// then logarithmic steps up to [`MAX_DISTANCE`].
pub fn bucket(relative: i64, buckets: usize) -> usize {
    let half = (buckets / 2) as i64;
    let n = -relative;
    let side = if n < 0 { half } else { 0 };
    let n = n.abs();
    let exact = half / 2;
    let within = if n < exact {
        n
    } else {
        // n ≥ exact ≥ 1 here, so the logarithm is of at least 1.
        let far = (n as f64 / exact as f64).ln() / (MAX_DISTANCE / exact as f64).ln()
            * (half - exact) as f64;
        (exact + far as i64).min(half - 1)
    };
    (side + within) as usize
}

/// The word table as stored: one int8 row per token id (kept as `u8`, 128
/// for 0) and each row's scale.
pub struct Words {
    rows: Vec<u8>,
    scales: Vec<f32>,
    dim: usize,
}

impl Words {
    /// From the stored rows (`vocab × dim` bytes) and their scales.
    pub fn new(rows: Vec<u8>, scales: Vec<f32>, dim: usize) -> Option<Words> {
        (dim > 0 && rows.len() == scales.len() * dim).then_some(Words { rows, scales, dim })
    }

    /// The rows of `ids` as f32, one after another; an id past the table
    /// (never from the model's own tokenizer) gets a row of zeros.
    fn expand(&self, ids: &[u32]) -> Vec<f32> {
        let mut out = Vec::with_capacity(ids.len() * self.dim);
        for &id in ids {
            let id = id as usize;
            match (
                self.rows.get(id * self.dim..(id + 1) * self.dim),
                self.scales.get(id),
            ) {
                (Some(row), Some(scale)) => {
                    out.extend(row.iter().map(|&q| (f32::from(q) - 128.0) * scale))
                }
                _ => out.extend(std::iter::repeat_n(0.0, self.dim)),
            }
        }
        out
    }
}

/// MPNet's names for a layer's attention.
const MPNET_NAMES: LayerNames = LayerNames {
    attention_in: "attention.attn",
    qkv: ["q", "k", "v"],
    attention_out: ("attention.attn", "o"),
    attention_norm: "attention.LayerNorm",
};

/// all-mpnet-base-v2's MPNet.
pub struct Mpnet {
    words: Words,
    positions: Embedding,
    embedding_norm: LayerNorm,
    distance_bias: Tensor,
    layers: Vec<Layer>,
    heads: usize,
    buckets: usize,
    first_position: u32,
}

impl Mpnet {
    /// Loads from the checkpoint's f32 tensors (names as in `MPNetModel`,
    /// without the word table, which is `words`); `int8`: the linear layers
    /// through [`super::int8`] (only where [`super::int8::available`]), else f32.
    pub fn load(vb: VarBuilder, words: Words, c: &Config, int8: bool) -> Result<Mpnet> {
        let e = vb.pp("embeddings");
        let layers = Layer::load_all(
            &vb,
            c.num_hidden_layers,
            &MPNET_NAMES,
            (c.hidden_size, c.intermediate_size),
            c.layer_norm_eps,
            if int8 {
                Precision::Int8
            } else {
                Precision::F32
            },
        )?;
        Ok(Mpnet {
            words,
            positions: candle_nn::embedding(
                c.max_position_embeddings,
                c.hidden_size,
                e.pp("position_embeddings"),
            )?,
            embedding_norm: candle_nn::layer_norm(
                c.hidden_size,
                c.layer_norm_eps,
                e.pp("LayerNorm"),
            )?,
            distance_bias: vb.pp("encoder").get(
                (c.relative_attention_num_buckets, c.num_attention_heads),
                "relative_attention_bias.weight",
            )?,
            layers,
            heads: c.num_attention_heads,
            buckets: c.relative_attention_num_buckets,
            first_position: c.pad_token_id + 1,
        })
    }

    /// The id a batch is padded with.
    pub fn pad_id(&self) -> u32 {
        self.first_position - 1
    }

    /// Every token's final state (batch × tokens × hidden) for `ids` (batch ×
    /// tokens, u32) with `mask` (1 for real tokens, 0 for padding). Padding
    /// comes after a text's tokens, so its positions do not move theirs.
    pub fn forward(&self, ids: &Tensor, mask: &Tensor) -> Result<Tensor> {
        let (b, t) = ids.dims2()?;
        let device = ids.device();
        let flat = ids.flatten_all()?.to_vec1::<u32>()?;
        let words = Tensor::from_vec(self.words.expand(&flat), (b, t, self.words.dim), device)?;
        let positions =
            Tensor::arange(self.first_position, self.first_position + t as u32, device)?;
        let xs = words.broadcast_add(&self.positions.forward(&positions)?)?;
        let mut xs = self.embedding_norm.forward(&xs)?;
        // The distance bias (heads × tokens × tokens) and, as the model does
        // for padding, the lowest f32 added to the scores of padded keys.
        let table = self.distance_bias.to_dtype(DType::F32)?;
        let mut index = Vec::with_capacity(t * t);
        for query in 0..t as i64 {
            for key in 0..t as i64 {
                index.push(bucket(key - query, self.buckets) as u32);
            }
        }
        let index = Tensor::from_vec(index, t * t, device)?;
        let distance = table
            .index_select(&index, 0)?
            .reshape((t, t, self.heads))?
            .permute((2, 0, 1))?
            .unsqueeze(0)?;
        let mask = mask.to_dtype(DType::F32)?.unsqueeze(1)?.unsqueeze(1)?;
        let mask = ((mask.ones_like()? - &mask)? * f64::from(f32::MIN))?;
        let bias = distance.broadcast_add(&mask)?.contiguous()?;
        for layer in &self.layers {
            xs = layer.forward(&xs, &bias, self.heads)?;
        }
        Ok(xs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances_fall_in_the_buckets_the_model_was_trained_with() {
        // Keys before the query (or at it) in the first half, after it in
        // the second; exact below 8, logarithmic to 128, then the last.
        assert_eq!(bucket(0, 32), 0);
        assert_eq!(bucket(-1, 32), 1);
        assert_eq!(bucket(-7, 32), 7);
        assert_eq!(bucket(1, 32), 17);
        assert_eq!(bucket(7, 32), 23);
        assert_eq!(bucket(8, 32), 24);
        assert_eq!(bucket(16, 32), 26);
        assert_eq!(bucket(127, 32), 31);
        assert_eq!(bucket(500, 32), 31);
        assert_eq!(bucket(-500, 32), 15);
    }

    #[test]
    fn the_word_table_expands_its_int8_rows_and_zeroes_an_unknown_id() {
        let words = Words::new(vec![128, 138, 118, 255], vec![0.5, 2.0], 2).unwrap();
        assert_eq!(
            words.expand(&[1, 0, 9]),
            vec![-20.0, 254.0, 0.0, 5.0, 0.0, 0.0]
        );
        assert!(Words::new(vec![1, 2, 3], vec![1.0], 2).is_none());
    }
}
