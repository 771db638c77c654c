#!/usr/bin/env node
// Deploying a Sequence Studio model with nothing but onnxruntime-node: load the exported .onnx file, read its
// sidecar JSON (vocabulary, scaling, class names, window), turn raw input into the graph's inputs and the outputs
// back into words and units. Copy this file; it imports only onnxruntime-node and node: modules.
//
//   npm install onnxruntime-node
//   seqstudio export runs/shakespeare --out model.onnx --streaming      # (in the studio)
//   node deploy-onnx.mjs model.onnx --input "ROMEO:" --length 300 --temperature 0.8
//   node deploy-onnx.mjs co2.onnx --input "415.2, 415.9, 416.4, …" --length 12        # forecast 12 values
//   node deploy-onnx.mjs sentiment.onnx --input "what a lovely phone"                  # classify
//   node deploy-onnx.mjs translate.onnx --input "I am cold."                           # encoder–decoder
//   node deploy-onnx.mjs macro.onnx --file recent.csv                                   # several columns → a value
//   node deploy-onnx.mjs movement.onnx --file sequences.csv                             # a label per sequence
//
// What it handles, by the sidecar's preprocessing.kind (docs/deploy.md describes every field):
//   text         generate one token at a time: with a --streaming export the state is carried (final_h/_c fed
//                back as initial_h/_c), otherwise the last `window` tokens are re-run at every step
//   series       forecast: normalise the last `lookback` values, run, de-normalise (value = out · std + mean),
//                and for one-step models append the prediction and slide the window; differenced (difference:
//                true, lag k, default 1): the window holds the last changes over k steps and the forecast is the
//                value k steps before it (k = 1: the last value) + the predicted change
//   classify     text → class, with probabilities (a pair read together: the texts one a line or TAB-separated)
//   tagging      words → one tag each
//   pairs        source → target: the encoder, then the one-step decoder with carried state: beam search (--beam N,
//                default 4, and --length-penalty α, default 1, as seqstudio predict), greedy (--beam 1) or sampled
//                (--temperature); with attention, the decoder also reads the encoder's memory and the source length;
//                with input feeding it also takes its own previous attentional_out as attentional_in (zeros first)
//   conditional  name=value pairs → a generated sequence (one step at a time, carried state)
//   tabular      name=value pairs → a value (de-normalised) or a class
//   multiseries  --file a CSV with the input columns: the last `lookback` rows (gaps filled linearly), each column
//                normalised, → the target `horizon` rows later (a model of its target's own past slides on)
//   sequences    --file a long-format CSV (one row per step, a sequence-id column): one label per sequence

import { readFileSync, existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import ort from 'onnxruntime-node';

// ---------------------------------------------------------------------------------------------------- arguments

const { values: opt, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    input: { type: 'string' },
    file: { type: 'string' },
    length: { type: 'string' },
    temperature: { type: 'string' },
    seed: { type: 'string' },
    beam: { type: 'string' },
    'length-penalty': { type: 'string' },
    json: { type: 'boolean' },
  },
});
if (positionals.length !== 1) {
  process.stderr.write('usage: node deploy-onnx.mjs MODEL.onnx [--input TEXT|VALUES | --file TABLE.csv] [--length N] [--temperature T] [--seed N] [--beam N] [--length-penalty A] [--json]\n');
  process.exit(2);
}
const modelPath = positionals[0];
const stem = modelPath.replace(/\.onnx$/i, '');
const sidecarPath = stem === modelPath ? `${modelPath}.json` : `${stem}.json`;
if (!existsSync(modelPath) || !existsSync(sidecarPath)) {
  process.stderr.write(`${modelPath}: needs the model and its sidecar ${sidecarPath} (written together by seqstudio export)\n`);
  process.exit(2);
}
const sidecar = JSON.parse(readFileSync(sidecarPath, 'utf8'));
const pre = sidecar.preprocessing;
const output = sidecar.output;
const temperature = opt.temperature !== undefined ? Number(opt.temperature) : pre.kind === 'text' ? 0.8 : 0;
const length = opt.length !== undefined ? Number(opt.length) : undefined;
const fail = (message) => {
  process.stderr.write(message + '\n');
  process.exit(2);
};

// ---------------------------------------------------------------------------------------------------- helpers

/** A small seeded PRNG (mulberry32), so a --seed gives the same text every time. */
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const random = rng(Number(opt.seed ?? 1));

/** Greedy (temperature 0) or sampled pick from one row of logits. */
function pick(logits, offset, size) {
  let best = 0;
  for (let j = 1; j < size; j++) if (logits[offset + j] > logits[offset + best]) best = j;
  if (temperature <= 0) return best;
  const p = new Float64Array(size);
  let sum = 0;
  for (let j = 0; j < size; j++) sum += p[j] = Math.exp((logits[offset + j] - logits[offset + best]) / temperature);
  let u = random() * sum;
  for (let j = 0; j < size; j++) if ((u -= p[j]) <= 0) return j;
  return size - 1;
}

const softmax = (row) => {
  const m = Math.max(...row);
  const e = row.map((x) => Math.exp(x - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / s);
};

/** Token ids as an int64 tensor [1, n] (one sequence). */
const tokenTensor = (ids) => new ort.Tensor('int64', BigInt64Array.from(ids, BigInt), [1, ids.length]);
/** A zero state [rows, 1, H] for a graph input such as initial_h (its shape is in the sidecar). */
const zeroState = (io) => new ort.Tensor('float32', new Float32Array(io.shape[0] * io.shape[2]), [io.shape[0], 1, io.shape[2]]);

/** The sidecar's tokenizer: characters, or words by the same regular expression the studio used. */
function tokenize(text, unit, lowercase = false) {
  const s = lowercase ? text.toLowerCase() : text;
  return unit === 'char' ? Array.from(s) : (s.match(/[\p{L}\p{N}\p{M}_'’-]+|[^\s\p{L}\p{N}\p{M}]/gu) ?? []);
}
/**
 * Running text read by words (a word-level language model): also <unk>-style specials as one token, and each line's
 * end a token of its own (pre.lineEnd).
 */
function tokenizeLines(text, lineEnd) {
  const words = (l) => l.match(/<[\p{L}_]+>|[\p{L}\p{N}\p{M}_'’-]+|[^\s\p{L}\p{N}\p{M}]/gu) ?? [];
  const lines = text.split('\n');
  const last = lines.pop(); // the last line goes on: no line end after it
  return [...lines.flatMap((l) => [...words(l), lineEnd]), ...words(last)];
}
const detokenize = (tokens, unit) => (unit === 'char' ? tokens.join('') : tokens.join(' ').replace(/ ?\n ?/g, '\n'));

/** name=value pairs → the encoded feature vector: numeric (x − mean) / std, categorical one-hot. */
function encodeInputs(encodings, text) {
  const given = new Map(
    (text ?? '')
      .split(',')
      .map((p) => p.trim())
      .filter(Boolean)
      .map((p) => [p.slice(0, p.indexOf('=')).trim(), p.slice(p.indexOf('=') + 1).trim()]),
  );
  const width = encodings.reduce((s, e) => s + (e.kind === 'numeric' ? 1 : e.categories.length), 0);
  const out = new Float32Array(width);
  let o = 0;
  for (const e of encodings) {
    const v = given.get(e.column);
    if (v === undefined) fail(`--input: give ${encodings.map((x) => `${x.column}=…`).join(', ')}`);
    if (e.kind === 'numeric') out[o++] = (Number(v) - e.mean) / e.std;
    else {
      const k = e.categories.indexOf(v);
      if (k < 0) fail(`--input: "${v}" is not a value "${e.column}" had in training (${e.categories.slice(0, 10).join(', ')})`);
      out[o + k] = 1;
      o += e.categories.length;
    }
  }
  return out;
}

/** Runs a graph whose state inputs are fed from `state` (zeros when absent); returns its outputs. */
async function step(session, io, feeds, state) {
  for (const name of ['initial_h', 'initial_c']) {
    const spec = io.inputs.find((i) => i.name === name);
    if (spec) feeds[name] = state?.[name] ?? zeroState(spec);
  }
  // input feeding: the decoder also reads the previous step's attentional state h̃ [1, H], zeros at the first step
  const fed = io.inputs.find((i) => i.name === 'attentional_in');
  if (fed) feeds.attentional_in = state?.attentional_in ?? new ort.Tensor('float32', new Float32Array(fed.shape[1]), [1, fed.shape[1]]);
  return session.run(feeds);
}
/** Adds `lengths` (one unpadded sequence of n steps) where the graph has that input. */
function withLengths(io, feeds, n) {
  if (io.inputs.some((i) => i.name === 'lengths')) feeds.lengths = new ort.Tensor('int32', Int32Array.of(n), [1]);
  return feeds;
}
const carried = (out) => ({ initial_h: out.final_h, ...(out.final_c ? { initial_c: out.final_c } : {}), ...(out.attentional_out ? { attentional_in: out.attentional_out } : {}) });

/** log softmax of a row of logits, in float64. */
function logSoftmax(logits, V) {
  let max = -Infinity;
  for (let v = 0; v < V; v++) max = Math.max(max, logits[v]);
  let sum = 0;
  for (let v = 0; v < V; v++) sum += Math.exp(logits[v] - max);
  const lse = max + Math.log(sum);
  return Float64Array.from({ length: V }, (_, v) => logits[v] - lse);
}

/**
 * Beam search as seqstudio predict runs it (fairseq's rules): each step extends every live hypothesis by every token
 * and ranks the extensions by log p(y); going down that ranking, one ending in eos within the first `width` is
 * finished, and the first `width` others stay live; it ends when `width` have finished or at maxLength. Returns the
 * best `width` by log p / |y|^α (|y| counts eos), best first. Width 1 is greedy decoding.
 */
async function beamSearch(decode, start, { bos, eos, maxLength, width, alpha }) {
  const norm = (lp, n) => (alpha === 0 ? lp : lp / Math.pow(Math.max(1, n), alpha));
  let live = [{ tokens: [], logProb: 0, state: start }];
  const finished = [];
  for (let t = 0; t < maxLength && live.length > 0 && finished.length < width; t++) {
    const steps = [];
    for (const b of live) steps.push(await decode(b.tokens.length ? b.tokens[b.tokens.length - 1] : bos, b.state));
    const ext = [];
    live.forEach((b, n) => steps[n].logProbs.forEach((lp, v) => ext.push({ n, v, lp: b.logProb + lp })));
    ext.sort((a, b) => b.lp - a.lp || a.n - b.n || a.v - b.v); // ties: the earlier hypothesis, the lower token
    const next = [];
    for (let i = 0; i < ext.length && next.length < width; i++) {
      const e = ext[i];
      if (!Number.isFinite(e.lp)) break;
      const tokens = [...live[e.n].tokens, e.v];
      if (e.v === eos) {
        if (i < width) finished.push({ tokens, logProb: e.lp, score: norm(e.lp, tokens.length) });
      } else next.push({ tokens, logProb: e.lp, state: steps[e.n].state });
    }
    live = next;
  }
  const pool = finished.length >= width ? finished : [...finished, ...live.map((b) => ({ tokens: b.tokens, logProb: b.logProb, score: norm(b.logProb, b.tokens.length) }))];
  return pool.map((h, i) => ({ h, i })).sort((a, b) => b.h.score - a.h.score || a.i - b.i).slice(0, width).map((x) => x.h);
}

/** A CSV file with a header row → { header, rows } of strings (double-quoted fields may hold commas and quotes). */
function readCsv(path) {
  if (!path) fail('--file: give the table (a CSV file with a header row)');
  if (!existsSync(path)) fail(`--file ${path}: no such file`);
  const rows = [];
  for (const line of readFileSync(path, 'utf8').split(/\r?\n/)) {
    if (line.trim() === '') continue;
    const cells = [];
    let cell = '';
    let quoted = false;
    for (let i = 0; i < line.length; i++) {
      const ch = line[i];
      if (quoted) {
        if (ch === '"' && line[i + 1] === '"') (cell += '"'), i++;
        else if (ch === '"') quoted = false;
        else cell += ch;
      } else if (ch === '"') quoted = true;
      else if (ch === ',') cells.push(cell.trim()), (cell = '');
      else cell += ch;
    }
    cells.push(cell.trim());
    rows.push(cells);
  }
  if (rows.length < 2) fail(`--file ${path}: expected a header row and at least one row of values`);
  return { header: rows[0], rows: rows.slice(1) };
}
/** One column of a table as numbers (empty or unreadable cells NaN), by name. */
function column(table, name, path) {
  const k = table.header.indexOf(name);
  if (k < 0) fail(`--file ${path}: no column "${name}" (it has ${table.header.map((h) => `"${h}"`).join(', ')})`);
  return table.rows.map((r) => (r[k] === undefined || r[k] === '' ? NaN : Number(r[k])));
}
/** Fills NaN gaps by linear interpolation between neighbours (the nearest value at the ends), as in training. */
function fillGaps(v, name) {
  const known = v.flatMap((x, i) => (Number.isNaN(x) ? [] : [i]));
  if (known.length === 0) fail(`column "${name}" has no values`);
  return v.map((x, i) => {
    if (!Number.isNaN(x)) return x;
    let lo = i - 1;
    while (lo >= 0 && Number.isNaN(v[lo])) lo--;
    let hi = i + 1;
    while (hi < v.length && Number.isNaN(v[hi])) hi++;
    if (lo < 0) return v[hi];
    if (hi >= v.length) return v[lo];
    return v[lo] + ((v[hi] - v[lo]) * (i - lo)) / (hi - lo);
  });
}

// ---------------------------------------------------------------------------------------------------- the model

const graphs = Object.fromEntries(sidecar.graphs.map((g) => [g.role, g]));
const dir = modelPath.slice(0, Math.max(0, modelPath.lastIndexOf('/') + 1));
const sessions = {};
for (const g of sidecar.graphs) sessions[g.role] = await ort.InferenceSession.create(g.role === 'model' || g.role === 'encoder' ? modelPath : dir + g.file);

let result;
switch (pre.kind) {
  case 'text': {
    // Next-token generation, one token at a time.
    const g = graphs.model;
    const index = new Map(pre.vocabulary.map((t, i) => [t, i]));
    const words = pre.tokens === 'word';
    const primeTokens = words ? tokenizeLines(opt.input ?? '', pre.lineEnd) : tokenize(opt.input ?? '\n', pre.tokens);
    if (words && primeTokens.length === 0) primeTokens.push(pre.lineEnd); // no prime: start as after a line
    const unknown = primeTokens.filter((t) => !index.has(t));
    if (unknown.length && !words) fail(`--input: ${[...new Set(unknown)].map((t) => JSON.stringify(t)).join(', ')} never occurred in training`);
    const streaming = g.inputs.some((i) => i.name === 'initial_h');
    const ids = primeTokens.map((t) => index.get(t) ?? pre.unknown); // a word never seen reads as <unk>
    const V = output.size;
    const generated = [];
    let state;
    let feed = ids;
    for (let i = 0; i < (length ?? 200); i++) {
      const out = await step(sessions.model, g, { tokens: tokenTensor(feed) }, state);
      const next = pick(out.logits.data, (feed.length - 1) * V, V);
      generated.push(next);
      ids.push(next);
      if (streaming) {
        state = carried(out); // the recurrent state goes on: feed only the new token
        feed = [next];
      } else feed = ids.slice(-pre.window); // no state input: re-run the last `window` tokens
    }
    const prime = opt.input ?? (words ? '' : '\n');
    const text = detokenize(generated.map((id) => pre.vocabulary[id]), pre.tokens);
    result = { kind: 'text', prime, text: words && prime !== '' && !prime.endsWith('\n') && !text.startsWith('\n') ? ` ${text}` : text, streaming };
    break;
  }
  case 'series': {
    // Forecast: the last `lookback` values, normalised; outputs de-normalised.
    // Differenced (pre.difference): the window holds the last `lookback` changes over `lag` steps (lag 1: from the
    // value before; a season: from the value a season before); the output is the change from a known value (the
    // last, or the one a season before the forecast), added to it. Further steps carry the forecasts on as history.
    const history = (opt.input ?? '').split(/[\s,;]+/).filter(Boolean).map(Number);
    const lag = pre.difference ? (pre.lag ?? 1) : 0;
    const need = pre.lookback + lag;
    if (history.length < need || history.some((v) => !Number.isFinite(v))) fail(`--input: give at least ${need} numbers (the most recent last)`);
    const levels = history.slice();
    const steps = pre.horizon === 1 ? (length ?? 1) : 1;
    const forecast = [];
    for (let i = 0; i < steps; i++) {
      const n = levels.length;
      const window = [];
      for (let s = 0; s < pre.lookback; s++) {
        const v = levels[n - pre.lookback + s];
        window.push(((pre.difference ? v - levels[n - pre.lookback + s - lag] : v) - pre.mean) / pre.std);
      }
      const out = await step(sessions.model, graphs.model, { features: new ort.Tensor('float32', Float32Array.from(window), [1, window.length, 1]) });
      const z = out.values.data[0];
      const value = pre.difference ? levels[n - 1 + pre.horizon - Math.max(lag, pre.horizon)] + z * pre.delta.std + pre.delta.mean : z * pre.std + pre.mean;
      forecast.push(value);
      levels.push(value);
    }
    result = { kind: 'series', column: pre.column, horizon: pre.horizon, forecast };
    break;
  }
  case 'classify': {
    const index = new Map(pre.vocabulary.map((t, i) => [t, i]));
    const input = opt.input ?? fail('--input: give the text to classify');
    // several texts read together (pre.texts: a premise and a hypothesis…): one a line or TAB-separated, their tokens
    // joined by pre.separator
    const parts = pre.texts ? (input.includes('\t') ? input.split('\t') : input.split('\n')).map((x) => x.trim()) : [input];
    if (pre.texts && (parts.length !== pre.texts.length || parts.some((x) => x === ''))) fail(`--input: give ${pre.texts.length} texts (${pre.texts.join(', ')}), one a line or TAB-separated`);
    const tokens = parts.flatMap((x, i) => [...(i > 0 ? [pre.separator] : []), ...tokenize(x, pre.tokens, pre.lowercase)]);
    const ids = tokens.slice(0, pre.maxLength).map((t) => index.get(t) ?? pre.unknown);
    if (ids.length === 0) fail('--input: the text has no tokens');
    const out = await step(sessions.model, graphs.model, withLengths(graphs.model, { tokens: tokenTensor(ids) }, ids.length));
    const p = softmax(Array.from(out.logits.data));
    const ranked = output.names.map((label, i) => ({ label, p: p[i] })).sort((a, b) => b.p - a.p);
    result = { kind: 'classify', label: ranked[0].label, probabilities: ranked };
    break;
  }
  case 'tagging': {
    const index = new Map(pre.vocabulary.map((t, i) => [t, i]));
    const words = (opt.input ?? fail('--input: give the sentence to tag')).split(/\s+/).filter(Boolean);
    const feeds = withLengths(graphs.model, { tokens: tokenTensor(words.map((w) => index.get(w) ?? pre.unknown)) }, words.length);
    if (pre.features) {
      // The 7 word-shape values of the sidecar's `features`, per word.
      const shape = (w) => {
        const first = w.charAt(0);
        return [first !== first.toLowerCase() ? 1 : 0, w.length > 1 && w === w.toUpperCase() && w !== w.toLowerCase() ? 1 : 0, /\d/.test(w) ? 1 : 0, first === '@' || first === '#' ? 1 : 0, /^(https?:|www\.)/i.test(w) ? 1 : 0, /^[\p{P}\p{S}]+$/u.test(w) ? 1 : 0, Math.min(2, w.length / 10)];
      };
      feeds.features = new ort.Tensor('float32', Float32Array.from(words.flatMap(shape)), [1, words.length, pre.features.length]);
    }
    const out = await step(sessions.model, graphs.model, feeds);
    const K = output.size;
    result = { kind: 'tagging', tokens: words, tags: words.map((_, t) => output.names[pick(out.logits.data, t * K, K)]) };
    break;
  }
  case 'pairs': {
    // Encoder once, then the decoder one token at a time with its carried state.
    const index = new Map(pre.source.vocabulary.map((t, i) => [t, i]));
    const src = tokenize(opt.input ?? fail('--input: give the text to translate'), pre.source.tokens).map((t) => index.get(t) ?? pre.source.unknown);
    if (src.length === 0) fail('--input: the text has no tokens');
    const encoded = await sessions.encoder.run(withLengths(graphs.encoder, { tokens: tokenTensor(src) }, src.length));
    let state = carried(encoded);
    // A decoder with attention reads the encoder's `memory` (every source step) and the source length at each step.
    const attends = graphs.decoder.inputs.some((i) => i.name === 'memory');
    const source = attends ? { memory: encoded.memory, source_lengths: new ort.Tensor('int32', Int32Array.of(src.length), [1]) } : {};
    const V = output.size;
    const maxLength = length ?? pre.maxLength + 1;
    const text = (ids) => detokenize(ids.filter((id) => id !== pre.target.eos).map((id) => pre.target.vocabulary[id]), pre.target.tokens);
    // One decoder step of one hypothesis: its last token and state → log-probabilities over the target vocabulary.
    const decode = async (token, st) => {
      const out = await step(sessions.decoder, graphs.decoder, { tokens: tokenTensor([token]), ...source }, st);
      return { logProbs: logSoftmax(out.logits.data, V), state: carried(out) };
    };
    const width = opt.beam !== undefined ? Number(opt.beam) : 4;
    const alpha = opt['length-penalty'] !== undefined ? Number(opt['length-penalty']) : 1;
    if (!(Number.isInteger(width) && width >= 1)) fail(`--beam ${opt.beam}: expected a whole number ≥ 1`);
    if (!(alpha >= 0)) fail(`--length-penalty ${opt['length-penalty']}: expected a number ≥ 0`);
    if (temperature > 0) {
      // sampled at a temperature, one token at a time
      const outIds = [];
      let prev = pre.target.bos;
      for (let i = 0; i < maxLength; i++) {
        const out = await step(sessions.decoder, graphs.decoder, { tokens: tokenTensor([prev]), ...source }, state);
        prev = pick(out.logits.data, 0, V);
        if (prev === pre.target.eos) break;
        outIds.push(prev);
        state = carried(out);
      }
      result = { kind: 'translate', input: opt.input, output: text(outIds), decoding: { kind: 'sampled', temperature } };
    } else {
      const hyps = await beamSearch(decode, state, { bos: pre.target.bos, eos: pre.target.eos, maxLength, width, alpha });
      result = {
        kind: 'translate',
        input: opt.input,
        output: text(hyps[0].tokens),
        decoding: width === 1 ? { kind: 'greedy' } : { kind: 'beam', width, lengthPenalty: alpha },
        ...(width > 1 ? { alternatives: hyps.slice(1).map((h) => ({ output: text(h.tokens), score: h.score })) } : {}),
      };
    }
    break;
  }
  case 'conditional': {
    const condition = encodeInputs(pre.inputs, opt.input);
    const V = output.size;
    const outIds = [];
    let state;
    let prev = pre.bos;
    for (let i = 0; i < (length ?? pre.maxLength + 1); i++) {
      const out = await step(sessions.model, graphs.model, { tokens: tokenTensor([prev]), condition: new ort.Tensor('float32', condition, [1, condition.length]) }, state);
      prev = pick(out.logits.data, 0, V);
      if (prev === pre.eos) break;
      outIds.push(prev);
      state = carried(out);
    }
    result = { kind: 'generate', input: opt.input, output: detokenize(outIds.map((id) => pre.vocabulary[id]), pre.tokens) };
    break;
  }
  case 'tabular': {
    const features = encodeInputs(pre.inputs, opt.input);
    const out = await step(sessions.model, graphs.model, { features: new ort.Tensor('float32', features, [1, features.length]) });
    if (output.kind === 'values') result = { kind: 'value', column: output.column, value: out.values.data[0] * output.std + output.mean };
    else {
      const p = softmax(Array.from(out.logits.data));
      const ranked = output.names.map((label, i) => ({ label, p: p[i] })).sort((a, b) => b.p - a.p);
      result = { kind: 'classify', label: ranked[0].label, probabilities: ranked };
    }
    break;
  }
  case 'multiseries': {
    // The last `lookback` rows of the input columns, each normalised; the target `horizon` rows after the last.
    const table = readCsv(opt.file);
    const inputs = pre.inputs.map((c) => fillGaps(column(table, c.column, opt.file), c.column));
    const selfOnly = pre.inputs.length === 1 && pre.inputs[0].column === pre.target.column && pre.horizon === 1;
    if (length !== undefined && length !== 1 && !selfOnly) fail(`--length: this model forecasts only "${pre.target.column}" (or several steps ahead in one go): it forecasts one value`);
    // Differenced (pre.difference): each column's changes over `lag` rows; the output is the target's change from a
    // known value (the last, or the one a season before the forecast), added to it.
    const lag = pre.difference ? (pre.lag ?? 1) : 0;
    const rows = table.rows.length;
    const need = pre.lookback + lag;
    if (rows < need) fail(`--file: the model reads windows of ${pre.lookback} rows${pre.difference ? ' of changes' : ''}; the file needs ${need} rows and has ${rows}`);
    const F = inputs.length;
    const target = pre.difference ? fillGaps(column(table, pre.target.column, opt.file), pre.target.column) : undefined;
    const forecast = [];
    for (let i = 0; i < (selfOnly ? length ?? 1 : 1); i++) {
      const n = inputs[0].length;
      const window = [];
      for (let t = n - pre.lookback; t < n; t++) window.push(inputs.map((x, k) => ((pre.difference ? x[t] - x[t - lag] : x[t]) - pre.inputs[k].mean) / pre.inputs[k].std));
      const out = await step(sessions.model, graphs.model, { features: new ort.Tensor('float32', Float32Array.from(window.flat()), [1, window.length, F]) });
      const z = out.values.data[0];
      const levels = pre.difference ? (selfOnly ? inputs[0] : target) : undefined;
      const value = pre.difference ? levels[n - 1 + pre.horizon - Math.max(lag, pre.horizon)] + z * output.std + output.mean : z * output.std + output.mean;
      forecast.push(value);
      if (selfOnly) inputs[0].push(value); // a model of its target's own past carries its forecasts on as history
    }
    result = { kind: 'series', column: pre.target.column, horizon: pre.horizon, forecast };
    break;
  }
  case 'sequences': {
    // A long-format table: rows grouped by the sequence column (ordered by the step column), each sequence's
    // features normalised per step (0 where missing), at most maxLength steps, one label per sequence.
    const table = readCsv(opt.file);
    if (pre.sequence === undefined) fail('this model was not trained on a long-format table (no sequence column)');
    const k = table.header.indexOf(pre.sequence);
    if (k < 0) fail(`--file ${opt.file}: no sequence column "${pre.sequence}"`);
    const order = pre.step !== undefined ? column(table, pre.step, opt.file) : undefined;
    const feats = pre.features.map((f) => column(table, f.column, opt.file));
    const groups = new Map();
    table.rows.forEach((r, i) => (groups.get(r[k]) ?? groups.set(r[k], []).get(r[k])).push(i));
    const F = feats.length;
    const labels = [];
    for (const [id, rows] of groups) {
      if (order) rows.sort((a, b) => order[a] - order[b]);
      const steps = rows.slice(0, pre.maxLength);
      const x = Float32Array.from(steps.flatMap((r) => feats.map((f, j) => (Number.isFinite(f[r]) ? (f[r] - pre.features[j].mean) / pre.features[j].std : 0))));
      const out = await step(sessions.model, graphs.model, withLengths(graphs.model, { features: new ort.Tensor('float32', x, [1, steps.length, F]) }, steps.length));
      const p = softmax(Array.from(out.logits.data));
      let best = 0;
      for (let j = 1; j < p.length; j++) if (p[j] > p[best]) best = j;
      labels.push({ id, label: output.names[best], p: p[best] });
    }
    result = { kind: 'sequences', labels };
    break;
  }
  default:
    fail(`${pre.kind}: this example does not know that kind of model`);
}

if (opt.json) process.stdout.write(JSON.stringify(result) + '\n');
else if (result.kind === 'text') process.stdout.write(result.prime + result.text + '\n');
else if (result.kind === 'series') process.stdout.write(result.forecast.map((v, i) => `+${(i + 1) * result.horizon}  ${v.toPrecision(6)}`).join('\n') + '\n');
else if (result.kind === 'classify') process.stdout.write(`${result.label}   (${result.probabilities.slice(0, 5).map((c) => `${c.label} ${(100 * c.p).toFixed(1)}%`).join(', ')})\n`);
else if (result.kind === 'tagging') process.stdout.write(result.tokens.map((w, i) => `${w}\t${result.tags[i]}`).join('\n') + '\n');
else if (result.kind === 'value') process.stdout.write(`${result.column}: ${result.value.toPrecision(6)}\n`);
else if (result.kind === 'sequences') process.stdout.write(result.labels.map((l) => `${l.id}\t${l.label}\t${(100 * l.p).toFixed(1)}%`).join('\n') + '\n');
else process.stdout.write(result.output + '\n');
