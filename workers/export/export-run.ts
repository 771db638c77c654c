// Exports a saved run (run.json + checkpoint.bin) to ONNX and proves it: builds the graphs, writes the .onnx
// file(s) with metadata_props and the sidecar JSON, loads them in onnxruntime-node, runs them on the run's
// validation data beside the trainer's own forward, and records the comparison in the sidecar. Runs in a worker
// thread (the export job, workers/jobs/export.ts); onnxruntime-node is loaded here, on first use. The run folder is
// read through engine/run-folder.ts.

import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ModelSpec } from '../../src-shared/model';
import { cellInfo } from '../../src-shared/cells';
import { ExportInputError } from '../../src-shared/errors';
import type { Batch } from '../engine/batch';
import { readCheckpoint, writeFileAtomic } from '../engine/checkpoint';
import type { DataTransforms } from '../engine/data-source';
import { CHECKPOINT_FILE, readRecord, withRecordedTokens } from '../engine/run-folder';
import type { KernelExports } from '../engine/kernels';
import { WasmNetwork } from '../engine/network';
import { Rng } from '../engine/rng';
import { loadTrainingData } from '../data/load';
import { dataRequestOf } from '../../src-shared/dataset';
import { buildGraphs, exportPlan, IR_VERSION, OPSET, toModelProto, type BuiltGraph } from './onnx-graph';
import { decodeModel, encodeModel } from './onnx-proto';
import { metadataProps, outputOf, preprocessingOf, SIDECAR_FORMAT, SIDECAR_VERSION, taskOf, type GraphEntry } from './sidecar';
import type { ExportReport, ExportRequest } from './report';
import { verifyExport, type GenerationCheck, type OrtModule, type VerifyData } from './verify';

/** The bar an export must meet: the largest |onnxruntime − trainer| on held-out data. */
export const TOLERANCE = 1e-4;

function producerVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const p = join(dir, 'package.json');
    if (existsSync(p)) {
      try {
        const pkg = JSON.parse(readFileSync(p, 'utf8')) as { name?: string; version?: string };
        if (pkg.name === 'sequence-studio' && pkg.version) return pkg.version;
      } catch {
        // keep looking
      }
    }
    if (dirname(dir) === dir) return 'unknown';
    dir = dirname(dir);
  }
}

/**
 * mkdir -p, one level at a time: Node 20's mkdirSync(…, { recursive: true }) loops forever under some
 * pseudo-filesystems (a path below /proc, for one) instead of failing.
 */
function makeDirs(dir: string): void {
  const missing: string[] = [];
  let d = resolve(dir);
  while (!existsSync(d)) {
    missing.unshift(d);
    if (dirname(d) === d) break;
    d = dirname(d);
  }
  for (const m of missing) mkdirSync(m);
}

/** The files of an export: FILE.onnx (the model, or the encoder), <stem>.decoder.onnx, <stem>.json. */
export function exportPaths(out: string): { stem: string; model: string; decoder: string; sidecar: string } {
  const model = resolve(out);
  const stem = model.replace(/\.onnx$/i, '');
  return { stem, model, decoder: `${stem}.decoder.onnx`, sidecar: stem === model ? `${model}.json` : `${stem}.json` };
}

/** Validation-like batches for a model whose data cannot be read again (random tokens / features). */
export function syntheticBatches(spec: ModelSpec, count = 4, B = 8, T = 12, seed = 7): Batch[] {
  const rng = new Rng(seed);
  const out: Batch[] = [];
  const steps = spec.shape === 'one-to-one' ? 1 : T;
  for (let k = 0; k < count; k++) {
    const b: Batch = { batchSize: B, steps };
    if (spec.input.vocabSize > 0) b.tokens = Int32Array.from({ length: steps * B }, () => rng.int(spec.input.vocabSize));
    if (spec.input.featureSize > 0) {
      const F = spec.input.featureSize;
      b.features = Float32Array.from({ length: steps * B * F }, () => rng.normal());
      if (spec.shape === 'one-to-many') for (let t = 1; t < steps; t++) b.features.copyWithin(t * B * F, 0, B * F); // a constant condition
    }
    if (spec.shape === 'encoder-decoder') {
      b.decoderSteps = T;
      b.decoderTokens = Int32Array.from({ length: T * B }, () => rng.int(spec.decoder!.vocabSize));
    }
    out.push(b);
  }
  return out;
}

/** Which greedy-generation check a run gets, from its data. */
function generationCheck(spec: ModelSpec, t: DataTransforms | undefined, batches: Batch[], decodeSources: Int32Array[] | undefined, stateful: boolean): GenerationCheck | undefined {
  if (spec.output.kind !== 'classes') return undefined;
  if (spec.shape === 'encoder-decoder') {
    const bos = t?.kind === 'pairs' ? t.bos : 0;
    const eos = t?.kind === 'pairs' ? t.eos : 1;
    const maxLength = t?.kind === 'pairs' ? t.maxLength + 1 : 12;
    let sources = decodeSources?.slice(0, 50);
    if (!sources?.length)
      sources = batches.slice(0, 2).flatMap((b) => Array.from({ length: Math.min(b.batchSize, 8) }, (_, i) => Int32Array.from({ length: b.lengths?.[i] ?? b.steps }, (_, s) => b.tokens![s * b.batchSize + i])));
    return { kind: 'decode', bos, eos, maxLength, sources };
  }
  if (spec.shape === 'one-to-many' && spec.input.vocabSize > 0 && spec.input.featureSize > 0 && spec.output.size === spec.input.vocabSize) {
    if (t?.kind === 'conditional') return { kind: 'conditional', bos: t.bos, eos: t.eos, maxLength: t.maxLength + 1, samples: 20 };
    return { kind: 'conditional', bos: 0, eos: 1, maxLength: 12, samples: 8 };
  }
  if (spec.shape === 'many-to-many' && stateful && spec.input.vocabSize > 0 && spec.input.featureSize === 0 && spec.output.size === spec.input.vocabSize && !spec.stack.bidirectional)
    return { kind: 'next-token', prime: 16, length: 64 };
  return undefined;
}

/** Exports one run folder; see the file comment. */
export async function exportRunFolder(kernels: KernelExports, req: ExportRequest, loadOrt: () => Promise<OrtModule> = () => import('onnxruntime-node')): Promise<ExportReport> {
  const runDir = resolve(req.runDir);
  let run;
  try {
    run = readRecord(runDir);
  } catch (e) {
    throw new ExportInputError((e as Error).message);
  }
  const ckpt = join(runDir, CHECKPOINT_FILE);
  if (!existsSync(ckpt)) throw new ExportInputError(`${req.runDir}: the run has no checkpoint yet (export it once it has trained)`);
  let state;
  try {
    state = readCheckpoint(ckpt);
  } catch (e) {
    throw new ExportInputError((e as Error).message);
  }
  const spec = run.spec;
  const net = new WasmNetwork(kernels, spec);
  if (state.params.length !== net.layout.size) throw new ExportInputError(`${ckpt}: ${state.params.length} parameters, but the run's model has ${net.layout.size}`);
  net.setParams(state.params);
  const paths = exportPaths(req.out ?? join(runDir, 'export', 'model.onnx'));
  try {
    makeDirs(dirname(paths.model));
    const probe = `${paths.model}.probe-${process.pid}`;
    writeFileSync(probe, '');
    rmSync(probe, { force: true });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why: Record<string, string> = {
      ENOTDIR: 'a file stands where its folder should be',
      EEXIST: 'a file stands where its folder should be',
      ENOENT: 'its folder cannot be created',
      EACCES: 'permission denied',
      EPERM: 'permission denied',
      EROFS: 'the file system is read-only',
      EISDIR: 'it is a folder',
    };
    throw new ExportInputError(code ? `cannot write ${paths.model}: ${why[code] ?? code}` : (e as Error).message);
  }

  // ---- held-out data: the run's own validation split ----------------------------------------------------------
  const warnings: string[] = [];
  let batches: Batch[] = [];
  let stateful = false;
  let decodeSources: Int32Array[] | undefined;
  let checkedOn: ExportReport['checkedOn'] = 'validation';
  const t = run.transforms;
  try {
    const dataReq = withRecordedTokens(run, dataRequestOf(run.data));
    const data = await loadTrainingData(dataReq, run.settings);
    const m = data.model;
    if (m.shape !== spec.shape || m.input.vocabSize !== spec.input.vocabSize || m.input.featureSize !== spec.input.featureSize || m.output.size !== spec.output.size || m.decoder?.vocabSize !== spec.decoder?.vocabSize)
      throw new Error('it no longer gives the model the run was trained for');
    if (run.data.sha256 && data.file.sha256 !== run.data.sha256) warnings.push(`${basename(run.data.path)} changed since training: its validation split may differ from the run's`);
    batches = data.validationBatches();
    if (batches.length === 0) throw new Error('it has no validation data (--val-fraction 0)');
    stateful = data.stateful;
    decodeSources = data.decodeSamples?.map((s) => s.source);
  } catch (e) {
    checkedOn = 'synthetic';
    warnings.push(`the run's data (${run.data.path}) could not be used (${(e as Error).message}); the export was checked on random inputs instead`);
    batches = syntheticBatches(spec);
    stateful = false;
  }

  // ---- graphs and files ---------------------------------------------------------------------------------------
  const plan = exportPlan(spec, req.streaming ?? false);
  const padded = t ? ['classify', 'tagging', 'sequences', 'pairs'].includes(t.kind) : batches.some((b) => b.lengths !== undefined);
  const graphs = buildGraphs(net.layout, state.params, { streaming: req.streaming ?? false, lengths: padded });
  const fileOf = (g: BuiltGraph): string => (g.role === 'decoder' ? paths.decoder : paths.model);
  const entries: GraphEntry[] = graphs.map((g) => ({ role: g.role, file: basename(fileOf(g)), inputs: g.inputs, outputs: g.outputs }));
  const sequenceLength = run.settings?.sequenceLength ?? 64;
  const common = {
    shape: spec.shape,
    task: taskOf(spec, t),
    preprocessing: preprocessingOf(spec, t, sequenceLength),
    output: outputOf(spec, t),
    transforms: t,
    model: {
      cell: spec.stack.cell,
      layers: spec.stack.layers,
      hiddenSize: spec.stack.hiddenSize,
      bidirectional: spec.stack.bidirectional,
      directions: spec.stack.bidirectional ? 2 : 1,
      operator: cellInfo(spec.stack.cell).onnx.operator,
      variant: cellInfo(spec.stack.cell).onnx.variant,
      parameterCount: net.layout.tensors.reduce((a, s) => a + s.size, 0),
      spec,
    },
    streaming: plan.streaming,
    graphs: entries,
  };
  const version = producerVersion();
  for (const g of graphs) writeFileAtomic(fileOf(g), encodeModel(toModelProto(g, metadataProps(common, g.role), version)));

  // ---- the proof ----------------------------------------------------------------------------------------------
  const ort = await loadOrt();
  const loaded = [];
  for (const g of graphs) {
    try {
      loaded.push({ built: g, session: await ort.InferenceSession.create(fileOf(g)) });
    } catch (e) {
      throw new Error(`onnxruntime could not load ${basename(fileOf(g))}: ${(e as Error).message}`);
    }
  }
  const data: VerifyData = { batches, stateful, generation: generationCheck(spec, t, batches, decodeSources, stateful) };
  const v = await verifyExport(ort, net, loaded, data, { maxSamples: req.maxSamples });
  await Promise.all(loaded.map((l) => l.session.release()));
  const ok = v.maxAbsDiff <= TOLERANCE && v.tokensAgree !== false;
  const onnxruntime = (ort.env as { versions?: { node?: string } }).versions?.node ?? 'unknown';

  const files = [...graphs.map(fileOf), paths.sidecar];
  const sidecar = {
    format: SIDECAR_FORMAT,
    version: SIDECAR_VERSION,
    producer: { name: 'Sequence Studio', version },
    createdAt: new Date().toISOString(),
    ...common,
    files: Object.fromEntries(entries.map((e) => [e.role, e.file])),
    opset: OPSET,
    irVersion: IR_VERSION,
    run: {
      dir: runDir,
      step: state.step,
      data: run.data?.path,
      sha256: run.data?.sha256,
      sequenceLength,
    },
    verification: {
      onnxruntime,
      checkedOn,
      checkedSamples: v.checkedSamples,
      checkedRows: v.checkedRows,
      maxAbsDiff: v.maxAbsDiff,
      tolerance: TOLERANCE,
      ok,
      ...(v.tokensAgree !== undefined ? { tokensAgree: v.tokensAgree, generation: v.generation } : {}),
      checks: v.checks,
      warnings,
    },
  };
  writeFileAtomic(paths.sidecar, JSON.stringify(sidecar, null, 2) + '\n');

  const graph = graphs.map((g) => {
    const d = decodeModel(readFileSync(fileOf(g)));
    return {
      name: g.role,
      file: fileOf(g),
      operators: [...new Set(d.graph.nodes.map((n) => n.opType))],
      inputs: d.graph.inputs.map((i) => i.name),
      outputs: d.graph.outputs.map((o) => o.name),
      initializers: d.graph.initializers.map((i) => i.name),
    };
  });
  return {
    files,
    maxAbsDiff: v.maxAbsDiff,
    checkedSamples: v.checkedSamples,
    opset: OPSET,
    ...(v.tokensAgree !== undefined ? { tokensAgree: v.tokensAgree } : {}),
    graph,
    sidecar: paths.sidecar,
    shape: spec.shape,
    streaming: plan.streaming,
    irVersion: IR_VERSION,
    tolerance: TOLERANCE,
    ok,
    checkedRows: v.checkedRows,
    checkedOn,
    ...(v.generation ? { generation: v.generation } : {}),
    checks: v.checks,
    onnxruntime,
    warnings,
  };
}
