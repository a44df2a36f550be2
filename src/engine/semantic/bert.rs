//! The encoder's BERT forward pass, with a choice of arithmetic for its
//! linear layers and its GELU.
//!
//! The same computation as candle-transformers' `BertModel` (embeddings, six
//! layers of self-attention and feed-forward, post-layer-norm), written out so
//! that two of its parts can be swapped:
//! - the linear layers (query, key and value as one product, attention output,
//!   intermediate, output) either multiply by f32 weights with candle's `gemm`,
//!   or hold them as candle's 8-bit `Q8_0` and multiply with `QMatMul`, which
//!   quantizes the activations on the fly and sums 8-bit products;
//! - the GELU is either candle's (libm's scalar `erf`) or [`super::gelu`]'s.
//!
//! Embedding tables, layer norms, biases and attention stay f32.

use candle_core::quantized::{GgmlDType, QMatMul, QTensor};
use candle_core::{D, DType, Module, Result, Tensor};
use candle_nn::{Embedding, LayerNorm, Linear, VarBuilder};
use candle_transformers::models::bert::Config;

/// The arithmetic of a [`Bert`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Arithmetic {
    /// Linear layers' weights as 8-bit blocks instead of f32.
    pub q8: bool,
    /// The vectorised GELU instead of candle's.
    pub fast_gelu: bool,
}

/// Inputs of an 8-bit layer are padded with zeros to a multiple of this:
/// candle's fast 8-bit kernel (AVX-512 VNNI, weights repacked in tiles) takes
/// only whole blocks of 256 inputs, and falls back for others (MiniLM's 384)
/// to a kernel per dot product that took three times the f32 build's time.
const KERNEL_BLOCK: usize = 256;

/// A linear layer, `x · Wᵀ + b`.
enum Dense {
    F32(Linear),
    Q8 {
        weight: QMatMul,
        bias: Tensor,
        /// Zero inputs appended to each row (and zero weights to each output).
        pad: usize,
    },
}

impl Dense {
    /// The layers named `names` under `vb` (each `….weight`, outputs × inputs,
    /// and `….bias`) as one: their outputs side by side.
    fn load(
        vb: &VarBuilder,
        names: &[&str],
        (inputs, outputs): (usize, usize),
        q8: bool,
    ) -> Result<Dense> {
        let pad = if q8 {
            inputs.next_multiple_of(KERNEL_BLOCK) - inputs
        } else {
            0
        };
        let mut weights = Vec::with_capacity(names.len());
        let mut biases = Vec::with_capacity(names.len());
        for name in names {
            let w = vb.pp(*name).get((outputs, inputs), "weight")?;
            weights.push(w.pad_with_zeros(1, 0, pad)?);
            biases.push(vb.pp(*name).get(outputs, "bias")?);
        }
        let weight = Tensor::cat(&weights, 0)?;
        let bias = Tensor::cat(&biases, 0)?;
        if q8 {
            let q = QTensor::quantize(&weight.contiguous()?, GgmlDType::Q8_0)?;
            Ok(Dense::Q8 {
                weight: QMatMul::from_qtensor(q)?,
                bias,
                pad,
            })
        } else {
            // The product is by the weight transposed: stored transposed (the
            // same values, another layout), it reads memory in order and takes
            // half the time.
            let weight = weight.t()?.contiguous()?.t()?;
            Ok(Dense::F32(Linear::new(weight, Some(bias))))
        }
    }

    fn forward(&self, xs: &Tensor) -> Result<Tensor> {
        match self {
            Dense::F32(linear) => linear.forward(xs),
            Dense::Q8 { weight, bias, pad } => {
                // QMatMul reads its input as rows in memory order.
                let xs = if *pad > 0 {
                    xs.pad_with_zeros(D::Minus1, 0, *pad)?
                } else {
                    xs.contiguous()?
                };
                weight.forward(&xs)?.broadcast_add(bias)
            }
        }
    }
}

struct Layer {
    /// Query, key and value in one product (the input is read once).
    qkv: Dense,
    attention_out: Dense,
    attention_norm: LayerNorm,
    intermediate: Dense,
    output: Dense,
    output_norm: LayerNorm,
}

impl Layer {
    fn load(vb: VarBuilder, c: &Config, q8: bool) -> Result<Layer> {
        let (h, i) = (c.hidden_size, c.intermediate_size);
        let attention = vb.pp("attention");
        Ok(Layer {
            qkv: Dense::load(
                &attention.pp("self"),
                &["query", "key", "value"],
                (h, h),
                q8,
            )?,
            attention_out: Dense::load(&attention.pp("output"), &["dense"], (h, h), q8)?,
            attention_norm: candle_nn::layer_norm(
                h,
                c.layer_norm_eps,
                attention.pp("output").pp("LayerNorm"),
            )?,
            intermediate: Dense::load(&vb.pp("intermediate"), &["dense"], (h, i), q8)?,
            output: Dense::load(&vb.pp("output"), &["dense"], (i, h), q8)?,
            output_norm: candle_nn::layer_norm(
                h,
                c.layer_norm_eps,
                vb.pp("output").pp("LayerNorm"),
            )?,
        })
    }

    /// `xs`: batch × tokens × hidden; `mask`: batch × 1 × 1 × tokens, 0 for
    /// real tokens and the lowest f32 for padding.
    fn forward(&self, xs: &Tensor, mask: &Tensor, heads: usize, fast_gelu: bool) -> Result<Tensor> {
        let (b, t, h) = xs.dims3()?;
        let head = h / heads;
        let split = |x: Tensor| -> Result<Tensor> {
            x.reshape((b, t, heads, head))?
                .transpose(1, 2)?
                .contiguous()
        };
        let qkv = self.qkv.forward(xs)?;
        let q = split(qkv.narrow(D::Minus1, 0, h)?)?;
        let k = split(qkv.narrow(D::Minus1, h, h)?)?;
        let v = split(qkv.narrow(D::Minus1, 2 * h, h)?)?;
        let scores = (q.matmul(&k.t()?)? / (head as f64).sqrt())?.broadcast_add(mask)?;
        let probs = candle_nn::ops::softmax_last_dim(&scores)?;
        let context = probs
            .matmul(&v)?
            .transpose(1, 2)?
            .contiguous()?
            .reshape((b, t, h))?;
        let attended = self
            .attention_norm
            .forward(&(self.attention_out.forward(&context)? + xs)?)?;
        let inner = self.intermediate.forward(&attended)?;
        let inner = if fast_gelu {
            super::gelu::gelu(&inner)?
        } else {
            inner.gelu_erf()?
        };
        self.output_norm
            .forward(&(self.output.forward(&inner)? + &attended)?)
    }
}

/// MiniLM's BERT.
pub struct Bert {
    words: Embedding,
    positions: Embedding,
    token_types: Embedding,
    embedding_norm: LayerNorm,
    layers: Vec<Layer>,
    heads: usize,
    fast_gelu: bool,
}

impl Bert {
    /// Loads from the checkpoint's f32 tensors (names as in `BertModel`).
    pub fn load(vb: VarBuilder, c: &Config, arithmetic: Arithmetic) -> Result<Bert> {
        let e = vb.pp("embeddings");
        let layers = (0..c.num_hidden_layers)
            .map(|i| Layer::load(vb.pp("encoder").pp(format!("layer.{i}")), c, arithmetic.q8))
            .collect::<Result<Vec<_>>>()?;
        Ok(Bert {
            words: candle_nn::embedding(c.vocab_size, c.hidden_size, e.pp("word_embeddings"))?,
            positions: candle_nn::embedding(
                c.max_position_embeddings,
                c.hidden_size,
                e.pp("position_embeddings"),
            )?,
            token_types: candle_nn::embedding(
                c.type_vocab_size,
                c.hidden_size,
                e.pp("token_type_embeddings"),
            )?,
            embedding_norm: candle_nn::layer_norm(
                c.hidden_size,
                c.layer_norm_eps,
                e.pp("LayerNorm"),
            )?,
            layers,
            heads: c.num_attention_heads,
            fast_gelu: arithmetic.fast_gelu,
        })
    }

    /// Every token's final state (batch × tokens × hidden) for `ids` (batch ×
    /// tokens, u32) with `mask` (1 for real tokens, 0 for padding); all tokens
    /// are of the first segment, as the encoder passes them.
    pub fn forward(&self, ids: &Tensor, mask: &Tensor) -> Result<Tensor> {
        let (_, t) = ids.dims2()?;
        let positions = Tensor::arange(0u32, t as u32, ids.device())?;
        let xs = (self.words.forward(ids)? + self.token_types.forward(&ids.zeros_like()?)?)?
            .broadcast_add(&self.positions.forward(&positions)?)?;
        let mut xs = self.embedding_norm.forward(&xs)?;
        // As BertModel does: padding gets the lowest f32 added to its scores.
        let mask = mask.to_dtype(DType::F32)?.unsqueeze(1)?.unsqueeze(1)?;
        let mask = ((mask.ones_like()? - &mask)? * f64::from(f32::MIN))?;
        for layer in &self.layers {
            xs = layer.forward(&xs, &mask, self.heads, self.fast_gelu)?;
        }
        Ok(xs)
    }
}
