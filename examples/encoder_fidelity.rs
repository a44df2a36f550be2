//! Compares the encoder's stored vectors (each passage and its sentences) under
//! candle's BertModel (the reference) and each arithmetic of the encoder's own
//! forward pass, on the passages of the given documents: lowest and mean cosine.
//!
//!     cargo run --release --example encoder_fidelity -- corpus/sales-vs-marketing.md

use passagebot::engine::corpus::{chunk, load};
use passagebot::engine::semantic::{Arithmetic, Encoder, Weights, cosine};

fn main() -> anyhow::Result<()> {
    let mut texts = Vec::new();
    for (i, arg) in std::env::args().skip(1).enumerate() {
        let path = std::path::Path::new(&arg);
        let doc = load::load_file(path, &arg).map_err(anyhow::Error::msg)?;
        texts.extend(chunk::chunk(i, &doc).into_iter().map(|p| p.text));
    }
    let texts: Vec<&str> = texts.iter().map(String::as_str).collect();
    let reference = Encoder::load(Weights::Reference)?.passages(&texts, false)?;
    println!("{} passages", texts.len());
    for (q8, fast_gelu) in [(false, false), (false, true), (true, false), (true, true)] {
        let arithmetic = Arithmetic { q8, fast_gelu };
        let other = Encoder::load(Weights::Own(arithmetic))?.passages(&texts, false)?;
        let (mut cosines, mut largest) = (Vec::new(), 0.0f32);
        for (r, o) in reference.iter().zip(&other) {
            let pairs = std::iter::once((&r.passage, &o.passage))
                .chain(r.sentences.iter().zip(&o.sentences));
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
            "q8 {q8}, vectorised gelu {fast_gelu}: {} vectors, min cosine {min:.5}, mean {mean:.5}, largest component difference {largest:.2e}",
            cosines.len()
        );
    }
    Ok(())
}
