// The training loop of one run: batches from a TrainingData, forward/BPTT on the WASM network, global-norm
// clipping, the learning-rate schedule, the optimiser, and the telemetry of src-shared/events.ts.
// Synchronous and single-threaded: the worker (trainer.worker.ts) drives it step by step and handles messages
// between steps. Knows nothing of files or Electron.

import { ALIGNMENT_EXAMPLES, type Alignment, type DiagnosticsEvent, type EvaluationEvent, type NonFiniteLocation, type StepEvent } from '../../src-shared/events';
import { MAX_BUDGET_SECONDS } from '../../src-shared/duration';
import { type ModelSpec, type TrainSettings } from '../../src-shared/model';
import { CELL_GATES, cellInfo } from '../../src-shared/cells';
import { type Batch, fmix32, headPerStep, sliceBatch } from './batch';
import type { TrainingData } from './data-source';
import { initParameters } from './init';
import type { KernelExports } from './kernels';
import type { TensorSlot } from './layout';
import { WasmNetwork } from './network';
import { learningRateAt, OPTIMIZER_UPDATES } from './optimizers';
import { alignmentOf } from './alignment';
import { decodeBest, type Decoding, GREEDY } from './generate';
import { corpusBleu, corpusChrf, exactMatch, stripEos, tokenErrorRate } from '../data/build/metrics';
import { detokenize } from '../data/build/common';

/** Thrown when a loss, activation, gradient or parameter stops being finite. */
export class NonFiniteError extends Error {
  constructor(readonly location: NonFiniteLocation) {
    super(`training diverged at step ${location.step}: non-finite ${location.phase} in ${location.tensor}`);
  }
}

/** One worker's share of every batch in data-parallel training. */
export interface Shard {
  rank: number;
  count: number;
}

/** Items [lo, hi) of a batch of B that worker `rank` of `count` trains on (contiguous, sizes differ by ≤ 1). */
export function shardRange(B: number, shard: Shard): [number, number] {
  return [Math.floor((B * shard.rank) / shard.count), Math.floor((B * (shard.rank + 1)) / shard.count)];
}

/** Everything needed to continue a run exactly where it stopped. */
export interface TrainerState {
  step: number;
  params: Float32Array;
  moment1: Float32Array;
  moment2: Float32Array;
  dataCursor: number;
  carryH?: Float32Array;
  carryC?: Float32Array;
  trainSeconds: number;
}

export class Trainer {
  readonly net: WasmNetwork;
  step = 0;
  private carryH?: Float32Array;
  private carryC?: Float32Array;
  private trainSeconds = 0;
  private lastLoss = NaN;
  /** Factor the last step's gradients were clipped by (1 = not clipped); diagnostics undo it. */
  clipScale = 1;

  /**
   * `shard`: train on items [lo, hi) of every batch (data-parallel worker `rank` of `count`); the caller then sums
   * the workers' gradients and calls applyUpdate on its slice (see parallel.ts).
   */
  constructor(kernels: KernelExports, readonly spec: ModelSpec, readonly settings: TrainSettings, readonly data: TrainingData, state?: TrainerState, readonly shard?: Shard) {
    checkSettings(settings);
    this.net = new WasmNetwork(kernels, spec);
    if (state) this.restore(state);
    else {
      this.net.setParams(initParameters(this.net.layout, settings.seed));
      this.net.moment1.fill(0);
      this.net.moment2.fill(0);
    }
  }

  get finished(): boolean {
    return this.step >= this.settings.steps;
  }

  // ============================================== one step =======================================================

  trainStep(): StepEvent {
    const t0 = performance.now();
    const step = this.step + 1;
    const { loss } = this.computeGradients(step);
    const gradNorm = Math.sqrt(this.net.sumSquares('grads'));
    if (!Number.isFinite(gradNorm)) this.fail(step, 'gradient');
    const { learningRate, clipped, gradNormClipped } = this.applyUpdate(step, gradNorm, 0, this.net.layout.size);
    return this.finishStep(step, loss, learningRate, gradNorm, gradNormClipped, clipped, t0);
  }

  /**
   * Draws the next batch (this trainer's share of it when sharded), runs forward and BPTT: afterwards `grads`
   * holds ∂(mean loss over the share)/∂params. Throws NonFiniteError on a non-finite loss.
   */
  computeGradients(step: number): { loss: number; weightSum: number } {
    const s = this.settings;
    const drawn = this.data.nextBatch();
    let batch = drawn.batch;
    let restart = drawn.restart;
    if (this.shard) {
      const [lo, hi] = shardRange(batch.batchSize, this.shard);
      batch = sliceBatch(batch, lo, hi, headPerStep(this.spec.shape));
      restart = restart?.slice(lo, hi);
    }
    if (this.data.stateful) this.applyCarry(batch, restart);
    const r = this.net.forward(batch, { train: true, dropoutBatchSeed: fmix32((s.seed * 0x9e3779b1 + step) >>> 0) });
    if (!Number.isFinite(r.loss)) this.fail(step, 'loss');
    this.net.backward();
    if (this.data.stateful) this.keepCarry();
    return r;
  }

  /**
   * Clips (given the global gradient norm) and applies the optimiser to parameters [lo, lo + n) — the whole
   * vector for one worker, one worker's slice in data-parallel training.
   */
  applyUpdate(step: number, gradNorm: number, lo: number, n: number): { learningRate: number; clipped: boolean; gradNormClipped: number } {
    const s = this.settings;
    const net = this.net;
    const clipped = s.clipNorm > 0 && gradNorm > s.clipNorm;
    this.clipScale = clipped ? s.clipNorm / gradNorm : 1;
    if (clipped) net.kernels.scale(net.map.GRADS_OFFSET + lo * 4, n, this.clipScale);
    const learningRate = learningRateAt(s, step);
    OPTIMIZER_UPDATES[s.optimizer](net, s, step, learningRate, lo, n);
    net.paramsChanged();
    return { learningRate, clipped, gradNormClipped: clipped ? s.clipNorm : gradNorm };
  }

  /** Books a finished step and makes its event. */
  finishStep(step: number, loss: number, learningRate: number, gradNorm: number, gradNormClipped: number, clipped: boolean, t0: number, tokens = this.data.tokensPerBatch): StepEvent {
    this.step = step;
    this.lastLoss = loss;
    const seconds = (performance.now() - t0) / 1000;
    this.trainSeconds += seconds;
    return { type: 'step', step, loss, learningRate, gradNorm, gradNormClipped, clipped, tokensPerSecond: tokens / seconds, seconds: this.trainSeconds };
  }

  private applyCarry(batch: import('./batch').Batch, restart?: boolean[]): void {
    if (!this.carryH) return;
    const { layers, directions, hiddenSize } = this.net.layout.encoder;
    const B = batch.batchSize;
    const h = this.carryH.slice();
    const c = this.carryC?.slice();
    if (restart)
      for (let ld = 0; ld < layers * directions; ld++)
        for (let b = 0; b < B; b++)
          if (restart[b]) {
            h.fill(0, (ld * B + b) * hiddenSize, (ld * B + b + 1) * hiddenSize);
            c?.fill(0, (ld * B + b) * hiddenSize, (ld * B + b + 1) * hiddenSize);
          }
    batch.initialH = h;
    if (c) batch.initialC = c;
  }

  /** The hidden state carried into the next batch (TBPTT), if any. */
  carry(): { h: Float32Array; c?: Float32Array } | undefined {
    return this.carryH ? { h: this.carryH, c: this.carryC } : undefined;
  }

  private keepCarry(): void {
    const { h, c } = this.net.finalStates();
    this.carryH = h;
    this.carryC = c;
  }

  private fail(step: number, phase: 'loss' | 'gradient'): never {
    const param = this.net.firstNonFiniteParameter();
    if (param) throw new NonFiniteError({ step, phase: 'parameter', tensor: param.name, layer: param.layer });
    if (phase === 'loss') {
      const act = this.net.firstNonFiniteActivation();
      throw new NonFiniteError({ step, phase: act ? 'forward' : 'loss', tensor: act?.tensor ?? 'loss', layer: act?.layer });
    }
    const g = this.net.firstNonFiniteGradient();
    throw new NonFiniteError({ step, phase: 'gradient', tensor: g?.name ?? 'gradient', layer: g?.layer });
  }

  // ============================================== telemetry ======================================================

  /**
   * Costly figures of the last step (call right after trainStep, before the next one). Gradient norms are before
   * clipping, like the step's gradNorm.
   */
  diagnostics(): DiagnosticsEvent {
    const net = this.net;
    const unclip = 1 / this.clipScale;
    const tensorNorms = net.layout.tensors.map((t) => ({ name: t.name, norm: unclip * Math.sqrt(net.sumSquares('grads', t)) }));
    const gateGradNorms: DiagnosticsEvent['gateGradNorms'] = [];
    for (const stack of [net.layout.encoder, net.layout.decoder]) {
      if (!stack) continue;
      const gates = CELL_GATES[stack.cell];
      const peepholes = cellInfo(stack.cell).peepholes ?? [];
      const H = stack.hiddenSize;
      /** Σ g² over block `index` (of `size` floats) of a tensor's gradient. */
      const block = (slot: TensorSlot, index: number, size: number): number => net.kernels.sum_squares(net.map.GRADS_OFFSET + (slot.offset + index * size) * 4, size);
      stack.cells.forEach((row, layer) =>
        row.forEach((cell, direction) =>
          gates.forEach((gate, g) => {
            // the gate's rows of Wx, Wh, bx, bh, and its row of P when it has a peephole
            let ss = 0;
            for (const slot of [cell.Wx, cell.Wh, cell.bx, cell.bh]) ss += block(slot, g, H * (slot.shape[1] ?? 1));
            const p = peepholes.indexOf(gate);
            if (cell.P && p >= 0) ss += block(cell.P, p, H);
            gateGradNorms.push({ stack: cell.Wx.stack === 'dec' ? 'dec' : 'enc', layer, direction, gate, norm: unclip * Math.sqrt(ss) });
          }),
        ),
      );
    }
    const gradientFlow = net.hiddenGradFlow().map((f) => ({ stack: f.stack, layer: f.layer, direction: f.direction, norms: Array.from(f.norms) }));
    const gates = net.gateStats();
    // last: decoding reuses the network's buffers that the figures above read
    const alignments = this.sampleAlignments();
    return { type: 'diagnostics', step: this.step, tensorNorms, gateGradNorms, gradientFlow, gates, ...(alignments.length ? { alignments } : {}) };
  }

  /** Attention models: where the decoder looks, on the first ALIGNMENT_EXAMPLES validation pairs (greedy decode). */
  private sampleAlignments(): Alignment[] {
    const t = this.data.transforms;
    const samples = this.data.decodeSamples?.slice(0, ALIGNMENT_EXAMPLES) ?? [];
    if (t.kind !== 'pairs' || !this.net.layout.attention) return [];
    const out: Alignment[] = [];
    for (const sample of samples) {
      const a = alignmentOf(this.net, t, sample.source, { maxLength: Math.min(t.maxLength + 1, sample.reference.length * 2 + 10), reference: sample.reference });
      if (a) out.push(a);
    }
    return out;
  }

  /** Mean loss and task metrics over the validation batches (no dropout, state carried for streams). */
  /** On `batches` instead (the held-out test split): the same figures, without greedy decoding. */
  evaluate(batches: Batch[] = this.data.validationBatches()): EvaluationEvent {
    const validation = batches === this.data.validationBatches();
    const metrics = this.data.createMetrics();
    let lossSum = 0;
    let weightSum = 0;
    let carry: { h: Float32Array; c?: Float32Array } | undefined;
    for (const batch of batches) {
      const b = { ...batch };
      if (this.data.stateful && carry) {
        b.initialH = carry.h;
        if (carry.c) b.initialC = carry.c;
      }
      const r = this.net.forward(b, { train: false });
      if (this.data.stateful) carry = this.net.finalStates();
      lossSum += r.loss * r.weightSum;
      weightSum += r.weightSum;
      metrics.add(this.net.outputs(), b);
    }
    const valLoss = weightSum > 0 ? lossSum / weightSum : NaN;
    return { type: 'evaluation', step: this.step, valLoss, metrics: { ...metrics.result(valLoss), ...(validation ? this.decodeMetrics() : {}) } };
  }

  /**
   * Encoder–decoder: decodes the data's decode samples (greedily unless told otherwise: the evaluation stays cheap)
   * and scores them against the references: token error rate and exact match on token ids, and for a target of
   * sentences in word tokens (decodeAsText) corpus BLEU and chrF (sacreBLEU's defaults) of the detokenised words
   * (joined by spaces, as predict writes them) against the reference text as written.
   */
  decodeMetrics(decoding: Decoding = GREEDY): Record<string, number> {
    const samples = this.data.decodeSamples;
    const t = this.data.transforms;
    if (!samples?.length || this.spec.shape !== 'encoder-decoder' || t.kind !== 'pairs') return {};
    const hyp: number[][] = [];
    const ref: Int32Array[] = [];
    for (const s of samples) {
      const out = decodeBest(this.net, s.source, decoding, { bos: t.bos, eos: t.eos, maxLength: Math.min(t.maxLength + 1, s.reference.length * 2 + 10) });
      hyp.push(stripEos(out, t.eos));
      ref.push(s.reference);
    }
    const metrics: Record<string, number> = { exactMatch: exactMatch(hyp, ref), tokenErrorRate: tokenErrorRate(hyp, ref) };
    if (this.data.decodeAsText && t.target.tokens === 'word') {
      const words = (ids: ArrayLike<number>): string => detokenize(Array.from(ids, (id) => t.target.vocabulary[id]), 'word');
      const texts = hyp.map(words);
      const refs = samples.map((s, i) => s.referenceText ?? words(ref[i]));
      metrics.bleu = corpusBleu(texts, refs);
      metrics.chrF = corpusChrf(texts, refs);
    }
    return metrics;
  }

  get trainLoss(): number {
    return this.lastLoss;
  }

  // ============================================== state ==========================================================

  /**
   * Replaces the parameters (with the best checkpoint's, at the end of a run); the step, optimiser moments, data
   * position and carried state stay this trainer's, so training could go on from here without re-running a step.
   */
  useParameters(params: Float32Array): void {
    this.net.setParams(params);
  }

  state(): TrainerState {
    return {
      step: this.step,
      params: this.net.params.slice(),
      moment1: this.net.moment1.slice(),
      moment2: this.net.moment2.slice(),
      dataCursor: this.data.cursor(),
      carryH: this.carryH?.slice(),
      carryC: this.carryC?.slice(),
      trainSeconds: this.trainSeconds,
    };
  }

  private restore(s: TrainerState): void {
    this.net.setParams(s.params);
    this.net.moment1.set(s.moment1);
    this.net.moment2.set(s.moment2);
    this.step = s.step;
    this.data.seek(s.dataCursor);
    this.carryH = s.carryH;
    this.carryC = s.carryC;
    this.trainSeconds = s.trainSeconds;
  }
}

/** Rejects settings no run can use, with the setting's name in the message. */
export function checkSettings(s: TrainSettings): void {
  const bad = (name: string, why: string): never => {
    throw new Error(`invalid setting ${name}: ${why}`);
  };
  if (!(s.learningRate > 0 && s.learningRate < 100)) bad('learning rate', `${s.learningRate} must be in (0, 100)`);
  if (!(s.batchSize >= 1 && s.batchSize <= 65536 && Number.isInteger(s.batchSize))) bad('batch size', `${s.batchSize} must be an integer in 1..65536`);
  if (!(s.sequenceLength >= 1 && s.sequenceLength <= 100000 && Number.isInteger(s.sequenceLength))) bad('sequence length', `${s.sequenceLength} must be an integer in 1..100000`);
  if (!(s.steps >= 1 && Number.isInteger(s.steps))) bad('steps', `${s.steps} must be a positive integer`);
  if (!(s.clipNorm >= 0)) bad('clip', `${s.clipNorm} must be ≥ 0 (0 disables clipping)`);
  if (!(s.momentum >= 0 && s.momentum < 1)) bad('momentum', `${s.momentum} must be in [0, 1)`);
  if (!(s.beta1 >= 0 && s.beta1 < 1 && s.beta2 >= 0 && s.beta2 < 1)) bad('Adam betas', 'must be in [0, 1)');
  if (!(s.weightDecay >= 0)) bad('weight decay', 'must be ≥ 0');
  if (!(s.warmupSteps >= 0)) bad('warm-up', 'must be ≥ 0');
  if (!(Number.isInteger(s.patience) && s.patience >= 0)) bad('patience', `${s.patience} must be a whole number of evaluations ≥ 0 (0 never stops early)`);
  if (s.patience > 0 && !(s.evaluateEvery > 0)) bad('patience', 'stopping early needs evaluations: set evaluate every to a number of steps');
  if (!(s.timeBudgetSeconds >= 0 && s.timeBudgetSeconds <= MAX_BUDGET_SECONDS)) bad('time budget', `${s.timeBudgetSeconds} must be from 0 (none) to ${MAX_BUDGET_SECONDS} seconds`);
}
