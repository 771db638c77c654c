// A run folder → a PyTorch training bundle (`seqstudio bundle RUN_DIR --out DIR`; the bundle job, workers/jobs/bundle.ts):
// a self-contained folder that trains the same run with PyTorch, on one process or many (torchrun, DDP), and checks
// itself against what the studio recorded.
//
//   model.py, train.py, studio_io.py   the model in the studio's equations, the loop, the file formats (python/)
//   bundle.json                        spec, settings, the parameter layout, the cell's gates, the data's fields,
//                                      and the run's own records (run.json, request.json, summary) for the import
//   weights.safetensors                the studio's seeded initial weights, by layout name (layout.ts)
//   data.safetensors                   the batches as the studio cut them, each distinct batch once, padded and
//                                      stacked, the order the studio drew them in (train.order), the dropout seeds
//                                      of every step, the stream restarts, the validation batches
//   studio/metrics.jsonl               the studio's own record of the run (train.py --check compares with it)
//   README.md, requirements.txt        how to launch it (one machine, several, Slurm; Ray, Spark)
//
// Batches are drawn from the run's data exactly as its trainer drew them (the data source's nextBatch, in order);
// two draws at the same data cursor are the same batch (a text stream going round again), kept once.

import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { isAttentionType } from '../../src-shared/attention';
import { CELL_GATES, cellInfo, type CellType } from '../../src-shared/cells';
import { dataRequestOf } from '../../src-shared/dataset';
import { InputError } from '../../src-shared/errors';
import type { ModelSpec } from '../../src-shared/model';
import { type Batch, dropoutSeed, fmix32, headPerStep } from '../engine/batch';
import { writeFileAtomic } from '../engine/checkpoint';
import type { DataTransforms, TrainingData } from '../engine/data-source';
import { initParameters } from '../engine/init';
import { buildLayout, view } from '../engine/layout';
import { readEvents, readRecord, readRequest, readSummary, type RunRecord } from '../engine/run-folder';
import { loadTrainingData } from '../data/load';
import { encodeSafetensors, type SafeTensor, tensorOf } from './safetensors';
import MODEL_PY from './python/model.py?raw';
import TRAIN_PY from './python/train.py?raw';
import STUDIO_IO_PY from './python/studio_io.py?raw';
import README_MD from './python/README.md?raw';

export const BUNDLE_FORMAT = 'sequence-studio-training-bundle';
export const BUNDLE_VERSION = 1;
/** The PyTorch the bundle is written for and checked with (Debian 12's python3-torch is 1.13). */
export const TORCH_REQUIREMENT = 'torch==1.13.1';
/** data.safetensors larger than this is refused (bundle fewer steps with --steps). */
const MAX_DATA_BYTES = 2 * 2 ** 30;

/**
 * The cells model.py writes out (its CELL_STEPS), by the registry's names. A cell added to src-shared/cells.ts is a
 * compile error here until model.py has its step.
 */
const BUNDLE_CELLS: Record<CellType, true> = { rnn: true, lstm: true, gru: true, peephole: true };

export interface BundleRequest {
  runDir: string;
  out: string;
  /** Bundle the batches of the first this many steps (default: all the run's steps). */
  steps?: number;
}

export interface BundleReport {
  out: string;
  files: string[];
  steps: number;
  distinctBatches: number;
  validationBatches: number;
  dataBytes: number;
  parameterCount: number;
  warnings: string[];
}

/** The model fields model.py writes out, per level of the spec; anything else is something it does not know. */
const KNOWN_FIELDS = {
  spec: ['shape', 'input', 'stack', 'output', 'dropout', 'forgetBias', 'decoder', 'attention'],
  stack: ['cell', 'layers', 'hiddenSize', 'bidirectional'],
  decoder: ['vocabSize', 'embedSize'],
} as const;

/** What the bundle cannot express yet, in words; undefined when it can. */
export function bundleRefusal(spec: ModelSpec): string | undefined {
  const levels: [keyof typeof KNOWN_FIELDS, Record<string, unknown> | undefined][] = [
    ['spec', spec as unknown as Record<string, unknown>],
    ['stack', spec.stack as unknown as Record<string, unknown>],
    ['decoder', spec.decoder as unknown as Record<string, unknown> | undefined],
  ];
  // a field that is absent, off or "none" (a string, or an object of that kind) asks for nothing
  const set = (v: unknown): boolean => v !== undefined && v !== null && v !== false && v !== 'none' && (v as { kind?: unknown }).kind !== 'none';
  // attention: the spec's own field (model.py writes each entry out); anywhere else it is a field the bundle does not know
  if (set(spec.attention) && !isAttentionType(spec.attention)) return `the training bundle does not know the attention "${String(spec.attention)}"`;
  if (levels.some(([level, o]) => level !== 'spec' && o && set(o.attention))) return 'the training bundle does not support attention given outside the model spec\'s attention field';
  // input feeding needs the decoder run one step at a time (h̃ of step t − 1 joins step t's input); model.py runs it over
  // all target steps in one nn.RNN/LSTM/GRU call
  if (spec.inputFeeding === true)
    return "the training bundle does not yet support input feeding: model.py runs the decoder over every target step in one call, and input feeding needs a step-by-step decoder loop that feeds each step's attentional state h̃ back into the next step's input; bundle a run trained without --input-feeding";
  if (!(spec.stack.cell in BUNDLE_CELLS)) return `the training bundle does not yet support the ${spec.stack.cell} cell`;
  const unknown = levels.flatMap(([level, o]) => (o ? Object.keys(o).filter((k) => !(KNOWN_FIELDS[level] as readonly string[]).includes(k) && set(o[k])).map((k) => (level === 'spec' ? k : `${level}.${k}`)) : []));
  if (unknown.length) return `the training bundle does not yet support ${unknown.join(', ')} in a model`;
  return undefined;
}

// ============================================== packing batches =====================================================

/** The axes of each batch field: 'T' (steps), 'Td' (decoder steps), 'B' (items), or a fixed width. */
type Axis = 'T' | 'Td' | 'B' | number;

function fieldAxes(spec: ModelSpec): Record<Field, Axis[]> {
  const perStep = headPerStep(spec.shape);
  const tt: Axis = spec.shape === 'encoder-decoder' ? 'Td' : 'T'; // targets follow the decoder's steps there
  const O = spec.output.size;
  return {
    tokens: ['T', 'B'],
    features: ['T', 'B', spec.input.featureSize],
    lengths: ['B'],
    targetClasses: perStep ? [tt, 'B'] : ['B'],
    targetValues: perStep ? [tt, 'B', O] : ['B', O],
    weights: perStep ? [tt, 'B'] : ['B'],
    decoderTokens: ['Td', 'B'],
    decoderLengths: ['B'],
    restart: ['B'],
  };
}

type Field = 'tokens' | 'features' | 'lengths' | 'targetClasses' | 'targetValues' | 'weights' | 'decoderTokens' | 'decoderLengths' | 'restart';
const FIELDS: Field[] = ['tokens', 'features', 'lengths', 'targetClasses', 'targetValues', 'weights', 'decoderTokens', 'decoderLengths', 'restart'];

interface Drawn {
  batch: Batch;
  restart?: boolean[];
}

function fieldOf(d: Drawn, f: Field): Int32Array | Float32Array | Uint8Array | undefined {
  if (f === 'restart') return d.restart ? Uint8Array.from(d.restart, (r) => (r ? 1 : 0)) : undefined;
  return d.batch[f] as Int32Array | Float32Array | undefined;
}

/**
 * Batches (U of them) stacked into one tensor per field, each padded with zeros to the largest steps and items,
 * shape (U, …axes); with `${prefix}.steps`, `.batchSize`, `.decoderSteps` (U) saying each one's own sizes.
 */
function packBatches(prefix: string, drawn: Drawn[], axes: Record<Field, Axis[]>, out: Record<string, SafeTensor>): void {
  const U = drawn.length;
  const size = (d: Drawn): Record<string, number> => ({ T: d.batch.steps, B: d.batch.batchSize, Td: d.batch.decoderSteps ?? 0 });
  const max = { T: 1, B: 1, Td: 0 };
  for (const d of drawn) {
    const s = size(d);
    max.T = Math.max(max.T, s.T);
    max.B = Math.max(max.B, s.B);
    max.Td = Math.max(max.Td, s.Td);
  }
  out[`${prefix}.steps`] = tensorOf(Int32Array.from(drawn, (d) => d.batch.steps), [U]);
  out[`${prefix}.batchSize`] = tensorOf(Int32Array.from(drawn, (d) => d.batch.batchSize), [U]);
  if (max.Td > 0) out[`${prefix}.decoderSteps`] = tensorOf(Int32Array.from(drawn, (d) => d.batch.decoderSteps ?? 0), [U]);
  for (const f of FIELDS) {
    const present = drawn.map((d) => fieldOf(d, f));
    if (present.every((a) => a === undefined)) continue;
    if (present.some((a) => a === undefined)) throw new Error(`some batches have ${f} and others not`);
    const ax = axes[f];
    const dims = ax.map((a) => (typeof a === 'number' ? a : max[a]));
    const per = dims.reduce((a, b) => a * b, 1);
    const sample = present[0]!;
    const Ctor = sample instanceof Float32Array ? Float32Array : sample instanceof Uint8Array ? Uint8Array : Int32Array;
    const packed = new Ctor(U * per);
    drawn.forEach((d, u) => {
      const src = present[u]!;
      const own = ax.map((a) => (typeof a === 'number' ? a : size(d)[a]));
      const count = own.reduce((a, b) => a * b, 1);
      if (src.length !== count) throw new Error(`${prefix} batch ${u}: ${f} has ${src.length} values, expected [${own.join(', ')}]`);
      // copy row-major (own dims) into the padded (dims) block
      const strides = dims.map((_, i) => dims.slice(i + 1).reduce((a, b) => a * b, 1));
      const ownStrides = own.map((_, i) => own.slice(i + 1).reduce((a, b) => a * b, 1));
      const last = own[own.length - 1];
      for (let i = 0; i < count; i += last) {
        let at = u * per;
        for (let k = 0; k < own.length; k++) at += Math.floor(i / ownStrides[k]) % own[k] * strides[k];
        packed.set(src.subarray(i, i + last), at);
      }
    });
    out[`${prefix}.${f}`] = tensorOf(packed, [U, ...dims]);
  }
}

// ============================================== the bundle ==========================================================

/** Metrics train.py computes the studio's way, by their names, and the scale of a value target (its data units). */
function evaluationOf(spec: ModelSpec, t: DataTransforms): { metrics: string[]; valueScale?: number } {
  if (spec.output.kind === 'classes') return { metrics: t.kind === 'text' ? ['accuracy', 'perplexity'] : ['accuracy'] };
  if (t.kind === 'series') return { metrics: ['rmse', 'mae'], valueScale: t.difference && t.delta ? t.delta.std : t.std };
  if (t.kind === 'multiseries') return { metrics: ['rmse', 'mae'], valueScale: t.target.std };
  return { metrics: [] };
}

function readme(run: RunRecord, name: string, steps: number): string {
  const s = run.settings;
  return README_MD.replaceAll('{{NAME}}', name)
    .replaceAll('{{STEPS}}', String(steps))
    .replaceAll('{{BATCH}}', String(s.batchSize))
    .replaceAll('{{TORCH}}', TORCH_REQUIREMENT)
    .replaceAll('{{DATA}}', basename(run.data.path));
}

/** Writes the bundle of one run folder; see the file comment. */
export async function bundleRunFolder(req: BundleRequest): Promise<BundleReport> {
  const runDir = resolve(req.runDir);
  const run = readRecord(runDir); // an InputError naming the folder when it is no run
  const spec = run.spec;
  const refusal = bundleRefusal(spec);
  if (refusal) throw new InputError(`${req.runDir}: ${refusal}`);
  const out = resolve(req.out);
  if (existsSync(out) && readdirSync(out).length > 0) throw new InputError(`--out ${out}: the folder is not empty; name a new folder for the bundle`);
  const s = run.settings;
  const steps = req.steps ?? s.steps;
  if (!(Number.isInteger(steps) && steps >= 1 && steps <= s.steps)) throw new InputError(`--steps ${steps}: the run has steps 1..${s.steps}`);
  const warnings: string[] = [];

  // ---- the data, cut as the run cut it ---------------------------------------------------------------------------
  let data: TrainingData & { file: { sha256: string } };
  try {
    data = await loadTrainingData(dataRequestOf(run.data), s);
  } catch (e) {
    throw new InputError(`${req.runDir}: the run's data (${run.data.path}) cannot be read again: ${(e as Error).message}`);
  }
  const m = data.model;
  if (m.shape !== spec.shape || m.input.vocabSize !== spec.input.vocabSize || m.input.featureSize !== spec.input.featureSize || m.output.size !== spec.output.size || m.decoder?.vocabSize !== spec.decoder?.vocabSize)
    throw new InputError(`${req.runDir}: the run's data (${run.data.path}) no longer gives the model the run was trained for`);
  if (run.data.sha256 && data.file.sha256 !== run.data.sha256) warnings.push(`${basename(run.data.path)} changed since training: the bundle's batches may differ from the run's`);

  // ---- the batches in the order the trainer drew them ------------------------------------------------------------
  const distinct: Drawn[] = [];
  const byCursor = new Map<number, number>();
  const order = new Int32Array(steps);
  const cursorAfter = new Int32Array(steps);
  for (let step = 1; step <= steps; step++) {
    const cursor = data.cursor();
    const drawn = data.nextBatch();
    let u = byCursor.get(cursor);
    if (u === undefined) {
      u = distinct.length;
      byCursor.set(cursor, u);
      distinct.push(drawn);
    }
    order[step - 1] = u;
    cursorAfter[step - 1] = data.cursor();
  }
  const validation: Drawn[] = data.validationBatches().map((batch) => ({ batch }));
  const axes = fieldAxes(spec);
  const tensors: Record<string, SafeTensor> = {};
  tensors['train.order'] = tensorOf(order, [steps]);
  tensors['train.cursorAfter'] = tensorOf(cursorAfter, [steps]);
  packBatches('train', distinct, axes, tensors);
  if (validation.length) packBatches('val', validation, axes, tensors);

  // ---- dropout: each step's mask seeds, per mask layer (encoder layers, then the decoder's) ----------------------
  const layout = buildLayout(spec);
  if (spec.dropout > 0) {
    const M = layout.encoder.layers + (layout.decoder?.layers ?? 0);
    const seeds = new BigInt64Array(steps * M);
    for (let step = 1; step <= steps; step++) {
      const batchSeed = fmix32((s.seed * 0x9e3779b1 + step) >>> 0); // as the trainer derives it (trainer.ts)
      for (let l = 0; l < M; l++) seeds[(step - 1) * M + l] = BigInt(dropoutSeed(batchSeed, l));
    }
    tensors['train.maskSeeds'] = tensorOf(seeds, [steps, M]);
  }
  const dataBytes = Object.values(tensors).reduce((a, t) => a + t.data.byteLength, 0);
  if (dataBytes > MAX_DATA_BYTES) throw new InputError(`the batches of ${steps} steps take ${(dataBytes / 2 ** 30).toFixed(1)} GiB; bundle fewer with --steps`);

  // ---- the seeded initial weights ---------------------------------------------------------------------------------
  const params = initParameters(layout, s.seed);
  const weights: Record<string, SafeTensor> = {};
  for (const t of layout.tensors) weights[t.name] = tensorOf(view(params, t).slice(), t.shape);

  // ---- bundle.json ------------------------------------------------------------------------------------------------
  const info = cellInfo(spec.stack.cell);
  const request = readRequest(runDir);
  const name = request?.name ?? basename(runDir);
  const bundle = {
    format: BUNDLE_FORMAT,
    version: BUNDLE_VERSION,
    createdAt: new Date().toISOString(),
    name,
    spec,
    settings: s,
    /** The studio drew dropout masks per worker thread, over its share of each batch (model.py batch_mask). */
    studioWorkers: run.workers ?? 1,
    layout: layout.tensors.map((t) => ({ name: t.name, shape: t.shape, role: t.role, stack: t.stack === 'dec' ? 'dec' : 'enc', layer: t.layer, direction: t.direction })),
    cell: { name: spec.stack.cell, gates: CELL_GATES[spec.stack.cell], tanh: info.gates.map((g) => g.nonlinearity === 'tanh'), states: info.states, peepholes: info.peepholes ?? [] },
    data: {
      summary: data.summary,
      stateful: data.stateful,
      fields: Object.fromEntries(Object.entries(axes).filter(([f]) => tensors[`train.${f}`] || tensors[`val.${f}`])),
      bundledSteps: steps,
      distinctBatches: distinct.length,
      validationBatches: validation.length,
      tokensPerBatch: data.tokensPerBatch,
    },
    evaluation: evaluationOf(spec, data.transforms),
    studio: { runDir, run, request, summary: readSummary(runDir) },
  };

  // ---- files ------------------------------------------------------------------------------------------------------
  mkdirSync(join(out, 'studio'), { recursive: true });
  const files: string[] = [];
  const write = (rel: string, content: Uint8Array | string): void => {
    writeFileAtomic(join(out, rel), content);
    files.push(join(out, rel));
  };
  write('model.py', MODEL_PY);
  write('train.py', TRAIN_PY);
  write('studio_io.py', STUDIO_IO_PY);
  write('README.md', readme(run, name, steps));
  write('requirements.txt', `# The bundle needs Python 3.9+ and PyTorch 1.13 (Debian 12: apt-get install python3-torch, 1.13.0a0, instead of pip).\n${TORCH_REQUIREMENT}\n`);
  write('bundle.json', JSON.stringify(bundle, null, 2) + '\n');
  write('weights.safetensors', encodeSafetensors(weights, { format: 'sequence-studio-weights', seed: String(s.seed) }));
  write('data.safetensors', encodeSafetensors(tensors, { format: 'sequence-studio-batches' }));
  const events = readEvents(runDir);
  if (events.length) write(join('studio', 'metrics.jsonl'), events.map((e) => JSON.stringify(e)).join('\n') + '\n');
  else warnings.push('the run has no metrics.jsonl yet: train.py --check has nothing to compare with');
  writeFileSync(join(out, '.gitignore'), 'output/\n');
  return { out, files, steps, distinctBatches: distinct.length, validationBatches: validation.length, dataBytes, parameterCount: layout.tensors.reduce((a, t) => a + t.size, 0), warnings };
}
