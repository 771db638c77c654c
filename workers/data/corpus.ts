// What a person would choose for each dataset of ../shared/datasets/ (its EXPECTED.md, one entry per row, written as
// checks on a Proposal), and the check itself. Used by corpus.test.ts (the proposer on every dataset, agreement per
// row) and tools/datasets-check.mjs (the no-flags training run of each). An entry accepts every answer EXPECTED.md
// calls reasonable ("primary …; also OK …"); `accepted` names a row that is allowed to disagree, with the reason.

import type { Proposal } from '../../src-shared/dataset';
import type { ProblemShape } from '../../src-shared/model';

export interface CorpusEntry {
  /** Folder under ../shared/datasets/. */
  folder: string;
  /** File (or folder) inside it that a person would drop in. */
  file: string;
  shape: ProblemShape[];
  /** Acceptable targets (column names, or positions in a file without a header); undefined: no column target. */
  target?: string[];
  /** Columns the inputs must include, and columns they must not. */
  inputsInclude?: string[];
  inputsExclude?: string[];
  /** The sequence / series key (undefined: there must be none). */
  sequence?: string;
  /** The split column honoured, where the file has one. */
  split?: string;
  /** Time: columns of the time index (all of them, any order), the interval, and acceptable seasonal periods (0 = none). */
  time?: { columns?: string[][]; interval?: string; season?: number[] };
  /** The data kind the file is read as (table, text, tagged, pairs, sequences). */
  kind?: Proposal['kind'];
  /** Reads the wide layout (each row one sequence). */
  wide?: boolean;
  /** Published figure to approach, from SOURCE.md (for the no-flags training check). */
  reference?: string;
  /** Why this row may disagree (it is then reported, not failed). */
  accepted?: string;
}

export const CORPUS: CorpusEntry[] = [
  { folder: 'us_macro_quarterly', file: 'macrodata.csv', shape: ['many-to-one'], target: ['realgdp', 'infl', 'unemp', 'cpi'], inputsExclude: ['year', 'quarter'], time: { columns: [['year', 'quarter']], interval: 'quarterly' }, reference: 'persistence RMSE on the last 20%: realgdp 102.5' },
  { folder: 'wnut17_ner', file: 'wnut17train.conll', shape: ['many-to-many'], kind: 'tagged', reference: 'entity F1 26–42 (shared task systems)' },
  { folder: 'eng_fra_tatoeba', file: 'eng-fra.txt', shape: ['encoder-decoder'], kind: 'pairs' },
  { folder: 'indoor_movement', file: 'MovementAAL_combined.csv', shape: ['many-to-one'], target: ['class_label'], sequence: 'sequence_id', inputsInclude: ['rss_anchor1', 'rss_anchor2', 'rss_anchor3', 'rss_anchor4'], inputsExclude: ['dataset_group', 'path_id', 'sequence_id', 'class_label'], reference: 'CNN-LSTM 93.9% accuracy; nearest centroid 71.0%' },
  { folder: 'sentiment_sentences', file: 'imdb_labelled.txt', shape: ['many-to-one'], target: ['score'], inputsInclude: ['sentence'], reference: 'Naive Bayes 83.3% (10-fold, all three files)' },
  { folder: 'mauna_loa_co2_weekly', file: 'co2.csv', shape: ['many-to-one'], target: ['co2'], time: { columns: [['date']], interval: 'weekly', season: [52] }, reference: 'persistence RMSE 0.51 ppm' },
  { folder: 'tinyshakespeare', file: 'input.txt', shape: ['many-to-many'], kind: 'text', reference: 'char-rnn validation loss ≈ 1.4–1.5 nats (perplexity ≈ 4–4.5)' },
  { folder: 'monthly_car_sales_quebec', file: 'monthly-car-sales.csv', shape: ['many-to-one'], target: ['Sales'], time: { columns: [['Month']], interval: 'monthly', season: [12] } },
  { folder: 'ett_transformer_hourly', file: 'ETTh1.csv', shape: ['many-to-one'], target: ['OT', 'HUFL', 'HULL', 'MUFL', 'MULL', 'LUFL', 'LULL'], time: { columns: [['date']], interval: 'hourly', season: [24, 168, 0] }, accepted: undefined },
  { folder: 'nyc_weather_hourly_2013', file: 'weather.csv', shape: ['many-to-one'], target: ['temp'], sequence: 'origin', inputsExclude: ['rownames', 'year', 'month', 'day', 'hour', 'wind_gust'], time: { columns: [['year', 'month', 'day', 'hour'], ['time_hour']], interval: 'hourly', season: [24, 168] } },
  { folder: 'us_births_daily_1994_2003', file: 'US_births_1994-2003_CDC_NCHS.csv', shape: ['many-to-one'], target: ['births'], inputsExclude: ['year', 'month', 'date_of_month'], time: { columns: [['year', 'month', 'date_of_month']], interval: 'daily', season: [7, 365] } },
  { folder: 'xcp_price_unix_timestamps', file: 'xcp_prices.csv', shape: ['many-to-one'], target: ['Price'], inputsExclude: ['Timestamp'], time: { columns: [['Timestamp']], interval: 'daily', season: [0] } },
  { folder: 'air_quality_uci_semicolon', file: 'AirQualityUCI.csv', shape: ['many-to-one'], target: ['CO(GT)', 'C6H6(GT)'], inputsExclude: ['NMHC(GT)', 'Date', 'Time'], time: { columns: [['Date', 'Time']], interval: 'hourly', season: [24, 168] } },
  { folder: 'longley_headerless', file: 'longley.csv', shape: ['many-to-one', 'one-to-one'], target: ['7'], inputsExclude: ['6'], time: { columns: [['6']], interval: 'yearly' } },
  { folder: 'nile_annual_flow', file: 'Nile.csv', shape: ['many-to-one'], target: ['value'], inputsExclude: ['rownames', 'time'], time: { columns: [['time']], interval: 'yearly', season: [0] } },
  { folder: 'aus_production_quarterly', file: 'aus_production.csv', shape: ['many-to-one'], target: ['Beer', 'Tobacco', 'Bricks', 'Cement', 'Electricity', 'Gas'], inputsExclude: ['rownames', 'Quarter'], time: { columns: [['Quarter']], interval: 'quarterly', season: [4] } },
  { folder: 'airquality_nyc_1973', file: 'airquality.csv', shape: ['many-to-one'], target: ['Ozone'], inputsExclude: ['rownames', 'Month', 'Day'], time: { columns: [['Month', 'Day']], interval: 'daily' } },
  { folder: 'global_temp_monthly_long', file: 'monthly.csv', shape: ['many-to-one'], target: ['Mean'], sequence: 'Source', time: { columns: [['Year']], interval: 'monthly', season: [12, 0] } },
  { folder: 'seattle_weather_daily_2014', file: 'KSEA.csv', shape: ['many-to-one'], target: ['actual_mean_temp'], inputsExclude: ['record_min_temp_year', 'record_max_temp_year', 'date'], time: { columns: [['date']], interval: 'daily' } },
  { folder: 'generic_ballot_daily_mdy', file: 'generic_topline_historical.csv', shape: ['many-to-one'], target: ['dem_estimate', 'rep_estimate'], inputsExclude: ['dem_hi', 'dem_lo', 'timestamp', 'subgroup', 'modeldate'], time: { columns: [['modeldate']], interval: 'daily' } },
  { folder: 'banking77_intents', file: 'train.csv', shape: ['many-to-one'], target: ['category'], inputsInclude: ['text'] },
  { folder: 'clinc150_intents_json', file: 'data_full.json', shape: ['many-to-one'], target: ['2'], inputsInclude: ['1'], split: 'split' },
  { folder: 'rt_sentence_polarity', file: '.', shape: ['many-to-one'], target: ['file'], inputsInclude: ['text'] },
  { folder: 'germeval2018_offensive_de', file: 'germeval2018.training.txt', shape: ['many-to-one'], target: ['2', '3'], inputsInclude: ['1'] },
  { folder: 'trec_questions_hindi', file: 'train_5500.hi.label', shape: ['many-to-one'], target: ['label'], inputsInclude: ['text'] },
  { folder: 'conll2000_chunking', file: 'test.txt', shape: ['many-to-many'], kind: 'tagged' },
  { folder: 'europeana_ner_de_sbb', file: 'enp_DE.sbb.bio', shape: ['many-to-many'], kind: 'tagged' },
  { folder: 'turku_ner_fi', file: 'train.tsv', shape: ['many-to-many'], kind: 'tagged' },
  { folder: 'dakshina_hindi_translit', file: 'hi.translit.sampled.train.tsv', shape: ['encoder-decoder'], target: ['2', '1'], inputsInclude: [], inputsExclude: ['3'] },
  { folder: 'codespell_misspellings', file: 'dictionary.txt', shape: ['encoder-decoder'], kind: 'pairs' },
  { folder: 'makemore_names', file: 'names.txt', shape: ['many-to-many', 'one-to-many'], kind: 'text' },
  { folder: 'tang_poems_json', file: 'poet.tang.0.json', shape: ['many-to-many'], inputsInclude: ['paragraphs'] },
  { folder: 'lodash_source_js', file: 'lodash.js', shape: ['many-to-many'], kind: 'text' },
  { folder: 'chickweight_growth_long', file: 'ChickWeight.csv', shape: ['many-to-one'], target: ['Diet', 'weight'], sequence: 'Chick', inputsInclude: ['weight'], inputsExclude: ['rownames', 'Chick'] },
  { folder: 'blackmore_exercise_long', file: 'Blackmore.csv', shape: ['many-to-one'], target: ['group'], sequence: 'subject', inputsInclude: ['exercise', 'age'], inputsExclude: ['rownames', 'subject'] },
  { folder: 'ucr_arrowhead_wide', file: 'ArrowHead_TRAIN.tsv', shape: ['many-to-one'], target: ['1'], wide: true, inputsExclude: ['1'] },
  { folder: 'uea_basicmotions_ts', file: 'BasicMotions_TRAIN.ts', shape: ['many-to-one'], kind: 'sequences' },
  { folder: 'healthy_older_activity_s2', file: 'S2_Dataset', shape: ['many-to-many'], target: ['9'], sequence: 'file', inputsInclude: ['2', '3', '4', '6', '7', '8'], inputsExclude: ['9', 'file'] },
];

/** Where a proposal disagrees with an entry, in words (empty: it agrees). */
export function disagreements(e: CorpusEntry, p: Proposal): string[] {
  const out: string[] = [];
  const c = p.choice;
  if (!e.shape.includes(p.shape)) out.push(`shape ${p.shape}, expected ${e.shape.join(' or ')}`);
  if (e.kind && p.kind !== e.kind) out.push(`read as ${p.kind}, expected ${e.kind}`);
  if (e.target && !(c.target !== undefined && e.target.includes(c.target))) out.push(`target ${c.target ?? '(none)'}, expected ${e.target.join(' or ')}`);
  const inputs = c.input ?? [];
  for (const x of e.inputsInclude ?? []) if (!inputs.includes(x)) out.push(`inputs lack "${x}"`);
  for (const x of e.inputsExclude ?? []) if (inputs.includes(x)) out.push(`inputs include "${x}"`);
  if ((c.sequence ?? undefined) !== e.sequence) out.push(`sequence ${c.sequence ?? '(none)'}, expected ${e.sequence ?? '(none)'}`);
  if (e.split !== undefined && c.split !== e.split) out.push(`split ${c.split ?? '(none)'}, expected "${e.split}"`);
  if (e.wide && !c.wide) out.push('not read as a wide table');
  if (e.time) {
    const t = p.time;
    if (!t) out.push('no time axis found');
    else {
      if (e.time.columns && !e.time.columns.some((cols) => cols.length === t.columns.length && cols.every((x) => t.columns.includes(x)))) out.push(`time from ${t.columns.join(' + ')}, expected ${e.time.columns.map((x) => x.join(' + ')).join(' or ')}`);
      if (e.time.interval && t.interval !== e.time.interval) out.push(`interval ${t.interval ?? '(none)'}, expected ${e.time.interval}`);
      if (e.time.season && !e.time.season.includes(c.season ?? 0)) out.push(`season ${c.season ?? 'none'}, expected ${e.time.season.map((s) => s || 'none').join(' or ')}`);
    }
  }
  return out;
}
