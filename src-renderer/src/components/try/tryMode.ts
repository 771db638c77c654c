// Which "try it" panel fits a run: from the model the trainer built (RunInfo.spec: shape, input, output) and, before
// that is known, from the shape the person chose. Used by TryView; plain functions so they are tested without a DOM.

import type { RunInfo } from '../../../../src-shared/studio-api';

export type TryMode = 'text' | 'series' | 'classify' | 'tag' | 'translate' | 'generate' | 'predict' | 'sequences';

/** A run can predict once it has a checkpoint: finished, stopped, or anything resumable. */
export function canTry(run: RunInfo): boolean {
  return run.resumable || run.status === 'finished' || run.status === 'stopped';
}

export function tryMode(run: RunInfo): TryMode {
  const spec = run.spec;
  switch (spec?.shape ?? run.data.shape) {
    case 'encoder-decoder':
      return 'translate';
    case 'one-to-one':
      return 'predict';
    case 'one-to-many':
      return 'generate';
    case 'many-to-many':
      // Next-token text: the head predicts the input vocabulary. Tagging predicts tags (and reads word shapes).
      if (!spec || (spec.output.kind === 'classes' && spec.output.size === spec.input.vocabSize && spec.input.featureSize === 0)) return 'text';
      return 'tag';
    case 'many-to-one':
      if (spec?.output.kind === 'values') return 'series';
      if (spec && spec.input.vocabSize > 0) return 'classify';
      return spec || run.data.sequence ? 'sequences' : 'series';
    default:
      return 'predict';
  }
}

/** The button that runs a prediction in each mode. */
export const ACTION: Record<TryMode, string> = {
  text: 'Generate',
  series: 'Forecast',
  classify: 'Classify',
  tag: 'Tag',
  translate: 'Translate',
  generate: 'Generate',
  predict: 'Predict',
  sequences: 'Classify',
};
