// The predict job: prediction with a saved run, in the data's own words and units — generates text from a character
// model, forecasts the next values of a series, classifies, tags, translates. Reads the run folder (run.json and
// checkpoint.bin, through engine/run-folder.ts); runs in a worker. A problem with what was given names the option
// (the CLI's --input, the Try screen's Input field).

import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Prediction, PredictRequest } from '../../src-shared/dataset';
import { InputError } from '../../src-shared/errors';
import { mention, SETTINGS, SettingError } from '../../src-shared/settings';
import { readCheckpoint } from '../engine/checkpoint';
import type { DataTransforms, FeatureEncoding, MultiSeriesTransforms } from '../engine/data-source';
import { CHECKPOINT_FILE, readRecord } from '../engine/run-folder';
import { alignmentOf } from '../engine/alignment';
import { beamSearch, decodeSequence, forecastSeries, generateTokens, greedySearch, stepDecoder } from '../engine/generate';
import { detokenize, featureWidth, joinTexts, LINE_END, tokenize, UNK, Vocabulary, wordsOfText } from '../data/build/common';
import type { KernelExports } from '../engine/kernels';
import { WasmNetwork } from '../engine/network';
import { parseFile } from '../data/parse';
import type { ParsedSequences, ParsedTable } from '../data/parsed';
import { groupTable, wideSequences } from '../data/build/sequences';
import { seriesSegments } from '../data/build/forecast';
import { SHAPE_FEATURES, wordShape } from '../data/build/tagging';
import { fillGaps } from '../data/series';

export type { Prediction, PredictRequest } from '../../src-shared/dataset';

const fail = (message: string): never => {
  throw new InputError(message);
};
/** A problem with the input given (the CLI's --input, the Try screen's Input). */
const badInput = (detail: string): never => {
  throw new SettingError('predictInput', detail);
};

/**
 * `--input "name=value, name=value"` (or plain values in the order of the inputs) → the model's encoded features,
 * scaled and one-hot exactly as in training.
 */
function encodeGiven(enc: FeatureEncoding[], input: string): Float32Array {
  const parts = input.split(',').map((p) => p.trim()).filter((p) => p !== '');
  const named = parts.every((p) => p.includes('='));
  const value = new Map<string, string>();
  if (named) for (const p of parts) value.set(p.slice(0, p.indexOf('=')).trim(), p.slice(p.indexOf('=') + 1).trim());
  else if (parts.length === enc.length) enc.forEach((e, i) => value.set(e.column, parts[i]));
  else badInput(`expected ${enc.length} values (${enc.map((e) => e.column).join(', ')}) or name=value pairs`);
  const out = new Float32Array(featureWidth(enc));
  let o = 0;
  for (const e of enc) {
    const v = value.get(e.column) ?? badInput(`no value for "${e.column}"`);
    if (e.kind === 'numeric') {
      const x = Number(v);
      if (v === '' || !Number.isFinite(x)) badInput(`"${v}" for "${e.column}" is not a number`);
      out[o++] = (x - e.mean) / e.std;
    } else {
      const k = e.categories.indexOf(v);
      if (k < 0) badInput(`"${v}" is not a value "${e.column}" had in training (${e.categories.slice(0, 10).join(', ')}${e.categories.length > 10 ? ', …' : ''})`);
      out[o + k] = 1;
      o += e.categories.length;
    }
  }
  return out;
}

export async function predict(kernels: KernelExports, req: PredictRequest): Promise<Prediction> {
  const run = readRecord(req.runDir);
  const state = readCheckpoint(join(req.runDir, CHECKPOINT_FILE));
  const net = new WasmNetwork(kernels, run.spec);
  net.setParams(state.params);
  const t = run.transforms;
  if (t.kind === 'text' && t.tokens === 'word') {
    // Words: the prime read as the training text was (a word never seen reads as <unk>); lines end in a token.
    const prime = req.input ?? '';
    const words = wordsOfText(prime);
    if (!prime.endsWith('\n')) words.pop(); // the prime's last line goes on
    const vocab = new Vocabulary(t.vocabulary, Math.max(0, t.vocabulary.indexOf(UNK)));
    const start = words.length ? vocab.encode(words) : Int32Array.of(vocab.id(LINE_END));
    const temperature = req.temperature ?? 0.8;
    const ids = generateTokens(net, start, req.length ?? 60, { temperature, seed: req.seed ?? 1 });
    const text = detokenize(Array.from(ids, (i) => t.vocabulary[i]), 'word');
    return { type: 'prediction', kind: 'text', prime, text: prime === '' || prime.endsWith('\n') || text.startsWith('\n') ? text : ` ${text}`, temperature };
  }
  if (t.kind === 'text') {
    const prime = req.input ?? '\n';
    if (prime.length === 0) badInput('give at least one character to start from');
    const index = new Map(t.vocabulary.map((c, i) => [c, i]));
    const unknown = [...new Set(Array.from(prime).filter((c) => !index.has(c)))];
    if (unknown.length) badInput(`${unknown.map((c) => JSON.stringify(c)).join(', ')} never occurs in the training text, so the model cannot read it`);
    const temperature = req.temperature ?? 0.8;
    const ids = generateTokens(net, Int32Array.from(Array.from(prime), (c) => index.get(c)!), req.length ?? 200, { temperature, seed: req.seed ?? 1 });
    return { type: 'prediction', kind: 'text', prime, text: Array.from(ids, (i) => t.vocabulary[i]).join(''), temperature };
  }
  if (t.kind === 'classify') {
    const input = req.input ?? badInput(t.texts ? `give the ${t.texts.columns.length} texts to classify together (${t.texts.columns.join(', ')}), one a line or TAB-separated` : 'give the text to classify');
    let tokens: string[];
    if (t.texts) {
      // a pair (or more) read together: the texts one a line, or TAB-separated
      const parts = (input.includes('\t') ? input.split('\t') : input.split('\n')).map((x) => x.trim());
      if (parts.length !== t.texts.columns.length || parts.some((x) => x === '')) badInput(`give ${t.texts.columns.length} texts (${t.texts.columns.join(', ')}), one a line or TAB-separated; got ${parts.filter((x) => x !== '').length}`);
      tokens = joinTexts(parts, t.tokens, t.lowercase);
    } else tokens = tokenize(input, t.tokens, t.lowercase);
    const ids = new Vocabulary(t.vocabulary, 0).encode(tokens.slice(0, t.maxLength));
    if (ids.length === 0) badInput('the text has no tokens');
    net.forward({ batchSize: 1, steps: ids.length, tokens: ids });
    const p = net.probabilities(1);
    const order = t.classes.map((label, i) => ({ label, p: p[i] })).sort((a, b) => b.p - a.p);
    return { type: 'prediction', kind: 'classify', input, label: order[0].label, probabilities: order };
  }
  if (t.kind === 'tagging') {
    const tokens = (req.input ?? badInput('give the sentence to tag')).split(/\s+/).filter((w) => w !== '');
    if (tokens.length === 0) badInput('the sentence has no tokens');
    const features = new Float32Array(tokens.length * SHAPE_FEATURES);
    tokens.forEach((w, i) => features.set(wordShape(w), i * SHAPE_FEATURES));
    net.forward({ batchSize: 1, steps: tokens.length, tokens: new Vocabulary(t.vocabulary, 0).encode(tokens), features: net.layout.spec.input.featureSize ? features : undefined });
    const out = net.outputs();
    const O = t.tags.length;
    const tags = tokens.map((_, i) => {
      let best = 0;
      for (let j = 1; j < O; j++) if (out[i * O + j] > out[i * O + best]) best = j;
      return t.tags[best];
    });
    return { type: 'prediction', kind: 'tagging', tokens, tags };
  }
  if (t.kind === 'pairs') {
    const input = req.input ?? badInput('give the text to translate');
    const src = new Vocabulary(t.source.vocabulary, 0).encode(tokenize(input, t.source.tokens));
    if (src.length === 0) badInput('the text has no tokens');
    const opts = { bos: t.bos, eos: t.eos, maxLength: req.length ?? t.maxLength + 1 };
    const text = (ids: Int32Array): string =>
      detokenize(
        Array.from(ids)
          .filter((id) => id !== t.eos && id !== t.bos)
          .map((id) => t.target.vocabulary[id]),
        t.target.tokens,
      );
    const temperature = req.temperature ?? 0;
    // sampling when asked for a temperature; otherwise greedy or a beam search (the settings table's default width)
    if (temperature > 0) {
      const out = decodeSequence(net, src, { ...opts, temperature, seed: req.seed });
      return { type: 'prediction', kind: 'translate', input, output: text(out), decoding: { kind: 'sampled', temperature } };
    }
    // attention models: where the decoder looks, on the greedy decode of this input (the Try screen draws it)
    const alignment = alignmentOf(net, t, src, { maxLength: opts.maxLength });
    const width = req.beamWidth ?? SETTINGS.beamWidth.default;
    const lengthPenalty = req.lengthPenalty ?? SETTINGS.lengthPenalty.default;
    const { start, step } = stepDecoder(net, src);
    if (width === 1) return { type: 'prediction', kind: 'translate', input, output: text(greedySearch(step, start, opts).tokens), decoding: { kind: 'greedy' }, ...(alignment ? { alignment } : {}) };
    const [best, ...others] = beamSearch(step, start, { ...opts, width, lengthPenalty });
    return {
      type: 'prediction',
      kind: 'translate',
      input,
      output: text(best.tokens),
      decoding: { kind: 'beam', width, lengthPenalty },
      alternatives: others.map((h) => ({ output: text(h.tokens), score: h.score })),
      ...(alignment ? { alignment } : {}),
    };
  }
  if (t.kind === 'tabular') {
    const input = req.input ?? badInput(`give the inputs as name=value pairs (${t.inputs.map((e) => e.column).join(', ')})`);
    net.forward({ batchSize: 1, steps: 1, features: encodeGiven(t.inputs, input) });
    if (t.target.kind === 'values') return { type: 'prediction', kind: 'value', input, column: t.target.column, value: net.outputs()[0] * t.target.std + t.target.mean };
    const classes = t.target.classes;
    const p = net.probabilities(1);
    const order = classes.map((label, i) => ({ label, p: p[i] })).sort((a, b) => b.p - a.p);
    return { type: 'prediction', kind: 'classify', input, label: order[0].label, probabilities: order };
  }
  if (t.kind === 'conditional') {
    const input = req.input ?? badInput(`give the condition as name=value pairs (${t.inputs.map((e) => e.column).join(', ')})`);
    const features = encodeGiven(t.inputs, input);
    const ids = generateTokens(net, Int32Array.of(t.bos), req.length ?? t.maxLength + 1, { temperature: req.temperature ?? 0, seed: req.seed, features, stopToken: t.eos });
    const words = Array.from(ids)
      .filter((id) => id !== t.eos && id !== t.bos)
      .map((id) => t.vocabulary[id]);
    return { type: 'prediction', kind: 'generate', input, output: detokenize(words, t.tokens) };
  }
  if (t.kind === 'sequences') {
    // The sequences of a long-format table (by default the run's own data), one label each; beside it the label the
    // table gives a sequence, where it has the run's label column.
    const file = req.file ?? run.data.path;
    const { parsed } = await parseFile(file);
    let grouped: ParsedSequences;
    if (parsed.kind === 'sequences') grouped = parsed; // an archive of sequences (.ts, JSON)
    else {
      if (parsed.kind !== 'table') fail(`${basename(file)}: expected a table of sequences`);
      const table = parsed as ParsedTable;
      const target = run.data.target;
      const labelled = target !== undefined && (table.columns.some((c) => c.name === target) || (/^\d+$/.test(target) && Number(target) <= table.columns.length));
      if (run.data.wide) grouped = wideSequences(table, { input: run.data.input, patch: run.data.patch, ...(labelled ? { target } : { target: run.data.target }) });
      else {
        if (t.sequence === undefined) fail('this run was not trained on a long-format table, so there is no sequence column to group a file by');
        grouped = groupTable(table, { sequence: t.sequence, step: t.step, input: t.features.map((f) => f.column), ...(labelled ? { target } : {}) }, t.perStep === true);
      }
    }
    const F = t.features.length;
    const K = t.classes.length;
    const labels = grouped.sequences.slice(0, 10000).map((s) => {
      // per-step models read long sequences in pieces of maxLength steps, as in training
      const piece = t.perStep ? s.steps.length : Math.min(s.steps.length, t.maxLength);
      const predicted: number[] = [];
      let pLast = 1;
      for (let from = 0; from < piece; from += t.maxLength) {
        const steps = s.steps.slice(from, Math.min(piece, from + t.maxLength));
        const features = new Float32Array(steps.length * F);
        steps.forEach((x, i) => t.features.forEach((f, j) => (features[i * F + j] = Number.isFinite(x[j]) ? (x[j] - f.mean) / f.std : 0)));
        net.forward({ batchSize: 1, steps: Math.max(1, steps.length), features });
        if (!t.perStep) {
          const p = net.probabilities(1);
          let best = 0;
          for (let k = 1; k < K; k++) if (p[k] > p[best]) best = k;
          predicted.push(best);
          pLast = p[best];
        } else {
          const out = net.outputs();
          for (let i = 0; i < steps.length; i++) {
            let best = 0;
            for (let k = 1; k < K; k++) if (out[i * K + k] > out[i * K + best]) best = k;
            predicted.push(best);
          }
        }
      }
      if (!t.perStep) return { id: s.id, label: t.classes[predicted[0]], p: pLast, ...(s.label ? { actual: s.label } : {}) };
      // per step: the sequence's most frequent label, the share of steps it holds, and how many steps agree with the table
      const majority = (ids: string[]): string => [...ids.reduce((m, x) => m.set(x, (m.get(x) ?? 0) + 1), new Map<string, number>())].sort((a, b) => b[1] - a[1])[0]?.[0] ?? '';
      const names = predicted.map((k) => t.classes[k]);
      const label = majority(names);
      const agree = s.stepLabels ? names.filter((x, i) => x === s.stepLabels![i]).length / Math.max(1, names.length) : undefined;
      return { id: s.id, label, p: names.filter((x) => x === label).length / Math.max(1, names.length), ...(s.stepLabels ? { actual: majority(s.stepLabels), stepsAgree: agree } : {}) };
    });
    return { type: 'prediction', kind: 'sequences', file: basename(file), sequences: grouped.sequences.length, labels };
  }
  if (t.kind === 'multiseries') return forecastMultiSeries(net, t, req, req.file ?? run.data.path);
  if (t.kind !== 'series') throw new Error(`predicting with a ${(t as DataTransforms).kind} run is not available`); // every kind is handled above
  // Series: the last `lookback` values of the history, normalised as in training.
  let history: number[];
  if (req.input !== undefined) {
    history = req.input
      .split(/[\s,;]+/)
      .filter((s) => s !== '')
      .map((s) => {
        const v = Number(s);
        if (!Number.isFinite(v)) badInput(`"${s}" is not a number`);
        return v;
      });
  } else {
    const file = req.file ?? run.data.path;
    const { parsed } = await parseFile(file);
    const column = parsed.kind === 'table' ? parsed.columns.find((c) => c.name === t.column) : undefined;
    if (!column?.numbers) throw new Error(`${basename(file)}: no numeric column "${t.column}" to forecast from`);
    const order = seriesRows(parsed as ParsedTable, undefined, undefined).rows; // in time order (a file written newest first too)
    const values = order.map((r) => column.numbers![r]);
    if (fillGaps(values) < 0) throw new Error(`${basename(file)}: column "${t.column}" has no values`);
    history = values;
  }
  if (t.horizon !== 1 && req.length !== undefined && req.length !== 1)
    throw new SettingError('length', `this model forecasts the value ${t.horizon} steps ahead in one go; a length applies to one-step (horizon 1) models`, req.length);
  const steps = t.horizon === 1 ? req.length ?? 1 : 1;
  // Backtest: hide the last values, forecast them from what came before, and return what really happened.
  let actual: number[] | undefined;
  const lag = t.difference ? (t.lag ?? 1) : 0;
  const need = t.lookback + lag; // L differences at the lag read L + lag values
  if (req.backtest) {
    const hidden = steps + t.horizon - 1;
    if (history.length < need + hidden) throw new Error(`a backtest of ${steps} values needs at least ${need + hidden} values of history; there are ${history.length}`);
    actual = history.slice(history.length - hidden + (t.horizon - 1));
    history = history.slice(0, history.length - hidden);
  }
  if (history.length < need)
    throw new Error(`the model reads windows of ${t.lookback} ${t.difference ? `changes${lag > 1 ? ` from ${lag} steps before` : ''} (${need} values)` : 'values'}; the history has ${history.length}`);
  let forecast: number[];
  if (t.difference) forecast = slideDifferences(net, history, history.length, t.lookback, steps, t, t.delta ?? fail('this run.json records a differenced series without the scaling of its change (delta)'), lag, t.horizon);
  else {
    const window = Float32Array.from(history.slice(-t.lookback), (v) => (v - t.mean) / t.std);
    forecast = Array.from(forecastSeries(net, window, steps), (v) => v * t.std + t.mean);
  }
  return { type: 'prediction', kind: 'series', column: t.column, history: history.length, forecast, recent: history.slice(-200), ...(actual ? { actual } : {}) };
}

/**
 * A differenced model of one column, `steps` values ahead of levels[end − 1]: it reads the last L differences at the
 * lag (x_t − x_{t−lag}, scaled with `input`) and predicts the change Δ̂ (scaled with `output`) from the known value
 * the target is measured from — the last value (lag 1), or the value a season before — which the forecast adds it
 * to. Further steps (horizon-1 models) carry the forecast levels on as history.
 */
function slideDifferences(net: WasmNetwork, levels: ArrayLike<number>, end: number, L: number, steps: number, input: { mean: number; std: number }, output: { mean: number; std: number }, lag = 1, horizon = 1): number[] {
  const lv = Array.from({ length: end }, (_, i) => levels[i]);
  const forecast: number[] = [];
  const window = new Float32Array(L);
  for (let i = 0; i < steps; i++) {
    const n = lv.length;
    for (let s = 0; s < L; s++) window[s] = (lv[n - L + s] - lv[n - L + s - lag] - input.mean) / input.std;
    net.forward({ batchSize: 1, steps: L, features: window });
    const level = lv[n - 1 + horizon - Math.max(lag, horizon)] + net.outputs()[0] * output.std + output.mean;
    lv.push(level);
    forecast.push(level);
  }
  return forecast;
}

/**
 * Forecast with a multi-column series model: the last `lookback` rows of its input columns (gaps filled by linear
 * interpolation, as in training), scaled per column, → the target `horizon` rows after the last one. A model that
 * reads only its target's own past (a stride or a season made it multi-column in form) slides over its forecasts
 * like a one-column model; one reading other columns forecasts one value (it cannot forecast those columns too).
 * Backtest: the last rows are hidden and forecast from the rows before them, beside what the target really did.
 * Differenced (t.difference): the model reads each column's changes and forecasts the target's last value + Δ̂.
 */
async function forecastMultiSeries(net: WasmNetwork, t: MultiSeriesTransforms, req: PredictRequest, file: string): Promise<Prediction> {
  if (req.input !== undefined) badInput(`this model reads rows of ${t.inputs.map((c) => `"${c.column}"`).join(', ')}; give them as a table with ${mention('predictFile')}`);
  const { parsed } = await parseFile(file);
  if (parsed.kind !== 'table') fail(`${basename(file)}: expected a table with the columns ${t.inputs.map((c) => `"${c.column}"`).join(', ')}`);
  const table = parsed as ParsedTable;
  // The rows of one series in time order: the series named (series) in a long table (default: its last one).
  const { rows: order, series } = seriesRows(table, t.sequence, req.series);
  const numbers = (name: string, required: boolean): number[] | undefined => {
    const column = table.columns.find((c) => c.name === name);
    if (!column?.numbers) {
      if (required) fail(`${basename(file)}: no numeric column "${name}" (the model reads ${t.inputs.map((c) => `"${c.column}"`).join(', ')})`);
      return undefined;
    }
    const values = order.map((r) => column.numbers![r]);
    if (fillGaps(values) < 0) fail(`${basename(file)}: column "${name}" has no values`);
    return values;
  };
  const inputs = t.inputs.map((c) => numbers(c.column, true)!);
  const target = numbers(t.target.column, false);
  const L = t.lookback;
  const Hz = t.horizon;
  const selfOnly = t.inputs.length === 1 && t.inputs[0].column === t.target.column;
  if (req.length !== undefined && req.length !== 1 && !(selfOnly && Hz === 1))
    throw new SettingError(
      'length',
      Hz !== 1
        ? `this model forecasts the value ${Hz} steps ahead in one go; a length applies to one-step (horizon 1) models`
        : `this model reads ${t.inputs.map((c) => `"${c.column}"`).join(', ')} and forecasts only "${t.target.column}", so it cannot feed its forecasts back: it forecasts one value`,
      req.length,
    );
  const steps = selfOnly && Hz === 1 ? req.length ?? 1 : 1;
  let rows = order.length;
  let actual: number[] | undefined;
  if (req.backtest) {
    if (!target) fail(`${basename(file)}: a backtest compares with column "${t.target.column}", which this file lacks`);
    const hidden = steps + Hz - 1;
    if (rows < L + hidden) fail(`a backtest of ${steps} value${steps > 1 ? 's' : ''} needs at least ${L + hidden} rows; there are ${rows}`);
    actual = target!.slice(rows - hidden + (Hz - 1), rows);
    rows -= hidden;
  }
  if (t.difference) {
    if (!target) fail(`${basename(file)}: this model forecasts "${t.target.column}" as its last value + the predicted change, and the file lacks that column`);
    const lag = t.lag ?? 1;
    if (rows < L + lag) fail(`the model reads the changes over ${L + lag} rows; ${basename(file)} has ${rows}`);
    let forecast: number[];
    if (selfOnly) forecast = slideDifferences(net, target!, rows, L, steps, t.inputs[0], t.target, lag, Hz);
    else {
      const F = inputs.length;
      const window = new Float32Array(L * F);
      for (let s = 0; s < L; s++) for (let f = 0; f < F; f++) window[s * F + f] = (inputs[f][rows - L + s] - inputs[f][rows - L + s - lag] - t.inputs[f].mean) / t.inputs[f].std;
      net.forward({ batchSize: 1, steps: L, features: window });
      forecast = [target![rows - 1 + Hz - Math.max(lag, Hz)] + net.outputs()[0] * t.target.std + t.target.mean];
    }
    return { type: 'prediction', kind: 'series', column: t.target.column, history: rows, forecast, recent: target!.slice(Math.max(0, rows - 200), rows), ...(actual ? { actual } : {}), ...(series !== undefined ? { series } : {}) };
  }
  if (rows < L) fail(`the model reads windows of ${L} rows; ${basename(file)} has ${rows}`);
  const F = inputs.length;
  const window = new Float32Array(L * F);
  for (let s = 0; s < L; s++) for (let f = 0; f < F; f++) window[s * F + f] = (inputs[f][rows - L + s] - t.inputs[f].mean) / t.inputs[f].std;
  let z: Float32Array;
  if (F === 1) z = forecastSeries(net, window, steps);
  else {
    net.forward({ batchSize: 1, steps: L, features: window });
    z = Float32Array.of(net.outputs()[0]);
  }
  const forecast = Array.from(z, (v) => v * t.target.std + t.target.mean);
  return { type: 'prediction', kind: 'series', column: t.target.column, history: rows, forecast, recent: target ? target.slice(Math.max(0, rows - 200), rows) : [], ...(actual ? { actual } : {}), ...(series !== undefined ? { series } : {}) };
}

/** The rows of one series in time order: the whole table, or (a long table) the series `wanted` of `key`, else its last. */
function seriesRows(table: ParsedTable, key: string | undefined, wanted: string | undefined): { rows: number[]; series?: string } {
  const { segments, keys } = seriesSegments(table, { sequence: key });
  if (!keys) {
    if (wanted !== undefined) throw new SettingError('series', 'this model forecasts one series; there is none to choose', wanted);
    return { rows: segments[0] };
  }
  const i = wanted === undefined ? keys.length - 1 : keys.indexOf(wanted);
  if (i < 0) throw new SettingError('series', `no such series in "${key}" (it has ${keys.slice(0, 10).join(', ')}${keys.length > 10 ? ', …' : ''})`, wanted);
  return { rows: segments[i], series: keys[i] };
}
