// The float64 reference's cells: one step of one batch item, forward beside backward, for every cell of the
// registry (src-shared/cells.ts), picked by name. Part of reference.ts (read that file's header first): plain loops,
// never optimised, the equations as written in the papers.
//
// Each cell sees two affine maps of its gate rows (G·H): ax = Wx·x + bx and ah = Wh·h' + bh, kept apart because
// the GRU's reset gate scales only ah_n. σ logistic sigmoid, ⊙ elementwise product, h' / c' the state carried in.

import type { CellType } from '../../src-shared/cells';

const sigmoid = (a: number): number => 1 / (1 + Math.exp(-a));

/** What one step of one batch item keeps for its backward. */
export interface StepMemo {
  x: Float64Array; // (X) input read at this position
  hPrev: Float64Array; // (H) h'
  cPrev: Float64Array; // (H) c' (cells with a cell state; zeros otherwise)
  act: Float64Array; // (G·H) gate activations: rnn [h] | lstm [i f g o] | gru [r z n]
  ahN: Float64Array; // (H) GRU: Wh_n·h' + bh_n, the term the reset gate scales (empty otherwise)
  h: Float64Array; // (H)
  c: Float64Array; // (H) cells with a cell state (zeros otherwise)
}

export interface CellMath {
  /**
   * From ax, ah (G·H), h', c' (H) and the peephole weights P (R·H, rows in the registry's peephole order; empty for
   * cells without): gate activations and the new state.
   */
  forward(ax: Float64Array, ah: Float64Array, hPrev: Float64Array, cPrev: Float64Array, H: number, P: Float64Array): Pick<StepMemo, 'act' | 'ahN' | 'h' | 'c'>;
  /**
   * From dh, dc (H), the total gradients reaching this step's h and c: the gradients of the two affine maps
   * (G·H each), the part of dh' that does not go through Wh (GRU's z ⊙ dh), dc', and ∂L/∂P of this step (R·H).
   */
  backward(m: StepMemo, dh: Float64Array, dc: Float64Array, H: number, P: Float64Array): { dax: Float64Array; dah: Float64Array; dhPrevDirect: Float64Array; dcPrev: Float64Array; dP?: Float64Array };
}

/**
 * The LSTM, gates i f g o: c = f ⊙ c' + i ⊙ g, h = o ⊙ tanh(c). With peephole weights P (rows i, f, o: the peephole
 * LSTM of Gers & Schmidhuber 2000) the input and forget gates also read c' and the output gate reads c:
 * i = σ(ax_i + ah_i + p_i ⊙ c'), f = σ(ax_f + ah_f + p_f ⊙ c'), o = σ(ax_o + ah_o + p_o ⊙ c). The plain LSTM has no
 * P (empty): those terms are absent.
 */
const LSTM: CellMath = {
  forward(ax, ah, _hPrev, cPrev, H, P) {
    const peep = (row: number, j: number, c: number): number => (P.length ? P[row * H + j] * c : 0);
    const act = new Float64Array(4 * H); // [i f g o]
    const h = new Float64Array(H);
    const c = new Float64Array(H);
    for (let j = 0; j < H; j++) {
      const i = sigmoid(ax[j] + ah[j] + peep(0, j, cPrev[j]));
      const f = sigmoid(ax[H + j] + ah[H + j] + peep(1, j, cPrev[j]));
      const g = Math.tanh(ax[2 * H + j] + ah[2 * H + j]);
      c[j] = f * cPrev[j] + i * g;
      const o = sigmoid(ax[3 * H + j] + ah[3 * H + j] + peep(2, j, c[j]));
      act[j] = i;
      act[H + j] = f;
      act[2 * H + j] = g;
      act[3 * H + j] = o;
      h[j] = o * Math.tanh(c[j]);
    }
    return { act, ahN: new Float64Array(0), h, c };
  },
  backward(m, dh, dc, H, P) {
    const p = (row: number, j: number): number => (P.length ? P[row * H + j] : 0);
    const da = new Float64Array(4 * H);
    const dcPrev = new Float64Array(H);
    const dP = new Float64Array(P.length);
    for (let j = 0; j < H; j++) {
      const i = m.act[j];
      const f = m.act[H + j];
      const g = m.act[2 * H + j];
      const o = m.act[3 * H + j];
      const tc = Math.tanh(m.c[j]);
      const daO = dh[j] * tc * o * (1 - o);
      // ∂L/∂c: through h = o ⊙ tanh(c), from c of the next step, and through the output gate's peephole
      const dcTotal = dc[j] + dh[j] * o * (1 - tc * tc) + daO * p(2, j);
      const daI = dcTotal * g * i * (1 - i);
      const daF = dcTotal * m.cPrev[j] * f * (1 - f);
      da[j] = daI;
      da[H + j] = daF;
      da[2 * H + j] = dcTotal * i * (1 - g * g);
      da[3 * H + j] = daO;
      // c' reaches the loss through c = f ⊙ c' + …, and through the input and forget gates' peepholes
      dcPrev[j] = dcTotal * f + daI * p(0, j) + daF * p(1, j);
      if (P.length) {
        dP[j] = daI * m.cPrev[j];
        dP[H + j] = daF * m.cPrev[j];
        dP[2 * H + j] = daO * m.c[j];
      }
    }
    return { dax: da, dah: da.slice(), dhPrevDirect: new Float64Array(H), dcPrev, dP };
  },
};

export const REFERENCE_CELLS: Record<CellType, CellMath> = {
  // ---- Elman RNN: h = tanh(ax + ah) -----------------------------------------------------------------------------
  rnn: {
    forward(ax, ah, _hPrev, _cPrev, H) {
      const h = new Float64Array(H);
      for (let j = 0; j < H; j++) h[j] = Math.tanh(ax[j] + ah[j]);
      return { act: h.slice(), ahN: new Float64Array(0), h, c: new Float64Array(H) };
    },
    backward(m, dh, _dc, H) {
      // da = dh ⊙ (1 − h²); the same for both affine maps.
      const da = new Float64Array(H);
      for (let j = 0; j < H; j++) da[j] = dh[j] * (1 - m.h[j] * m.h[j]);
      return { dax: da, dah: da.slice(), dhPrevDirect: new Float64Array(H), dcPrev: new Float64Array(H) };
    },
  },

  lstm: LSTM,

  // ---- GRU (PyTorch, ONNX linear_before_reset = 1), gates r z n -----------------------------------------------------
  // r = σ(ax_r + ah_r), z = σ(ax_z + ah_z), n = tanh(ax_n + r ⊙ ah_n), h = (1 − z) ⊙ n + z ⊙ h'
  gru: {
    forward(ax, ah, hPrev, _cPrev, H) {
      const act = new Float64Array(3 * H); // [r z n]
      const ahN = new Float64Array(H);
      const h = new Float64Array(H);
      for (let j = 0; j < H; j++) {
        const r = sigmoid(ax[j] + ah[j]);
        const z = sigmoid(ax[H + j] + ah[H + j]);
        ahN[j] = ah[2 * H + j];
        const n = Math.tanh(ax[2 * H + j] + r * ahN[j]);
        act[j] = r;
        act[H + j] = z;
        act[2 * H + j] = n;
        h[j] = (1 - z) * n + z * hPrev[j];
      }
      return { act, ahN, h, c: new Float64Array(H) };
    },
    backward(m, dh, _dc, H) {
      const dax = new Float64Array(3 * H);
      const dah = new Float64Array(3 * H);
      const dhPrevDirect = new Float64Array(H);
      for (let j = 0; j < H; j++) {
        const r = m.act[j];
        const z = m.act[H + j];
        const n = m.act[2 * H + j];
        const dN = dh[j] * (1 - z);
        const dZ = dh[j] * (m.hPrev[j] - n);
        dhPrevDirect[j] = dh[j] * z;
        const daN = dN * (1 - n * n); // ∂L/∂(ax_n + r ⊙ ah_n)
        const dR = daN * m.ahN[j];
        const daR = dR * r * (1 - r);
        const daZ = dZ * z * (1 - z);
        dax[j] = daR;
        dah[j] = daR;
        dax[H + j] = daZ;
        dah[H + j] = daZ;
        dax[2 * H + j] = daN;
        dah[2 * H + j] = daN * r;
      }
      return { dax, dah, dhPrevDirect, dcPrev: new Float64Array(H) };
    },
  },

  peephole: LSTM,
};
