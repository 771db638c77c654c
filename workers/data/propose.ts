// `inspect`: from parsed data, every way to train on it that a person might want, ranked, each with a score and a
// one-line reason (candidates), the column roles and the time axis (analyse.ts), warnings, class counts and a
// preview of concrete training pairs in the data's own words and units. The proposal is the best candidate that
// can actually be trained: candidates are tried in order with the builders, so the studio never proposes what it
// cannot train. buildTrainingData(): parsed data + the person's choices, the rest filled from the best candidate
// that agrees with them → TrainingData.

import type { Candidate, Proposal } from '../../src-shared/dataset';
import { describeProblem, problemOf, SettingError } from '../../src-shared/settings';
import type { TrainingData } from '../engine/data-source';
import { analyseTable } from './analyse';
import { type DatasetChoice, withDefaults } from './build/choices';
import { buildWith } from './build/dispatch';
import { describeColumns, type Draft, kindDrafts, tableDrafts } from './candidates';
import { rowsOf } from './parse';
import { DataError, type Parsed } from './parsed';

export type { Proposal } from '../../src-shared/dataset';

// ============================================== propose ==========================================================

const cache = new WeakMap<Parsed, Proposal>();

/** Every candidate, best first; the proposal is the first one that builds. Memoised per parsed data. */
export function propose(parsed: Parsed, fileName: string): Proposal {
  const hit = cache.get(parsed);
  if (hit && hit.file === fileName) return hit;
  const facts = parsed.kind === 'table' ? analyseTable(parsed) : undefined;
  const drafts = (parsed.kind === 'table' ? tableDrafts(parsed, facts!) : kindDrafts(parsed)).sort((a, b) => b.score - a.score);
  if (drafts.length === 0) throw new DataError(fileName, undefined, 'no way to train on this table was found', 'it needs a text column, a numeric series, labelled sequences, or feature columns and a target');
  // The best candidate that can be trained: try them in order (the studio must never propose what it cannot train).
  let chosen: Draft | undefined;
  for (const d of drafts) {
    try {
      const c = withDefaults(d.choice);
      buildWith(parsed, { ...c, batchSize: fittingBatch(parsed, c) });
      chosen = d;
      break;
    } catch (e) {
      d.error = problemOf(e);
    }
  }
  if (!chosen) throw new DataError(fileName, undefined, `no way to train on this data works: ${describeProblem(drafts[0].error!, 'studio')}`, 'check the file, or choose the shape and columns yourself');
  const base = { file: fileName, kind: parsed.kind, rows: rowsOf(parsed) };
  const columns = parsed.kind === 'table' ? describeColumns(parsed, facts!) : [];
  let time: Proposal['time'];
  if (facts?.time) {
    const { values: _values, interval, dateForm: _form, yearImplicit: _implicit, ...info } = facts.time;
    time = { ...info, ...(interval ? { interval: interval.name } : {}), ...(chosen.choice.season ? { season: chosen.choice.season } : {}) };
  }
  const timeWarnings = facts?.time && facts.time.gaps > 0 ? [`time: ${facts.time.gaps} gap${facts.time.gaps > 1 ? 's' : ''} in the ${facts.time.interval?.name ?? ''} series (${facts.time.missingSteps} step${facts.time.missingSteps > 1 ? 's' : ''} missing); windows read across them`] : [];
  const proposal: Proposal = {
    ...base,
    shape: chosen.shape,
    task: chosen.task,
    choice: chosen.choice,
    reason: chosen.reason,
    candidates: drafts.slice(0, 8).map(({ shape, task, choice, score, reason, error }) => ({ shape, task, choice, score: Math.round(score * 100) / 100, reason, ...(error ? { error } : {}) })),
    columns,
    ...(time ? { time } : {}),
    ...(chosen.classes ? { classes: chosen.classes() } : {}),
    warnings: [...(chosen.warnings?.() ?? []), ...timeWarnings],
    preview: chosen.preview(),
    ...(facts?.notes.length ? { notes: facts.notes } : {}),
  };
  cache.set(parsed, proposal);
  return proposal;
}

/** The candidate a person's choices agree with: the best of the same shape whose target and sequence match theirs. */
function candidateFor(proposal: Proposal, given: Partial<DatasetChoice>): Candidate | undefined {
  const ok = proposal.candidates.filter((c) => !c.error && (given.shape === undefined || c.shape === given.shape));
  const agrees = (c: Candidate): boolean =>
    (given.target === undefined || c.choice.target === given.target) && (given.sequence === undefined || c.choice.sequence === given.sequence);
  if (given.shape === undefined && given.target === undefined && given.sequence === undefined) return ok[0];
  return ok.find(agrees) ?? (given.shape !== undefined && given.target === undefined ? ok[0] : undefined);
}


/** About how many word tokens running text holds (runs of non-space, and line ends). */
function wordCount(text: string): number {
  let n = 0;
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const space = c === 32 || c === 9 || c === 10 || c === 13;
    if (c === 10) n++;
    if (!space && !inWord) n++;
    inWord = !space;
  }
  return n;
}

/**
 * A batch the data can fill when none is given: running text is cut into that many parallel streams, and a short
 * text cannot feed 32 streams of 65 characters; so it gets fewer (each stream at least 8 chunks long). Else 32.
 */
export function fittingBatch(parsed: Parsed, c: DatasetChoice): number {
  const T = (c.lookback ?? 64) + 1;
  let chars = 0;
  if (parsed.kind === 'text') chars = c.tokens === 'word' ? wordCount(parsed.text) : parsed.text.length;
  else if (parsed.kind === 'table' && c.shape === 'many-to-many' && c.sequence === undefined) {
    const col = c.input?.length ? parsed.columns.find((x) => x.name === c.input![0]) : parsed.columns.find((x) => x.type === 'text');
    for (const s of col?.strings ?? []) chars += s.length + 1;
  } else return 32;
  return Math.max(1, Math.min(32, Math.floor((chars * (1 - c.valFraction)) / (T * 8))));
}

/**
 * Parsed data + choices (unset ones: the agreeing candidate's, then the defaults) → TrainingData with the warnings
 * found, and the batch it was built with. Errors name the file and say which choice to change.
 */
export function buildTrainingData(parsed: Parsed, choice: Partial<DatasetChoice>, fileName: string): TrainingData & { warnings: string[]; builtBatch: number; choice: DatasetChoice } {
  try {
    const given = Object.fromEntries(Object.entries(choice).filter(([, v]) => v !== undefined)) as Partial<DatasetChoice>;
    let base: Partial<DatasetChoice> = {};
    try {
      base = candidateFor(propose(parsed, fileName), given)?.choice ?? {};
    } catch {
      // no proposal: the person's choices alone
    }
    // A person's new target replaces the candidate's inputs only where those inputs were chosen for another target.
    if (given.target !== undefined && base.target !== given.target && given.input === undefined) base = { ...base, input: undefined };
    // one token unit given alone is both sides' (as before per-side tokens), not the source's beside the proposed target's
    if (given.tokens !== undefined && given.targetTokens === undefined) base = { ...base, targetTokens: undefined };
    const c = withDefaults({ ...base, ...given });
    if (given.batchSize === undefined) c.batchSize = fittingBatch(parsed, c);
    const data = buildWith(parsed, c);
    if (c.difference && data.transforms.kind !== 'series' && data.transforms.kind !== 'multiseries')
      throw new SettingError('difference', `differencing applies to series forecasts (a table ordered in time, many-to-one); this data trains ${data.transforms.kind}`);
    return Object.assign(data, { warnings: data.warnings ?? [], builtBatch: c.batchSize, choice: c });
  } catch (e) {
    if (e instanceof DataError) throw e;
    // a setting's problem keeps its key (for each host to name the setting its way)
    if (e instanceof SettingError) throw new DataError(fileName, undefined, e.message, undefined, e.inFile(fileName).problem);
    throw new DataError(fileName, undefined, (e as Error).message);
  }
}
