//! The encoder's BERT forward pass.
//!
//! The computation of candle-transformers' `BertModel` (embeddings, six layers
//! of self-attention and feed-forward, post-layer-norm, f32 throughout),
//! written out so that its GELU is [`super::gelu`]'s vectorised one instead of
//! libm's scalar `erf`, which took a seventh of an index build's CPU time
//! (BENCHMARKS.md, session 7). Query, key and value are one product. With
//! candle's GELU in place of ours, its output is bit for bit `BertModel`'s.
//! Loaded with `bf16`, the four linear products of each layer (most of the
//! arithmetic) run in bf16 through [`super::bf16`] instead; everything else
//! stays f32.

use candle_core::{D, DType, Module, Result, Tensor};
use candle_nn::{Embedding, LayerNorm, Linear, VarBuilder};
use candle_transformers::models::bert::Config;

/// How a layer's linear products run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Precision {
    /// f32 through candle.
    F32,
    /// bf16 weights and inputs, f32 sums ([`super::bf16`]; AVX512-BF16).
    Bf16,
    /// int8 weights widened to f32 in registers ([`super::int8`]; AVX2).
    Int8,
}

/// A linear layer, `x · Wᵀ + b`: f32 through candle, or bf16 through
/// [`super::bf16`], or int8 through [`super::int8`] (then only the packed
/// weight is kept).
pub(super) enum Dense {
    F32(Linear),
    Bf16(super::bf16::Packed),
    Int8(super::int8::Packed),
}

impl Dense {
    pub(super) fn forward(&self, xs: &Tensor) -> Result<Tensor> {
        match self {
            Dense::F32(linear) => linear.forward(xs),
            Dense::Bf16(packed) => {
                let (b, t, x) = rows(xs)?;
                Tensor::from_vec(
                    packed.matmul(&x, b * t),
                    (b, t, packed.outputs()),
                    xs.device(),
                )
            }
            Dense::Int8(packed) => {
                let (b, t, x) = rows(xs)?;
                Tensor::from_vec(
                    packed.matmul(&x, b * t),
                    (b, t, packed.outputs()),
                    xs.device(),
                )
            }
        }
    }
}

/// `xs` (batch × tokens × inputs) as rows of floats, with its batch and
/// tokens.
fn rows(xs: &Tensor) -> Result<(usize, usize, Vec<f32>)> {
    let (b, t, _) = xs.dims3()?;
    Ok((b, t, xs.flatten_all()?.to_vec1::<f32>()?))
}

/// A linear layer from the layers named `names` under `vb` (each
/// `….weight`, outputs × inputs, and `….bias`) as one: their outputs side by
/// side. In `precision` where the shapes suit its kernel, else f32.
pub(super) fn dense(
    vb: &VarBuilder,
    names: &[&str],
    (inputs, outputs): (usize, usize),
    precision: Precision,
) -> Result<Dense> {
    if precision == Precision::Int8
        && let Some(packed) = int8_as_stored(vb, names, (inputs, outputs))?
    {
        return Ok(Dense::Int8(packed));
    }
    let mut weights = Vec::with_capacity(names.len());
    let mut biases = Vec::with_capacity(names.len());
    for name in names {
        weights.push(vb.pp(*name).get((outputs, inputs), "weight")?);
        biases.push(vb.pp(*name).get(outputs, "bias")?);
    }
    let bias = Tensor::cat(&biases, 0)?;
    if precision != Precision::F32 {
        let weight = Tensor::cat(&weights, 0)?.flatten_all()?.to_vec1::<f32>()?;
        let (bias, all) = (bias.to_vec1::<f32>()?, outputs * names.len());
        let packed = match precision {
            Precision::Bf16 => {
                super::bf16::Packed::new(&weight, &bias, inputs, all).map(Dense::Bf16)
            }
            _ => super::int8::Packed::new(&weight, &bias, inputs, all).map(Dense::Int8),
        };
        if let Some(packed) = packed {
            return Ok(packed);
        }
    }
    // The product is by the weight transposed: stored transposed (the same
    // values, another layout), it reads memory in order and takes half the
    // time. A single weight comes so laid out from the loader for the f32
    // forwards (and is shared with it, not copied); joined ones are laid out
    // again. (A bf16 or int8 layer whose shape its kernel cannot take gets
    // its weight as stored: the same product, slower.)
    let weight = match weights.as_slice() {
        [one] => one.clone(),
        _ => Tensor::cat(&weights, 0)?.t()?.contiguous()?.t()?,
    };
    Ok(Dense::F32(Linear::new(weight, Some(bias))))
}

/// The layers `names` as an int8 layer straight from int8 weights stored
/// with their row scales (`….weight` as u8, 128 for 0, and
/// `….weight.scale`): the same layer `int8::Packed::new` would make from
/// them expanded, without expanding and rounding them again. None when
/// they are not stored so, or the shapes do not suit the kernel.
fn int8_as_stored(
    vb: &VarBuilder,
    names: &[&str],
    (inputs, outputs): (usize, usize),
) -> Result<Option<super::int8::Packed>> {
    let mut rows = Vec::with_capacity(names.len() * outputs * inputs);
    let mut scales = Vec::with_capacity(names.len() * outputs);
    let mut bias = Vec::with_capacity(names.len() * outputs);
    for name in names {
        let vb = vb.pp(*name);
        if !vb.contains_tensor("weight.scale") {
            return Ok(None);
        }
        // Asked for as u8, a backend of stored int8 gives the stored bytes.
        let stored = vb.get_unchecked_dtype("weight", DType::U8)?;
        if stored.dims() != [outputs, inputs] {
            return Ok(None);
        }
        rows.extend(
            stored
                .flatten_all()?
                .to_vec1::<u8>()?
                .into_iter()
                .map(|q| (i16::from(q) - 128) as i8),
        );
        scales.extend(vb.get(outputs, "weight.scale")?.to_vec1::<f32>()?);
        bias.extend(vb.get(outputs, "bias")?.to_vec1::<f32>()?);
    }
    Ok(super::int8::Packed::from_parts(
        rows,
        scales,
        bias,
        inputs,
        names.len() * outputs,
    ))
}

/// Where a checkpoint keeps a layer's tensors, under the layer's own prefix.
pub(super) struct LayerNames {
    /// The attention's query, key and value, under `attention_in`.
    pub attention_in: &'static str,
    pub qkv: [&'static str; 3],
    /// The attention's output product: its prefix and name.
    pub attention_out: (&'static str, &'static str),
    pub attention_norm: &'static str,
}

/// BERT's names (MiniLM).
const BERT_NAMES: LayerNames = LayerNames {
    attention_in: "attention.self",
    qkv: ["query", "key", "value"],
    attention_out: ("attention.output", "dense"),
    attention_norm: "attention.output.LayerNorm",
};

/// One encoder layer: self-attention, then feed-forward, each followed by a
/// residual layer norm (BERT's and MPNet's alike).
pub(super) struct Layer {
    /// Query, key and value in one product.
    qkv: Dense,
    attention_out: Dense,
    attention_norm: LayerNorm,
    intermediate: Dense,
    output: Dense,
    output_norm: LayerNorm,
}

impl Layer {
    /// `(h, i)`: the hidden and intermediate sizes; `eps`: the layer norms'.
    /// The encoder's `count` layers, `encoder.layer.0` … (BERT's and MPNet's
    /// checkpoints name them alike).
    pub(super) fn load_all(
        vb: &VarBuilder,
        count: usize,
        names: &LayerNames,
        sizes: (usize, usize),
        eps: f64,
        precision: Precision,
    ) -> Result<Vec<Layer>> {
        (0..count)
            .map(|i| {
                Layer::load(
                    vb.pp("encoder").pp(format!("layer.{i}")),
                    names,
                    sizes,
                    eps,
                    precision,
                )
            })
            .collect()
    }

    pub(super) fn load(
        vb: VarBuilder,
        names: &LayerNames,
        (h, i): (usize, usize),
        eps: f64,
        precision: Precision,
    ) -> Result<Layer> {
        let (out_at, out_name) = names.attention_out;
        Ok(Layer {
            qkv: dense(&vb.pp(names.attention_in), &names.qkv, (h, h), precision)?,
            attention_out: dense(&vb.pp(out_at), &[out_name], (h, h), precision)?,
            attention_norm: candle_nn::layer_norm(h, eps, vb.pp(names.attention_norm))?,
            intermediate: dense(&vb.pp("intermediate"), &["dense"], (h, i), precision)?,
            output: dense(&vb.pp("output"), &["dense"], (i, h), precision)?,
            output_norm: candle_nn::layer_norm(h, eps, vb.pp("output").pp("LayerNorm"))?,
        })
    }

    /// `xs`: batch × tokens × hidden; `mask`: added to the attention scores,
    /// batch × 1 × 1 × tokens (0 for real tokens, the lowest f32 for padding)
    /// or batch × heads × tokens × tokens (MPNet's distance bias with it).
    pub(super) fn forward(&self, xs: &Tensor, mask: &Tensor, heads: usize) -> Result<Tensor> {
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
        let inner = super::gelu::gelu(&self.intermediate.forward(&attended)?)?;
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
}

impl Bert {
    /// Loads from the checkpoint's f32 tensors (names as in `BertModel`),
    /// its linear layers in `precision` (bf16 only where
    /// [`super::bf16::available`], int8 only where [`super::int8::available`]).
    pub(super) fn load(vb: VarBuilder, c: &Config, precision: Precision) -> Result<Bert> {
        let e = vb.pp("embeddings");
        let layers = Layer::load_all(
            &vb,
            c.num_hidden_layers,
            &BERT_NAMES,
            (c.hidden_size, c.intermediate_size),
            c.layer_norm_eps,
            precision,
        )?;
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
            xs = layer.forward(&xs, &mask, self.heads)?;
        }
        Ok(xs)
    }
}
