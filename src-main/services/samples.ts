// The bundled sample datasets (resources/samples/, licences in SOURCES.md): what each is and which shape it
// teaches. The studio opens a new project on tiny Shakespeare; the Data screen offers the rest.

import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { SampleInfo } from '../../src-shared/studio-api';

export const SAMPLES: readonly SampleInfo[] = [
  { file: 'tinyshakespeare.txt', title: 'Tiny Shakespeare', shape: 'many-to-many', description: 'Character-level text, 1.1 MB: learn to write like Shakespeare, then generate.' },
  { file: 'co2-weekly.csv', title: 'Mauna Loa CO₂ (weekly)', shape: 'many-to-one', description: 'A weekly series with a trend, a yearly season and 59 missing weeks: forecast the next value.' },
  { file: 'sentiment-yelp.tsv', title: 'Yelp sentiment', shape: 'many-to-one', description: '1,000 review sentences labelled positive or negative: classify a sentence.' },
  { file: 'wnut17-ner.conll', title: 'WNUT-17 named entities', shape: 'many-to-many', description: 'Tweets and comments tagged word by word (BIO): tag each token.' },
  { file: 'eng-fra.tsv', title: 'English → French', shape: 'encoder-decoder', description: '5,000 short sentence pairs from Tatoeba: translate with an encoder–decoder.' },
  { file: 'indoor-movement.csv', title: 'Indoor movement (RSS)', shape: 'many-to-one', description: 'Radio signal traces, one row per step: classify whether a person changes room.' },
  { file: 'us-macro.csv', title: 'US macro-economics', shape: 'one-to-one', description: 'Quarterly indicators 1959–2009: predict one column from the others.' },
];

export const DEFAULT_SAMPLE = 'tinyshakespeare.txt';

/** The resources/ folder: SEQSTUDIO_RESOURCES, else the nearest ancestor of this module that has resources/samples. */
export function resourcesDir(): string {
  const override = process.env['SEQSTUDIO_RESOURCES'];
  if (override) return resolve(override);
  for (let dir = import.meta.dirname; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'resources', 'samples'))) return join(dir, 'resources');
    if (dirname(dir) === dir) throw new Error('the bundled samples (resources/samples) were not found; set SEQSTUDIO_RESOURCES');
  }
}

export function samplePath(file: string): string {
  if (!SAMPLES.some((s) => s.file === file)) throw new Error(`there is no bundled sample "${file}"`);
  return join(resourcesDir(), 'samples', file);
}
