// Facts about the task metrics a run reports (perplexity, accuracy, rmse, …): their names for people, which way is
// better, the metric a run is judged by, and which of two evaluations is the better one. One place for these facts:
// the trainer judges evaluations with them (early stopping, the best checkpoint), the CLI and the studio name and
// chart them with them. Plain TypeScript: imports neither Node nor DOM.

export interface MetricInfo {
  label: string;
  higherIsBetter: boolean;
  /** Shown as a percentage (fractions in [0, 1]). */
  percent: boolean;
  /** What the figure is computed on, where that is not the validation batches themselves (a decoding). */
  on?: string;
}

/** The decode metrics' source: the trainer's evaluation decodes greedily (cheap), beam search is for predictions. */
const GREEDY_DECODES = 'greedy decodes of up to 200 validation pairs';

export const METRICS: Record<string, MetricInfo> = {
  entityF1: { label: 'Entity F1', higherIsBetter: true, percent: true },
  entityPrecision: { label: 'Entity precision', higherIsBetter: true, percent: true },
  entityRecall: { label: 'Entity recall', higherIsBetter: true, percent: true },
  accuracy: { label: 'Accuracy', higherIsBetter: true, percent: true },
  exactMatch: { label: 'Exact match', higherIsBetter: true, percent: true, on: GREEDY_DECODES },
  rmse: { label: 'RMSE', higherIsBetter: false, percent: false },
  mae: { label: 'MAE', higherIsBetter: false, percent: false },
  tokenErrorRate: { label: 'Token error rate', higherIsBetter: false, percent: true, on: GREEDY_DECODES },
  // sacreBLEU's defaults, on its 0–100 scale (workers/data/build/metrics.ts): corpus BLEU with 13a tokenisation, chrF
  bleu: { label: 'BLEU', higherIsBetter: true, percent: false, on: GREEDY_DECODES },
  chrF: { label: 'chrF', higherIsBetter: true, percent: false, on: GREEDY_DECODES },
  perplexity: { label: 'Perplexity', higherIsBetter: false, percent: false },
};

/**
 * The metric a run is judged by, in this order of preference among those it reports. Entity F1 (BIO tag sets) comes
 * before per-token accuracy: tagging every token O scores a high accuracy on sparse entities and an F1 of 0. An
 * encoder–decoder is judged by its greedy decodes (token error rate), not by its teacher-forced per-token accuracy,
 * which stops improving long before the decodes do; a translation (a target of sentences) by their BLEU: an early
 * model's short decodes have a low word error rate and say little (the bundled English→French sample: word error
 * rate best at step 150 with BLEU 5.8, while BLEU kept rising). A language model (which reports perplexity) by its
 * perplexity, not by how often its top guess is the next token: a word model's accuracy stalls on the frequent words
 * while its perplexity still falls (Shakespeare's words: accuracy best at step 1,200, perplexity 162 there and 159
 * at step 1,700).
 */
const PRIMARY_ORDER = ['entityF1', 'bleu', 'tokenErrorRate', 'perplexity', 'accuracy', 'exactMatch', 'chrF', 'rmse', 'mae'];

export function metricInfo(name: string): MetricInfo {
  return METRICS[name] ?? { label: name, higherIsBetter: false, percent: false };
}

export function primaryMetric(names: Iterable<string>): string | null {
  const set = new Set(names);
  return PRIMARY_ORDER.find((m) => set.has(m)) ?? [...set][0] ?? null;
}

/** The metric's name inside a sentence: "accuracy", "entity F1", "RMSE" (acronyms keep their capitals). */
export function metricWord(name: string): string {
  const label = metricInfo(name).label;
  return /^[A-Z][a-z]/.test(label) ? label[0].toLowerCase() + label.slice(1) : label;
}

/** What an evaluation is judged on. */
export interface JudgedEvaluation {
  valLoss: number;
  metrics: Record<string, number>;
}

/**
 * Whether evaluation `a` is strictly better than `b` (always, when there is no `b`): by the primary metric of `a`'s
 * metrics, ties broken by the lower validation loss; by the validation loss alone when either lacks a finite value
 * of that metric. A non-finite figure is worse than any finite one; equal figures are no improvement.
 */
export function isBetterEvaluation(a: JudgedEvaluation, b: JudgedEvaluation | undefined): boolean {
  if (!b) return true;
  const metric = primaryMetric(Object.keys(a.metrics));
  const ma = metric === null ? undefined : a.metrics[metric];
  const mb = metric === null ? undefined : b.metrics[metric];
  if (ma !== undefined && mb !== undefined) {
    const fa = Number.isFinite(ma);
    const fb = Number.isFinite(mb);
    if (fa && fb && ma !== mb) return metricInfo(metric!).higherIsBetter ? ma > mb : ma < mb;
    if (fa !== fb) return fa;
  }
  // tied on the metric, or one of them does not report it: the lower validation loss
  return Number.isFinite(a.valLoss) && (!Number.isFinite(b.valLoss) || a.valLoss < b.valLoss);
}
