//! Recall by meaning: the passages whose stored vectors are closest to a
//! question's, at any index size.
//!
//! Until issue #15 every passage vector was kept as f32 and scanned exactly,
//! which was switched off above 10,000 passages (it would hold 154 MB of
//! floats at 100,000). Now each vector is kept twice, small:
//! as 384 signed bytes with one scale (the scan reads a quarter of the f32
//! bytes and multiplies integers), and as the f16 bits the index stores. The
//! byte scan only shortlists; the shortlist is scored again with the f16
//! values, which are exactly what the index holds, so the cosines handed to
//! the rank are the ones the exact scan gave. An answer can change only if
//! one of the true nearest passages falls outside a shortlist of at least
//! `k + 32`; a byte's rounding moves a cosine by less than 0.01 (see the
//! tests), so only near ties over 32 places can do that. The scan takes
//! 0.8 ms at 10,000 passages and 8 ms at 100,000 (BENCHMARKS.md).

use half::f16;
use tantivy::schema::Value;
use tantivy::{DocAddress, Searcher, TantivyDocument};

use crate::engine::index::schema::Fields;
use crate::engine::semantic::{DIM, PassageVectors};
use crate::engine::tuning::Tuning;
use crate::error::Result;

/// Every passage's vector, quantised for the scan, with what identifies it.
#[derive(Debug)]
pub struct Recall<A> {
    addresses: Vec<A>,
    /// `DIM` codes per passage: the vector divided by its scale, rounded.
    codes: Vec<i8>,
    /// Per passage: its largest absolute component / 127.
    scales: Vec<f32>,
    /// `DIM` f16 bit patterns per passage, as stored in the index.
    exact: Vec<u16>,
}

impl<A> Default for Recall<A> {
    fn default() -> Self {
        Recall {
            addresses: Vec::new(),
            codes: Vec::new(),
            scales: Vec::new(),
            exact: Vec::new(),
        }
    }
}

impl Recall<DocAddress> {
    /// Every live passage's vector from the index (none when the semantic
    /// stage is off). Reads each stored document once, when an engine opens.
    pub fn read(searcher: &Searcher, fields: &Fields, tuning: &Tuning) -> Result<Self> {
        let mut recall = Recall::default();
        if !tuning.semantic_enabled() {
            return Ok(recall);
        }
        for (ord, segment) in searcher.segment_readers().iter().enumerate() {
            for doc_id in segment.doc_ids_alive() {
                let address = DocAddress::new(ord as u32, doc_id);
                let doc: TantivyDocument = searcher.doc(address)?;
                if let Some(v) = doc
                    .get_first(fields.embedding)
                    .and_then(|v| v.as_bytes())
                    .and_then(PassageVectors::from_bytes)
                {
                    recall.push(address, &v.passage);
                }
            }
        }
        Ok(recall)
    }
}

impl<A: Copy + PartialEq> Recall<A> {
    /// Adds a passage's unit vector (`DIM` floats; others are ignored).
    pub fn push(&mut self, address: A, vector: &[f32]) {
        if vector.len() != DIM {
            return;
        }
        let (codes, scale) = quantise(vector);
        self.addresses.push(address);
        self.codes.extend_from_slice(&codes);
        self.scales.push(scale);
        self.exact
            .extend(vector.iter().map(|x| f16::from_f32(*x).to_bits()));
    }

    pub fn len(&self) -> usize {
        self.addresses.len()
    }

    pub fn is_empty(&self) -> bool {
        self.addresses.is_empty()
    }

    /// The `k` passages closest in meaning to `question` (a unit vector),
    /// with their cosines, closest first.
    pub fn nearest(&self, question: &[f32], k: usize) -> Vec<(f32, A)> {
        let k = k.min(self.len());
        if k == 0 || question.len() != DIM {
            return Vec::new();
        }
        // The question's own scale is the same for every passage: left out.
        let (q, _) = quantise(question);
        let mut rough: Vec<(f32, usize)> = self
            .codes
            .chunks_exact(DIM)
            .zip(&self.scales)
            .enumerate()
            .map(|(i, (codes, scale))| (dot_i8(&q, codes) as f32 * scale, i))
            .collect();
        let shortlist = (2 * k).max(k + 32).min(rough.len());
        rough.select_nth_unstable_by(shortlist - 1, |a, b| b.0.total_cmp(&a.0));
        rough.truncate(shortlist);
        let mut scored: Vec<(f32, A)> = rough
            .into_iter()
            .map(|(_, i)| (self.exact_cosine(question, i), self.addresses[i]))
            .collect();
        scored.sort_by(|a, b| b.0.total_cmp(&a.0));
        scored.truncate(k);
        scored
    }

    /// The cosine with passage `i` from its stored f16 values, as the exact
    /// scan computed it.
    fn exact_cosine(&self, question: &[f32], i: usize) -> f32 {
        self.exact[i * DIM..(i + 1) * DIM]
            .iter()
            .zip(question)
            .map(|(bits, q)| f16::from_bits(*bits).to_f32() * q)
            .sum()
    }
}

/// A vector as `DIM` signed bytes and the scale that gives it back.
fn quantise(v: &[f32]) -> (Vec<i8>, f32) {
    let largest = v.iter().fold(0.0f32, |m, x| m.max(x.abs()));
    let scale = if largest > 0.0 { largest / 127.0 } else { 1.0 };
    // Each |x / scale| ≤ 127 by the choice of scale, so the cast never clamps.
    let codes = v.iter().map(|x| (x / scale).round() as i8).collect();
    (codes, scale)
}

/// Dot product of two byte vectors, in i32 (384 products of at most 127² fit
/// many times over). Written as a plain loop that the compiler vectorises.
fn dot_i8(a: &[i8], b: &[i8]) -> i32 {
    a.iter()
        .zip(b)
        .map(|(x, y)| i32::from(*x) * i32::from(*y))
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A deterministic pseudo-random unit vector.
    fn unit(seed: u64) -> Vec<f32> {
        let mut s = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let mut v: Vec<f32> = (0..DIM)
            .map(|_| {
                s = s
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                ((s >> 33) as f32 / (1u64 << 31) as f32) - 0.5
            })
            .collect();
        let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
        v.iter_mut().for_each(|x| *x /= norm);
        // As stored: f16 values.
        v.iter_mut().for_each(|x| *x = f16::from_f32(*x).to_f32());
        v
    }

    #[test]
    fn the_nearest_are_those_of_an_exact_scan_with_the_same_cosines() {
        let passages: Vec<Vec<f32>> = (0..3000).map(unit).collect();
        let mut recall = Recall::default();
        for (i, v) in passages.iter().enumerate() {
            recall.push(i, v);
        }
        for seed in [5_000u64, 5_001, 5_002] {
            // A question near passage 7, so the top has a clear winner.
            let mut q: Vec<f32> = unit(seed)
                .iter()
                .zip(&passages[7])
                .map(|(a, b)| 0.5 * a + b)
                .collect();
            let norm = q.iter().map(|x| x * x).sum::<f32>().sqrt();
            q.iter_mut().for_each(|x| *x /= norm);
            let mut exact: Vec<(f32, usize)> = passages
                .iter()
                .enumerate()
                .map(|(i, p)| (crate::engine::semantic::cosine(&q, p), i))
                .collect();
            exact.sort_by(|a, b| b.0.total_cmp(&a.0));
            exact.truncate(10);
            assert_eq!(recall.nearest(&q, 10), exact);
            assert_eq!(recall.nearest(&q, 10)[0].1, 7);
        }
    }

    #[test]
    fn small_and_empty_sets_and_wrong_lengths() {
        let mut recall = Recall::default();
        assert!(recall.nearest(&unit(1), 3).is_empty());
        recall.push(1u32, &unit(1));
        recall.push(2u32, &[0.5; 3]);
        assert_eq!(recall.len(), 1);
        let got = recall.nearest(&unit(1), 3);
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].1, 1);
        assert!((got[0].0 - 1.0).abs() < 1e-2);
        assert!(recall.nearest(&[1.0; 2], 3).is_empty());
    }

    #[test]
    fn the_byte_product_orders_like_the_cosine() {
        let a = unit(11);
        let (qa, sa) = quantise(&a);
        for seed in 12..40 {
            let b = unit(seed);
            let (qb, sb) = quantise(&b);
            let approx = dot_i8(&qa, &qb) as f32 * sa * sb;
            let exact = crate::engine::semantic::cosine(&a, &b);
            assert!((approx - exact).abs() < 0.01, "{approx} vs {exact}");
        }
    }
}
