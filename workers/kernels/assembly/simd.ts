// SIMD helpers shared by the kernels: fused multiply-add (a real FMA in the relaxed-SIMD build, mul+add in the
// plain-SIMD build, chosen at compile time) and vectorised exp / sigmoid / tanh.

// @ts-ignore: decorator
@inline export function fma(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) {
    return f32x4.relaxed_madd(a, b, c);
  } else {
    return f32x4.add(f32x4.mul(a, b), c);
  }
}

// exp(x) for 4 lanes: Cody–Waite range reduction x = n·ln2 + r, |r| ≤ ln2/2, degree-6 polynomial for e^r,
// 2^n by adding n to the exponent bits. Max relative error ≈ 2 ulp on [−87, 88]; clamps outside that range
// (NaN stays NaN). Written for V8's x64 code generator, ~20 instructions: the clamp uses pmin/pmax (one
// minps/maxps each; min/max cost 7 with their NaN and ±0 rules), and n comes from the "magic number" rounding
// t = x·log2e + 1.5·2²³, whose low mantissa bits hold n (no roundps + saturating float→int conversion).
const EXP_MAGIC: f32 = 12582912.0; // 1.5·2²³

// @ts-ignore: decorator
@inline export function vexp(x: v128): v128 {
  x = f32x4.pmin(f32x4.pmax(x, f32x4.splat(-87.0)), f32x4.splat(88.0));
  const t = fma(x, f32x4.splat(1.44269504088896341), f32x4.splat(EXP_MAGIC)); // bits(t) = bits(magic) + n
  const n = f32x4.sub(t, f32x4.splat(EXP_MAGIC));
  let r = fma(n, f32x4.splat(-0.693359375), x);
  r = fma(n, f32x4.splat(2.12194440e-4), r);
  // e^r = 1 + r + r²·P(r), P of degree 5 evaluated by Estrin's scheme (three independent pairs, then r² and r⁴): a
  // chain of 3 FMA latencies instead of Horner's 5. The nonlinearities are latency-bound (each vector's chain is
  // ~60 cycles and the out-of-order window overlaps only a few): measured 3.6 → 2.9 ns per vector for the sigmoid.
  const r2 = f32x4.mul(r, r);
  const p01 = fma(r, f32x4.splat(1.6666665459e-1), f32x4.splat(5.0000001201e-1));
  const p23 = fma(r, f32x4.splat(8.3334519073e-3), f32x4.splat(4.1665795894e-2));
  const p45 = fma(r, f32x4.splat(1.9875691500e-4), f32x4.splat(1.3981999507e-3));
  const r4 = f32x4.mul(r2, r2);
  const p = fma(r4, p45, fma(r2, p23, p01));
  const y = fma(p, r2, f32x4.add(r, f32x4.splat(1.0)));
  // 2ⁿ: the low 9 bits of bits(t) + 127 are n + 127 ∈ [1, 254]; shifting by 23 drops the rest.
  const e = i32x4.shl(i32x4.add(t, i32x4.splat(127)), 23);
  return f32x4.mul(y, e);
}

// exp(−x), the same computation as vexp(−x) with the sign folded into the constants (bit-identical results, three
// instructions fewer: V8 builds f32x4.neg's sign mask on every use). With q = −r, e^r = 1 − q + q²·P(−q).
// @ts-ignore: decorator
@inline export function vexpneg(x: v128): v128 {
  x = f32x4.pmin(f32x4.pmax(x, f32x4.splat(-88.0)), f32x4.splat(87.0));
  const t = fma(x, f32x4.splat(-1.44269504088896341), f32x4.splat(EXP_MAGIC));
  const n = f32x4.sub(t, f32x4.splat(EXP_MAGIC));
  let q = fma(n, f32x4.splat(0.693359375), x);
  q = fma(n, f32x4.splat(-2.12194440e-4), q);
  const q2 = f32x4.mul(q, q);
  const p01 = fma(q, f32x4.splat(-1.6666665459e-1), f32x4.splat(5.0000001201e-1));
  const p23 = fma(q, f32x4.splat(-8.3334519073e-3), f32x4.splat(4.1665795894e-2));
  const p45 = fma(q, f32x4.splat(-1.9875691500e-4), f32x4.splat(1.3981999507e-3));
  const q4 = f32x4.mul(q2, q2);
  const p = fma(q4, p45, fma(q2, p23, p01));
  const y = fma(p, q2, f32x4.sub(f32x4.splat(1.0), q));
  const e = i32x4.shl(i32x4.add(t, i32x4.splat(127)), 23);
  return f32x4.mul(y, e);
}

// @ts-ignore: decorator
@inline export function vsigmoid(x: v128): v128 {
  return f32x4.div(f32x4.splat(1.0), f32x4.add(f32x4.splat(1.0), vexpneg(x)));
}

// tanh(x) as a rational function (Eigen's generic_fast_tanh_float: odd degree-13 numerator over even degree-6
// denominator in x, on x clamped to ±7.905, where tanh is within 3e-7 of ±1); NaN stays NaN. Measured on 400,000
// points of [−10, 10] against Math.tanh: ≤ 2.2 ulp (FMA build) / 3.3 ulp (plain SIMD), ≤ 4e-7 absolute — the former
// 1 − 2/(e^{2x} + 1) was 1.8e-7 absolute but up to 11,000 ulp near 0 — and the trainer's float64 reference checks
// moved closer with it (worst gradient 1.0e-6 against 1.6e-6). Fewer instructions, too: no exponent bit tricks.
// @ts-ignore: decorator
@inline export function vtanh(x: v128): v128 {
  x = f32x4.pmin(f32x4.pmax(x, f32x4.splat(-7.90531110763549805)), f32x4.splat(7.90531110763549805));
  // Numerator and denominator in y = x² by Estrin's scheme (as vexp): 2.6 → 2.3 ns per vector.
  const y = f32x4.mul(x, x);
  const y2 = f32x4.mul(y, y);
  const p01 = fma(y, f32x4.splat(6.37261928875436e-4), f32x4.splat(4.89352455891786e-3));
  const p23 = fma(y, f32x4.splat(5.12229709037114e-8), f32x4.splat(1.48572235717979e-5));
  const p45 = fma(y, f32x4.splat(2.00018790482477e-13), f32x4.splat(-8.60467152213735e-11));
  const y4 = f32x4.mul(y2, y2);
  const p = fma(y4, fma(y2, f32x4.splat(-2.76076847742355e-16), p45), fma(y2, p23, p01));
  const q = fma(y2, fma(y, f32x4.splat(1.19825839466702e-6), f32x4.splat(1.18534705686654e-4)), fma(y, f32x4.splat(2.26843463243900e-3), f32x4.splat(4.89352518554385e-3)));
  return f32x4.div(f32x4.mul(x, p), q);
}

// Scalar versions for the tails of rows whose width is not a multiple of 4: the same formulas, lane 0.
// @ts-ignore: decorator
@inline export function sigmoid1(x: f32): f32 {
  return f32x4.extract_lane(vsigmoid(f32x4.splat(x)), 0);
}
// @ts-ignore: decorator
@inline export function tanh1(x: f32): f32 {
  return f32x4.extract_lane(vtanh(f32x4.splat(x)), 0);
}
