// Data-parallel training of one run across worker threads. Every worker (rank) holds the whole model in its own
// WASM memory and trains on its share of each batch (items [lo, hi), see shardRange); gradients are summed in
// shared memory, each rank updates one slice of the parameters, and all ranks read the new parameters back.
// The reduction order is fixed, so a run is reproducible for a given seed and worker count; with the same
// effective batch it follows the single-worker loss curve up to float32 rounding.
//
// One step, all ranks (barriers are Atomics on a SharedArrayBuffer):
//   go      ─ barrier ─ rank 0 has written the command (train / stop) before it
//   local   forward + BPTT on the share; grads ·= w_rank (its loss weight); copy grads → G[rank]
//           ─ barrier ─
//   reduce  my slice: g = Σ_k G[k] / Σ_k w_k;  sumsq(my slice) → stats
//           ─ barrier ─
//   update  global norm from stats, clip, optimiser on my slice, copy params and moments of my slice → shared
//           ─ barrier ─
//   read    params ← shared params
// Rank 0 runs in a worker whose event loop must keep answering (pause, stop, a peer's crash), so it waits with
// Atomics.waitAsync; the other ranks block in Atomics.wait.

import type { StepEvent } from '../../src-shared/events';
import { NonFiniteError, shardRange, type Trainer, type TrainerState } from './trainer';

const ARRIVED = 0;
const GENERATION = 1;
const COMMAND = 2;
const ABORT = 3;
export const CMD_TRAIN = 0;
export const CMD_STOP = 1;

/** The shared memory of one data-parallel run (structured-cloned to every rank). */
export interface SharedRun {
  count: number;
  /** Int32 control words: arrived, generation, command, abort. */
  ctrl: SharedArrayBuffer;
  /** Float64 per rank: [loss·w, w, Σg² of my slice, non-finite flag]. */
  stats: SharedArrayBuffer;
  /** Float32 (count, P): each rank's weighted gradients. */
  grads: SharedArrayBuffer;
  /** Float32 (P) parameters, and the optimiser moments, authoritative after each step. */
  params: SharedArrayBuffer;
  moment1: SharedArrayBuffer;
  moment2: SharedArrayBuffer;
  /** Float32 (L·D, B, H): carried TBPTT states of the whole batch (each rank writes its rows), 0 bytes if none. */
  carryH: SharedArrayBuffer;
  carryC: SharedArrayBuffer;
}

/** `cellState`: the cell carries a memory c beside h (src-shared/cells.ts hasCellState), carried like h. */
export function createSharedRun(count: number, parameterFloats: number, carryFloats: number, cellState: boolean): SharedRun {
  const f32 = (n: number): SharedArrayBuffer => new SharedArrayBuffer(Math.max(4, n * 4));
  return {
    count,
    ctrl: new SharedArrayBuffer(16),
    stats: new SharedArrayBuffer(count * 4 * 8),
    grads: f32(count * parameterFloats),
    params: f32(parameterFloats),
    moment1: f32(parameterFloats),
    moment2: f32(parameterFloats),
    carryH: f32(carryFloats),
    carryC: f32(cellState ? carryFloats : 0),
  };
}

export class ParallelRank {
  private readonly ctrl: Int32Array;
  private readonly stats: Float64Array;
  private readonly G: Float32Array;
  private readonly P: Float32Array;
  private readonly M1: Float32Array;
  private readonly M2: Float32Array;
  private readonly lo: number;
  private readonly hi: number;

  constructor(readonly trainer: Trainer, readonly shared: SharedRun, readonly rank: number, private readonly blocking: boolean) {
    this.ctrl = new Int32Array(shared.ctrl);
    this.stats = new Float64Array(shared.stats);
    this.G = new Float32Array(shared.grads);
    this.P = new Float32Array(shared.params);
    this.M1 = new Float32Array(shared.moment1);
    this.M2 = new Float32Array(shared.moment2);
    const n = trainer.net.layout.size;
    // Parameter slices on 4-float boundaries (SIMD-friendly), contiguous, covering [0, n).
    const cut = (r: number): number => (r === shared.count ? n : Math.min(n, Math.floor((n * r) / shared.count / 4) * 4));
    this.lo = cut(rank);
    this.hi = cut(rank + 1);
  }

  /** Rank 0 before the first step: publish the starting parameters and moments. */
  publishInitialState(): void {
    const net = this.trainer.net;
    this.P.set(net.params);
    this.M1.set(net.moment1);
    this.M2.set(net.moment2);
  }

  /** Every rank before the first step: take the published parameters and moments. */
  adoptSharedState(): void {
    const net = this.trainer.net;
    net.setParams(this.P);
    net.moment1.set(this.M1);
    net.moment2.set(this.M2);
  }

  /** Rank 0: tells the others what the next step is (call before step()). */
  setCommand(cmd: number): void {
    Atomics.store(this.ctrl, COMMAND, cmd);
  }

  /** Marks the run as failed so every rank leaves its barrier (e.g. a peer crashed). */
  abort(): void {
    Atomics.store(this.ctrl, ABORT, 1);
    Atomics.add(this.ctrl, GENERATION, 1);
    Atomics.notify(this.ctrl, GENERATION);
  }

  private async barrier(): Promise<void> {
    const ctrl = this.ctrl;
    const gen = Atomics.load(ctrl, GENERATION);
    if (Atomics.add(ctrl, ARRIVED, 1) === this.shared.count - 1) {
      Atomics.store(ctrl, ARRIVED, 0);
      Atomics.add(ctrl, GENERATION, 1);
      Atomics.notify(ctrl, GENERATION);
    } else {
      while (Atomics.load(ctrl, GENERATION) === gen) {
        if (this.blocking) Atomics.wait(ctrl, GENERATION, gen, 1000);
        else {
          const w = (Atomics as unknown as { waitAsync(a: Int32Array, i: number, v: number, t: number): { async: boolean; value: Promise<string> | string } }).waitAsync(ctrl, GENERATION, gen, 1000);
          if (w.async) await w.value;
        }
      }
    }
    if (Atomics.load(ctrl, ABORT)) throw new Error('data-parallel training aborted: a worker failed');
  }

  /** One data-parallel step; null when rank 0 said stop. Rank 0 gets the step event. */
  async step(): Promise<StepEvent | null> {
    await this.barrier();
    if (Atomics.load(this.ctrl, COMMAND) === CMD_STOP) return null;
    const t = this.trainer;
    const net = t.net;
    const k = net.kernels;
    const n = net.layout.size;
    const t0 = performance.now();
    const step = t.step + 1;
    const S = 4;
    const mine = this.rank * S;

    // Local gradients, weighted so that Σ over ranks / Σ weights is the gradient of the whole batch's mean loss.
    let loss = NaN;
    let w = 0;
    try {
      const r = t.computeGradients(step);
      loss = r.loss;
      w = r.weightSum;
      this.stats[mine + 3] = 0;
    } catch (e) {
      if (!(e instanceof NonFiniteError)) throw e;
      this.stats[mine + 3] = 1;
    }
    k.scale(net.map.GRADS_OFFSET, n, w);
    this.G.set(net.grads, this.rank * n);
    this.stats[mine] = loss * w;
    this.stats[mine + 1] = w;
    if (t.data.stateful) this.publishCarry();
    await this.barrier();

    let W = 0;
    let lossSum = 0;
    let nonFinite = false;
    for (let r = 0; r < this.shared.count; r++) {
      lossSum += this.stats[r * S];
      W += this.stats[r * S + 1];
      if (this.stats[r * S + 3]) nonFinite = true;
    }
    if (nonFinite || !Number.isFinite(lossSum)) throw new NonFiniteError({ step, phase: 'loss', tensor: 'loss (data-parallel batch)' });

    // Reduce my slice: grads[lo, hi) = Σ_k G[k][lo, hi) / W, summed in WASM.
    const { lo, hi } = this;
    const len = hi - lo;
    const grads = net.grads;
    grads.set(this.G.subarray(lo, hi), lo);
    const reduce = net.map.REDUCE_OFFSET + lo * 4;
    const mem = new Float32Array(k.memory.buffer);
    for (let r = 1; r < this.shared.count; r++) {
      mem.set(this.G.subarray(r * n + lo, r * n + hi), reduce / 4);
      k.colsum_acc(net.map.GRADS_OFFSET + lo * 4, reduce, len, 1, len);
    }
    if (len > 0) k.scale(net.map.GRADS_OFFSET + lo * 4, len, W > 0 ? 1 / W : 0);
    this.stats[mine + 2] = len > 0 ? k.sum_squares(net.map.GRADS_OFFSET + lo * 4, len) : 0;
    await this.barrier();

    let ss = 0;
    for (let r = 0; r < this.shared.count; r++) ss += this.stats[r * S + 2];
    const gradNorm = Math.sqrt(ss);
    if (!Number.isFinite(gradNorm)) throw new NonFiniteError({ step, phase: 'gradient', tensor: 'gradient (data-parallel batch)' });
    const u = t.applyUpdate(step, gradNorm, lo, len);
    this.P.set(net.params.subarray(lo, hi), lo);
    this.M1.set(net.moment1.subarray(lo, hi), lo);
    this.M2.set(net.moment2.subarray(lo, hi), lo);
    await this.barrier();

    net.setParams(this.P);
    return t.finishStep(step, W > 0 ? lossSum / W : 0, u.learningRate, gradNorm, u.gradNormClipped, u.clipped, t0);
  }

  /** Writes this rank's carried states into its rows of the whole batch's shared carry. */
  private publishCarry(): void {
    const st = this.trainer.carry();
    if (!st) return;
    const enc = this.trainer.net.layout.encoder;
    const H = enc.hiddenSize;
    const LD = enc.layers * enc.directions;
    const B = this.trainer.settings.batchSize;
    const [lo, hi] = shardRange(B, { rank: this.rank, count: this.shared.count });
    const rows = (hi - lo) * H;
    const sharedH = new Float32Array(this.shared.carryH);
    const sharedC = new Float32Array(this.shared.carryC);
    for (let ld = 0; ld < LD; ld++) {
      sharedH.set(st.h.subarray(ld * rows, (ld + 1) * rows), (ld * B + lo) * H);
      if (st.c) sharedC.set(st.c.subarray(ld * rows, (ld + 1) * rows), (ld * B + lo) * H);
    }
  }

  /** Rank 0, for diagnostics: the whole batch's gradient (before clipping) into its own gradient buffer. */
  reduceAll(): void {
    const net = this.trainer.net;
    const n = net.layout.size;
    let W = 0;
    for (let r = 0; r < this.shared.count; r++) W += this.stats[r * 4 + 1];
    const g = net.grads;
    g.set(this.G.subarray(0, n));
    const k = net.kernels;
    for (let r = 1; r < this.shared.count; r++) {
      new Float32Array(k.memory.buffer).set(this.G.subarray(r * n, (r + 1) * n), net.map.REDUCE_OFFSET / 4);
      k.colsum_acc(net.map.GRADS_OFFSET, net.map.REDUCE_OFFSET, n, 1, n);
    }
    k.scale(net.map.GRADS_OFFSET, n, W > 0 ? 1 / W : 0);
    this.trainer.clipScale = 1;
  }

  /**
   * Rank 0, at the end of a run: other parameters (the best checkpoint's) become the run's — what rank 0 evaluates
   * and what state() writes. The moments and carry stay the last step's. The other ranks keep theirs: the group is
   * closed next, and trains no further step.
   */
  adoptParameters(params: Float32Array): void {
    this.P.set(params);
    this.trainer.useParameters(params);
  }

  /** Rank 0: the whole run's state for a checkpoint (shared parameters, moments and carry). */
  state(): TrainerState {
    const own = this.trainer.state();
    const carry = this.trainer.data.stateful && own.carryH ? { carryH: new Float32Array(this.shared.carryH).slice(), carryC: this.shared.carryC.byteLength > 4 ? new Float32Array(this.shared.carryC).slice() : undefined } : {};
    return { ...own, params: this.P.slice(), moment1: this.M1.slice(), moment2: this.M2.slice(), ...carry };
  }

  /** A resumed rank takes its rows of a checkpoint's whole-batch carry (L·D, B, H). */
  static shardCarry(state: TrainerState, layers: number, hidden: number, B: number, rank: number, count: number): TrainerState {
    if (!state.carryH) return state;
    const [lo, hi] = shardRange(B, { rank, count });
    const pick = (a: Float32Array): Float32Array => {
      const out = new Float32Array(layers * (hi - lo) * hidden);
      for (let ld = 0; ld < layers; ld++) out.set(a.subarray((ld * B + lo) * hidden, (ld * B + hi) * hidden), ld * (hi - lo) * hidden);
      return out;
    };
    return { ...state, carryH: pick(state.carryH), carryC: state.carryC ? pick(state.carryC) : undefined };
  }
}
