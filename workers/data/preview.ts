// Training pairs of BUILT training data, decoded back into the data's own words and units: a few samples spread
// over the validation batches (the first training batch when there is none), read through `data.transforms`.
// inspectFile (load.ts) calls previewPairs for `chosen.pairs`, so a person sees what the model will see with the
// choices they made; propose.ts uses the small text helpers (clip, quote, samplePositions, showValues).

import type { Batch } from '../engine/batch';
import type { DataTransforms, FeatureEncoding, TrainingData } from '../engine/data-source';
import { fmt } from './build/common';

export type PreviewPair = { input: string; output: string };

export const clip = (s: string, n = 80): string => (s.length > n ? s.slice(0, n - 1) + '…' : s);
export const quote = (s: string): string => JSON.stringify(s);

/** k positions spread evenly over 0..n−1 (first and last included). */
export function samplePositions(n: number, k = 5): number[] {
  if (n <= k) return Array.from({ length: n }, (_, i) => i);
  return Array.from({ length: k }, (_, i) => Math.floor((i * (n - 1)) / (k - 1)));
}

/** Values of a window, the middle elided when there are more than `most` (then with the count when `count`). */
export function showValues(v: ArrayLike<number>, most = 6, count = false): string {
  const a = Array.from(v);
  if (a.length <= most) return a.map(fmt).join(', ');
  return `${a.slice(0, 3).map(fmt).join(', ')}, …, ${a.slice(-3).map(fmt).join(', ')}${count ? ` (${a.length} steps)` : ''}`;
}

/** A window as the model reads it: every value up to 12, else the ends and how many steps. */
const windowText = (v: number[]): string => showValues(v, 12, true);

/**
 * `count` training pairs of `data` as built, spread over its validation samples, deterministic. Pass the validation
 * batches when the caller already has them (building them reads the whole split).
 */
export function previewPairs(data: TrainingData, count = 5, validation: Batch[] = data.validationBatches()): PreviewPair[] {
  let batches = validation;
  if (batches.length === 0) {
    const at = data.cursor();
    batches = [data.nextBatch().batch];
    data.seek(at); // leave the training stream where it was
  }
  const items = batches.flatMap((batch) => Array.from({ length: batch.batchSize }, (_, b) => ({ batch, b })));
  return samplePositions(items.length, count).map((i) => decode(data.transforms, new Item(items[i].batch, items[i].b)));
}

/** One sequence b of a time-major batch. */
class Item {
  constructor(
    readonly batch: Batch,
    readonly b: number,
  ) {}
  get length(): number {
    return this.batch.lengths?.[this.b] ?? this.batch.steps;
  }
  /** Input token ids of the valid steps. */
  tokens(): number[] {
    const { batchSize: B, tokens } = this.batch;
    return Array.from({ length: this.length }, (_, t) => tokens![t * B + this.b]);
  }
  /** Per-step target classes of the first `n` steps. */
  targets(n: number): number[] {
    const { batchSize: B, targetClasses } = this.batch;
    return Array.from({ length: n }, (_, t) => targetClasses![t * B + this.b]);
  }
  /** Feature vector at step t. */
  features(t: number): Float32Array {
    const { batchSize: B, features } = this.batch;
    const F = features!.length / (this.batch.steps * B);
    return features!.subarray((t * B + this.b) * F, (t * B + this.b + 1) * F);
  }
  /** The one-per-sequence target values (B, O). */
  values(): Float32Array {
    const v = this.batch.targetValues!;
    const O = v.length / this.batch.batchSize;
    return v.subarray(this.b * O, (this.b + 1) * O);
  }
}

const words = (vocabulary: string[], ids: number[], unit: 'char' | 'word'): string => ids.map((i) => vocabulary[i] ?? '?').join(unit === 'char' ? '' : ' ');
/** z back into the data's units, rounded to std / 10⁵ (below what float32 batches carry, so 0 stays 0). */
function unscale(z: number, s: { mean: number; std: number }): number {
  const q = 10 ** Math.floor(Math.log10(s.std * 1e-5));
  return Number((Math.round((z * s.std + s.mean) / q) * q).toPrecision(12));
}
/** A change with its sign (+0.12, −0.3). */
const signed = (v: number): string => (v > 0 ? '+' : v < 0 ? '−' : '') + fmt(Math.abs(v));
/** Differenced windows: the changes the model reads, signed. */
const changesText = (v: number[]): string => (v.length <= 12 ? v.map(signed).join(', ') : `${v.slice(0, 3).map(signed).join(', ')}, …, ${v.slice(-3).map(signed).join(', ')} (${v.length} steps)`);
/**
 * A differenced target: the known value + the change the model learns to predict (batches hold no levels): the last
 * value, or (lag k > 1) the value k steps before.
 */
const changeText = (v: number, lag = 1): string => `${lag > 1 ? `${lag} before` : 'last'} ${v < 0 ? '−' : '+'} ${fmt(Math.abs(v))}`;
/** Δ for changes from the value before, Δk for changes over k steps. */
const deltaSign = (lag = 1): string => (lag > 1 ? `Δ${lag}` : 'Δ');
const ahead = (h: number): string => `${h} step${h > 1 ? 's' : ''} ahead`;

/** An encoded feature row back into `column=value` pairs (one-hot → its category; all zero → missing). */
function featureText(enc: FeatureEncoding[], x: Float32Array): string {
  let o = 0;
  return enc
    .map((e) => {
      if (e.kind === 'numeric') return `${e.column}=${fmt(unscale(x[o++], e))}`;
      const k = e.categories.findIndex((_, j) => x[o + j] > 0.5);
      o += e.categories.length;
      return `${e.column}=${k >= 0 ? e.categories[k] : '(missing)'}`;
    })
    .join(', ');
}

function decode(tf: DataTransforms, it: Item): PreviewPair {
  switch (tf.kind) {
    case 'text': {
      const n = it.length;
      const next = tf.tokens === 'char' ? 'characters' : 'words';
      return { input: quote(clip(words(tf.vocabulary, it.tokens(), tf.tokens))), output: `next ${next} ${quote(clip(words(tf.vocabulary, it.targets(n), tf.tokens)))}` };
    }
    case 'series': {
      const xs = Array.from({ length: it.length }, (_, t) => unscale(it.features(t)[0], tf));
      if (tf.difference && tf.delta) return { input: `${deltaSign(tf.lag)}${tf.column} ${changesText(xs)}`, output: `${tf.column} ${ahead(tf.horizon)}: ${changeText(unscale(it.values()[0], tf.delta), tf.lag)}` };
      return { input: `${tf.column} ${windowText(xs)}`, output: `${tf.column} ${ahead(tf.horizon)}: ${fmt(unscale(it.values()[0], tf))}` };
    }
    case 'multiseries': {
      const d = tf.difference ? deltaSign(tf.lag) : '';
      const show = tf.difference ? changesText : windowText;
      const cols = tf.inputs.map((s, f) => `${d}${s.column} ${show(Array.from({ length: it.length }, (_, t) => unscale(it.features(t)[f], s)))}`);
      const ys = Array.from(it.values(), (z) => (tf.difference ? changeText(unscale(z, tf.target), tf.lag) : fmt(unscale(z, tf.target)))).join(', ');
      return { input: cols.join('; '), output: `${tf.target.column} ${ahead(tf.horizon)}: ${ys}` };
    }
    case 'classify':
      return { input: clip(words(tf.vocabulary, it.tokens(), tf.tokens)), output: tf.classes[it.targets(1)[0]] ?? '?' };
    case 'tagging':
      return { input: clip(words(tf.vocabulary, it.tokens(), 'word')), output: clip(it.targets(it.length).map((k) => tf.tags[k] ?? '?').join(' ')) };
    case 'pairs': {
      const Td = it.batch.decoderLengths?.[it.b] ?? it.batch.decoderSteps ?? 1;
      const target = it.targets(Td - 1); // targets are the target tokens, then eos
      return { input: clip(words(tf.source.vocabulary, it.tokens(), tf.source.tokens)), output: clip(words(tf.target.vocabulary, target, tf.target.tokens)) };
    }
    case 'sequences': {
      const n = it.length;
      const F = tf.features.length;
      const step = (t: number): string => {
        const v = Array.from(it.features(t), (z, f) => fmt(unscale(z, tf.features[f])));
        return F === 1 ? v[0] : `(${v.join(', ')})`;
      };
      const shown = Array.from({ length: Math.min(3, n) }, (_, t) => step(t)).join(F === 1 ? ', ' : ' ');
      return { input: `${tf.features.map((f) => f.column).join(', ')}: ${shown}${n > 3 ? ' …' : ''} (${n} step${n > 1 ? 's' : ''})`, output: tf.classes[it.targets(1)[0]] ?? '?' };
    }
    case 'tabular': {
      const t = tf.target;
      const output = t.kind === 'values' ? `${t.column} ${fmt(unscale(it.values()[0], t))}` : `${t.column} ${t.classes[it.targets(1)[0]] ?? '?'}`;
      return { input: clip(featureText(tf.inputs, it.features(0))), output };
    }
    case 'conditional': {
      const text = words(tf.vocabulary, it.targets(it.length - 1), tf.tokens); // the last target is eos
      return { input: clip(featureText(tf.inputs, it.features(0))), output: `${quote(clip(text))} (then <eos>)` };
    }
  }
}
