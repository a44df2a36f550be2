//! The encoder's linear layers in bf16, on CPUs with AVX512-BF16.
//!
//! A linear layer is most of the encoder's arithmetic (about nine tenths at a
//! passage's 150 tokens). `vdpbf16ps` multiplies pairs of bf16 numbers (f32
//! cut to 8 bits of mantissa, rounded to nearest) and adds them to f32 sums:
//! twice the products per instruction of an f32 fused multiply-add. The
//! weights are rounded once, when the model loads; a layer's inputs when it
//! runs; every sum stays f32. The vectors stay within the tolerance the unit
//! test states (cosine to the f32 forward's at least 0.999).
//!
//! The product is a plain register-blocked kernel: eight rows of the input
//! against 48 columns of the weight (24 sums in registers), the weight packed
//! at load time so that each step reads 48 consecutive pairs.

#[cfg(target_arch = "x86_64")]
use std::arch::x86_64::{
    __m512, __m512bh, __m512i, _mm512_add_ps, _mm512_dpbf16_ps, _mm512_loadu_ps, _mm512_set1_epi32,
    _mm512_setzero_ps, _mm512_storeu_ps,
};

/// Columns of a packed panel: three vectors of 16 sums.
const NR: usize = 48;
/// Input rows a kernel call multiplies at once.
const MR: usize = 8;

/// Whether this CPU runs the bf16 product (never on other architectures than
/// x86-64: there the f32 forward runs).
pub fn available() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx512f")
            && std::arch::is_x86_feature_detected!("avx512bf16")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// `x` rounded to bf16 (to nearest, ties to even), as its 16 bits. The same
/// as `half::bf16::from_f32`, written out because this one is on the hot path
/// (every input of every product) and vectorises where `half`'s, with its NaN
/// branch, does not: with `half`'s a 629-passage build took 17.9 s (twice)
/// against 14.0–15.5 s with this one, in the same hour (session 8).
fn bf16(x: f32) -> u32 {
    let bits = x.to_bits();
    if x.is_nan() {
        return (bits >> 16) | 0x40;
    }
    (bits + 0x7fff + ((bits >> 16) & 1)) >> 16
}

/// Two bf16 numbers in one 32-bit word, the first in the low half, as
/// `vdpbf16ps` pairs them.
fn pair(lo: f32, hi: f32) -> u32 {
    bf16(lo) | (bf16(hi) << 16)
}

/// A weight of `inputs` × `outputs`, packed for [`Packed::matmul`]: for each
/// panel of [`NR`] outputs, for each pair of inputs, the panel's 48 pairs.
pub struct Packed {
    inputs: usize,
    outputs: usize,
    data: Vec<u32>,
    bias: Vec<f32>,
}

impl Packed {
    /// Packs `weight` (outputs × inputs, row-major, as a linear layer's
    /// checkpoint stores it) and its `bias`. None if the shapes do not suit
    /// the kernel (an odd number of inputs, outputs not a multiple of 48):
    /// such a layer stays f32.
    pub fn new(weight: &[f32], bias: &[f32], inputs: usize, outputs: usize) -> Option<Packed> {
        if !inputs.is_multiple_of(2)
            || !outputs.is_multiple_of(NR)
            || weight.len() != inputs * outputs
            || bias.len() != outputs
        {
            return None;
        }
        let pairs = inputs / 2;
        let mut data = Vec::with_capacity(pairs * outputs);
        for panel in 0..outputs / NR {
            for p in 0..pairs {
                for j in 0..NR {
                    let row = &weight[(panel * NR + j) * inputs..];
                    data.push(pair(row[2 * p], row[2 * p + 1]));
                }
            }
        }
        Some(Packed {
            inputs,
            outputs,
            data,
            bias: bias.to_vec(),
        })
    }

    pub fn outputs(&self) -> usize {
        self.outputs
    }

    /// `x · Wᵀ + b` for `x`, rows × inputs (row-major): rows × outputs.
    /// Only to be called where [`available`] is true.
    /// A product of few rows is split over two threads ([`super::halves`]).
    pub fn matmul(&self, x: &[f32], rows: usize) -> Vec<f32> {
        assert!(available(), "the bf16 product needs AVX512-BF16");
        assert_eq!(x.len(), rows * self.inputs, "input shape");
        let a: Vec<u32> = x.chunks_exact(2).map(|p| pair(p[0], p[1])).collect();
        super::halves::columns(rows, self.outputs / NR, NR, |panels| {
            self.panels(&a, rows, panels)
        })
    }

    /// The product's columns of the panels `range`: rows × (panels × 48).
    fn panels(&self, a: &[u32], rows: usize, range: std::ops::Range<usize>) -> Vec<f32> {
        let pairs = self.inputs / 2;
        let width = range.len() * NR;
        let mut c = vec![0.0f32; rows * width];
        for (k, panel) in range.enumerate() {
            let b = &self.data[panel * pairs * NR..(panel + 1) * pairs * NR];
            let bias = &self.bias[panel * NR..(panel + 1) * NR];
            let mut row = 0;
            while row < rows {
                let n = MR.min(rows - row);
                let a = &a[row * pairs..(row + n) * pairs];
                let c = &mut c[row * width + k * NR..];
                block(n, a, b, pairs, c, width, bias);
                row += n;
            }
        }
        c
    }
}

/// `n` (at most [`MR`]) rows of the product into `c`, by the kernel for `n`.
#[cfg(target_arch = "x86_64")]
fn block(n: usize, a: &[u32], b: &[u32], pairs: usize, c: &mut [f32], stride: usize, bias: &[f32]) {
    // SAFETY: `matmul` checked `available()`; the slices hold what each
    // kernel reads and writes: `a` n rows of `pairs`, `b` `pairs` × 48, `c`
    // n rows of `stride` from this panel's first column (the last row needs
    // only 48 of them), `bias` 48.
    unsafe {
        match n {
            8 => kernel::<8>(a, b, pairs, c, stride, bias),
            7 => kernel::<7>(a, b, pairs, c, stride, bias),
            6 => kernel::<6>(a, b, pairs, c, stride, bias),
            5 => kernel::<5>(a, b, pairs, c, stride, bias),
            4 => kernel::<4>(a, b, pairs, c, stride, bias),
            3 => kernel::<3>(a, b, pairs, c, stride, bias),
            2 => kernel::<2>(a, b, pairs, c, stride, bias),
            _ => kernel::<1>(a, b, pairs, c, stride, bias),
        }
    }
}

/// Never called: [`available`] is false off x86-64, and `matmul` checks it.
#[cfg(not(target_arch = "x86_64"))]
fn block(_: usize, _: &[u32], _: &[u32], _: usize, _: &mut [f32], _: usize, _: &[f32]) {
    unreachable!("the bf16 product runs on x86-64 only")
}

/// `R` rows of `a` (each `pairs` words) times a packed panel `b`, plus
/// `bias`, into the first 48 columns of `R` rows of `c` (rows `stride` apart).
///
/// # Safety
/// The CPU must have AVX512-F and AVX512-BF16; `a.len() >= R * pairs`,
/// `b.len() >= pairs * 48`, `bias.len() >= 48` and
/// `c.len() >= (R - 1) * stride + 48`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512bf16")]
unsafe fn kernel<const R: usize>(
    a: &[u32],
    b: &[u32],
    pairs: usize,
    c: &mut [f32],
    stride: usize,
    bias: &[f32],
) {
    debug_assert!(a.len() >= R * pairs && b.len() >= pairs * NR && bias.len() >= NR);
    debug_assert!(c.len() >= (R - 1) * stride + NR);
    let mut acc: [[__m512; 3]; R] = [[_mm512_setzero_ps(); 3]; R];
    let a = a.as_ptr();
    let b = b.as_ptr();
    for p in 0..pairs {
        // SAFETY (whole loop body): p < pairs, so b + p·48 + 47 and
        // a + r·pairs + p for r < R are inside the slices (see above).
        let (b0, b1, b2) = unsafe {
            let at = b.add(p * NR) as *const f32;
            (
                as_bh(_mm512_loadu_ps(at)),
                as_bh(_mm512_loadu_ps(at.add(16))),
                as_bh(_mm512_loadu_ps(at.add(32))),
            )
        };
        for (r, sums) in acc.iter_mut().enumerate() {
            let word = unsafe { *a.add(r * pairs + p) };
            let x = as_bh_i(_mm512_set1_epi32(word as i32));
            sums[0] = _mm512_dpbf16_ps(sums[0], x, b0);
            sums[1] = _mm512_dpbf16_ps(sums[1], x, b1);
            sums[2] = _mm512_dpbf16_ps(sums[2], x, b2);
        }
    }
    let bias = bias.as_ptr();
    let c = c.as_mut_ptr();
    for (r, sums) in acc.iter().enumerate() {
        for (v, sum) in sums.iter().enumerate() {
            // SAFETY: r < R and v·16 + 15 < 48, inside `c` and `bias`.
            unsafe {
                let at = c.add(r * stride + v * 16);
                _mm512_storeu_ps(at, _mm512_add_ps(*sum, _mm512_loadu_ps(bias.add(v * 16))));
            }
        }
    }
}

/// 32 bf16 numbers, from the same 512 bits read as 16 f32.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn as_bh(v: __m512) -> __m512bh {
    // SAFETY: both are 512 bits of plain data with no invalid values.
    unsafe { std::mem::transmute::<__m512, __m512bh>(v) }
}

/// 32 bf16 numbers, from the same 512 bits read as 16 i32.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn as_bh_i(v: __m512i) -> __m512bh {
    // SAFETY: both are 512 bits of plain data with no invalid values.
    unsafe { std::mem::transmute::<__m512i, __m512bh>(v) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounding_to_bf16_is_to_nearest_even() {
        assert_eq!(bf16(1.0), 0x3f80);
        // 1 + 2⁻⁸ is halfway between two bf16 numbers: to the even one, 1.
        assert_eq!(bf16(1.0 + 1.0 / 256.0), 0x3f80);
        // A little more rounds up.
        assert_eq!(bf16(1.0 + 1.5 / 256.0), 0x3f81);
        assert_eq!(bf16(-2.0), 0xc000);
    }

    #[test]
    fn unsuitable_shapes_stay_f32() {
        assert!(Packed::new(&[0.0; 3 * 48], &[0.0; 48], 3, 48).is_none());
        assert!(Packed::new(&[0.0; 2 * 40], &[0.0; 40], 2, 40).is_none());
    }

    #[test]
    fn the_product_matches_f32_within_bf16_rounding() {
        if !available() {
            eprintln!("skipped: this CPU has no AVX512-BF16");
            return;
        }
        let (inputs, outputs) = (64, 144);
        let w: Vec<f32> = (0..inputs * outputs)
            .map(|i| ((i * 37 % 101) as f32 - 50.0) / 50.0)
            .collect();
        let bias: Vec<f32> = (0..outputs).map(|i| i as f32 / 10.0).collect();
        let packed = Packed::new(&w, &bias, inputs, outputs).expect("suitable");
        for rows in [1, 7, 8, 13, 40] {
            let x: Vec<f32> = (0..rows * inputs)
                .map(|i| ((i * 53 % 89) as f32 - 44.0) / 30.0)
                .collect();
            let got = packed.matmul(&x, rows);
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
}
