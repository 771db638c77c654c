// Helpers for the builders' tests: small inline Parsed values (no parser involved) and a short real training run.

import { DEFAULT_TRAIN_SETTINGS, type ModelSpec, type TrainSettings } from '../../../src-shared/model';
import type { CellType } from '../../../src-shared/cells';
import type { TrainingData } from '../../engine/data-source';
import { loadKernels, sourceTreeBinaries } from '../../engine/kernels';
import { Trainer } from '../../engine/trainer';
import type { Column, ParsedTable } from '../parsed';
import { countValues } from './common';

export function numCol(name: string, values: number[]): Column {
  return { name, type: 'numeric', numbers: Float64Array.from(values), missing: values.filter((v) => Number.isNaN(v)).length };
}

export function dateCol(name: string, isoDates: string[]): Column {
  return { name, type: 'date', numbers: Float64Array.from(isoDates, (d) => Date.parse(d)), missing: 0 };
}

export function catCol(name: string, values: string[]): Column {
  return { name, type: 'categorical', strings: values, missing: values.filter((v) => v === '').length, categories: countValues(values) };
}

export function textCol(name: string, values: string[]): Column {
  return { name, type: 'text', strings: values, missing: values.filter((v) => v === '').length };
}

export function table(...columns: Column[]): ParsedTable {
  const rows = (columns[0].numbers ?? columns[0].strings!).length;
  return { kind: 'table', columns, rows, lineOfRow: Int32Array.from({ length: rows }, (_, i) => i + 2), header: true, separator: ',' };
}

let kernels: ReturnType<typeof loadKernels>['exports'] | undefined;

/** Trains `steps` steps on `data` with a small model; the validation loss before and after. */
export function trainBriefly(data: TrainingData, steps: number, opts: { cell?: CellType; hidden?: number; bidirectional?: boolean; settings?: Partial<TrainSettings> } = {}): { first: number; last: number; metrics: Record<string, number>; trainer: Trainer } {
  kernels ??= loadKernels(sourceTreeBinaries(), 'simd').exports;
  const spec: ModelSpec = {
    ...data.model,
    stack: { cell: opts.cell ?? 'gru', layers: 1, hiddenSize: opts.hidden ?? 24, bidirectional: opts.bidirectional ?? false },
    dropout: 0,
    forgetBias: 1,
  };
  const trainer = new Trainer(kernels, spec, { ...DEFAULT_TRAIN_SETTINGS, learningRate: 0.01, steps, ...opts.settings }, data);
  const first = trainer.evaluate().valLoss;
  while (!trainer.finished) trainer.trainStep();
  const e = trainer.evaluate();
  return { first, last: e.valLoss, metrics: e.metrics, trainer };
}
