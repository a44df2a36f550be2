//! The encoder's GELU, `x · Φ(x)` with the exact (erf) form the model was
//! trained with, computed in a loop the compiler turns into vector code.
//!
//! candle's `gelu_erf` calls libm's scalar `erf` once per value: a tenth of an
//! index build's CPU time (BENCHMARKS.md, session 6 profile). Here erf is
//! Abramowitz & Stegun's formula 7.1.26 (absolute error below 1.5e-7; below
//! 5e-7 in f32, a few rounding steps, which the GELU then multiplies by x / 2),
//! whose one transcendental, `exp(-z²)`, is a polynomial after splitting off
//! the power of two; no branch, no call, so eight values go through each
//! instruction under AVX2.

use candle_core::{CpuStorage, CustomOp1, Layout, Result, Shape, Tensor};

/// `xs` through the GELU (f32, any shape).
pub fn gelu(xs: &Tensor) -> Result<Tensor> {
    xs.apply_op1_no_bwd(&Gelu)
}

struct Gelu;

impl CustomOp1 for Gelu {
    fn name(&self) -> &'static str {
        "gelu-erf-vectorised"
    }

    fn cpu_fwd(&self, storage: &CpuStorage, layout: &Layout) -> Result<(CpuStorage, Shape)> {
        let Some((start, end)) = layout.contiguous_offsets() else {
            candle_core::bail!("gelu: the input is not contiguous {layout:?}")
        };
        let CpuStorage::F32(values) = storage else {
            candle_core::bail!("gelu: the input is not f32")
        };
        let mut out = values[start..end].to_vec();
        apply(&mut out);
        Ok((CpuStorage::F32(out), layout.shape().clone()))
    }
}

/// Replaces each value by its GELU, with the widest vector instructions the
/// CPU has that the loop can use.
fn apply(xs: &mut [f32]) {
    #[cfg(target_arch = "x86_64")]
    if is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma") {
        // SAFETY: the CPU was just seen to have both features.
        unsafe { apply_avx2(xs) };
        return;
    }
    apply_portable(xs);
}

/// [`apply_portable`] compiled for AVX2 and FMA (the release build targets
/// plain x86-64, whose vectors are four floats wide).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn apply_avx2(xs: &mut [f32]) {
    apply_portable(xs);
}

#[inline(always)]
fn apply_portable(xs: &mut [f32]) {
    for x in xs {
        *x = gelu_one(*x);
    }
}

/// `0.5 · x · (1 + erf(x / √2))`.
#[inline(always)]
fn gelu_one(x: f32) -> f32 {
    0.5 * x * (1.0 + erf(x * std::f32::consts::FRAC_1_SQRT_2))
}

/// Abramowitz & Stegun 7.1.26: for z ≥ 0, erf z ≈ 1 − t·P(t)·e^(−z²) with
/// t = 1 / (1 + p·z); odd in z.
#[inline(always)]
fn erf(x: f32) -> f32 {
    const P: f32 = 0.327_591_1;
    const A: [f32; 5] = [
        0.254_829_6,
        -0.284_496_74,
        1.421_413_7,
        -1.453_152,
        1.061_405_4,
    ];
    let z = x.abs();
    let t = 1.0 / (1.0 + P * z);
    let poly = t * (A[0] + t * (A[1] + t * (A[2] + t * (A[3] + t * A[4]))));
    let y = 1.0 - poly * exp_negative(z * z);
    y.copysign(x)
}

/// e^(−s) for s ≥ 0, within a few f32 rounding steps; 0-ish (1.6e-38) from
/// s = 87 on, where erf is 1 in f32 long before.
#[inline(always)]
fn exp_negative(s: f32) -> f32 {
    // e^v = 2^n · e^r with n = round(v / ln 2) and |r| ≤ ln 2 / 2.
    let v = (-s).max(-87.0);
    // Adding 1.5 · 2²³ rounds to an integer (round to nearest even) and
    // leaves that integer in the low bits of the sum.
    const ROUND: f32 = 12_582_912.0;
    let shifted = v * std::f32::consts::LOG2_E + ROUND;
    let n = shifted - ROUND;
    // ln 2 in two parts: the first has its low twelve mantissa bits zero, so
    // n times it (|n| ≤ 126) is exact and r keeps its precision.
    const LN_2_HIGH: f32 = f32::from_bits(0x3f31_7000); // 0.693115234375
    const LN_2_LOW: f32 = 3.194_618_3e-5;
    let r = (v - n * LN_2_HIGH) - n * LN_2_LOW;
    // Taylor series of e^r to r⁶/6!: the next term is below 1.3e-7 at |r| ≤ 0.35.
    let er = 1.0
        + r * (1.0
            + r * (1.0 / 2.0
                + r * (1.0 / 6.0 + r * (1.0 / 24.0 + r * (1.0 / 120.0 + r * (1.0 / 720.0))))));
    // n is in −126..=0 here, so 2^n is a normal float: its exponent field is n + 127.
    let n_bits = shifted.to_bits().wrapping_sub(ROUND.to_bits()) as i32;
    let scale = f32::from_bits(((n_bits + 127) as u32) << 23);
    er * scale
}

#[cfg(test)]
mod tests {
    use super::*;

    /// erf to double precision by its Taylor series (converges everywhere;
    /// enough terms for |x| ≤ 4), for reference.
    fn erf_reference(x: f64) -> f64 {
        let mut sum = 0.0f64;
        let mut term = x;
        let mut n = 0.0f64;
        while term.abs() > 1e-17 * sum.abs().max(1e-300) || n < 5.0 {
            sum += term / (2.0 * n + 1.0);
            n += 1.0;
            term *= -x * x / n;
            if n > 200.0 {
                break;
            }
        }
        sum * 2.0 / std::f64::consts::PI.sqrt()
    }

    #[test]
    fn erf_is_within_half_a_millionth_of_the_true_value() {
        for i in -4000..=4000 {
            let x = i as f32 / 1000.0;
            let got = erf(x) as f64;
            let want = erf_reference(x as f64);
            assert!((got - want).abs() < 5e-7, "erf({x}) = {got}, want {want}");
        }
        assert_eq!(erf(10.0), 1.0);
        assert_eq!(erf(-10.0), -1.0);
        assert_eq!(erf(f32::MAX), 1.0);
    }

    #[test]
    fn exp_follows_the_library_exp_down_to_the_smallest_normal() {
        for i in 0..=8700 {
            let s = i as f32 / 100.0;
            let (got, want) = (exp_negative(s), (-s).exp());
            assert!(
                ((got - want) / want).abs() < 3e-7,
                "e^-{s} = {got}, want {want}"
            );
        }
    }

    #[test]
    fn the_gelu_op_matches_candles_on_a_tensor_of_every_size_of_value() {
        let values: Vec<f32> = (-3000..3000).map(|i| i as f32 / 300.0).collect();
        let t = Tensor::from_vec(values, (60, 100), &candle_core::Device::Cpu).unwrap();
        let ours: Vec<f32> = gelu(&t).unwrap().flatten_all().unwrap().to_vec1().unwrap();
        let theirs: Vec<f32> = t
            .gelu_erf()
            .unwrap()
            .flatten_all()
            .unwrap()
            .to_vec1()
            .unwrap();
        for (a, b) in ours.iter().zip(&theirs) {
            assert!((a - b).abs() < 2e-6, "{a} vs {b}");
        }
        // Not contiguous: refused rather than read in the wrong order.
        assert!(gelu(&t.t().unwrap()).is_err());
    }
}
