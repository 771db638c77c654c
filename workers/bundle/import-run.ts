// A training bundle's output folder → a run of the project (`seqstudio import DIR`, File → Import run…): the folder
// train.py wrote (bundle.json, metrics.jsonl, checkpoint.safetensors, result.json) becomes a run folder written
// through the run-folder module (request.json, run.json, metrics.jsonl, checkpoint.bin, summary.json), so its curves,
// gradient flow and gates show in Train and Compare beside runs trained here, and Try and the ONNX export work from
// its final weights. Plain Node; no engine needed.

import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { InputError } from '../../src-shared/errors';
import type { RunSummary } from '../../src-shared/dataset';
import type { EvaluationEvent, TrainingEvent } from '../../src-shared/events';
import { encodeCheckpoint, writeFileAtomic } from '../engine/checkpoint';
import { buildLayout } from '../engine/layout';
import { CHECKPOINT_FILE, METRICS_FILE, readEvents, readSummary, REQUEST_FORMAT, REQUEST_VERSION, writeRecord, writeRequest, writeSummary, type RunRecord, type RunRequestFile } from '../engine/run-folder';
import { readInside } from '../engine/safe-file';
import { BUNDLE_FORMAT } from './bundle-run';
import { decodeSafetensors } from './safetensors';

export const BUNDLE_CHECKPOINT = 'checkpoint.safetensors';
export const BUNDLE_RESULT = 'result.json';

export interface ImportRequest {
  /** The output folder of a bundle's train.py. */
  dir: string;
  /** The new run's folder (must not exist, or be empty). */
  runDir: string;
}

export interface ImportReport {
  runDir: string;
  id: string;
  name: string;
  steps: number;
  processes: number;
  trainLoss: number;
  valLoss: number;
  /** The final evaluation's task metrics (the studio's own, once withStudioEvaluation has run). */
  metrics: Record<string, number>;
  warnings: string[];
}

interface BundleResult {
  format: string;
  steps: number;
  processes: number;
  device: string;
  dtype: string;
  torch: string;
  seconds: number;
  trainLoss: number;
  valLoss: number;
  metrics: Record<string, number>;
}

function readJsonIn<T>(dir: string, name: string, what: string): T {
  let text: string;
  try {
    text = readInside(dir, name, 64 * 2 ** 20).toString('utf8');
  } catch {
    throw new InputError(`${dir}: no ${name} — ${what}`);
  }
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new InputError(`${join(dir, name)}: not valid JSON`);
  }
}

/** Imports one bundle output folder; see the file comment. */
export function importBundleOutput(req: ImportRequest): ImportReport {
  const dir = resolve(req.dir);
  const notOutput = 'not the output folder of a training bundle (train.py --out writes bundle.json, metrics.jsonl, checkpoint.safetensors and result.json there)';
  const bundle = readJsonIn<{ format?: string; name?: string; settings?: RunRecord['settings']; studio?: { run?: RunRecord; request?: RunRequestFile; summary?: RunSummary } }>(dir, 'bundle.json', notOutput);
  if (bundle.format !== BUNDLE_FORMAT || !bundle.studio?.run) throw new InputError(`${join(dir, 'bundle.json')}: not a Sequence Studio training bundle`);
  const result = readJsonIn<BundleResult>(dir, BUNDLE_RESULT, 'the bundle has not finished training (train.py writes result.json at its end)');
  if (!(Number.isInteger(result.steps) && result.steps >= 1)) throw new InputError(`${join(dir, BUNDLE_RESULT)}: no number of steps`);
  let metricsText: string;
  try {
    metricsText = readInside(dir, METRICS_FILE, 512 * 2 ** 20).toString('utf8');
  } catch {
    throw new InputError(`${dir}: no ${METRICS_FILE} — ${notOutput}`);
  }
  let weights;
  try {
    weights = decodeSafetensors(readInside(dir, BUNDLE_CHECKPOINT, 4 * 2 ** 30), join(dir, BUNDLE_CHECKPOINT));
  } catch (e) {
    throw new InputError((e as Error).message.includes(BUNDLE_CHECKPOINT) ? (e as Error).message : `${dir}: no ${BUNDLE_CHECKPOINT} — ${notOutput}`);
  }

  // ---- the checkpoint: the layout's flat vectors from the tensors by name --------------------------------------
  const original = bundle.studio.run;
  const layout = buildLayout(original.spec);
  const flat = (prefix: string): Float32Array => {
    const out = new Float32Array(layout.size);
    for (const t of layout.tensors) {
      const src = weights.tensors[prefix + t.name];
      if (!src) throw new InputError(`${join(dir, BUNDLE_CHECKPOINT)}: tensor ${prefix + t.name} is missing`);
      if (src.dtype !== 'F32' || src.shape.join(',') !== t.shape.join(',')) throw new InputError(`${join(dir, BUNDLE_CHECKPOINT)}: tensor ${prefix + t.name} is ${src.dtype} [${src.shape.join(', ')}], the model's is F32 [${t.shape.join(', ')}]`);
      for (const v of src.data as Float32Array) if (!Number.isFinite(v)) throw new InputError(`${join(dir, BUNDLE_CHECKPOINT)}: tensor ${prefix + t.name} holds a non-finite value`);
      out.set(src.data as Float32Array, t.offset);
    }
    return out;
  };
  const step = Number(weights.metadata.step ?? result.steps);
  const params = flat('');
  const moment1 = flat('moment1.');
  const moment2 = flat('moment2.');

  // ---- the run folder -----------------------------------------------------------------------------------------
  const runDir = resolve(req.runDir);
  if (existsSync(runDir) && readdirSync(runDir).length > 0) throw new InputError(`${runDir}: the folder is not empty; import into a new run folder`);
  mkdirSync(runDir, { recursive: true });
  const id = basename(runDir);
  const where = result.processes > 1 ? `${result.processes} processes` : '1 process';
  const baseName = bundle.studio.request?.name ?? bundle.name ?? original.spec.stack.cell;
  const name = `${baseName} · PyTorch (${where}, ${result.device})`;
  const createdAt = new Date().toISOString();
  const settings = { ...original.settings, steps: result.steps };
  const record: RunRecord = { ...original, createdAt, settings, workers: result.processes };
  const request: RunRequestFile = {
    ...(bundle.studio.request ?? {
      format: REQUEST_FORMAT,
      version: REQUEST_VERSION,
      datasetName: basename(original.data.path),
      data: original.data,
      model: original.model,
      workers: 1,
    }),
    format: REQUEST_FORMAT,
    version: bundle.studio.request?.version ?? REQUEST_VERSION,
    id,
    name,
    createdAt,
    settings,
    origin: 'pytorch',
    importedFrom: dir,
  } as RunRequestFile;
  writeRequest(runDir, request);
  writeRecord(runDir, record);
  // metrics.jsonl: the bundle's events, its checkpoint events naming this run's checkpoint
  const events: TrainingEvent[] = [];
  for (const line of metricsText.split('\n')) {
    if (!line.trim()) continue;
    try {
      const e = JSON.parse(line) as TrainingEvent;
      if (typeof e?.type !== 'string' || typeof e.step !== 'number') continue;
      events.push(e.type === 'checkpoint' ? { ...e, path: join(runDir, CHECKPOINT_FILE) } : e);
    } catch {
      // a torn line: the others still count
    }
  }
  writeFileAtomic(join(runDir, METRICS_FILE), events.map((e) => JSON.stringify(e)).join('\n') + '\n');
  // the state carried into the next batch (TBPTT streams): (L·D, B, H), as the trainer keeps it
  const carry = (name: 'carryH' | 'carryC'): Float32Array | undefined => {
    const t = weights.tensors[name];
    if (!t) return undefined;
    const { layers, directions, hiddenSize } = layout.encoder;
    if (t.dtype !== 'F32' || t.shape.length !== 3 || t.shape[0] !== layers * directions || t.shape[2] !== hiddenSize || t.shape[1] !== original.settings.batchSize)
      throw new InputError(`${join(dir, BUNDLE_CHECKPOINT)}: ${name} is ${t.dtype} [${t.shape.join(', ')}], not the carried state (${layers * directions}, ${original.settings.batchSize}, ${hiddenSize})`);
    return t.data as Float32Array;
  };
  const state = { step, params, moment1, moment2, dataCursor: Number(weights.metadata.dataCursor ?? step), trainSeconds: result.seconds, carryH: carry('carryH'), carryC: carry('carryC') };
  writeFileAtomic(join(runDir, CHECKPOINT_FILE), encodeCheckpoint(state));
  const lastStep = [...events].reverse().find((e) => e.type === 'step');
  const summary: RunSummary = {
    type: 'summary',
    steps: result.steps,
    seconds: result.seconds,
    trainLoss: result.trainLoss,
    valLoss: result.valLoss,
    tokensPerSecond: lastStep && lastStep.type === 'step' ? lastStep.tokensPerSecond : 0,
    metrics: result.metrics ?? {},
    ...(bundle.studio.summary?.baseline ? { baseline: bundle.studio.summary.baseline } : {}),
    runDir,
    stopReason: 'finished',
  };
  writeSummary(runDir, summary);
  return { runDir, id, name, steps: result.steps, processes: result.processes, trainLoss: result.trainLoss, valLoss: result.valLoss, metrics: summary.metrics, warnings: [] };
}

/**
 * The imported run judged as the studio judges its own: the studio's evaluation of its final weights (the evaluate
 * job: validation loss and every task metric of the data, entity F1 and the like that train.py does not compute)
 * completes the final evaluation in metrics.jsonl and the summary; train.py's own figures stay where the studio has
 * none.
 */
export function withStudioEvaluation(runDir: string, evaluation: EvaluationEvent): void {
  const events = readEvents(runDir);
  const last = events.findLast((e) => e.type === 'evaluation');
  if (last && last.type === 'evaluation' && last.step === evaluation.step) last.metrics = { ...last.metrics, ...evaluation.metrics };
  else events.push(evaluation);
  writeFileAtomic(join(runDir, METRICS_FILE), events.map((e) => JSON.stringify(e)).join('\n') + '\n');
  const summary = readSummary(runDir);
  if (summary) writeSummary(runDir, { ...summary, metrics: { ...summary.metrics, ...evaluation.metrics } });
}
