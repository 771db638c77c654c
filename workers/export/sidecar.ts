// What travels with an exported model: how to turn raw input into the graph's inputs and its outputs back into
// words and units (vocabulary, normalisation, class names, window settings), the shape and the task. Written twice:
// as metadata_props inside every .onnx file (string values; JSON where structured) and as a sidecar JSON beside it,
// which also records the proof (the comparison with the trainer in onnxruntime). docs/deploy.md documents it.

import type { ModelSpec } from '../../src-shared/model';
import type { DataTransforms } from '../engine/data-source';
import type { BuiltGraph, TensorIO } from './onnx-graph';
import { LINE_END, TEXT_WORD_PATTERN, UNK, WORD_PATTERN } from '../data/build/common';

export const SIDECAR_FORMAT = 'sequence-studio-onnx';
export const SIDECAR_VERSION = 1;

/** One sentence: what the model does. */
export function taskOf(spec: ModelSpec, t: DataTransforms | undefined): string {
  if (!t) return `${spec.shape} ${spec.output.kind === 'classes' ? `classification into ${spec.output.size} classes` : `regression of ${spec.output.size} values`}`;
  switch (t.kind) {
    case 'text':
      return `next-${t.tokens === 'char' ? 'character' : 'word'} prediction (text generation), vocabulary ${t.vocabulary.length}`;
    case 'series':
      return `forecast of "${t.column}" ${t.horizon} step${t.horizon > 1 ? 's' : ''} after a window of ${t.lookback} ${t.difference ? 'changes (differenced: the model predicts the change)' : 'values'}`;
    case 'multiseries':
      return `forecast of "${t.target.column}" ${t.horizon} step${t.horizon > 1 ? 's' : ''} after a window of ${t.lookback} rows of ${t.difference ? 'changes in ' : ''}${t.inputs.map((c) => `"${c.column}"`).join(', ')}${t.difference ? ' (differenced: the model predicts the change)' : ''}`;
    case 'classify':
      return `text classification (${t.tokens} tokens) into ${t.classes.length} classes: ${t.classes.slice(0, 8).join(', ')}${t.classes.length > 8 ? ', …' : ''}`;
    case 'tagging':
      return `token tagging with ${t.tags.length} tags: ${t.tags.slice(0, 8).join(', ')}${t.tags.length > 8 ? ', …' : ''}`;
    case 'pairs':
      return `sequence-to-sequence (${t.source.tokens} tokens → ${t.target.tokens} tokens), greedy or sampled decoding`;
    case 'sequences':
      return `numeric sequence classification (${t.features.length} values per step) into ${t.classes.length} classes`;
    case 'tabular':
      return t.target.kind === 'values' ? `regression of "${t.target.column}" from ${t.inputs.length} columns` : `classification of "${t.target.column}" from ${t.inputs.length} columns into ${t.target.classes.length} classes`;
    case 'conditional':
      return `generation of "${t.column}" (${t.tokens} by ${t.tokens}) from ${t.inputs.map((e) => `"${e.column}"`).join(', ')}`;
  }
}

const WORD_TOKENS = `/${WORD_PATTERN}/gu`;
const TEXT_WORD_TOKENS = `/${TEXT_WORD_PATTERN}/gu`;

/** How raw input becomes the graph inputs: the fitted values plus the steps in words. */
export function preprocessingOf(spec: ModelSpec, t: DataTransforms | undefined, sequenceLength: number): Record<string, unknown> {
  if (!t) return { kind: 'none', steps: ['the run recorded no transforms: feed the graph inputs as documented'] };
  const tok = (unit: 'char' | 'word', lowercase = false) =>
    unit === 'char' ? `split the text into characters${lowercase ? ' (lower-cased)' : ''}` : `split the text into word tokens with the regular expression ${WORD_TOKENS}${lowercase ? ' after lower-casing' : ''}`;
  switch (t.kind) {
    case 'text':
      return {
        kind: 'text',
        tokens: t.tokens,
        vocabulary: t.vocabulary,
        window: sequenceLength,
        ...(t.tokens === 'word' ? { unknown: t.vocabulary.indexOf(UNK), lineEnd: LINE_END } : {}),
        steps: [
          t.tokens === 'word'
            ? `split the text into word tokens with the regular expression ${TEXT_WORD_TOKENS}, line by line, each line's end a token of its own ("\\n"); token id = index in vocabulary, a word outside it reads as <unk> (id ${t.vocabulary.indexOf(UNK)}); generated words are joined by spaces, a line end by none`
            : `${tok(t.tokens)}; token id = index in vocabulary (a token outside it cannot be read: drop or replace it)`,
          'the logits at step t score the token that follows step t',
          `trained on chunks of ${sequenceLength} tokens with the state carried on: generate one step at a time with the --streaming export (feed final_h/_c back), or re-run the last ${sequenceLength}+ tokens each step`,
        ],
      };
    case 'series':
      if (t.difference && t.delta) {
        const lag = t.lag ?? 1;
        return {
          kind: 'series',
          column: t.column,
          difference: true,
          ...(lag > 1 ? { lag } : {}),
          mean: t.mean,
          std: t.std,
          delta: t.delta,
          lookback: t.lookback,
          horizon: t.horizon,
          steps:
            lag > 1
              ? [
                  `features[b, t, 0] = (change − ${t.mean}) / ${t.std} for the last ${t.lookback} changes of "${t.column}" over ${lag} steps (change = value − the value ${lag} before it; ${t.lookback + lag} values), oldest first`,
                  `the output is the change from the value ${Math.max(lag, t.horizon)} steps before the forecast: change = output · ${t.delta.std} + ${t.delta.mean}; forecast = that value + change (lag ${lag})`,
                  ...(t.horizon === 1 ? ['forecast further by appending each forecast to the values and sliding the window'] : []),
                ]
              : [
                  `features[b, t, 0] = (change − ${t.mean}) / ${t.std} for the last ${t.lookback} changes of "${t.column}" (change = value − the value before it; ${t.lookback + 1} values), oldest first`,
                  `the output is the change from the last value to the value ${t.horizon} step${t.horizon > 1 ? 's' : ''} later: change = output · ${t.delta.std} + ${t.delta.mean}; forecast = last value + change`,
                  ...(t.horizon === 1 ? ['forecast further by appending each predicted change (normalised with mean and std) to the window, sliding it, and adding the change to the last forecast'] : []),
                ],
        };
      }
      return {
        kind: 'series',
        column: t.column,
        mean: t.mean,
        std: t.std,
        lookback: t.lookback,
        horizon: t.horizon,
        steps: [
          `features[b, t, 0] = (value − ${t.mean}) / ${t.std} for the last ${t.lookback} values of "${t.column}", oldest first`,
          `the output is the value ${t.horizon} step${t.horizon > 1 ? 's' : ''} after the window's last value: value = output · ${t.std} + ${t.mean}`,
          ...(t.horizon === 1 ? ['forecast further by appending each prediction (normalised) and sliding the window'] : []),
        ],
      };
    case 'multiseries':
      return {
        kind: 'multiseries',
        inputs: t.inputs,
        target: t.target,
        lookback: t.lookback,
        horizon: t.horizon,
        stride: t.stride,
        season: t.season,
        gapPolicy: t.gapPolicy,
        ...(t.difference ? { difference: true, ...((t.lag ?? 1) > 1 ? { lag: t.lag } : {}) } : {}),
        steps: t.difference && (t.lag ?? 1) > 1
          ? [
              `features[b, t, k] = (change of inputs[k].column over ${t.lag} rows − inputs[k].mean) / inputs[k].std over the last ${t.lookback} rows, oldest first (change = row value − the value ${t.lag} rows before it, so ${t.lookback + (t.lag ?? 1)} rows; fill missing values by linear interpolation first)`,
              `the output is the change in "${t.target.column}" from the value ${Math.max(t.lag ?? 1, t.horizon)} rows before the forecast: change = output · ${t.target.std} + ${t.target.mean}; forecast = that value + change (lag ${t.lag})`,
            ]
          : t.difference
          ? [
              `features[b, t, k] = (change of inputs[k].column − inputs[k].mean) / inputs[k].std over the last ${t.lookback} rows, oldest first (change = row value − the row before it, so ${t.lookback + 1} rows; fill missing values by linear interpolation first)`,
              `the output is the change in "${t.target.column}" from the last row to ${t.horizon} row${t.horizon > 1 ? 's' : ''} after it: change = output · ${t.target.std} + ${t.target.mean}; forecast = last value of "${t.target.column}" + change`,
              ...(t.horizon === 1 && t.inputs.length === 1 && t.inputs[0].column === t.target.column ? ['forecast further by appending each predicted change (normalised with inputs[0]) and adding it to the last forecast'] : []),
            ]
          : [
          `features[b, t, k] = (row value of inputs[k].column − inputs[k].mean) / inputs[k].std over the last ${t.lookback} rows, oldest first (fill missing values by linear interpolation)`,
          `the output is "${t.target.column}" ${t.horizon} row${t.horizon > 1 ? 's' : ''} after the window: value = output · ${t.target.std} + ${t.target.mean}`,
            ],
      };
    case 'classify':
      return {
        kind: 'classify',
        tokens: t.tokens,
        lowercase: t.lowercase,
        vocabulary: t.vocabulary,
        unknown: 0,
        padding: 0,
        maxLength: t.maxLength,
        ...(t.texts ? { texts: t.texts.columns, separator: t.texts.separator } : {}),
        steps: [
          ...(t.texts ? [`${t.texts.columns.length} texts are read together (${t.texts.columns.join(', ')}): tokenize each, then join them in that order with the token ${t.texts.separator} (id ${t.vocabulary.indexOf(t.texts.separator)}) between them`] : []),
          `${tok(t.tokens, t.lowercase)}; keep at most ${t.maxLength} tokens; token id = index in vocabulary, 0 (<unk>) for any other token`,
          'batch several texts by padding with 0 and giving each one\'s length in `lengths`',
          'argmax of the logits (or probabilities) → classes[k]',
        ],
      };
    case 'tagging':
      return {
        kind: 'tagging',
        vocabulary: t.vocabulary,
        unknown: 0,
        padding: 0,
        maxLength: t.maxLength,
        ...(spec.input.featureSize > 0
          ? {
              features: [
                'capitalised (first character differs from its lower case): 1 or 0',
                'all capitals (length > 1, equal to its upper case, differs from its lower case): 1 or 0',
                'has a digit: 1 or 0',
                'starts with @ or #: 1 or 0',
                'looks like a URL (starts with http:, https: or www., any case): 1 or 0',
                'punctuation or symbols only (/^[\\p{P}\\p{S}]+$/u): 1 or 0',
                'min(2, length / 10)',
              ],
            }
          : {}),
        steps: [
          'split the sentence on whitespace into words (as the CoNLL file had them); token id = index in vocabulary, 0 (<unk>) for any other word',
          ...(spec.input.featureSize > 0 ? ['features[b, t, :] = the 7 word-shape values of word t, in the order of `features`'] : []),
          'argmax of the logits at step t → tags[k] for word t',
        ],
      };
    case 'pairs':
      return {
        kind: 'pairs',
        source: { tokens: t.source.tokens, vocabulary: t.source.vocabulary, unknown: 0, padding: 0 },
        target: { tokens: t.target.tokens, vocabulary: t.target.vocabulary, bos: t.bos, eos: t.eos, unknown: 2 },
        maxLength: t.maxLength,
        steps: [
          `source: ${tok(t.source.tokens)}; token id = index in source.vocabulary, 0 (<unk>) for any other token; run the encoder graph (lengths = the source length)`,
          `decoder: start from token ${t.bos} (bos) with initial_h/_c = the encoder's final_h/_c; at each step take the argmax of the logits (or sample), feed it and final_h/_c back; stop at ${t.eos} (eos) or after ${t.maxLength + 1} tokens`,
          `join target.vocabulary[id] ${t.target.tokens === 'char' ? 'without spaces' : 'with spaces'}`,
        ],
      };
    case 'sequences':
      return {
        kind: 'sequences',
        features: t.features,
        maxLength: t.maxLength,
        sequence: t.sequence,
        step: t.step,
        steps: [
          `features[b, t, k] = (value of features[k].column − features[k].mean) / features[k].std at step t (0 where missing); at most ${t.maxLength} steps`,
          'batch several sequences by padding and giving each one\'s length in `lengths`',
          'argmax of the logits → classes[k]',
        ],
      };
    case 'tabular':
      return {
        kind: 'tabular',
        inputs: t.inputs,
        target: t.target,
        steps: [
          'features[b, :] = the input columns in the order of `inputs`: numeric → (x − mean) / std (0 where missing), categorical → one-hot over its categories (all 0 for an unseen one)',
          t.target.kind === 'values' ? `value = output · ${t.target.std} + ${t.target.mean}` : 'argmax of the logits → classes[k]',
        ],
      };
    case 'conditional':
      return {
        kind: 'conditional',
        inputs: t.inputs,
        column: t.column,
        tokens: t.tokens,
        vocabulary: t.vocabulary,
        bos: t.bos,
        eos: t.eos,
        maxLength: t.maxLength,
        steps: [
          'condition[b, :] = the input columns in the order of `inputs`: numeric → (x − mean) / std, categorical → one-hot over its categories',
          `start from token ${t.bos} (bos) with zero initial_h/_c; at each step take the argmax of the logits (or sample), feed it and final_h/_c back; stop at ${t.eos} (eos) or after ${t.maxLength + 1} tokens`,
          `join vocabulary[id] ${t.tokens === 'char' ? 'without spaces' : 'with spaces'}`,
        ],
      };
  }
}

/** What the head's outputs mean: class names, or how to bring values back to the data's units. */
export function outputOf(spec: ModelSpec, t: DataTransforms | undefined): Record<string, unknown> {
  if (spec.output.kind === 'classes') {
    const names =
      t?.kind === 'text' || t?.kind === 'conditional'
        ? t.vocabulary
        : t?.kind === 'classify' || t?.kind === 'sequences'
          ? t.classes
          : t?.kind === 'tagging'
            ? t.tags
            : t?.kind === 'pairs'
              ? t.target.vocabulary
              : t?.kind === 'tabular' && t.target.kind === 'classes'
                ? t.target.classes
                : undefined;
    return { kind: 'classes', size: spec.output.size, ...(names ? { names } : {}) };
  }
  const scale = t?.kind === 'series' ? { column: t.column, ...(t.difference && t.delta ? t.delta : { mean: t.mean, std: t.std }) } : t?.kind === 'multiseries' ? t.target : t?.kind === 'tabular' && t.target.kind === 'values' ? t.target : undefined;
  if (scale && (t?.kind === 'series' || t?.kind === 'multiseries') && t.difference)
    return { kind: 'values', size: spec.output.size, column: scale.column, mean: scale.mean, std: scale.std, difference: true, denormalise: 'change = output · std + mean; forecast = last value + change' };
  return {
    kind: 'values',
    size: spec.output.size,
    ...(scale ? { column: scale.column, mean: scale.mean, std: scale.std, denormalise: 'value = output · std + mean' } : { denormalise: 'outputs are in the units the model was trained on' }),
  };
}

export interface GraphEntry {
  role: BuiltGraph['role'];
  file: string;
  inputs: TensorIO[];
  outputs: TensorIO[];
}

/** metadata_props of one .onnx file (strings; structured values as JSON). */
export function metadataProps(common: { shape: string; task: string; preprocessing: unknown; output: unknown; transforms: unknown; model: unknown; streaming: boolean; graphs: GraphEntry[] }, role: string): [string, string][] {
  return [
    ['seqstudio.format', `${SIDECAR_FORMAT}/${SIDECAR_VERSION}`],
    ['graph_role', role],
    ['shape', common.shape],
    ['task', common.task],
    ['streaming', String(common.streaming)],
    ['preprocessing', JSON.stringify(common.preprocessing)],
    ['output', JSON.stringify(common.output)],
    ['transforms', JSON.stringify(common.transforms ?? null)],
    ['model', JSON.stringify(common.model)],
    ['graphs', JSON.stringify(common.graphs)],
  ];
}
