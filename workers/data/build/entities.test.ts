// Entity spans and entity-level precision / recall / F1 of BIO tags (entities.ts), against conlleval's rules and
// seqeval's documented example.
import { describe, expect, it } from 'vitest';
import { EntityCounts, entityScores, entitySpans, isBioTagSet, parseTag, scoreEntities } from './entities';

const spans = (tags: (string | null)[]): [string, number, number][] => entitySpans(tags).map((s) => [s.type, s.start, s.end]);

describe('entity spans (conlleval rules)', () => {
  it('B-X starts an entity and I-X of the same type continues it; O ends it', () => {
    expect(spans(['B-person', 'I-person', 'O', 'B-location', 'O'])).toEqual([
      ['person', 0, 2],
      ['location', 3, 4],
    ]);
  });

  it('an I-X without a B-X starts an entity, at the start of a sentence and after O', () => {
    expect(spans(['I-person', 'I-person', 'O', 'I-group'])).toEqual([
      ['person', 0, 2],
      ['group', 3, 4],
    ]);
  });

  it('a change of type in the middle of an entity ends it and starts another', () => {
    expect(spans(['B-person', 'I-person', 'I-location', 'I-location'])).toEqual([
      ['person', 0, 2],
      ['location', 2, 4],
    ]);
    expect(spans(['B-person', 'B-location'])).toEqual([
      ['person', 0, 1],
      ['location', 1, 2],
    ]);
  });

  it('B-X right after an entity of type X starts a new one', () => {
    expect(spans(['B-person', 'I-person', 'B-person'])).toEqual([
      ['person', 0, 2],
      ['person', 2, 3],
    ]);
  });

  it('an entity that runs to the end of the sentence ends there', () => {
    expect(spans(['O', 'B-product', 'I-product'])).toEqual([['product', 1, 3]]);
    expect(spans(['B-product'])).toEqual([['product', 0, 1]]);
  });

  it('a masked position (null) is outside every entity and ends the one before it', () => {
    expect(spans(['B-person', null, 'I-person'])).toEqual([
      ['person', 0, 1],
      ['person', 2, 3],
    ]);
    expect(spans([null, null])).toEqual([]);
  });

  it('types keep their hyphens; O and unprefixed tags are outside', () => {
    expect(parseTag('B-creative-work')).toEqual(['B', 'creative-work']);
    expect(parseTag('O')).toBeNull();
    expect(parseTag('NOUN')).toBeNull();
    expect(spans(['B-creative-work', 'I-creative-work'])).toEqual([['creative-work', 0, 2]]);
    expect(spans([])).toEqual([]);
  });

  it('a tag set is BIO when it has B-/I- tags and every other tag is O', () => {
    expect(isBioTagSet(['O', 'B-person', 'I-person'])).toBe(true);
    expect(isBioTagSet(['O', 'I-person'])).toBe(true); // IO tagging: entities start at I- after O
    expect(isBioTagSet(['O'])).toBe(false);
    expect(isBioTagSet(['NOUN', 'VERB', 'DET'])).toBe(false);
    expect(isBioTagSet(['O', 'B-person', 'MISC'])).toBe(false);
    expect(isBioTagSet([])).toBe(false);
  });
});

describe('entity precision, recall and F1 (exact span, micro-averaged)', () => {
  it('a perfect prediction scores 1', () => {
    const gold = [['B-person', 'I-person', 'O'], ['O', 'B-location']];
    expect(scoreEntities(gold, gold)).toMatchObject({ entityPrecision: 1, entityRecall: 1, entityF1: 1, correct: 2, predicted: 2, reference: 2 });
  });

  it('no entities anywhere scores 0 (precision and recall 0, not NaN)', () => {
    expect(scoreEntities([['O', 'O']], [['O', 'O']])).toEqual({ entityPrecision: 0, entityRecall: 0, entityF1: 0, correct: 0, predicted: 0, reference: 0 });
    expect(entityScores(0, 0, 0)).toEqual({ entityF1: 0, entityPrecision: 0, entityRecall: 0 });
  });

  it('tagging everything O finds no entity: recall 0, precision 0, F1 0', () => {
    const gold = [['B-person', 'O', 'O', 'O', 'O', 'O', 'O', 'O', 'O', 'O']];
    expect(scoreEntities([gold[0].map(() => 'O')], gold)).toMatchObject({ entityPrecision: 0, entityRecall: 0, entityF1: 0, reference: 1 });
  });

  it('a wrong boundary or a wrong type counts as one false positive and one false negative', () => {
    // gold: person [0,2), location [3,4), group [5,6); predicted: person [0,1) (boundary), location [3,4) (right),
    // person [5,6) (type), product [7,8) (spurious)
    const gold = ['B-person', 'I-person', 'O', 'B-location', 'O', 'B-group', 'O', 'O'];
    const pred = ['B-person', 'O', 'O', 'B-location', 'O', 'B-person', 'O', 'B-product'];
    const s = scoreEntities([pred], [gold]);
    expect(s).toMatchObject({ correct: 1, predicted: 4, reference: 3 });
    expect(s.entityPrecision).toBeCloseTo(1 / 4, 12);
    expect(s.entityRecall).toBeCloseTo(1 / 3, 12);
    expect(s.entityF1).toBeCloseTo((2 * (1 / 4) * (1 / 3)) / (1 / 4 + 1 / 3), 12);
  });

  it('micro-averages over sentences (counts summed, not scores averaged)', () => {
    // sentence 1: 1 of 1 right; sentence 2: 0 of 3 predicted right, 1 reference. Micro P = 1/4, R = 1/2.
    const c = new EntityCounts();
    c.add(['B-person'], ['B-person']);
    c.add(['B-group', 'B-group', 'B-group'], ['O', 'B-location', 'O']);
    expect([c.correct, c.predicted, c.reference]).toEqual([1, 4, 2]);
    const s = c.scores();
    expect(s.entityPrecision).toBeCloseTo(0.25, 12);
    expect(s.entityRecall).toBeCloseTo(0.5, 12);
    expect(s.entityF1).toBeCloseTo(1 / 3, 12);
  });

  it("matches seqeval's documented example (precision, recall and F1 0.5)", () => {
    const gold = [['O', 'O', 'O', 'B-MISC', 'I-MISC', 'I-MISC', 'O'], ['B-PER', 'I-PER', 'O']];
    const pred = [['O', 'O', 'B-MISC', 'I-MISC', 'I-MISC', 'I-MISC', 'O'], ['B-PER', 'I-PER', 'O']];
    expect(scoreEntities(pred, gold)).toMatchObject({ entityPrecision: 0.5, entityRecall: 0.5, entityF1: 0.5 });
  });

  it('a masked position counts in neither the prediction nor the reference', () => {
    // Position 2 is masked: the predicted I-person there must not stretch the person entity past the reference's.
    expect(scoreEntities([['B-person', 'I-person', null]], [['B-person', 'I-person', null]]).entityF1).toBe(1);
    expect(() => scoreEntities([['O']], [['O', 'O']])).toThrow(/1 predicted tags for 2 reference tags/);
  });
});
