// Entity-level scoring of BIO tag sequences (named-entity recognition), with the conlleval / seqeval rules: an
// entity starts at B-X, or at an I-X that follows O or a tag of another type; it continues over I-X of the same
// type; it ends before O, B-anything or a tag of another type. Predicted and reference entities match only when
// type, start and end are all equal (exact span), and precision, recall and F1 are micro-averaged: one count of
// true positives, predictions and references over all the sentences. Used by the tagging builder (tagging.ts) for
// its metric and its baseline, and by the CLI to list the entities of a tagged sentence.

/** An entity: tokens [start, end) of one sentence, of one type ("person", "location"…). */
export interface EntitySpan {
  type: string;
  start: number;
  end: number;
}

/** Precision, recall and F1 (each 0 when its denominator is 0: no predictions, no references, or neither). */
export interface EntityScores {
  entityF1: number;
  entityPrecision: number;
  entityRecall: number;
}

const BIO = /^([BI])-(.+)$/;

/** 'B-person' → ['B', 'person']; 'O' and anything without a B-/I- prefix → null (outside any entity). */
export function parseTag(tag: string): ['B' | 'I', string] | null {
  const m = BIO.exec(tag);
  return m ? [m[1] as 'B' | 'I', m[2]] : null;
}

/**
 * True when the tag set is BIO: at least one tag carries a B- or I- prefix and every other tag is O — or, given the
 * counts, the other tags are stray (OCR noise such as "???": under 1% of the tokens, outside every entity). Entity
 * metrics are computed only then (a tag set such as POS tags has no entities to score).
 */
export function isBioTagSet(tags: Iterable<string>, counts?: { value: string; count: number }[]): boolean {
  let prefixed = false;
  let stray = 0;
  for (const t of tags) {
    if (parseTag(t)) prefixed = true;
    else if (t !== 'O') {
      if (!counts) return false;
      stray += counts.find((c) => c.value === t)?.count ?? 0;
    }
  }
  const total = counts?.reduce((n, c) => n + c.count, 0) ?? 0;
  return prefixed && (stray === 0 || stray < 0.01 * total);
}

/**
 * The entities of one sentence's tags. `null` (or undefined) marks a position that does not count (padding, a
 * masked token): it is outside every entity, so it ends the one before it.
 */
export function entitySpans(tags: ArrayLike<string | null | undefined>): EntitySpan[] {
  const spans: EntitySpan[] = [];
  let open: EntitySpan | null = null;
  for (let t = 0; t < tags.length; t++) {
    const tag = tags[t];
    const p = tag == null ? null : parseTag(tag);
    // Continue the open entity only over I- of its own type; anything else closes it.
    if (open && p && p[0] === 'I' && p[1] === open.type) continue;
    if (open) {
      open.end = t;
      spans.push(open);
      open = null;
    }
    if (p) open = { type: p[1], start: t, end: t + 1 };
  }
  if (open) {
    open.end = tags.length;
    spans.push(open);
  }
  return spans;
}

/** Counts toward micro-averaged scores: exact matches, predicted entities, reference entities. */
export class EntityCounts {
  correct = 0;
  predicted = 0;
  reference = 0;

  /** Adds one sentence: its predicted and reference tags (the same length; null = a position that does not count). */
  add(predicted: ArrayLike<string | null | undefined>, reference: ArrayLike<string | null | undefined>): void {
    if (predicted.length !== reference.length) throw new Error(`${predicted.length} predicted tags for ${reference.length} reference tags`);
    const key = (s: EntitySpan): string => `${s.start}:${s.end}:${s.type}`;
    const gold = new Set(entitySpans(reference).map(key));
    const pred = entitySpans(predicted);
    this.reference += gold.size;
    this.predicted += pred.length;
    for (const s of pred) if (gold.has(key(s))) this.correct++;
  }

  scores(): EntityScores {
    return entityScores(this.correct, this.predicted, this.reference);
  }
}

/** Micro-averaged precision, recall and F1 from counts; 0 where there is nothing to divide by. */
export function entityScores(correct: number, predicted: number, reference: number): EntityScores {
  const entityPrecision = predicted ? correct / predicted : 0;
  const entityRecall = reference ? correct / reference : 0;
  const entityF1 = entityPrecision + entityRecall > 0 ? (2 * entityPrecision * entityRecall) / (entityPrecision + entityRecall) : 0;
  return { entityF1, entityPrecision, entityRecall };
}

/** Scores a whole set of sentences at once (predicted[i] against reference[i]). */
export function scoreEntities(predicted: ArrayLike<string | null | undefined>[], reference: ArrayLike<string | null | undefined>[]): EntityScores & { correct: number; predicted: number; reference: number } {
  if (predicted.length !== reference.length) throw new Error(`${predicted.length} predicted sentences for ${reference.length} reference sentences`);
  const c = new EntityCounts();
  predicted.forEach((p, i) => c.add(p, reference[i]));
  return { ...c.scores(), correct: c.correct, predicted: c.predicted, reference: c.reference };
}
