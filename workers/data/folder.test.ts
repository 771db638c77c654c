// Folders of documents by class, as text corpora ship (aclImdb's train/pos, train/neg, train/unsup; 20 Newsgroups'
// one folder per group): one text per file, the class its folder, the split its parent folder; what is left out is said.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseFile } from './parse';
import { buildTrainingData, propose } from './propose';

const root = mkdtempSync(join(tmpdir(), 'folder-test-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const put = (path: string, text: string | Buffer): void => {
  mkdirSync(join(root, path, '..'), { recursive: true });
  writeFileSync(join(root, path), text);
};

describe('documents by class', () => {
  it('aclImdb: split folders of class folders; the unlabelled folder and the loose files left out, and said', async () => {
    for (const split of ['train', 'test'])
      for (const c of ['pos', 'neg'])
        for (let i = 0; i < 12; i++) put(`aclImdb/${split}/${c}/${i}_${c === 'pos' ? 9 : 2}.txt`, `A film, number ${i}. It was ${c === 'pos' ? 'wonderful and moving' : 'dull and far too long'}.<br /><br />More words here.`);
    put('aclImdb/train/unsup/0_0.txt', 'No class for this one.');
    put('aclImdb/train/urls_pos.txt', 'http://www.imdb.com/title/tt0453418/usercomments\n');
    put('aclImdb/README', 'Large Movie Review Dataset v1.0');
    const r = await parseFile(join(root, 'aclImdb'));
    if (r.parsed.kind !== 'table') throw new Error(r.parsed.kind);
    expect(r.parsed.columns.map((c) => c.name)).toEqual(['text', 'class', 'split']);
    expect(r.parsed.rows).toBe(48);
    expect(r.notes).toEqual([
      '48 documents, one a file, in 2 class folders (neg, pos) under test, train (the split): a table of "text" and "class" and "split"',
      'left out: train/unsup (documents without a class)',
      'left out: the files beside the class folders (train/urls_pos.txt)',
    ]);
    const p = propose(r.parsed, 'aclImdb');
    expect(p.choice).toMatchObject({ shape: 'many-to-one', input: ['text'], target: 'class', split: 'split' });
    const d = buildTrainingData(r.parsed, p.choice, 'aclImdb');
    expect(d.summary).toMatch(/24 test/);
    // the same folder read again hashes the same; a changed document changes it
    expect((await parseFile(join(root, 'aclImdb'))).sha256).toBe(r.sha256);
    put('aclImdb/test/neg/0_2.txt', 'A changed review.');
    expect((await parseFile(join(root, 'aclImdb'))).sha256).not.toBe(r.sha256);
  });

  it('a folder per class (20 Newsgroups), with a Latin-1 document; a folder of plain files stays one dataset per file', async () => {
    for (const g of ['comp.graphics', 'rec.autos', 'sci.space'])
      for (let i = 0; i < 5; i++) put(`20news/${g}/${38000 + i}`, `From: someone@example.org\nSubject: about ${g}\n\nA message on ${g}, number ${i}.\n`);
    put('20news/rec.autos/38099', Buffer.from('Subject: caf\xe9\n\nA message in Latin-1.\n', 'latin1'));
    const r = await parseFile(join(root, '20news'));
    if (r.parsed.kind !== 'table') throw new Error(r.parsed.kind);
    expect(r.parsed.rows).toBe(16);
    expect(r.parsed.columns[1].categories!.map((c) => c.value).sort()).toEqual(['comp.graphics', 'rec.autos', 'sci.space']);
    expect(r.parsed.columns[0].strings!.some((t) => t.includes('café'))).toBe(true);
    // a folder of tables with older copies in subfolders is a folder of tables, not documents by class
    for (const d of ['raw', 'old']) put(`tables/${d}/data.csv`, 'a,b\n1,2\n3,4\n');
    put('tables/data.csv', 'a,b\n1,2\n3,4\n5,6\n');
    const tables = await parseFile(join(root, 'tables'));
    expect(tables.reason).not.toMatch(/documents by class/);
    expect(tables.parsed.kind).toBe('table');
    // files directly in a folder: the existing reading (a line's class is its file)
    put('polarity/rt-polarity.pos', 'a gripping , moving film .\nwarm and funny .\n');
    put('polarity/rt-polarity.neg', 'dull , lifeless .\na mess from start to end .\n');
    const flat = await parseFile(join(root, 'polarity'));
    if (flat.parsed.kind !== 'table') throw new Error(flat.parsed.kind);
    expect(flat.parsed.columns.map((c) => c.name)).toEqual(['text', 'file']);
  });
});

describe('one text in two languages', () => {
  it("Multi30k: train.en / train.de and val.en / val.de → English → German pairs, each keeping its file's split", async () => {
    const en = ['Two young guys look at their hands.', 'Several men in hard hats.', '', 'A little girl climbing.'];
    const de = ['Zwei junge Männer sehen ihre Hände an.', 'Mehrere Männer mit Helmen.', '', 'Ein kleines Mädchen klettert.'];
    put('multi30k/train.en', en.join('\n') + '\n');
    put('multi30k/train.de', de.join('\n') + '\n');
    put('multi30k/val.en', 'A dog runs.\nA man sings.\n');
    put('multi30k/val.de', 'Ein Hund rennt.\nEin Mann singt.\n');
    put('multi30k/README.md', '# Multi30k');
    const r = await parseFile(join(root, 'multi30k'));
    if (r.parsed.kind !== 'pairs') throw new Error(r.parsed.kind);
    expect(r.parsed.names).toEqual(['en', 'de']);
    expect(r.parsed.pairs.map((p) => [p.source, p.target, p.split])).toEqual([
      ['Two young guys look at their hands.', 'Zwei junge Männer sehen ihre Hände an.', 'train'],
      ['Several men in hard hats.', 'Mehrere Männer mit Helmen.', 'train'],
      ['A little girl climbing.', 'Ein kleines Mädchen klettert.', 'train'],
      ['A dog runs.', 'Ein Hund rennt.', 'validation'],
      ['A man sings.', 'Ein Mann singt.', 'validation'],
    ]);
    expect(r.parsed.pairs[2].line).toBe(4);
    expect(r.notes[0]).toBe('4 text files read as one text in two languages, line by line (train.en → train.de, val.en → val.de): 5 en → de pairs (from English)');
    const p = propose(r.parsed, 'multi30k');
    expect(p.choice.shape).toBe('encoder-decoder');
    expect(p.task).toMatch(/^translate en into de/);
    expect(buildTrainingData(r.parsed, p.choice, 'multi30k').summary).toMatch(/the file's own split \(3 train, 2 validation/);
  });

  it('Europarl: the direction the names say (de-en); lines that do not align are texts of their own, and said', async () => {
    put('europarl/europarl-v7.de-en.de', 'Wiederaufnahme der Sitzungsperiode\nIch erkläre die Sitzung für eröffnet.\n');
    put('europarl/europarl-v7.de-en.en', 'Resumption of the session\nI declare the session resumed.\n');
    const r = await parseFile(join(root, 'europarl'));
    if (r.parsed.kind !== 'pairs') throw new Error(r.parsed.kind);
    expect(r.parsed.names).toEqual(['de', 'en']);
    expect(r.notes[0]).toMatch(/2 de → en pairs \(the names say de-en\)/);
    put('misaligned/train.en', 'one\ntwo\nthree\n');
    put('misaligned/train.fr', 'un\ndeux\n');
    const m = await parseFile(join(root, 'misaligned'));
    expect(m.parsed.kind).toBe('table');
    expect(m.notes).toContain('train.en and train.fr look like one text in two languages, but their lines do not align (3 and 2 lines): read as texts of their own');
    // WMT's layout: newstest2013 and newstest2014 are held out as tests, not trained on; a trailing blank line is no line
    const en = (k: string, n: number): string[] => Array.from({ length: n }, (_, i) => `${k} sentence number ${i} is ${'long '.repeat(i % 4)}here`);
    const de = (k: string, n: number): string[] => Array.from({ length: n }, (_, i) => `${k} Satz Nummer ${i} ist ${'lang '.repeat(i % 4)}hier`);
    for (const [stem, n] of [['train', 8], ['newstest2013', 3], ['newstest2014', 3]] as const) {
      put(`wmt/${stem}.en`, en(stem, n).join('\n') + '\n\n');
      put(`wmt/${stem}.de`, de(stem, n).join('\n') + '\n');
    }
    const w = await parseFile(join(root, 'wmt'));
    if (w.parsed.kind !== 'pairs') throw new Error(w.parsed.kind);
    expect(w.parsed.pairs.map((p) => p.split ?? 'train').filter((x) => x === 'test').length).toBe(6);
    // sentences to tell the language of, as many in each file, are not one another's translations
    put('langid/sentences.en', Array.from({ length: 40 }, (_, i) => `word `.repeat(1 + ((i * 7) % 13)).trim()).join('\n'));
    put('langid/sentences.fr', Array.from({ length: 40 }, (_, i) => `mot `.repeat(1 + ((i * 5) % 11)).trim()).join('\n'));
    const l = await parseFile(join(root, 'langid'));
    expect(l.parsed.kind).toBe('table');
    expect(l.notes).toContain('the en and fr files have as many lines, but their lines are not of like length, as translations are: read as texts of their own');
    // files by class stay classes: names without a language code (English.txt), or with one that is not (rt-polarity.pos)
    put('names/English.txt', 'Abbas\nAbbey\n');
    put('names/French.txt', 'Abel\nAdam\n');
    expect((await parseFile(join(root, 'names'))).parsed.kind).toBe('table');
  });
});

describe('split folders of tables', () => {
  it("JSB chorales: train/, valid/, test/ of CSVs → one series per file, each held out whole by its folder's split", async () => {
    const chorale = (seed: number, n: number): string => ['note0,note1,note2,note3', ...Array.from({ length: n }, (_, t) => [74, 70, 65, 58].map((b, v) => b + ((seed * 7 + t * (v + 1)) % 5) - 2).join(','))].join('\n');
    for (const [split, n] of [['train', 6], ['valid', 2], ['test', 2]] as const) for (let c = 0; c < n; c++) put(`jsb/${split}/chorale_${split.length}${c}.csv`, chorale(c + split.length, 120 + c));
    put('jsb/README.md', 'JSB chorales');
    const r = await parseFile(join(root, 'jsb'));
    if (r.parsed.kind !== 'table') throw new Error(r.parsed.kind);
    expect(r.parsed.columns.map((c) => c.name)).toEqual(['file', 'note0', 'note1', 'note2', 'note3', 'split']);
    expect(r.notes[0]).toMatch(/^10 table files read as one dataset \(test\/chorale_40\.csv, .*\) in test, train, valid \(the split\)$/);
    const p = propose(r.parsed, 'jsb');
    expect(p.choice).toMatchObject({ shape: 'many-to-one', sequence: 'file', split: 'split' });
    const d = buildTrainingData(r.parsed, p.choice, 'jsb');
    expect(d.summary).toMatch(/split by "split": 6 train, 2 validation, 2 test series held out whole/);
    // a series with rows in two splits is refused, saying which
    const t = r.parsed;
    const split = t.columns[5].strings!.slice();
    split[0] = split[0] === 'test' ? 'train' : 'test';
    const mixed = { ...t, columns: t.columns.map((c, i) => (i === 5 ? { ...c, strings: split } : c)) };
    expect(() => buildTrainingData(mixed, p.choice, 'jsb')).toThrow(/has rows in more than one split: a series is held out whole or not at all/);
  });
});

describe('recordings by class', () => {
  it('class folders of numeric files (under one header each, or none; a subject folder between) are labelled sequences, not documents', async () => {
    for (const [c, period] of [['walk', 3], ['run', 1.5], ['sit', 9]] as const)
      for (let k = 0; k < 4; k++) put(`gestures/${c}/rec${k}.csv`, ['x,y,z', ...Array.from({ length: 20 + k }, (_, t) => [0, 1, 2].map((a) => Math.sin(t / period + a).toFixed(3)).join(','))].join('\n'));
    const r = await parseFile(join(root, 'gestures'));
    if (r.parsed.kind !== 'sequences') throw new Error(r.parsed.kind);
    expect(r.parsed.featureNames).toEqual(['x', 'y', 'z']);
    expect(r.parsed.sequences.map((s) => s.label)).toEqual([...Array(4).fill('run'), ...Array(4).fill('sit'), ...Array(4).fill('walk')]);
    expect(r.parsed.sequences[1]).toMatchObject({ id: 'run/rec1.csv', steps: expect.any(Array) });
    expect(r.parsed.sequences[1].steps.length).toBe(21);
    expect(r.notes).toEqual(['12 recordings, one a file, of 20–23 rows of 3 numbers, in 3 class folders (run, sit, walk): a sequence each, its class the folder']);
    expect(propose(r.parsed, 'gestures').choice.shape).toBe('many-to-one');
    // UCI's daily and sports activities: data/a01/p1/s01.txt — one folder inside, a subject's folder in each class
    for (const a of ['a01', 'a02']) for (const p of ['p1', 'p2']) for (let k = 1; k <= 3; k++) put(`sports/data/${a}/${p}/s0${k}.txt`, Array.from({ length: 10 }, (_, t) => [t, k, a === 'a01' ? 1 : 2].join(',')).join('\n'));
    put('sports/README.txt', 'Daily and Sports Activities');
    const s = await parseFile(join(root, 'sports'));
    if (s.parsed.kind !== 'sequences') throw new Error(s.parsed.kind);
    expect(s.parsed.sequences.length).toBe(12);
    expect(s.parsed.sequences[3]).toMatchObject({ id: 'a01/p2/s01.txt', label: 'a01' });
    expect(s.notes[0]).toBe('the folder holds one folder, data/: read as the dataset');
    // PTB's ptbdb_normal.csv and ptbdb_abnormal.csv: headerless rows of 187 values and a 0/1 class, one file a class
    for (const [name, c] of [['ptbdb_normal.csv', 0], ['ptbdb_abnormal.csv', 1]] as const)
      put(`ptbdb/${name}`, Array.from({ length: 30 }, (_, i) => [...Array.from({ length: 187 }, (_, k) => Math.max(0, Math.sin(k / 10 + c + i / 50)).toExponential(9)), c.toExponential(9)].join(',')).join('\n'));
    const ptb = await parseFile(join(root, 'ptbdb'));
    if (ptb.parsed.kind !== 'table') throw new Error(ptb.parsed.kind);
    expect(propose(ptb.parsed, 'ptbdb').choice).toMatchObject({ shape: 'many-to-one', wide: true, target: '188' });
    // a class folder whose files are words stays documents
    put('mixed/pos/a.txt', 'a fine film');
    put('mixed/neg/b.txt', 'a dull film');
    expect((await parseFile(join(root, 'mixed'))).parsed.kind).toBe('table');
  });
});
