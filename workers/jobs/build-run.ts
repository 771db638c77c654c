// What a run trains on, built from its request: the data (read and cut as the request says), the model spec and the
// settings in force; and, for a resumed run, the checkpoint state each rank starts from. Shared by the train job
// (rank 0) and the other ranks of a data-parallel group.

import { join } from 'node:path';
import type { ImportProgress } from '../../src-shared/dataset';
import { attentionInfo, inputFeedingRefusal } from '../../src-shared/attention';
import { specFor } from '../../src-shared/estimate';
import { withLaterSettings, type ModelSpec, type TrainSettings } from '../../src-shared/model';
import { mention, SettingError } from '../../src-shared/settings';
import { readCheckpoint } from '../engine/checkpoint';
import { buildLayout } from '../engine/layout';
import { ParallelRank } from '../engine/parallel';
import { CHECKPOINT_FILE, tryReadRecord, withRecordedTokens } from '../engine/run-folder';
import type { TrainerState } from '../engine/trainer';
import { loadTrainingData, type LoadedData } from '../data/load';
import type { StartRun } from '../protocol';

/** A run's data, model spec and settings in force, from its request (`onProgress`: the import's progress). */
export async function buildRun(req: StartRun, onProgress?: (p: ImportProgress) => void): Promise<{ data: LoadedData; spec: ModelSpec; settings: TrainSettings }> {
  // a continued run reads its data with the token units it was trained with (run.json's transforms)
  const data = await loadTrainingData(req.resume ? withRecordedTokens(tryReadRecord(req.runDir), req.data) : req.data, req.settings, onProgress);
  const m = req.model;
  const spec = specFor(data.model, m);
  const refusal = spec.attention && attentionInfo(spec.attention).refuses?.(m.hiddenSize, (m.bidirectional ? 2 : 1) * m.hiddenSize);
  if (refusal) throw new SettingError('attention', refusal, spec.attention);
  const fedRefusal = inputFeedingRefusal(data.model.shape, m.attention, m.inputFeeding);
  if (fedRefusal) throw new SettingError('inputFeeding', fedRefusal, true);
  if (spec.shape === 'many-to-many' && m.bidirectional && data.stateful) throw new SettingError('bidirectional', `a bidirectional model cannot predict the next step: it would read the future. Drop ${mention('bidirectional')} for next-step prediction`);
  const settings = withLaterSettings(req.settings); // a run saved before a setting existed trains as it did
  if (req.epochs !== undefined) settings.steps = Math.max(1, Math.round(req.epochs * data.batchesPerEpoch));
  const workers = req.workers ?? 1;
  if (workers > settings.batchSize) throw new SettingError('workers', `${workers} workers need a batch of at least ${workers} sequences (${mention('batchSize')} is ${settings.batchSize})`, workers);
  return { data, spec, settings };
}

/** The checkpoint state this rank starts from (its own rows of the carried state), or undefined. */
export function resumeState(req: StartRun, spec: ModelSpec, settings: TrainSettings, rank: number, count: number): TrainerState | undefined {
  if (!req.resume) return undefined;
  const state = readCheckpoint(join(req.runDir, CHECKPOINT_FILE));
  if (count === 1) return state;
  const enc = buildLayout(spec).encoder;
  return ParallelRank.shardCarry(state, enc.layers * enc.directions, enc.hiddenSize, settings.batchSize, rank, count);
}
