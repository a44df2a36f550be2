//! Compares the encoder's stored vectors (each passage and its sentences) as
//! the process's encoder computes them and as candle-transformers' `BertModel`
//! (the reference) does, on the passages of the given documents.
//!
//!     cargo run --release --example encoder_fidelity -- corpus/sales-vs-marketing.md

use passagebot::engine::corpus::{chunk, load};
use passagebot::engine::semantic::{Encoder, Forward, cosine, encoder};

fn main() -> anyhow::Result<()> {
    let mut texts = Vec::new();
    for (i, arg) in std::env::args().skip(1).enumerate() {
        let doc = load::load_file(std::path::Path::new(&arg), &arg).map_err(anyhow::Error::msg)?;
        texts.extend(chunk::chunk(i, &doc).into_iter().map(|p| p.text));
    }
    let texts: Vec<&str> = texts.iter().map(String::as_str).collect();
    let reference = Encoder::load(Forward::Reference)?.passages(&texts, false)?;
    let ours = encoder()?.passages(&texts, false)?;
    let (mut cosines, mut largest) = (Vec::new(), 0.0f32);
    for (r, o) in reference.iter().zip(&ours) {
        let pairs =
            std::iter::once((&r.passage, &o.passage)).chain(r.sentences.iter().zip(&o.sentences));
        for (a, b) in pairs {
            cosines.push(cosine(a, b));
            largest = a
                .iter()
                .zip(b)
                .map(|(x, y)| (x - y).abs())
                .fold(largest, f32::max);
        }
    }
    let min = cosines.iter().copied().fold(f32::INFINITY, f32::min);
    let mean = cosines.iter().sum::<f32>() / cosines.len().max(1) as f32;
    println!(
        "{} passages, {} vectors: min cosine {min:.6}, mean {mean:.6}, largest component difference {largest:.2e}",
        texts.len(),
        cosines.len()
    );
    Ok(())
}
