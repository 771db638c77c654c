// Loads the PyTorch reference fixtures (workers/engine/fixtures/*.json, written by tools/make_fixtures.py;
// regenerate with `npm run fixtures`). Node only: tests and benchmarks read them, the app never does.
// Every array is flat and time-major, parameters and gradients in the flat layout of layout.ts.

import { readdirSync, readFileSync } from 'node:fs';
import type { ModelSpec } from '../../src-shared/model';
import type { Batch } from './batch';

const DIR = new URL('./fixtures/', import.meta.url);

export interface Fixture {
  name: string;
  /** Which script, torch version and seed made it. */
  generator: string;
  spec: ModelSpec;
  /** The layout PyTorch's side computed (name, offset, shape per tensor): must equal buildLayout(spec). */
  tensors: { name: string; offset: number; shape: number[] }[];
  /** Floats in the flat vector (with alignment padding). */
  size: number;
  /** Initial parameters (float32, as PyTorch held them). */
  params: Float32Array;
  batch: Batch;
  /** Head outputs of PyTorch's float32 run, (N, O) rows t·B + b (per step) or b. */
  outputs: Float64Array;
  /** (N) 1 where `outputs` is comparable; 0 on padded steps (PyTorch's packed sequences leave zeros there). */
  outputMask: Uint8Array;
  /** PyTorch's float32 mean loss and d loss / d params in our flat layout. */
  loss: number;
  grads: Float64Array;
  /** The same, run by PyTorch in float64 from the same (float32-valued) parameters. */
  float64: { outputs: Float64Array; loss: number; grads: Float64Array };
  /** torch.optim.Adam settings of the run below. */
  adam: { learningRate: number; beta1: number; beta2: number; epsilon: number; steps: number };
  /** Loss before each of the Adam steps (float32 PyTorch). */
  adamLosses: number[];
  /** Parameters after the Adam steps. */
  adamParams: Float32Array;
}

/** Fixture names (file names without .json), sorted. */
export function listFixtures(): string[] {
  return readdirSync(DIR)
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(0, -'.json'.length))
    .sort();
}

interface RawBatch {
  batchSize: number;
  steps: number;
  tokens?: number[];
  features?: number[];
  lengths?: number[];
  targetClasses?: number[];
  targetValues?: number[];
  decoderSteps?: number;
  decoderTokens?: number[];
  decoderLengths?: number[];
}

export function loadFixture(name: string): Fixture {
  const raw = JSON.parse(readFileSync(new URL(`${name}.json`, DIR), 'utf8'));
  const b: RawBatch = raw.batch;
  const batch: Batch = { batchSize: b.batchSize, steps: b.steps };
  if (b.tokens) batch.tokens = Int32Array.from(b.tokens);
  if (b.features) batch.features = Float32Array.from(b.features);
  if (b.lengths) batch.lengths = Int32Array.from(b.lengths);
  if (b.targetClasses) batch.targetClasses = Int32Array.from(b.targetClasses);
  if (b.targetValues) batch.targetValues = Float32Array.from(b.targetValues);
  if (b.decoderSteps !== undefined) batch.decoderSteps = b.decoderSteps;
  if (b.decoderTokens) batch.decoderTokens = Int32Array.from(b.decoderTokens);
  if (b.decoderLengths) batch.decoderLengths = Int32Array.from(b.decoderLengths);
  return {
    name: raw.name,
    generator: raw.generator,
    spec: raw.spec as ModelSpec,
    tensors: raw.tensors,
    size: raw.size,
    params: Float32Array.from(raw.params),
    batch,
    outputs: Float64Array.from(raw.outputs),
    outputMask: Uint8Array.from(raw.outputMask),
    loss: raw.loss,
    grads: Float64Array.from(raw.grads),
    float64: { outputs: Float64Array.from(raw.float64.outputs), loss: raw.float64.loss, grads: Float64Array.from(raw.float64.grads) },
    adam: raw.adam,
    adamLosses: raw.adamLosses,
    adamParams: Float32Array.from(raw.adamParams),
  };
}
