import { describe, expect, it } from 'vitest';
import { countValues } from './build/common';
import { catCol, dateCol, numCol, table, textCol, trainBriefly } from './build/testing';
import type { ParsedSequences, ParsedTagged } from './parsed';
import { DataError } from './parsed';
import { buildTrainingData, propose } from './propose';
import { sideTokens } from './build/pairs';
import { nameWords } from './analyse';
import { findColumn } from './build/choices';
import type { ParsedPairs } from './parsed';

const weeks = (n: number): string[] => Array.from({ length: n }, (_, i) => new Date(Date.UTC(2020, 0, 6) + i * 7 * 86_400_000).toISOString());

describe('propose', () => {
  it('a date and one numeric column → univariate forecast, seasonal period from weekly dates, preview in units', () => {
    const t = table(dateCol('week', weeks(600)), numCol('sales', Array.from({ length: 600 }, (_, i) => 100 + (i % 52))));
    const p = propose(t, 'sales.csv');
    expect(p.shape).toBe('many-to-one');
    expect(p.choice).toMatchObject({ target: 'sales', input: ['sales'], season: 52, lookback: 52, horizon: 1 });
    expect(p.columns.map((c) => c.type)).toEqual(['date', 'numeric']);
    expect(p.preview.length).toBe(5);
    expect(p.preview[0]).toEqual({ input: 'sales 100, 101, 102, …, 149, 150, 151', output: 'sales on 2021-01-04: 100' });
    const d = buildTrainingData(t, {}, 'sales.csv');
    expect(d.model.shape).toBe('many-to-one');
    expect(d.baseline!.name).toBe('seasonal naive (period 52)');
  });

  it('a multivariate table → inputs all numeric columns, target the first measurement, a season only where the data repeats', () => {
    const n = 300; // (a short table reads the target's own past only: see below)
    const t = table(
      dateCol('day', Array.from({ length: n }, (_, i) => new Date(Date.UTC(2021, 0, 1 + i)).toISOString())),
      numCol('temp', Array.from({ length: n }, (_, i) => 10 + Math.sin(i / 5))),
      numCol('load', Array.from({ length: n }, (_, i) => 500 + 20 * Math.cos(i / 3))),
    );
    const p = propose(t, 'load.csv');
    expect(p.shape).toBe('many-to-one');
    expect(p.choice).toMatchObject({ input: ['temp', 'load'], target: 'temp', difference: true, season: 0 }); // daily, but nothing repeats weekly
    expect(p.choice.lag).toBeUndefined(); // changes from the last value
    expect(p.reason).toMatch(/first measurement/);
    const short = table(...t.columns.map((c) => ({ ...c, numbers: c.numbers!.slice(0, 100) })));
    const q = propose(short, 'load.csv');
    expect(q.choice.input).toEqual(['temp']);
    expect(q.reason).toMatch(/100 rows are too few for 2 inputs: the target's own past only/);
    expect(p.preview[0].input).toMatch(/steps of temp, load; last: temp/);
    expect(buildTrainingData(t, {}, 'load.csv').model.input.featureSize).toBe(2);
  });

  it('sentence ⇥ label → word-token classification with class counts and a label-seen-once warning', () => {
    const t = table(textCol('text', ['I loved it', 'Awful, really', 'Great fun', 'meh at best', 'so good']), catCol('label', ['pos', 'neg', 'pos', 'neg', 'mixed']));
    const p = propose(t, 'reviews.tsv');
    expect(p.shape).toBe('many-to-one');
    expect(p.choice).toMatchObject({ input: ['text'], target: 'label', tokens: 'word' });
    expect(p.classes).toEqual([{ value: 'neg', count: 2 }, { value: 'pos', count: 2 }, { value: 'mixed', count: 1 }]);
    expect(p.warnings.join('\n')).toMatch(/a label seen once: "mixed"/);
    expect(p.preview[1]).toEqual({ input: 'awful , really', output: 'neg' });
    expect(buildTrainingData(t, {}, 'reviews.tsv').transforms.kind).toBe('classify');
  });

  it('a label is named like one by its words: "sentiment" holds "time" but is no metadata (IMDB\'s review,sentiment)', () => {
    const reviews = Array.from({ length: 60 }, (_, i) => `A long review number ${i}, with a plot, actors and an opinion about the ending of the film.`);
    for (const [name, meta] of [['sentiment', false], ['Sentiment', false], ['user_id', true], ['userName', true], ['created_at', true]] as const) {
      const t = table(textCol('review', reviews), catCol(name, reviews.map((_, i) => (i % 2 ? 'positive' : 'negative'))));
      const p = propose(t, 'IMDB Dataset.csv');
      const classify = p.candidates.find((a) => a.shape === 'many-to-one')!;
      expect(classify.reason.includes('named like metadata'), name).toBe(meta);
      if (!meta) expect(p.choice, name).toMatchObject({ shape: 'many-to-one', input: ['review'], target: name, tokens: 'word' });
    }
    expect(nameWords('userId')).toEqual(['user', 'id']);
    expect(nameWords('T (degC)')).toEqual(['t', 'deg', 'c']);
    expect(nameWords('Class Index')).toEqual(['class', 'index']);
  });

  it('a table of open, high, low and close prices → forecast the close (the plain one before the adjusted)', () => {
    const n = 400;
    const days = Array.from({ length: n }, (_, i) => new Date(Date.UTC(2019, 0, 1 + i)).toISOString());
    const price = Array.from({ length: n }, (_, i) => 100 + 10 * Math.sin(i / 17) + i / 10);
    const col = (name: string, k: number) => numCol(name, price.map((p, i) => p * (1 + k * 0.001 * Math.cos(i))));
    for (const names of [['Open', 'High', 'Low', 'Close', 'Adj Close'], ['open', 'high', 'low', 'adj_close', 'close']]) {
      const t = table(dateCol('Date', days), ...names.map((name, k) => col(name, k)), numCol('Volume', price.map((_, i) => 1e6 + ((i * 7919) % 1000) * 1e3)));
      const p = propose(t, 'prices.csv');
      expect(p.choice.target, names.join()).toBe(names.includes('Close') ? 'Close' : 'close');
      expect(p.reason).toMatch(/closing price/);
    }
  });

  it('names beside their gender → classified by their characters (single words: no words to read), and it builds', () => {
    const first = ['Mary', 'Anna', 'Emma', 'Ida', 'Alice', 'John', 'James', 'George', 'Frank', 'Henry'];
    const names = Array.from({ length: 300 }, (_, i) => `${first[i % 10]}${['', 'a', 'son', 'ie', 'y', 'o'][Math.floor(i / 10) % 6]}${i >= 60 ? String.fromCharCode(97 + (i % 26)) : ''}`);
    const t = table(catCol('name', names), catCol('gender', names.map((_, i) => (i % 10 < 5 ? 'F' : 'M'))));
    const p = propose(t, 'name_gender.csv');
    expect(p.choice).toMatchObject({ shape: 'many-to-one', input: ['name'], target: 'gender', tokens: 'char' });
    expect(p.reason).toMatch(/one word a row .*read by its characters/);
    const d = buildTrainingData(t, p.choice, 'name_gender.csv');
    expect(d.model.shape).toBe('many-to-one');
    expect(d.transforms).toMatchObject({ kind: 'classify' });
    // a categorical column as the text of a character model, too
    expect(buildTrainingData(t, { shape: 'many-to-many', input: ['name'], tokens: 'char' }, 'name_gender.csv').model.shape).toBe('many-to-many');
  });

  it('texts stamped at irregular times (tweets with a sentiment) → classify the text, not forecast their numbers', () => {
    const n = 300;
    let at = Date.UTC(2015, 1, 24, 11, 35);
    const times = Array.from({ length: n }, (_, i) => new Date((at -= 60_000 * (1 + ((i * 7919) % 20)))).toISOString());
    const says = ['my flight was cancelled again', 'thank you for the great service', 'on hold for two hours, ridiculous', 'what a smooth landing today'];
    const t = table(
      numCol('tweet_id', times.map((_, i) => 570306133677760 - i)),
      catCol('airline_sentiment', times.map((_, i) => ['negative', 'positive', 'negative', 'neutral'][i % 4])),
      numCol('airline_sentiment_confidence', times.map((_, i) => [1, 0.35, 0.68][i % 3])),
      numCol('retweet_count', times.map((_, i) => (i % 9 === 0 ? 1 : 0))),
      textCol('text', times.map((_, i) => `@airline ${says[i % 4]} #${i}`)),
      dateCol('tweet_created', times),
    );
    const p = propose(t, 'Tweets.csv');
    expect(p.choice).toMatchObject({ shape: 'many-to-one', input: ['text'], target: 'airline_sentiment', tokens: 'word' });
    expect(p.candidates.some((c) => c.task.startsWith('forecast'))).toBe(true); // still offered, below
  });

  it('a day\'s headlines (Top1, Top2, Top3) and a 0/1 label → classify a headline into the label: neither a forecast of the label nor a translation between siblings', () => {
    const n = 300;
    const days = Array.from({ length: n }, (_, i) => new Date(Date.UTC(2008, 7, 8 + i)).toISOString());
    const heads = ['Georgia downs two Russian warplanes as countries move to brink of war', 'Musharraf to be impeached', 'Columns of troops roll into South Ossetia', 'Afghan children raped with impunity, U.N. official says'];
    const top = (k: number) => textCol(`Top${k}`, days.map((_, i) => `${heads[(i + k) % 4]} (${i})`));
    const t = table(dateCol('Date', days), numCol('Label', days.map((_, i) => ((i * 7) % 3 === 0 ? 1 : 0))), top(1), top(2), top(3));
    const p = propose(t, 'Combined_News_DJIA.csv');
    expect(p.choice).toMatchObject({ shape: 'many-to-one', target: 'Label', tokens: 'word' });
    expect(p.choice.input![0]).toMatch(/^Top\d$/);
    expect(p.candidates.some((c) => c.shape === 'encoder-decoder')).toBe(false);
  });

  it('feature rows keyed by subject, no time axis, an activity label that changes from row to row → predict the label per row (UCI HAR, shuffled)', () => {
    const n = 360;
    const acts = ['STANDING', 'SITTING', 'LAYING', 'WALKING'];
    const feature = (k: number) => numCol(`tBodyAcc-mean()-${'XYZ'[k]}`, Array.from({ length: n }, (_, i) => Math.sin(i * (k + 1) * 0.37) * 0.3));
    const t = table(feature(0), feature(1), feature(2), numCol('subject', Array.from({ length: n }, (_, i) => 1 + Math.floor(i / 60))), catCol('Activity', Array.from({ length: n }, (_, i) => acts[(i * 7919) % 13 % 4])));
    const p = propose(t, 'train.csv');
    expect(p.choice).toMatchObject({ shape: 'one-to-one', target: 'Activity' });
    expect(p.choice.input).not.toContain('subject');
  });

  it('two texts beside a label (premise, hypothesis, label) → the pair classified together, not a translation of one text into the other', () => {
    const n = 200;
    const t = table(
      textCol('premise', Array.from({ length: n }, (_, i) => `A person on a horse jumps over a broken down airplane number ${i}.`)),
      textCol('hypothesis', Array.from({ length: n }, (_, i) => `The person is ${['outdoors', 'at a diner', 'training a horse'][i % 3]} today, case ${i}.`)),
      catCol('label', Array.from({ length: n }, (_, i) => ['entailment', 'contradiction', 'neutral'][i % 3])),
    );
    const p = propose(t, 'snli_train.csv');
    expect(p.choice).toMatchObject({ shape: 'many-to-one', target: 'label', input: ['premise', 'hypothesis'] }); // read together
    expect(p.task).toBe('classify "premise" and "hypothesis" together into "label" (3 classes)');
    const d = buildTrainingData(t, p.choice, 'snli_train.csv');
    if (d.transforms.kind !== 'classify') throw new Error(d.transforms.kind);
    expect(d.transforms.texts).toEqual({ columns: ['premise', 'hypothesis'], separator: '<sep>' });
    expect(d.transforms.vocabulary.slice(0, 2)).toEqual(['<unk>', '<sep>']);
    // two questions of one numbered family and a 0/1 (Quora question pairs): read together too
    const q = table(
      textCol('question1', Array.from({ length: n }, (_, i) => `How do I learn ${['python', 'cooking', 'chess'][i % 3]} fast, question ${i}?`)),
      textCol('question2', Array.from({ length: n }, (_, i) => `What is the best way to learn ${['python', 'guitar', 'chess'][i % 3]}, ${i}?`)),
      numCol('is_duplicate', Array.from({ length: n }, (_, i) => (i % 3 === 1 ? 0 : 1))),
    );
    expect(propose(q, 'quora_train.csv').choice).toMatchObject({ input: ['question1', 'question2'], target: 'is_duplicate' });
    expect(p.candidates.find((c) => c.shape === 'encoder-decoder')!.reason).toMatch(/a label beside them says the pair is classified/);
  });

  it('headlines beside their web links and a 0/1 label → classify the headline: a link is no text (the sarcasm headlines file)', () => {
    const n = 200;
    const words = ['area', 'man', 'local', 'mom', 'report', 'finds', 'nation', 'shocked', 'new', 'study'];
    const headline = (i: number): string => Array.from({ length: 6 + (i % 5) }, (_, k) => words[(i * 7 + k * 3) % words.length]).join(' ');
    const t = table(
      textCol('article_link', Array.from({ length: n }, (_, i) => `https://www.theonion.com/${headline(i).replace(/ /g, '-')}-${1819570000 + i}`)),
      textCol('headline', Array.from({ length: n }, (_, i) => headline(i))),
      numCol('is_sarcastic', Array.from({ length: n }, (_, i) => i % 2)),
    );
    const p = propose(t, 'Sarcasm_Headlines_Dataset.json');
    expect(p.choice).toMatchObject({ shape: 'many-to-one', input: ['headline'], target: 'is_sarcastic' });
    expect(p.columns.find((c) => c.name === 'article_link')).toMatchObject({ role: 'id', why: expect.stringMatching(/web addresses/) });
    expect(p.candidates.some((c) => c.shape === 'encoder-decoder')).toBe(false);
  });

  it("song lyrics beside the paths of their pages: a path is a link, not a text to translate the song's name into", () => {
    const n = 200;
    const lines = ['look at her face', 'it is a wonderful face', 'and it means something special to me', 'i walk alone on the empty street'];
    const t = table(
      catCol('artist', Array.from({ length: n }, (_, i) => ['ABBA', 'Adele', 'Bob Dylan', 'Queen'][i % 4])),
      textCol('song', Array.from({ length: n }, (_, i) => `Song number ${i}`)),
      textCol('link', Array.from({ length: n }, (_, i) => `/${'aabq'[i % 4]}/${['abba', 'adele', 'bob+dylan', 'queen'][i % 4]}/song-number-${i}_${20598417 + i}.html`)),
      textCol('text', Array.from({ length: n }, (_, i) => Array.from({ length: 8 }, (_, k) => lines[(i + k * 3) % 4]).join('\n'))),
    );
    const p = propose(t, 'spotify_millsongdata.csv');
    expect(p.columns.find((c) => c.name === 'link')).toMatchObject({ role: 'id', why: expect.stringMatching(/paths/) });
    expect(p.candidates.some((c) => c.choice.input?.includes('link') || c.choice.target === 'link')).toBe(false);
    // words joined by a slash are classes, and a few paths repeated are too
    const g = propose(table(textCol('review', Array.from({ length: n }, (_, i) => `${lines[i % 4]} and ${lines[(i + 1) % 4]} ${i}`)), catCol('genre', Array.from({ length: n }, (_, i) => ['Action/Adventure', 'Drama/Romance'][i % 2]))), 'films.csv');
    expect(g.choice).toMatchObject({ target: 'genre' });
  });

  it('texts by a few authors, many each → classify the author (named like metadata, still the task); by many authors → a model of the texts', () => {
    const words = ['the', 'night', 'was', 'dark', 'and', 'old', 'house', 'stood', 'alone', 'upon', 'hill'];
    const text = (i: number): string => Array.from({ length: 12 + (i % 9) }, (_, k) => words[(i * 5 + k * 7) % words.length]).join(' ') + '.';
    const few = table(
      textCol('id', Array.from({ length: 300 }, (_, i) => `id${String(10000 + i * 37)}`)),
      textCol('text', Array.from({ length: 300 }, (_, i) => text(i))),
      catCol('author', Array.from({ length: 300 }, (_, i) => ['EAP', 'HPL', 'MWS'][i % 3])),
    );
    const p = propose(few, 'spooky_train.csv');
    expect(p.choice).toMatchObject({ shape: 'many-to-one', input: ['text'], target: 'author' });
    expect(p.reason).toMatch(/named like metadata, but few of them with many texts each/);
    const many = table(catCol('author', Array.from({ length: 300 }, (_, i) => `poet ${i % 100}`)), textCol('poem', Array.from({ length: 300 }, (_, i) => text(i))));
    expect(propose(many, 'poems.csv').shape).toBe('many-to-many');
  });

  it('a column named like a label wins over other small whole numbers beside the text (a review\'s Score, not its helpfulness count)', () => {
    const n = 500;
    const t = table(
      numCol('HelpfulnessNumerator', Array.from({ length: n }, (_, i) => i % 4)),
      numCol('Score', Array.from({ length: n }, (_, i) => 1 + ((i * 7) % 5))),
      textCol('Text', Array.from({ length: n }, (_, i) => `this coffee was ${['great', 'awful', 'fine', 'stale', 'lovely'][(i * 7) % 5]} and I would buy it again, order ${i}`)),
    );
    expect(propose(t, 'Reviews.csv').choice).toMatchObject({ target: 'Score', input: ['Text'] });
  });

  it('columns numbered 0, 1, 2 … and one named otherwise at the end → that one is the target (the OT of the electricity benchmark)', () => {
    const n = 400;
    const hours = Array.from({ length: n }, (_, i) => new Date(Date.UTC(2016, 6, 1, 2) + i * 3_600_000).toISOString());
    const meters = Array.from({ length: 20 }, (_, k) => numCol(String(k), Array.from({ length: n }, (_, i) => 100 + 50 * Math.sin(i / 3.8 + k) + ((i * (k + 3)) % 7))));
    const t = table(dateCol('date', hours), ...meters, numCol('OT', Array.from({ length: n }, (_, i) => 300 + 80 * Math.sin(i / 3.8) + (i % 5))));
    const p = propose(t, 'electricity.csv');
    expect(p.choice).toMatchObject({ shape: 'many-to-one', target: 'OT' });
    expect(p.reason).toMatch(/unlike the family of the others \(0, 1, 2, 3…\)/);
  });

  it('a daily count beside its parts, the weather and date parts (UCI bike sharing) → forecast the total; parts out, date parts calendar', () => {
    const n = 400;
    const days = Array.from({ length: n }, (_, i) => new Date(Date.UTC(2011, 0, 1 + i)).toISOString());
    const casual = Array.from({ length: n }, (_, i) => 300 + ((i * 37) % 900));
    const registered = Array.from({ length: n }, (_, i) => 2000 + ((i * 53) % 3000));
    const t = table(
      numCol('instant', Array.from({ length: n }, (_, i) => i + 1)),
      dateCol('dteday', days),
      numCol('yr', days.map((d) => Number(d.slice(0, 4)) - 2011)),
      numCol('mnth', days.map((d) => Number(d.slice(5, 7)))),
      numCol('temp', Array.from({ length: n }, (_, i) => 0.3 + 0.2 * Math.sin(i / 58))),
      numCol('hum', Array.from({ length: n }, (_, i) => 0.6 + 0.1 * Math.cos(i / 7))),
      numCol('windspeed', Array.from({ length: n }, (_, i) => 0.1 + ((i * 13) % 20) / 100)),
      numCol('casual', casual),
      numCol('registered', registered),
      numCol('cnt', casual.map((c, i) => c + registered[i])),
    );
    const p = propose(t, 'day.csv');
    expect(p.choice).toMatchObject({ shape: 'many-to-one', target: 'cnt' });
    expect(p.choice.input).not.toContain('casual');
    expect(p.reason).toMatch(/the total of "casual" \+ "registered": what the table counts/);
    expect(p.reason).toMatch(/"registered" \(a part of "cnt": the parts add up to it/);
    expect(p.columns.filter((c) => c.role === 'calendar').map((c) => c.name)).toEqual(['yr', 'mnth']);
  });

  it('passengers with a name, a ticket code and features (Titanic) → predict the 0/1 outcome from the features; the name says who, the ticket is a code', () => {
    const n = 400;
    const firsts = ['Owen', 'John', 'Laina', 'William', 'Mary', 'Anna', 'Karl', 'Elisabeth'];
    const lasts = ['Braund', 'Cumings', 'Heikkinen', 'Allen', 'Moran', 'Palsson', 'Johnson', 'Nasser'];
    const t = table(
      numCol('PassengerId', Array.from({ length: n }, (_, i) => i + 1)),
      numCol('Survived', Array.from({ length: n }, (_, i) => (i * 7) % 3 === 0 ? 1 : 0)),
      numCol('Pclass', Array.from({ length: n }, (_, i) => 1 + (i % 3))),
      textCol('Name', Array.from({ length: n }, (_, i) => `${lasts[i % 8]}, ${['Mr.', 'Mrs.', 'Miss.'][i % 3]} ${firsts[(i * 3) % 8]} ${firsts[Math.floor(i / 8) % 8]} ${i}`)),
      catCol('Sex', Array.from({ length: n }, (_, i) => (i % 2 ? 'male' : 'female'))),
      numCol('Age', Array.from({ length: n }, (_, i) => 2 + ((i * 13) % 70))),
      textCol('Ticket', Array.from({ length: n }, (_, i) => [`A/5 ${21171 + i}`, `PC ${17599 + i}`, `${113803 + i}`][i % 3])),
      numCol('Fare', Array.from({ length: n }, (_, i) => 7.25 + ((i * 17) % 200))),
      catCol('Embarked', Array.from({ length: n }, (_, i) => ['S', 'C', 'Q'][i % 3])),
    );
    const p = propose(t, 'titanic_train.csv');
    expect(p.choice).toMatchObject({ shape: 'one-to-one', target: 'Survived' });
    expect(p.choice.input).not.toContain('Name');
    expect(p.reason).toMatch(/the 0\/1 outcome among the features/);
    expect(p.columns.find((c) => c.name === 'Name')).toMatchObject({ role: 'id' });
    expect(p.candidates.some((c) => c.choice.input?.includes('Ticket') && c.shape === 'many-to-one')).toBe(false);
    // a table ending in a measurement keeps it as the target, a 0/1 flag among the features (Boston's chas) is one
    const boston = table(...['crim', 'chas', 'rm', 'age', 'medv'].map((name, k) => numCol(name, Array.from({ length: n }, (_, i) => (name === 'chas' ? (i % 9 === 0 ? 1 : 0) : ((i * (k + 3)) % 97) / (k + 1) + k)))));
    expect(propose(boston, 'boston.csv').candidates.find((c) => c.shape === 'one-to-one')!.choice).toMatchObject({ target: 'medv' });
  });

  it('a table of the weather itself (Jena climate: pressure first, units in the names) → forecast its temperature', () => {
    const n = 600;
    const times = Array.from({ length: n }, (_, i) => new Date(Date.UTC(2009, 0, 1, 0, 10) + i * 600_000).toISOString());
    const T = Array.from({ length: n }, (_, i) => -8 + 5 * Math.sin((2 * Math.PI * i) / 144) + ((i * 7) % 10) / 20);
    const wave = (k: number): number[] => Array.from({ length: n }, (_, i) => Math.sin(i / (30 + 7 * k)) + ((i * (k + 3)) % 11) / 10);
    const t = table(
      dateCol('Date Time', times),
      numCol('p (mbar)', wave(1).map((x) => 996 + x)),
      numCol('T (degC)', T),
      numCol('Tpot (K)', T.map((x, i) => x + 273.15 + wave(2)[i] * 3)),
      numCol('Tdew (degC)', T.map((x, i) => x - 3 + wave(3)[i] * 2)),
      numCol('rh (%)', wave(4).map((x) => 80 + 5 * x)),
      numCol('VPmax (mbar)', wave(5).map((x) => 3 + x)),
      numCol('sh (g/kg)', wave(6).map((x) => 2 + x)),
      numCol('rho (g/m**3)', wave(7).map((x) => 1300 + 10 * x)),
      numCol('wv (m/s)', wave(8).map((x) => 2 + x)),
      numCol('wd (deg)', wave(9).map((x) => 180 + 90 * x)),
    );
    const p = propose(t, 'jena_climate_2009_2016.csv');
    expect(p.choice).toMatchObject({ shape: 'many-to-one', target: 'T (degC)' });
    expect(p.reason).toMatch(/the temperature of a table of the weather \(7 of its 10 measurements\)/);
  });

  it('a 0/1 state beside sensor readings over time (UCI occupancy detection) → tell the state from the readings, as two classes', () => {
    const n = 1500;
    const minutes = Array.from({ length: n }, (_, i) => new Date(Date.UTC(2015, 1, 4, 17, 51) + i * 60_000).toISOString());
    const occupied = Array.from({ length: n }, (_, i) => (Math.floor(i / 180) % 3 === 1 ? 1 : 0));
    const t = table(
      dateCol('date', minutes),
      numCol('Temperature', occupied.map((o, i) => 21 + o + 0.3 * Math.sin(i / 40))),
      numCol('Light', occupied.map((o, i) => o * 430 + (i % 5))),
      numCol('CO2', occupied.map((o, i) => 450 + o * 300 + (i % 17))),
      numCol('Occupancy', occupied),
    );
    const p = propose(t, 'datatraining.txt');
    expect(p.choice).toMatchObject({ shape: 'one-to-one', target: 'Occupancy', input: ['Temperature', 'Light', 'CO2'] });
    expect(p.reason).toMatch(/"Occupancy" is 0 or 1 for runs of rows beside the measurements: a state they show/);
    expect(p.task).toBe('predict "Occupancy" (2 classes) from "Temperature", "Light", "CO2"');
    const d = buildTrainingData(t, p.choice, 'datatraining.txt');
    expect(d.baseline!.name).toMatch(/majority class/);
  });

  it('sales by store and item (Kaggle\'s store item demand) → one series per store and item: the two keys joined as one', () => {
    const dates: string[] = [];
    const stores: number[] = [];
    const items: number[] = [];
    const sales: number[] = [];
    for (let st = 1; st <= 2; st++)
      for (let it = 1; it <= 3; it++)
        for (let i = 0; i < 120; i++) {
          dates.push(new Date(Date.UTC(2013, 0, 1 + i)).toISOString());
          stores.push(st);
          items.push(it);
          sales.push(10 * st + 5 * it + ((i * 7) % 11) + (i % 7 === 5 ? 9 : 0));
        }
    const t = table(dateCol('date', dates), numCol('store', stores), numCol('item', items), numCol('sales', sales));
    const p = propose(t, 'train.csv');
    expect(p.choice).toMatchObject({ shape: 'many-to-one', target: 'sales', input: ['sales'], sequence: 'store+item', season: 7 });
    expect(p.columns.find((c) => c.name === 'store+item')).toMatchObject({ role: 'key', why: '6 series of 120 rows each, each with its own date' });
    expect(p.columns.find((c) => c.name === 'item')!.why).toBe('with "store": one series per pair (the column "store+item")');
    // the joined key is a column of the table: building (which analyses the table again) finds it, once
    const d = buildTrainingData(t, p.choice, 'train.csv');
    expect(d.transforms.kind).toBe('multiseries'); // a series per key
    expect(t.columns.filter((c) => c.name === 'store+item')).toHaveLength(1);
    // analysed again (the joined column now in the table): the same key, its parts still keys
    const again = propose(t, 'train.csv');
    expect(again.choice.sequence).toBe('store+item');
    expect(again.columns.filter((c) => c.role === 'key').map((c) => c.name).sort()).toEqual(['item', 'store', 'store+item']);
    // a new file of one store and one item (predict --file): the key is made again from its parts
    const one = table(dateCol('date', dates.slice(0, 120)), numCol('store', stores.slice(0, 120)), numCol('item', items.slice(0, 120)), numCol('sales', sales.slice(0, 120)));
    expect(findColumn(one, 'store+item', 'sequence').strings![0]).toBe('1/1');
    // columns whose pairs could not name the repeated times (a quantity and a price) are no key
    const log = table(dateCol('date', dates), numCol('quantity', sales.map((x) => x % 7)), numCol('price', sales.map((x) => x % 5)), numCol('sales', sales));
    expect(propose(log, 'log.csv').choice.sequence).toBeUndefined();
  });

  it('a quantity beside the weather (Metro Interstate traffic volume, last) → the quantity, not the first weather column', () => {
    const n = 600;
    const hours = Array.from({ length: n }, (_, i) => new Date(Date.UTC(2012, 9, 2, 9) + i * 3_600_000).toISOString());
    const t = table(
      numCol('temp', Array.from({ length: n }, (_, i) => 280 + 5 * Math.sin(i / 40) + (i % 3))),
      numCol('rain_1h', Array.from({ length: n }, (_, i) => (i % 17 === 0 ? 0.5 : 0))),
      numCol('clouds_all', Array.from({ length: n }, (_, i) => (i * 29) % 100)),
      dateCol('date_time', hours),
      numCol('traffic_volume', Array.from({ length: n }, (_, i) => Math.round(3000 + 2500 * Math.sin((2 * Math.PI * i) / 24) + ((i * 7) % 300)))),
    );
    const p = propose(t, 'Metro_Interstate_Traffic_Volume.csv');
    expect(p.choice).toMatchObject({ shape: 'many-to-one', target: 'traffic_volume' });
    expect(p.reason).toMatch(/a quantity beside the weather \(temp, rain_1h, clouds_all\) that drives it/);
  });

  it('tagged sentences → many-to-many tagging; pairs → encoder–decoder; sequences → many-to-one', () => {
    const tagged: ParsedTagged = {
      kind: 'tagged',
      sentences: [
        { tokens: ['EU', 'rejects'], tags: ['B-ORG', 'O'], line: 1 },
        { tokens: ['Peter', 'Blackburn'], tags: ['B-PER', 'I-PER'], line: 4 },
        { tokens: ['BRUSSELS'], tags: ['B-LOC'], line: 7 },
      ],
      tags: countValues(['B-ORG', 'O', 'B-PER', 'I-PER', 'B-LOC']),
    };
    const pt = propose(tagged, 'ner.conll');
    expect(pt.shape).toBe('many-to-many');
    expect(pt.choice.tokens).toBe('word');
    expect(pt.preview[0]).toEqual({ input: 'EU rejects', output: 'B-ORG O' });
    expect(buildTrainingData(tagged, {}, 'ner.conll').transforms.kind).toBe('tagging');

    const pairs = { kind: 'pairs' as const, pairs: [{ source: 'go', target: 'va', line: 1 }, { source: 'hi', target: 'salut', line: 2 }, { source: 'run', target: 'cours', line: 3 }] };
    const pp = propose(pairs, 'fra.txt');
    expect(pp.shape).toBe('encoder-decoder');
    expect(pp.choice.tokens).toBe('char');
    expect(pp.preview[1]).toEqual({ input: 'hi', output: 'salut' });
    const dp = buildTrainingData(pairs, {}, 'fra.txt');
    expect(dp.transforms).toMatchObject({ kind: 'pairs', bos: 0, eos: 1 });

    const seqs: ParsedSequences = {
      kind: 'sequences',
      featureNames: ['ax', 'ay'],
      sequences: ['walk', 'run', 'walk', 'run'].map((label, i) => ({ id: `u${i}`, steps: [Float64Array.of(i, 1), Float64Array.of(i, 2)], label, line: i + 1 })),
    };
    const ps = propose(seqs, 'har.jsonl');
    expect(ps.shape).toBe('many-to-one');
    expect(ps.preview[0]).toEqual({ input: 'u0: 2 steps of ax, ay (first: 0, 1)', output: 'walk' });
    expect(buildTrainingData(seqs, {}, 'har.jsonl').transforms.kind).toBe('sequences');
  });

  it('a long-format table with a sequence-id column → grouped sequences', () => {
    const ids = ['a', 'a', 'a', 'b', 'b', 'c', 'c', 'c'];
    const t = table(catCol('series_id', ids), numCol('v', [1, 2, 3, 3, 2, 1, 2, 3]), catCol('trend', ids.map((i) => (i === 'b' ? 'down' : 'up'))));
    const p = propose(t, 'long.csv');
    expect(p.shape).toBe('many-to-one');
    expect(p.choice).toMatchObject({ sequence: 'series_id', target: 'trend' });
    expect(p.preview[0].input).toBe('series_id a: 3 steps of v (first: 1)');
    expect(buildTrainingData(t, {}, 'long.csv').transforms.kind).toBe('sequences');
  });

  it('features → a class without dates is one-to-one; a label → a text is one-to-many', () => {
    const iris = table(numCol('petal', [1.4, 4.7, 6.0, 1.3, 4.5, 5.9]), numCol('sepal', [5.1, 7.0, 6.3, 4.9, 6.4, 5.8]), catCol('species', ['setosa', 'versicolor', 'virginica', 'setosa', 'versicolor', 'virginica']));
    const p = propose(iris, 'iris.csv');
    expect(p.shape).toBe('one-to-one');
    expect(p.choice).toMatchObject({ input: ['petal', 'sepal'], target: 'species' });
    expect(p.preview[0]).toEqual({ input: 'petal 1.4, sepal 5.1', output: 'species setosa' });
    // three names and their origins: too few for a classifier; a model of the names, or names generated from an origin
    const names = table(catCol('origin', ['Scottish', 'Irish', 'Scottish']), textCol('name', ['MacLeod', "O'Brien", 'MacKay']));
    const q = propose(names, 'names.csv');
    expect(q.shape).toBe('many-to-many');
    const generate = q.candidates.find((c) => c.shape === 'one-to-many')!;
    expect(generate.choice).toMatchObject({ input: ['origin'], target: 'name' });
    expect(buildTrainingData(names, generate.choice, 'names.csv').transforms.kind).toBe('conditional');
  });

  it('says when a shape is impossible, naming the file', () => {
    const t = table(numCol('x', [1, 2, 3, 4]), numCol('y', [2, 4, 6, 8]));
    expect(() => buildTrainingData(t, { shape: 'many-to-many' }, 'xy.csv')).toThrow(DataError);
    expect(() => buildTrainingData(t, { shape: 'many-to-many' }, 'xy.csv')).toThrow(/xy.csv: --shape many-to-many: a table without a text column \(or a sequence column and per-step labels\) cannot train many-to-many/);
    const text = { kind: 'text' as const, text: 'hello world', lines: 1 };
    expect(() => buildTrainingData(text, { shape: 'one-to-one' }, 'a.txt')).toThrow(/a.txt: --shape one-to-one: running text .* cannot train one-to-one/);
    expect(() => buildTrainingData(t, { lookback: 50_000 }, 'xy.csv')).toThrow(/--lookback: 50,000 steps is longer than anything sensible/);
  });

  it('running text → char-level next-step streams with a unigram perplexity baseline, and it trains', () => {
    const text = 'the quick brown fox jumps over the lazy dog. '.repeat(60);
    const p = propose({ kind: 'text', text, lines: 1 }, 'fox.txt');
    expect(p.shape).toBe('many-to-many');
    expect(p.preview[0].input).toBe(JSON.stringify(text.slice(0, 40)));
    const d = buildTrainingData({ kind: 'text', text, lines: 1 }, { lookback: 32, batchSize: 8 }, 'fox.txt');
    expect(d.stateful).toBe(true);
    const { first, last, metrics } = trainBriefly(d, 60, { hidden: 32 });
    console.log(`[build] running text: val loss ${first.toFixed(3)} → ${last.toFixed(4)}, perplexity ${metrics.perplexity.toFixed(2)} vs unigram ${d.baseline!.metrics.perplexity.toFixed(2)}`);
    expect(last).toBeLessThan(first * 0.5);
    expect(metrics.perplexity).toBeLessThan(d.baseline!.metrics.perplexity);
  });
});

describe('running text: by words or by characters', () => {
  const words = ['the', 'company', 'said', 'market', 'shares', 'rose', 'in', 'trading', 'of', 'new', 'york'];
  const line = (i: number, apart: boolean): string => {
    const w = Array.from({ length: 12 }, (_, k) => words[(i * 7 + k * 3) % words.length]);
    return apart ? ` ${w.slice(0, 6).join(' ')} , ${w.slice(6).join(' ')} . ` : `${w.slice(0, 6).join(' ')}, ${w.slice(6).join(' ')}.`;
  };
  it('text prepared for a word model (Penn Treebank, WikiText: punctuation apart, <unk>) → a model of its words; prose → of its characters', () => {
    const tokenised = Array.from({ length: 600 }, (_, i) => line(i, true)).join('\n');
    const p = propose({ kind: 'text', text: tokenised, lines: 600 }, 'wiki.train.tokens');
    expect(p.choice).toMatchObject({ shape: 'many-to-many', tokens: 'word', lookback: 35 });
    expect(p.reason).toMatch(/punctuation set apart by spaces \(100% of 1,200 marks\)/);
    expect(p.candidates.find((c) => c.choice.tokens === 'char')!.reason).toMatch(/it was written for a model of its words/);
    const unk = Array.from({ length: 600 }, (_, i) => line(i, false).replace(/,/g, '').replace(/\.$/, '').replace(/market/g, '<unk>')).join('\n');
    expect(propose({ kind: 'text', text: unk, lines: 600 }, 'ptb.train.txt').choice.tokens).toBe('word');
    const prose = Array.from({ length: 600 }, (_, i) => line(i, false)).join('\n');
    expect(propose({ kind: 'text', text: prose, lines: 600 }, 'novel.txt').choice.tokens).toBe('char');
    // too few words to learn words from: characters
    expect(propose({ kind: 'text', text: tokenised.slice(0, 3000), lines: 30 }, 'short.txt').choice.tokens).toBe('char');
    const d = buildTrainingData({ kind: 'text', text: tokenised, lines: 600 }, {}, 'wiki.train.tokens');
    expect(d.transforms).toMatchObject({ kind: 'text', tokens: 'word' });
    expect(d.baseline!.metrics.perplexity).toBeGreaterThan(5);
  });
});

describe('long-format sequences', () => {
  it('finds the per-sequence label and the step column, and keeps per-sequence constants out of the inputs', () => {
    const ids: string[] = [];
    const steps: number[] = [];
    const signal: number[] = [];
    const pathId: number[] = [];
    const label: number[] = [];
    for (let s = 1; s <= 6; s++)
      for (let t = 0; t < 5; t++) {
        ids.push(String(s));
        steps.push(t);
        signal.push(Math.sin(s + t));
        pathId.push(s % 3);
        label.push(s % 2 ? 1 : -1);
      }
    const p = propose(table(numCol('sequence_id', ids.map(Number)), numCol('step', steps), numCol('rss', signal), numCol('path_id', pathId), numCol('class_label', label)), 'moves.csv');
    expect(p.choice).toMatchObject({ shape: 'many-to-one', sequence: 'sequence_id', target: 'class_label', step: 'step', input: ['rss'] });
  });
});

describe('tokens per side of source → target pairs', () => {
  // CMU-dict style (festlex-cmu's cmudict 0.4 words, written as CMUdict writes them)
  const cmu: [string, string][] = [
    ['cat', 'K AE1 T'], ['costs', 'K AA1 S T S'], ['costume', 'K AA0 S T UW1 M'], ['aaberg', 'AA1 B ER0 G'], ['a', 'AH0'], ['coston', 'K AA1 S T AH0 N'],
    ['about', 'AH0 B AW1 T'], ['zebra', 'Z IY1 B R AH0'], ['rhythm', 'R IH1 DH AH0 M'], ['queue', 'K Y UW1'], ['phone', 'F OW1 N'], ['knight', 'N AY1 T'],
  ];
  const parsed = (xs: [string, string][]): ParsedPairs => ({ kind: 'pairs', pairs: xs.map(([source, target], i) => ({ source, target, line: i + 1 })) });

  it('a spelling side is read as characters, phonemes as symbols, sentences as words', () => {
    expect(sideTokens(cmu.map((p) => p[0]))).toMatchObject({ tokens: 'char', looks: 'single words' });
    expect(sideTokens(cmu.map((p) => p[1]))).toMatchObject({ tokens: 'word', kind: 'symbols' });
    expect(sideTokens(cmu.map((p) => p[1])).looks).toMatch(/^space-separated symbols/);
    expect(sideTokens(['I see the cat.', 'Where is the station?', 'We are going home now.'])).toMatchObject({ tokens: 'word', kind: 'sentences' });
    expect(sideTokens([]).tokens).toBe('char');
  });

  it('the proposal for word → phonemes pairs: characters into symbols, and training reads them so', () => {
    const p = propose(parsed(cmu), 'cmudict.tsv');
    expect(p.shape).toBe('encoder-decoder');
    expect(p.choice).toMatchObject({ tokens: 'char', targetTokens: 'word' });
    expect(p.task).toContain('from characters to symbols');
    expect(p.reason).toMatch(/target: space-separated symbols/);
    const d = buildTrainingData(parsed(cmu), {}, 'cmudict.tsv');
    if (d.transforms.kind !== 'pairs') throw new Error('kind');
    expect([d.transforms.source.tokens, d.transforms.target.tokens]).toEqual(['char', 'word']);
    // --tokens alone means both sides, as it did before per-side tokens
    const both = buildTrainingData(parsed(cmu), { tokens: 'char' }, 'cmudict.tsv');
    if (both.transforms.kind !== 'pairs') throw new Error('kind');
    expect(both.transforms.target.tokens).toBe('char');
  });
});
