// The proposer on every real dataset of ../shared/datasets/ against EXPECTED.md (what a person would choose): each row
// of EXPECTED.md must have an entry in corpus.ts, and each entry must agree with the proposal for its file — or be
// named as accepted, with its reason. Prints agreement per dataset. Skipped, saying so, where the shared datasets
// are not beside the project (a clean clone elsewhere).

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CORPUS, disagreements } from './corpus';
import { parseFile } from './parse';
import { propose } from './propose';

const shared = resolve(dirname(fileURLToPath(import.meta.url)), '../../../shared/datasets');
const present = existsSync(join(shared, 'EXPECTED.md'));
if (!present) console.log(`corpus: ${shared} is not here; the EXPECTED.md agreement test is skipped`);

describe.skipIf(!present)('proposals on the shared datasets (EXPECTED.md)', () => {
  it('every row of EXPECTED.md has an entry', () => {
    const rows = readFileSync(join(shared, 'EXPECTED.md'), 'utf8')
      .split('\n')
      .filter((l) => /^\| [a-z0-9_]+ \|/.test(l) && !l.startsWith('| folder '))
      .map((l) => l.split('|')[1].trim());
    const missing = rows.filter((r) => !CORPUS.some((e) => e.folder === r));
    expect(missing, `rows of EXPECTED.md without an entry in corpus.ts: ${missing.join(', ')}`).toEqual([]);
  });

  it('the proposal agrees with what a person would choose, on every dataset', async () => {
    const lines: string[] = [];
    const failed: string[] = [];
    let agree = 0;
    for (const e of CORPUS) {
      const path = join(shared, e.folder, e.file);
      let why: string[];
      try {
        const r = await parseFile(path);
        const p = propose(r.parsed, e.file === '.' ? e.folder : e.file);
        why = disagreements(e, p);
        lines.push(`${why.length ? (e.accepted ? 'accepted' : 'DISAGREES') : 'agrees   '}  ${e.folder.padEnd(28)} ${p.shape.padEnd(15)} ${p.task.slice(0, 110)}${why.length ? `\n            ${why.join('; ')}${e.accepted ? ` — accepted: ${e.accepted}` : ''}` : ''}`);
      } catch (err) {
        why = [(err as Error).message];
        lines.push(`DISAGREES  ${e.folder.padEnd(28)} ${(err as Error).message}`);
      }
      if (why.length === 0) agree++;
      else if (!e.accepted) failed.push(`${e.folder}: ${why.join('; ')}`);
    }
    console.log(`corpus: ${agree} of ${CORPUS.length} datasets agree with EXPECTED.md\n${lines.join('\n')}`);
    expect(failed).toEqual([]);
  }, 240_000);
});
