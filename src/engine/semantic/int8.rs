//! Linear layers with int8 weights, for the paraphrase encoder.
//!
//! A question is a few dozen rows, so its products mostly read weights:
//! all-mpnet-base-v2's 85 million, every question. Read as bf16 that is
//! 170 MB a question, as f32 340 MB; this machine kind streams about 4–5
//! GB/s, which made a question's pass 36 ms (bf16) and 85 ms (f32). Kept
//! as int8, one scale per output row (the form they are shipped in), they
//! are 85 MB: each is widened to f32 in registers and multiplied there, with
//! AVX2 and FMA only, so CPUs without AVX-512 get the same path
//! (BENCHMARKS.md, session 10).
//!
//! The kernel multiplies two input rows by four weight rows at a time (eight
//! sums of eight lanes in registers); the sums are scaled by each weight
//! row's scale at the end. A product of few rows is split over two threads
//! ([`super::halves`]).

#[cfg(target_arch = "x86_64")]
use std::arch::x86_64::{
    __m128i, __m256, _mm_add_ps, _mm_cvtss_f32, _mm_hadd_ps, _mm_loadl_epi64,
    _mm256_castps256_ps128, _mm256_cvtepi8_epi32, _mm256_cvtepi32_ps, _mm256_extractf128_ps,
    _mm256_fmadd_ps, _mm256_loadu_ps, _mm256_setzero_ps,
};

/// Weight rows multiplied at once.
const OUTS: usize = 4;
/// Inputs per step (one register of f32).
const STEP: usize = 8;

/// Whether this CPU runs the int8 product (x86-64 with AVX2 and FMA).
pub fn available() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// Quantises `weight` (rows of `inputs`, row-major) row by row,
/// symmetrically (a row's largest magnitude is 127), as the paraphrase
/// encoder's weights are shipped: each value as a byte, 128 for 0, and one
/// scale a row.
pub fn quantise(weight: &[f32], inputs: usize) -> (Vec<u8>, Vec<f32>) {
    let mut stored = Vec::with_capacity(weight.len());
    let mut scales = Vec::with_capacity(weight.len() / inputs.max(1));
    for row in weight.chunks_exact(inputs.max(1)) {
        let largest = row.iter().fold(0.0f32, |m, w| m.max(w.abs()));
        let scale = if largest > 0.0 { largest / 127.0 } else { 1.0 };
        // Rounded half away from zero, as `f32::round`, whose library call
        // took most of the time of quantising at load; within ±127 by the
        // choice of scale, and `as` saturates anyway.
        stored.extend(row.iter().map(|w| {
            let v = w / scale;
            ((v + 0.5f32.copysign(v)) as i8 as i16 + 128) as u8
        }));
        scales.push(scale);
    }
    (stored, scales)
}

/// A weight of `outputs` × `inputs` as int8 rows with their scales, and the
/// bias.
pub struct Packed {
    inputs: usize,
    outputs: usize,
    rows: Vec<i8>,
    scales: Vec<f32>,
    bias: Vec<f32>,
}

impl Packed {
    /// Quantises `weight` (outputs × inputs, row-major) row by row,
    /// symmetrically (a row's largest magnitude is 127). A weight that was
    /// int8 with such scales comes back exactly. None if the shapes do not
    /// suit the kernel (inputs a multiple of 8, outputs of 4).
    pub fn new(weight: &[f32], bias: &[f32], inputs: usize, outputs: usize) -> Option<Packed> {
        if inputs == 0
            || !inputs.is_multiple_of(STEP)
            || !outputs.is_multiple_of(OUTS)
            || weight.len() != inputs * outputs
            || bias.len() != outputs
        {
            return None;
        }
        let (stored, scales) = quantise(weight, inputs);
        let rows = stored
            .into_iter()
            .map(|q| (i16::from(q) - 128) as i8)
            .collect();
        Some(Packed {
            inputs,
            outputs,
            rows,
            scales,
            bias: bias.to_vec(),
        })
    }

    /// From int8 `rows` (outputs × inputs) already quantised, their
    /// `scales` and the `bias`. None if the lengths disagree or the shapes
    /// do not suit the kernel.
    pub fn from_parts(
        rows: Vec<i8>,
        scales: Vec<f32>,
        bias: Vec<f32>,
        inputs: usize,
        outputs: usize,
    ) -> Option<Packed> {
        (inputs > 0
            && inputs.is_multiple_of(STEP)
            && outputs.is_multiple_of(OUTS)
            && rows.len() == inputs * outputs
            && scales.len() == outputs
            && bias.len() == outputs)
            .then_some(Packed {
                inputs,
                outputs,
                rows,
                scales,
                bias,
            })
    }

    pub fn outputs(&self) -> usize {
        self.outputs
    }

    /// `x · Wᵀ + b` for `x`, rows × inputs (row-major): rows × outputs. Only
    /// to be called where [`available`] is true.
    pub fn matmul(&self, x: &[f32], rows: usize) -> Vec<f32> {
        assert!(available(), "the int8 product needs AVX2 and FMA");
        assert_eq!(x.len(), rows * self.inputs, "input shape");
        super::halves::columns(rows, self.outputs / OUTS, OUTS, |quads| {
            self.quads(x, rows, quads)
        })
    }

    /// The product's columns of the weight rows `quads` (in fours): rows ×
    /// (quads × 4).
    fn quads(&self, x: &[f32], rows: usize, quads: std::ops::Range<usize>) -> Vec<f32> {
        let n = self.inputs;
        let width = quads.len() * OUTS;
        let mut c = vec![0.0f32; rows * width];
        for (k, quad) in quads.enumerate() {
            let first = quad * OUTS;
            let w = &self.rows[first * n..(first + OUTS) * n];
            let mut row = 0;
            while row < rows {
                let pair = (rows - row).min(2);
                let sums = dot(&x[row * n..(row + pair) * n], w, n, pair);
                for (r, sums) in sums.iter().take(pair).enumerate() {
                    for (j, sum) in sums.iter().enumerate() {
                        let o = first + j;
                        c[(row + r) * width + k * OUTS + j] = sum * self.scales[o] + self.bias[o];
                    }
                }
                row += pair;
            }
        }
        c
    }
}

/// The sums of `rows` (1 or 2) rows of `x` times the four int8 rows of `w`
/// (each `n` long).
#[cfg(target_arch = "x86_64")]
fn dot(x: &[f32], w: &[i8], n: usize, rows: usize) -> [[f32; OUTS]; 2] {
    // SAFETY: `matmul` checked `available()`; `x` holds `rows` rows of `n`,
    // `w` four rows of `n`, and `n` is a multiple of 8 (`Packed::new`).
    unsafe {
        if rows == 2 {
            kernel::<2>(x, w, n)
        } else {
            kernel::<1>(x, w, n)
        }
    }
}

/// Never called: [`available`] is false off x86-64, and `matmul` checks it.
#[cfg(not(target_arch = "x86_64"))]
fn dot(_: &[f32], _: &[i8], _: usize, _: usize) -> [[f32; OUTS]; 2] {
    unreachable!("the int8 product runs on x86-64 only")
}

/// `R` rows of `x` times four int8 rows of `w`, each `n` long.
///
/// # Safety
/// The CPU must have AVX2 and FMA; `x.len() >= R * n`, `w.len() >= 4 * n`
/// and `n` a multiple of 8.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn kernel<const R: usize>(x: &[f32], w: &[i8], n: usize) -> [[f32; OUTS]; 2] {
    debug_assert!(x.len() >= R * n && w.len() >= OUTS * n && n.is_multiple_of(STEP));
    let mut acc: [[__m256; OUTS]; R] = [[_mm256_setzero_ps(); OUTS]; R];
    let (x, w) = (x.as_ptr(), w.as_ptr());
    let mut k = 0;
    while k < n {
        // SAFETY (whole loop body): k + 7 < n, so 8 bytes of each weight row
        // and 8 floats of each input row from k are inside the slices.
        let wv: [__m256; OUTS] = std::array::from_fn(|j| unsafe {
            let bytes = _mm_loadl_epi64(w.add(j * n + k) as *const __m128i);
            _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(bytes))
        });
        for (r, sums) in acc.iter_mut().enumerate() {
            let xv = unsafe { _mm256_loadu_ps(x.add(r * n + k)) };
            for (sum, wv) in sums.iter_mut().zip(&wv) {
                *sum = _mm256_fmadd_ps(xv, *wv, *sum);
            }
        }
        k += STEP;
    }
    let mut out = [[0.0; OUTS]; 2];
    for (r, sums) in acc.iter().enumerate() {
        for (j, sum) in sums.iter().enumerate() {
            out[r][j] = hsum(*sum);
        }
    }
    out
}

/// The sum of a register's eight lanes.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn hsum(v: __m256) -> f32 {
    let four = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps::<1>(v));
    let two = _mm_hadd_ps(four, four);
    _mm_cvtss_f32(_mm_hadd_ps(two, two))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_product_matches_f32_within_int8_rounding() {
        if !available() {
            eprintln!("skipped: this CPU has no AVX2 and FMA");
            return;
        }
        let (inputs, outputs) = (64, 12);
        let w: Vec<f32> = (0..inputs * outputs)
            .map(|i| ((i * 37 % 101) as f32 - 50.0) / 50.0)
            .collect();
        let bias: Vec<f32> = (0..outputs).map(|i| i as f32 / 10.0).collect();
        let packed = Packed::new(&w, &bias, inputs, outputs).expect("suitable");
        for rows in [1, 2, 3, 8, 13, 40] {
            let x: Vec<f32> = (0..rows * inputs)
                .map(|i| ((i * 53 % 89) as f32 - 44.0) / 30.0)
                .collect();
            let got = packed.matmul(&x, rows);
            assert_eq!(got.len(), rows * outputs);
            for r in 0..rows {
                for o in 0..outputs {
                    let exact: f32 = (0..inputs)
                        .map(|k| x[r * inputs + k] * w[o * inputs + k])
                        .sum::<f32>()
                        + bias[o];
                    let scale: f32 = (0..inputs)
                        .map(|k| (x[r * inputs + k] * w[o * inputs + k]).abs())
                        .sum();
                    let err = (got[r * outputs + o] - exact).abs();
                    assert!(
                        err <= scale * 0.01 + 1e-5,
                        "row {r} col {o}: {err} of {scale}"
                    );
                }
            }
        }
    }

    #[test]
    fn int8_weights_come_back_exactly_and_unsuitable_shapes_are_refused() {
        // Rows already int8 (each reaching ±127) times their scales are
        // quantised back to themselves.
        let (inputs, outputs) = (8, 4);
        let q: Vec<i8> = (0..inputs * outputs)
            .map(|i| {
                if i % inputs == 0 {
                    127
                } else {
                    (i as i32 * 29 % 255 - 127) as i8
                }
            })
            .collect();
        let scales = [0.5f32, 0.01, 2.0, 0.125];
        let w: Vec<f32> = q
            .iter()
            .enumerate()
            .map(|(i, q)| f32::from(*q) * scales[i / inputs])
            .collect();
        let packed = Packed::new(&w, &[0.0; 4], inputs, outputs).expect("suitable");
        assert_eq!(packed.rows, q);
        for (got, want) in packed.scales.iter().zip(scales) {
            assert!((got - want).abs() <= want * 1e-6, "{got} against {want}");
        }
        assert!(Packed::new(&[0.0; 6 * 4], &[0.0; 4], 6, 4).is_none());
        assert!(Packed::new(&[0.0; 8 * 3], &[0.0; 3], 8, 3).is_none());
    }
}
