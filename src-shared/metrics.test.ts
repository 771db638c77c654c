// The metric facts every side judges and names runs by: which evaluation is the better one (the primary metric,
// ties by the lower validation loss, non-finite figures losing), and how a metric is named in a sentence.
import { describe, expect, it } from 'vitest';
import { isBetterEvaluation, metricWord, primaryMetric } from './metrics';

const ev = (valLoss: number, metrics: Record<string, number>) => ({ valLoss, metrics });

describe('isBetterEvaluation', () => {
  it('judges by the primary metric, in its direction', () => {
    expect(primaryMetric(['accuracy'])).toBe('accuracy');
    expect(isBetterEvaluation(ev(2, { accuracy: 0.6 }), ev(1, { accuracy: 0.5 }))).toBe(true); // accuracy wins over loss
    // a language model by its perplexity, not its next-token accuracy
    expect(primaryMetric(['accuracy', 'perplexity'])).toBe('perplexity');
    expect(isBetterEvaluation(ev(5.07, { accuracy: 0.2058, perplexity: 159.3 }), ev(5.09, { accuracy: 0.2078, perplexity: 162.1 }))).toBe(true);
    expect(isBetterEvaluation(ev(1, { rmse: 0.3, mae: 0.9 }), ev(2, { rmse: 0.2, mae: 0.1 }))).toBe(false); // lower rmse is better
    expect(isBetterEvaluation(ev(1, { entityF1: 0.4, accuracy: 0.7 }), ev(1, { entityF1: 0.3, accuracy: 0.9 }))).toBe(true); // F1 before accuracy
    // an encoder–decoder by its greedy decodes, not by its teacher-forced accuracy
    expect(primaryMetric(['accuracy', 'perplexity', 'exactMatch', 'tokenErrorRate'])).toBe('tokenErrorRate');
    // a translation (BLEU and chrF beside them) by its BLEU; named as sacreBLEU names them
    expect(primaryMetric(['chrF', 'accuracy', 'exactMatch', 'tokenErrorRate', 'bleu'])).toBe('bleu');
    expect(isBetterEvaluation(ev(1, { bleu: 20, tokenErrorRate: 0.8 }), ev(1, { bleu: 10, tokenErrorRate: 0.6 }))).toBe(true);
    expect([metricWord('bleu'), metricWord('chrF')]).toEqual(['BLEU', 'chrF']);
    expect(isBetterEvaluation(ev(2, { accuracy: 0.5, tokenErrorRate: 0.6 }), ev(1, { accuracy: 0.6, tokenErrorRate: 0.7 }))).toBe(true);
  });

  it('breaks ties by the lower validation loss, and equal figures are no improvement', () => {
    expect(isBetterEvaluation(ev(0.5, { accuracy: 0.7 }), ev(0.6, { accuracy: 0.7 }))).toBe(true);
    expect(isBetterEvaluation(ev(0.6, { accuracy: 0.7 }), ev(0.5, { accuracy: 0.7 }))).toBe(false);
    expect(isBetterEvaluation(ev(0.5, { accuracy: 0.7 }), ev(0.5, { accuracy: 0.7 }))).toBe(false);
  });

  it('puts non-finite figures last, and judges by the loss when the other lacks the metric (an older record)', () => {
    expect(isBetterEvaluation(ev(9, { rmse: 5 }), ev(1, { rmse: NaN }))).toBe(true);
    expect(isBetterEvaluation(ev(1, { rmse: NaN }), ev(9, { rmse: 5 }))).toBe(false);
    expect(isBetterEvaluation(ev(NaN, {}), ev(3, {}))).toBe(false);
    expect(isBetterEvaluation(ev(3, {}), ev(NaN, {}))).toBe(true);
    expect(isBetterEvaluation(ev(0.4, { accuracy: 0.1 }), ev(0.5, {}))).toBe(true);
    expect(isBetterEvaluation(ev(0.4, { accuracy: 0.1 }), undefined)).toBe(true);
  });
});

describe('metricWord', () => {
  it('names a metric inside a sentence, keeping acronyms', () => {
    expect(['accuracy', 'entityF1', 'rmse', 'tokenErrorRate', 'custom'].map(metricWord)).toEqual(['accuracy', 'entity F1', 'RMSE', 'token error rate', 'custom']);
  });
});
