// `seqstudio predict RUN_DIR`: a trained run answers in the data's own words and units — text generated from a
// prime, a forecast, a class with its probabilities, tags with their entities, a translation, the label of each
// sequence of a table (the predict job, workers/jobs/predict.ts).

import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { describeProblem, problemOf, type SettingKey } from '../../src-shared/settings';
import { CHECKPOINT_FILE, RUN_FILE } from '../../workers/engine/run-folder';
import { entitySpans, parseTag } from '../../workers/data/build/entities';
import type { Prediction } from '../../src-shared/dataset';
import { runPredict } from '../services/runs';
import { flag, flagOptions, readFlags, UsageError } from './args';

const PREDICT_KEYS = ['predictInput', 'predictFile', 'series', 'length', 'temperature', 'predictSeed', 'beamWidth', 'lengthPenalty'] as const satisfies readonly SettingKey[];

export async function predictCommand(argv: string[]): Promise<number> {
  const { values: o, positionals } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: true,
    options: { ...flagOptions(PREDICT_KEYS), json: { type: 'boolean' } },
  });
  if (positionals.length !== 1) throw new UsageError('predict needs one RUN_DIR (a folder written by seqstudio train)');
  const given = readFlags(PREDICT_KEYS, o);
  if (given.predictInput !== undefined && given.predictFile !== undefined) throw new UsageError(`give ${flag('predictInput')} or ${flag('predictFile')}, not both`);
  const runDir = resolve(positionals[0]);
  if (!existsSync(join(runDir, RUN_FILE))) throw new UsageError(`${positionals[0]}: not a run folder (no run.json)`);
  if (!existsSync(join(runDir, CHECKPOINT_FILE))) throw new UsageError(`${positionals[0]}: the run has no checkpoint yet`);
  if ((given.beamWidth !== undefined || given.lengthPenalty !== undefined) && (given.temperature ?? 0) > 0)
    throw new UsageError(`${flag('beamWidth')} and ${flag('lengthPenalty')} choose a beam search, ${flag('temperature')} ${given.temperature} samples instead: give one or the other`);
  if (given.predictFile !== undefined && !existsSync(given.predictFile)) throw new UsageError(`${flag('predictFile')} ${given.predictFile}: no such file`);
  let p;
  try {
    p = await runPredict({ runDir, input: given.predictInput, file: given.predictFile, ...(given.series !== undefined ? { series: given.series } : {}), length: given.length, temperature: given.temperature, seed: given.predictSeed, beamWidth: given.beamWidth, lengthPenalty: given.lengthPenalty });
  } catch (e) {
    throw new UsageError(describeProblem(problemOf(e), 'cli'));
  }
  if (o.json) process.stdout.write(JSON.stringify(p) + '\n');
  else if (p.kind === 'text') process.stdout.write(p.prime + p.text + '\n');
  else if (p.kind === 'series') process.stdout.write(`forecast of "${p.column}"${p.series !== undefined ? ` in series ${p.series}` : ''} after ${p.history} values:\n${p.forecast.map((v, i) => `  +${i + 1}  ${v.toPrecision(6)}`).join('\n')}\n`);
  else if (p.kind === 'classify') process.stdout.write(`${p.label}   (${p.probabilities.slice(0, 5).map((c) => `${c.label} ${(100 * c.p).toFixed(1)}%`).join(', ')})\n`);
  else if (p.kind === 'tagging') process.stdout.write(p.tokens.map((tok, i) => `${tok}\t${p.tags[i]}`).join('\n') + '\n' + entityLine(p.tokens, p.tags));
  else if (p.kind === 'value') process.stdout.write(`${p.column}: ${p.value.toPrecision(6)}\n`);
  else if (p.kind === 'sequences') {
    const line = (l: (typeof p.labels)[number]): string =>
      `${l.id}\t${l.label}\t${(100 * l.p).toFixed(1)}%` +
      (l.actual !== undefined ? `\t(labelled ${l.actual})` : '') +
      (l.stepsAgree !== undefined ? `\t${(100 * l.stepsAgree).toFixed(1)}% of steps as labelled` : '');
    process.stdout.write(p.labels.map(line).join('\n') + '\n' + sequencesAgreement(p.labels));
  } else if (p.kind === 'translate') process.stdout.write(p.output + '\n' + decodingLine(p));
  else process.stdout.write(p.output + '\n');
  return 0;
}

/** How a translation was decoded, and a beam's runners-up: lines for a person (stderr-free, after the output). */
function decodingLine(p: Extract<Prediction, { kind: 'translate' }>): string {
  const d = p.decoding;
  const how = d.kind === 'greedy' ? 'greedy' : d.kind === 'sampled' ? `sampled at temperature ${d.temperature}` : `beam search, width ${d.width}, length penalty ${d.lengthPenalty}`;
  const others = (p.alternatives ?? []).map((a) => `  ${a.score.toFixed(3)}  ${a.output}`).join('\n');
  return `(${how}${others ? '; the other beams, by log p / length^α:' : ''})\n${others ? others + '\n' : ''}`;
}

/** How many predicted labels equal the table's own, where it has them: a line, or '' when it has none. */
function sequencesAgreement(labels: { label: string; actual?: string }[]): string {
  const known = labels.filter((l) => l.actual !== undefined);
  if (known.length === 0) return '';
  const agree = known.filter((l) => l.label === l.actual).length;
  return `${agree} of ${known.length} labelled sequences predicted as labelled (${((100 * agree) / known.length).toFixed(1)}%)\n`;
}

/** BIO tags (each O, B-X or I-X): the entities they make, as the run's entity F1 counts them; '' for other tag sets. */
function entityLine(tokens: string[], tags: string[]): string {
  if (!tags.every((t) => t === 'O' || parseTag(t))) return '';
  const spans = entitySpans(tags);
  return `entities: ${spans.length ? spans.map((e) => `${e.type} "${tokens.slice(e.start, e.end).join(' ')}"`).join(', ') : 'none'}\n`;
}
