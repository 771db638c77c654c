// Recurrent cells: the sequential part of forward and backward, one layer-direction over all T steps.
// The input projections Gx = X·Wxᵀ + bx of every step were computed before as one big GEMM; these loops only
// multiply h(t−1) by the recurrent weights and apply the gate nonlinearities. Forward sits beside backward.
// Forward: the step GEMM adds h(t−1)·Whᵀ straight into gx_t (GEMM with accumulate), then the gates are activated in
// place one nonlinearity per loop (activate), then the state update runs over H. (GRU: Wh_n·h goes to scratch.) The first step's
// product is skipped when h0 is all zero (stepForward).
//
// Every cell's kernels take the same arguments, in the same order (an argument a cell does not use is ignored), so
// that workers/engine/cells.ts picks them by name: forward (T, B, H, gx, whT, bh, peep, hs, cs, kept, scratch,
// packed) and backward (T, B, H, gates, wh, peep, dpeep, hs, cs, kept, dhs, dcs, dgx, dkept, dh, dc, norms, scratch,
// packed).
//
// Legend: B batch, T steps, H hidden, G gates (rnn 1, lstm 4, gru 3); gate order is PyTorch's.
//   gx   (T, B, G·H)  input projections incl. bx; overwritten in place by the activated gates (gates in backward)
//   whT  (H, G·H)     Whᵀ, for h(t−1)·Whᵀ            wh (G·H, H)  Wh, for dh(t−1) = dGh·Wh
//   bh   (G·H)        recurrent bias
//   peep (R, H)       peephole weights of cells with peepholes (dpeep: their gradient, accumulated)
//   hs   (T+1, B, H)  hidden states, hs[0] = h0       cs (T+1, B, H) LSTM cell states, cs[0] = c0
//   kept (T, B, H)    kept for backward: the GRU's Wh_n·h(t−1) + bh_n (ghn); the LSTMs' tanh(c_t) (0: none kept)
//   dhs  (T, B, H)    ∂L/∂h_t arriving from above (the next layer or the head); 0 = none at any step (a head on
//                     the final states seeds dh instead), read as a zeroed (B, H) block at the end of scratch
//   dcs  (T, B, H)    LSTM only, optional (0 = none): ∂L/∂c_t arriving from outside (encoder → decoder bridge)
//   dgx  (T, B, G·H)  out: ∂L/∂(pre-activation) on the input side; the recurrent side equals it, except GRU's n
//   dkept (T, B, H)   GRU only (dghn), out: the recurrent side's n part, r·∂L/∂n_pre (its r and z parts are dgx's)
//   dh   (B, H)       out: ∂L/∂h0 (the carry after step 0); dc the same for c0
//   norms (T)         out: ‖∂L/∂h_t‖² over (B, H), the gradient flowing back through time
//   scratch           (B, G·H) + 2·(B, H) floats of work space (used: GRU forward (B, H); backward (B, H); the LSTMs
//                     with kept = 0, one more (B, H); backward with dhs = 0, the last (B, H))
//   packed            0, or <cell>_packed_floats(H) floats (64-byte aligned) for the recurrent weights packed
//                     once per call (gemm_pack), so that the step GEMMs only read them; used when T > 1 and B > 1
//                     (one step, or one sequence, goes through gemm as before). The same numbers either way.
import { gemm, gemm_pack, gemm_packed, gemm_packed_floats } from './gemm';
import { fma, sigmoid1, tanh1, vsigmoid, vtanh } from './simd';

const ONE = f32x4.splat(1.0);

// ================================================ LSTM and peephole LSTM ==========================================
// LSTM: i = σ(.), f = σ(.), g = tanh(.), o = σ(.);  c = f·c(t−1) + i·g;  h = o·tanh(c)
// Peephole LSTM (Gers & Schmidhuber 2000): the input and forget gates also read c(t−1), the output gate reads c(t),
// each through a diagonal weight (peep rows i, f, o, (3, H)): i = σ(. + p_i·c(t−1)), f = σ(. + p_f·c(t−1)),
// o = σ(. + p_o·c). One source for both: lstmForward<P> / lstmBackward<P> with P = f32 for the peephole cell and i32
// for the plain one; isFloat<P>() is decided when the module is compiled, so each kernel has only its own code (the
// plain LSTM's instructions are the ones it always had).

export function lstm_forward(T: i32, B: i32, H: i32, gx: usize, whT: usize, bh: usize, peep: usize, hs: usize, cs: usize, kept: usize, scratch: usize, packed: usize): void {
  lstmForward<i32>(T, B, H, gx, whT, bh, peep, hs, cs, kept, scratch, packed);
}

export function peephole_forward(T: i32, B: i32, H: i32, gx: usize, whT: usize, bh: usize, peep: usize, hs: usize, cs: usize, kept: usize, scratch: usize, packed: usize): void {
  lstmForward<f32>(T, B, H, gx, whT, bh, peep, hs, cs, kept, scratch, packed);
}

export function lstm_backward(T: i32, B: i32, H: i32, gates: usize, wh: usize, peep: usize, dpeep: usize, hs: usize, cs: usize, kept: usize, dhs: usize, dcs: usize, dg: usize, dkept: usize, dh: usize, dc: usize, norms: usize, scratch: usize, packed: usize): void {
  lstmBackward<i32>(T, B, H, gates, wh, peep, dpeep, cs, kept, dhs, dcs, dg, dh, dc, norms, scratch, packed);
}

// Backward of the peephole terms: with a_x the pre-activations, the total ∂L/∂c(t) adds da_o·p_o to the LSTM's;
// ∂L/∂c(t−1) = ∂L/∂c·f + da_i·p_i + da_f·p_f; ∂L/∂p_i += da_i·c(t−1), ∂L/∂p_f += da_f·c(t−1), ∂L/∂p_o += da_o·c(t),
// over every step and item (dpeep, (3, H), accumulated).
export function peephole_backward(T: i32, B: i32, H: i32, gates: usize, wh: usize, peep: usize, dpeep: usize, hs: usize, cs: usize, kept: usize, dhs: usize, dcs: usize, dg: usize, dkept: usize, dh: usize, dc: usize, norms: usize, scratch: usize, packed: usize): void {
  lstmBackward<f32>(T, B, H, gates, wh, peep, dpeep, cs, kept, dhs, dcs, dg, dh, dc, norms, scratch, packed);
}

// kept (T, B, H): tanh(c_t), written by forward for backward (which then evaluates no tanh); kept = 0 (one step of
// generation, or a test calling the kernels directly) writes it to scratch and backward computes it there per step.
function lstmForward<P>(T: i32, B: i32, H: i32, gx: usize, whT: usize, bh: usize, peep: usize, hs: usize, cs: usize, kept: usize, scratch: usize, packed: usize): void {
  const G4 = 4 * H;
  const pk = packs(packed, T, B, H, G4) ? packed : 0;
  if (pk) gemm_pack(pk, whT, H, G4, G4);
  const H4 = H & ~3;
  const Hb = <usize>H * 4;
  const h0Zero = allZero(hs, B * H);
  for (let t = 0; t < T; t++) {
    const hPrev = hs + <usize>(t * B * H) * 4;
    const gt = gx + <usize>(t * B * G4) * 4;
    // gx_t += h(t−1)·Whᵀ in place (the GEMM adds its product to C).
    stepForward(t == 0 && h0Zero, gt, hPrev, whT, pk, B, G4, H, H, G4, G4, 1);
    // Gate activations in place, one nonlinearity per loop (see activate): i, f = σ, g = tanh, o = σ; with
    // peepholes only g here, since i, f and o read the cell state (below, with their biases).
    if (!isFloat<P>()) activate(gt, G4, B, bh, 0, 2 * H, false);
    activate(gt, G4, B, bh, 2 * H, H, true);
    if (!isFloat<P>()) activate(gt, G4, B, bh, 3 * H, H, false);
    for (let b = 0; b < B; b++) {
      const g = gt + <usize>(b * G4) * 4;
      const cp = cs + <usize>((t * B + b) * H) * 4;
      const cn = cp + <usize>(B * H) * 4;
      const hn = hs + <usize>(((t + 1) * B + b) * H) * 4;
      const tcb = (kept ? kept + <usize>(t * B * H) * 4 : scratch) + <usize>(b * H) * 4;
      let j = 0;
      for (; j < H4; j += 4) {
        const o4 = <usize>j * 4;
        const pi = g + o4, pf = pi + Hb, pg = pf + Hb, po = pg + Hb;
        const c0 = v128.load(cp + o4);
        let i = v128.load(pi), f = v128.load(pf);
        if (isFloat<P>()) {
          i = vsigmoid(fma(v128.load(peep + o4), c0, f32x4.add(i, v128.load(bh + o4))));
          f = vsigmoid(fma(v128.load(peep + Hb + o4), c0, f32x4.add(f, v128.load(bh + Hb + o4))));
        }
        const c = fma(f, c0, f32x4.mul(i, v128.load(pg)));
        v128.store(cn + o4, c);
        let o = v128.load(po);
        if (isFloat<P>()) {
          o = vsigmoid(fma(v128.load(peep + 2 * Hb + o4), c, f32x4.add(o, v128.load(bh + 3 * Hb + o4))));
          v128.store(pi, i);
          v128.store(pf, f);
          v128.store(po, o);
        }
        const tc = vtanh(c);
        v128.store(tcb + o4, tc);
        v128.store(hn + o4, f32x4.mul(o, tc));
      }
      for (; j < H; j++) {
        const o4 = <usize>j * 4;
        const pi = g + o4, pf = pi + Hb, pg = pf + Hb, po = pg + Hb;
        const c0 = load<f32>(cp + o4);
        let i = load<f32>(pi), f = load<f32>(pf);
        if (isFloat<P>()) {
          i = sigmoid1(i + load<f32>(bh + o4) + load<f32>(peep + o4) * c0);
          f = sigmoid1(f + load<f32>(bh + Hb + o4) + load<f32>(peep + Hb + o4) * c0);
        }
        const c = f * c0 + i * load<f32>(pg);
        store<f32>(cn + o4, c);
        let o = load<f32>(po);
        if (isFloat<P>()) {
          o = sigmoid1(o + load<f32>(bh + 3 * Hb + o4) + load<f32>(peep + 2 * Hb + o4) * c);
          store<f32>(pi, i);
          store<f32>(pf, f);
          store<f32>(po, o);
        }
        const tc = tanh1(c);
        store<f32>(tcb + o4, tc);
        store<f32>(hn + o4, o * tc);
      }
    }
  }
}

function lstmBackward<P>(T: i32, B: i32, H: i32, gates: usize, wh: usize, peep: usize, dpeep: usize, cs: usize, kept: usize, dhs: usize, dcs: usize, dg: usize, dh: usize, dc: usize, norms: usize, scratch: usize, packed: usize): void {
  const G4 = 4 * H;
  const pk = packs(packed, T, B, G4, H) ? packed : 0;
  if (pk) gemm_pack(pk, wh, G4, H, H);
  const BH = B * H;
  const dht = scratch; // (B, H): total ∂L/∂h_t
  const H4 = H & ~3;
  const Hb = <usize>H * 4;
  const none = dhs ? 0 : zeroBlock(scratch, B, H, 4);
  // dh and dc hold the carry from step t+1; the caller zeroes them (or seeds them).
  for (let t = T - 1; t >= 0; t--) {
    store<f32>(norms + <usize>t * 4, addIntoSquares(dht, dh, dhs ? dhs + <usize>(t * BH) * 4 : none, BH));
    if (dcs) addInto(dc, dc, dcs + <usize>(t * BH) * 4, BH);
    // tanh(c_t) for the step: kept by forward, or computed here into scratch's second (B, H) block.
    let tct = kept + <usize>(t * BH) * 4;
    if (!kept) {
      tct = scratch + <usize>BH * 4;
      tanhInto(tct, cs + <usize>((t + 1) * BH) * 4, BH);
    }
    for (let b = 0; b < B; b++) {
      const g = gates + <usize>((t * B + b) * G4) * 4;
      const d = dg + <usize>((t * B + b) * G4) * 4;
      const cPrev = cs + <usize>((t * B + b) * H) * 4;
      const cNow = cPrev + <usize>BH * 4;
      const dhb = dht + <usize>(b * H) * 4;
      const dcb = dc + <usize>(b * H) * 4;
      const tcb = tct + <usize>(b * H) * 4;
      let j = 0;
      for (; j < H4; j += 4) {
        const o4 = <usize>j * 4;
        const pi = g + o4, pf = pi + Hb, pg = pf + Hb, po = pg + Hb;
        const i = v128.load(pi), f = v128.load(pf), gg = v128.load(pg), o = v128.load(po);
        const c = v128.load(cNow + o4), c0 = v128.load(cPrev + o4);
        const tc = v128.load(tcb + o4);
        const dhv = v128.load(dhb + o4);
        const dov = f32x4.mul(f32x4.mul(dhv, tc), f32x4.mul(o, f32x4.sub(ONE, o)));
        let dcv = fma(f32x4.mul(dhv, o), f32x4.sub(ONE, f32x4.mul(tc, tc)), v128.load(dcb + o4));
        if (isFloat<P>()) dcv = fma(dov, v128.load(peep + 2 * Hb + o4), dcv); // through the output gate's peephole
        const di = f32x4.mul(f32x4.mul(dcv, gg), f32x4.mul(i, f32x4.sub(ONE, i)));
        const df = f32x4.mul(f32x4.mul(dcv, c0), f32x4.mul(f, f32x4.sub(ONE, f)));
        const dgg = f32x4.mul(f32x4.mul(dcv, i), f32x4.sub(ONE, f32x4.mul(gg, gg)));
        v128.store(d + o4, di);
        v128.store(d + o4 + Hb, df);
        v128.store(d + o4 + 2 * Hb, dgg);
        v128.store(d + o4 + 3 * Hb, dov);
        let carry = f32x4.mul(dcv, f);
        if (isFloat<P>()) {
          carry = fma(df, v128.load(peep + Hb + o4), fma(di, v128.load(peep + o4), carry));
          v128.store(dpeep + o4, fma(di, c0, v128.load(dpeep + o4)));
          v128.store(dpeep + Hb + o4, fma(df, c0, v128.load(dpeep + Hb + o4)));
          v128.store(dpeep + 2 * Hb + o4, fma(dov, c, v128.load(dpeep + 2 * Hb + o4)));
        }
        v128.store(dcb + o4, carry);
      }
      for (; j < H; j++) {
        const o4 = <usize>j * 4;
        const pi = g + o4, pf = pi + Hb, pg = pf + Hb, po = pg + Hb;
        const i = load<f32>(pi), f = load<f32>(pf), gg = load<f32>(pg), o = load<f32>(po);
        const c = load<f32>(cNow + o4), c0 = load<f32>(cPrev + o4);
        const tc = load<f32>(tcb + o4);
        const dhv = load<f32>(dhb + o4);
        const dov = dhv * tc * o * (1 - o);
        let dcv = dhv * o * (1 - tc * tc) + load<f32>(dcb + o4);
        if (isFloat<P>()) dcv += dov * load<f32>(peep + 2 * Hb + o4);
        const di = dcv * gg * i * (1 - i);
        const df = dcv * c0 * f * (1 - f);
        store<f32>(d + o4, di);
        store<f32>(d + o4 + Hb, df);
        store<f32>(d + o4 + 2 * Hb, dcv * i * (1 - gg * gg));
        store<f32>(d + o4 + 3 * Hb, dov);
        let carry = dcv * f;
        if (isFloat<P>()) {
          carry += di * load<f32>(peep + o4) + df * load<f32>(peep + Hb + o4);
          store<f32>(dpeep + o4, load<f32>(dpeep + o4) + di * c0);
          store<f32>(dpeep + Hb + o4, load<f32>(dpeep + Hb + o4) + df * c0);
          store<f32>(dpeep + 2 * Hb + o4, load<f32>(dpeep + 2 * Hb + o4) + dov * c);
        }
        store<f32>(dcb + o4, carry);
      }
    }
    // carry to step t−1: dh(t−1) = dG_t · Wh   (B, 4H)·(4H, H)
    stepGemm(dh, dg + <usize>(t * B * G4) * 4, wh, pk, B, H, G4, G4, H, H, 0);
  }
}

// ================================================ GRU ============================================================
// PyTorch's GRU (ONNX linear_before_reset = 1):
// r = σ(.), z = σ(.), n = tanh(Wx_n x + bx_n + r·(Wh_n h + bh_n)),  h = (1 − z)·n + z·h(t−1)

export function gru_forward(T: i32, B: i32, H: i32, gx: usize, whT: usize, bh: usize, peep: usize, hs: usize, cs: usize, ghn: usize, scratch: usize, packed: usize): void {
  const G3 = 3 * H;
  const G2 = 2 * H;
  // Two packed blocks: Whᵀ's r, z columns (H, 2H), then its n columns (H, H).
  const pk = packs(packed, T, B, H, H) ? packed : 0;
  const pkn = pk ? pk + align64(<usize>gemm_packed_floats(H, G2) * 4) : 0;
  if (pk) {
    gemm_pack(pk, whT, H, G2, G3);
    gemm_pack(pkn, whT + <usize>G2 * 4, H, H, G3);
  }
  const gh = scratch; // (B, H): Wh_n·h(t−1)
  const H4 = H & ~3;
  const h0Zero = allZero(hs, B * H);
  for (let t = 0; t < T; t++) {
    const hPrev = hs + <usize>(t * B * H) * 4;
    const gt = gx + <usize>(t * B * G3) * 4;
    // r and z: gx_t[:, 0:2H] += h(t−1)·Wh_{r,z}ᵀ in place; n needs Wh_n·h on its own (it is gated by r).
    stepForward(t == 0 && h0Zero, gt, hPrev, whT, pk, B, G2, H, H, G3, G3, 1);
    stepForward(t == 0 && h0Zero, gh, hPrev, whT + <usize>G2 * 4, pkn, B, H, H, H, G3, H, 0);
    activate(gt, G3, B, bh, 0, G2, false); // r, z = σ(.) in place
    for (let b = 0; b < B; b++) {
      const g = gt + <usize>(b * G3) * 4;
      const q = gh + <usize>(b * H) * 4;
      const hp = hPrev + <usize>(b * H) * 4;
      const hn = hs + <usize>(((t + 1) * B + b) * H) * 4;
      const gn = ghn + <usize>((t * B + b) * H) * 4;
      const bn = bh + <usize>G2 * 4;
      let j = 0;
      for (; j < H4; j += 4) {
        const o4 = <usize>j * 4;
        const pr = g + o4, pz = pr + <usize>H * 4, pn = pz + <usize>H * 4;
        const hh = f32x4.add(v128.load(q + o4), v128.load(bn + o4));
        const n = vtanh(fma(v128.load(pr), hh, v128.load(pn)));
        v128.store(pn, n);
        v128.store(gn + o4, hh);
        v128.store(hn + o4, fma(v128.load(pz), f32x4.sub(v128.load(hp + o4), n), n));
      }
      for (; j < H; j++) {
        const o4 = <usize>j * 4;
        const pr = g + o4, pz = pr + <usize>H * 4, pn = pz + <usize>H * 4;
        const hh = load<f32>(q + o4) + load<f32>(bn + o4);
        const n = tanh1(load<f32>(pn) + load<f32>(pr) * hh);
        store<f32>(pn, n);
        store<f32>(gn + o4, hh);
        store<f32>(hn + o4, n + load<f32>(pz) * (load<f32>(hp + o4) - n));
      }
    }
  }
}

export function gru_backward(T: i32, B: i32, H: i32, gates: usize, wh: usize, peep: usize, dpeep: usize, hs: usize, cs: usize, ghn: usize, dhs: usize, dcs: usize, dgx: usize, dghn: usize, dh: usize, dc: usize, norms: usize, scratch: usize, packed: usize): void {
  const G3 = 3 * H;
  // Two packed blocks: Wh's r, z rows (2H, H), then its n rows (H, H).
  const pk = packs(packed, T, B, H, H) ? packed : 0;
  const pkn = pk ? pk + align64(<usize>gemm_packed_floats(2 * H, H) * 4) : 0;
  if (pk) {
    gemm_pack(pk, wh, 2 * H, H, H);
    gemm_pack(pkn, wh + <usize>(2 * H * H) * 4, H, H, H);
  }
  const BH = B * H;
  const dht = scratch; // (B, H)
  const H4 = H & ~3;
  const none = dhs ? 0 : zeroBlock(scratch, B, H, 3);
  for (let t = T - 1; t >= 0; t--) {
    store<f32>(norms + <usize>t * 4, addIntoSquares(dht, dh, dhs ? dhs + <usize>(t * BH) * 4 : none, BH));
    for (let b = 0; b < B; b++) {
      const g = gates + <usize>((t * B + b) * G3) * 4;
      const dx = dgx + <usize>((t * B + b) * G3) * 4;
      const dr = dghn + <usize>((t * B + b) * H) * 4; // n part of the recurrent side (r, z equal dgx's)
      const hp = hs + <usize>((t * B + b) * H) * 4;
      const gn = ghn + <usize>((t * B + b) * H) * 4;
      const dhb = dht + <usize>(b * H) * 4;
      const carry = dh + <usize>(b * H) * 4; // becomes the direct part z·dh of dh(t−1)
      let j = 0;
      for (; j < H4; j += 4) {
        const o4 = <usize>j * 4;
        const r = v128.load(g + o4), z = v128.load(g + o4 + <usize>H * 4), n = v128.load(g + o4 + <usize>H * 8);
        const dhv = v128.load(dhb + o4);
        const dnPre = f32x4.mul(f32x4.mul(dhv, f32x4.sub(ONE, z)), f32x4.sub(ONE, f32x4.mul(n, n)));
        const dzPre = f32x4.mul(f32x4.mul(dhv, f32x4.sub(v128.load(hp + o4), n)), f32x4.mul(z, f32x4.sub(ONE, z)));
        const drPre = f32x4.mul(f32x4.mul(dnPre, v128.load(gn + o4)), f32x4.mul(r, f32x4.sub(ONE, r)));
        v128.store(dx + o4, drPre); v128.store(dx + o4 + <usize>H * 4, dzPre); v128.store(dx + o4 + <usize>H * 8, dnPre);
        v128.store(dr + o4, f32x4.mul(dnPre, r));
        v128.store(carry + o4, f32x4.mul(dhv, z));
      }
      for (; j < H; j++) {
        const o4 = <usize>j * 4;
        const r = load<f32>(g + o4), z = load<f32>(g + o4 + <usize>H * 4), n = load<f32>(g + o4 + <usize>H * 8);
        const dhv = load<f32>(dhb + o4);
        const dnPre = dhv * (1 - z) * (1 - n * n);
        const dzPre = dhv * (load<f32>(hp + o4) - n) * z * (1 - z);
        const drPre = dnPre * load<f32>(gn + o4) * r * (1 - r);
        store<f32>(dx + o4, drPre); store<f32>(dx + o4 + <usize>H * 4, dzPre); store<f32>(dx + o4 + <usize>H * 8, dnPre);
        store<f32>(dr + o4, dnPre * r);
        store<f32>(carry + o4, dhv * z);
      }
    }
    // dh(t−1) += dGh_t · Wh over the r, z rows (from dgx) then the n rows (from dghn): for H = 256 the same k blocks,
    // in the same order, as one product over all 3H rows.
    stepGemm(dh, dgx + <usize>(t * B * G3) * 4, wh, pk, B, H, 2 * H, G3, H, H, 1);
    stepGemm(dh, dghn + <usize>(t * BH) * 4, wh + <usize>(2 * H * H) * 4, pkn, B, H, H, H, H, H, 1);
  }
}

// ================================================ RNN ============================================================
// h = tanh(Wx x + bx + Wh h(t−1) + bh)

export function rnn_forward(T: i32, B: i32, H: i32, gx: usize, whT: usize, bh: usize, peep: usize, hs: usize, cs: usize, kept: usize, scratch: usize, packed: usize): void {
  const pk = packs(packed, T, B, H, H) ? packed : 0;
  if (pk) gemm_pack(pk, whT, H, H, H);
  const H4 = H & ~3;
  const h0Zero = allZero(hs, B * H);
  for (let t = 0; t < T; t++) {
    const hPrev = hs + <usize>(t * B * H) * 4;
    stepForward(t == 0 && h0Zero, gx + <usize>(t * B * H) * 4, hPrev, whT, pk, B, H, H, H, H, H, 1); // gx_t += h(t−1)·Whᵀ in place
    for (let b = 0; b < B; b++) {
      const g = gx + <usize>((t * B + b) * H) * 4;
      const hn = hs + <usize>(((t + 1) * B + b) * H) * 4;
      let j = 0;
      for (; j < H4; j += 4) {
        const o4 = <usize>j * 4;
        const h = vtanh(f32x4.add(v128.load(g + o4), v128.load(bh + o4)));
        v128.store(g + o4, h);
        v128.store(hn + o4, h);
      }
      for (; j < H; j++) {
        const o4 = <usize>j * 4;
        const h = tanh1(load<f32>(g + o4) + load<f32>(bh + o4));
        store<f32>(g + o4, h);
        store<f32>(hn + o4, h);
      }
    }
  }
}

export function rnn_backward(T: i32, B: i32, H: i32, gates: usize, wh: usize, peep: usize, dpeep: usize, hs: usize, cs: usize, kept: usize, dhs: usize, dcs: usize, dg: usize, dkept: usize, dh: usize, dc: usize, norms: usize, scratch: usize, packed: usize): void {
  const pk = packs(packed, T, B, H, H) ? packed : 0;
  if (pk) gemm_pack(pk, wh, H, H, H);
  const BH = B * H;
  const none = dhs ? 0 : zeroBlock(scratch, B, H, 1);
  for (let t = T - 1; t >= 0; t--) {
    // One pass: ∂L/∂h_t = carry + from above, its squared norm (summed as addIntoSquares does), and the
    // pre-activation gradient dG_t = ∂L/∂h_t·(1 − h_t²).
    const hNow = hs + <usize>((t + 1) * BH) * 4;
    const up = dhs ? dhs + <usize>(t * BH) * 4 : none;
    const d = dg + <usize>(t * BH) * 4;
    let acc = f32x4.splat(0);
    let j = 0;
    const n4 = BH & ~3;
    for (; j < n4; j += 4) {
      const o = <usize>j * 4;
      const v = f32x4.add(v128.load(dh + o), v128.load(up + o));
      acc = fma(v, v, acc);
      const h = v128.load(hNow + o);
      v128.store(d + o, f32x4.mul(v, f32x4.sub(ONE, f32x4.mul(h, h))));
    }
    let sq = f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1) + f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3);
    for (; j < BH; j++) {
      const o = <usize>j * 4;
      const v = load<f32>(dh + o) + load<f32>(up + o);
      sq += v * v;
      const h = load<f32>(hNow + o);
      store<f32>(d + o, v * (1 - h * h));
    }
    store<f32>(norms + <usize>t * 4, sq);
    stepGemm(dh, d, wh, pk, B, H, H, H, H, H, 0);
  }
}

// ================================================ helpers ========================================================

// Floats of the `packed` space each cell's kernels need for hidden size H: the larger of its forward and backward
// packs (a GRU packs two blocks, the first 64-byte aligned). workers/engine/cells.ts derives the same figure from
// the cell's step products; kernels.test.ts checks the two agree for every cell.

export function lstm_packed_floats(H: i32): i32 {
  return max(gemm_packed_floats(H, 4 * H), gemm_packed_floats(4 * H, H));
}

export function peephole_packed_floats(H: i32): i32 {
  return lstm_packed_floats(H);
}

export function gru_packed_floats(H: i32): i32 {
  const fwd = align64f(gemm_packed_floats(H, 2 * H)) + gemm_packed_floats(H, H);
  const bwd = align64f(gemm_packed_floats(2 * H, H)) + gemm_packed_floats(H, H);
  return max(fwd, bwd);
}

export function rnn_packed_floats(H: i32): i32 {
  return gemm_packed_floats(H, H);
}

/** Whether a cell call packs its recurrent weights: more than one step of more than one row, into N > 1 columns. */
// @ts-ignore: decorator
@inline function packs(packed: usize, T: i32, B: i32, K: i32, N: i32): bool {
  return packed != 0 && T > 1 && B > 1 && N > 1 && K > 0;
}

// @ts-ignore: decorator
@inline function align64(bytes: usize): usize {
  return (bytes + 63) & ~<usize>63;
}
// @ts-ignore: decorator
@inline function align64f(floats: i32): i32 {
  return (floats + 15) & ~15;
}

/** One step's C(M, N) [+]= A·W: from W packed by gemm_pack when pk ≠ 0 (the same numbers), else through gemm. */
// @ts-ignore: decorator
@inline function stepGemm(C: usize, A: usize, W: usize, pk: usize, M: i32, N: i32, K: i32, lda: i32, ldw: i32, ldc: i32, accumulate: i32): void {
  if (pk) gemm_packed(C, A, pk, M, N, K, lda, ldc, accumulate);
  else gemm(C, A, W, M, N, K, lda, 1, ldw, ldc, accumulate);
}

/**
 * x(r, j) = σ(x(r, j) + bias(j)) (or tanh) for rows r < rows (row stride ld floats) and columns off ≤ j < off + n,
 * in place. The cells apply their gate nonlinearities in such loops, one nonlinearity per iteration, rather than all
 * gates in one loop body: that body (~230 instructions, 5 chained exp/divide sequences) spilled constants and left
 * the out-of-order core latency-bound (~30 cycles per element). One call per step and gate range, so that the
 * constants are set up once per call.
 */
function activate(x: usize, ld: i32, rows: i32, bias: usize, off: i32, n: i32, tanh: bool): void {
  const pb = bias + <usize>off * 4;
  for (let r = 0; r < rows; r++) {
    const px = x + <usize>(r * ld + off) * 4;
    let j = 0;
    if (tanh) {
      for (; j + 4 <= n; j += 4) v128.store(px + <usize>j * 4, vtanh(f32x4.add(v128.load(px + <usize>j * 4), v128.load(pb + <usize>j * 4))));
      for (; j < n; j++) store<f32>(px + <usize>j * 4, tanh1(load<f32>(px + <usize>j * 4) + load<f32>(pb + <usize>j * 4)));
    } else {
      for (; j + 4 <= n; j += 4) v128.store(px + <usize>j * 4, vsigmoid(f32x4.add(v128.load(px + <usize>j * 4), v128.load(pb + <usize>j * 4))));
      for (; j < n; j++) store<f32>(px + <usize>j * 4, sigmoid1(load<f32>(px + <usize>j * 4) + load<f32>(pb + <usize>j * 4)));
    }
  }
}

/**
 * A forward step's product C [+]= h(t−1)·Whᵀ (stepGemm), or, when h(t−1) is the all-zero h0 (`zero`: the usual
 * initial state), what that product would give without computing it: nothing to add, or zeros. The same numbers:
 * the GEMM's sums of ±0 products are +0.
 */
// @ts-ignore: decorator
@inline function stepForward(zero: bool, C: usize, A: usize, W: usize, pk: usize, M: i32, N: i32, K: i32, lda: i32, ldw: i32, ldc: i32, accumulate: i32): void {
  if (!zero) stepGemm(C, A, W, pk, M, N, K, lda, ldw, ldc, accumulate);
  else if (!accumulate) for (let m = 0; m < M; m++) memory.fill(C + <usize>(m * ldc) * 4, 0, <usize>N * 4);
}

/** Whether the n floats at p are all ±0 (NaN and infinities are not). */
function allZero(p: usize, n: i32): bool {
  let acc = i32x4.splat(0);
  let i = 0;
  // |x| bits: OR of the sign-cleared lanes is zero only if every lane is ±0.
  for (; i + 4 <= n; i += 4) acc = v128.or(acc, v128.and(v128.load(p + <usize>i * 4), i32x4.splat(0x7fffffff)));
  let any = i32x4.extract_lane(acc, 0) | i32x4.extract_lane(acc, 1) | i32x4.extract_lane(acc, 2) | i32x4.extract_lane(acc, 3);
  for (; i < n; i++) any |= load<i32>(p + <usize>i * 4) & 0x7fffffff;
  return any == 0;
}

/**
 * The (B, H) block at the end of a cell's scratch ((B, G·H) + 2·(B, H) floats), zeroed: backward reads it as ∂L/∂h_t
 * from above when the caller has none (dhs = 0), instead of a (T, B, H) tensor of zeros.
 */
function zeroBlock(scratch: usize, B: i32, H: i32, G: i32): usize {
  const p = scratch + <usize>(B * G * H + B * H) * 4;
  memory.fill(p, 0, <usize>(B * H) * 4);
  return p;
}

/** dst = tanh(src) over n floats. */
function tanhInto(dst: usize, src: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(dst + <usize>i * 4, vtanh(v128.load(src + <usize>i * 4)));
  for (; i < n; i++) store<f32>(dst + <usize>i * 4, tanh1(load<f32>(src + <usize>i * 4)));
}

// @ts-ignore: decorator
@inline function addInto(dst: usize, a: usize, b: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(dst + <usize>i * 4, f32x4.add(v128.load(a + <usize>i * 4), v128.load(b + <usize>i * 4)));
  for (; i < n; i++) store<f32>(dst + <usize>i * 4, load<f32>(a + <usize>i * 4) + load<f32>(b + <usize>i * 4));
}

/** dst = a + b over n floats, returning Σ dst² (a 4-lane FMA accumulator, then its lanes, then the tail): one pass instead of two. */
// @ts-ignore: decorator
@inline function addIntoSquares(dst: usize, a: usize, b: usize, n: i32): f32 {
  let acc = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const v = f32x4.add(v128.load(a + <usize>i * 4), v128.load(b + <usize>i * 4));
    v128.store(dst + <usize>i * 4, v);
    acc = fma(v, v, acc);
  }
  let s = f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1) + f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3);
  for (; i < n; i++) {
    const v = load<f32>(a + <usize>i * 4) + load<f32>(b + <usize>i * 4);
    store<f32>(dst + <usize>i * 4, v);
    s += v * v;
  }
  return s;
}
