// The machine's WASM SIMD arithmetic ceiling, for the profile (workers/engine/profile.ts): a loop of independent
// f32x4 FMAs (mul + add in the plain-SIMD build) on registers only, no memory traffic. 12 chains hide the FMA
// latency (4–5 cycles × 2 pipes) and fit V8's 15 allocatable xmm registers with the two operands.
import { fma } from './simd';

/** Runs `iters` × 12 f32x4 FMAs (96 flops per iteration); returns a value that depends on all of them. */
export function fma_peak(iters: i32): f32 {
  const x = f32x4.splat(0.999999);
  const y = f32x4.splat(1e-7);
  let a0 = f32x4.splat(0), a1 = f32x4.splat(1), a2 = f32x4.splat(2), a3 = f32x4.splat(3);
  let a4 = f32x4.splat(4), a5 = f32x4.splat(5), a6 = f32x4.splat(6), a7 = f32x4.splat(7);
  let a8 = f32x4.splat(8), a9 = f32x4.splat(9), a10 = f32x4.splat(10), a11 = f32x4.splat(11);
  for (let i = 0; i < iters; i++) {
    a0 = fma(a0, x, y); a1 = fma(a1, x, y); a2 = fma(a2, x, y); a3 = fma(a3, x, y);
    a4 = fma(a4, x, y); a5 = fma(a5, x, y); a6 = fma(a6, x, y); a7 = fma(a7, x, y);
    a8 = fma(a8, x, y); a9 = fma(a9, x, y); a10 = fma(a10, x, y); a11 = fma(a11, x, y);
  }
  const s = f32x4.add(f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3)), f32x4.add(f32x4.add(a4, a5), f32x4.add(a6, a7)));
  const u = f32x4.add(s, f32x4.add(f32x4.add(a8, a9), f32x4.add(a10, a11)));
  return f32x4.extract_lane(u, 0) + f32x4.extract_lane(u, 3);
}
