// `seqstudio inspect FILE`: what the importer reads in a file (format, columns and their roles, the time axis), the
// proposal and the other ways to train on it, each as the flags that give it, and — with data flags — what `train`
// would build from them: the training pairs, the baseline to beat and the recipe.

import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { describeProblem, problemOf, renderMentions, SETTINGS, type SettingKey } from '../../src-shared/settings';
import { runInspect } from '../services/runs';
import { flag, flagOptions, fmtDuration, fmtInt, UsageError } from './args';
import { DATA_KEYS, dataFlags } from './train';

/** A message from the importer in the command line's words (other settings named by their flags). */
const say = (text: string): string => renderMentions(text, 'cli');

/** A proposal's choices as the flags that give them (derived values such as the season are flags too). */
export function choiceFlags(choice: Record<string, unknown>): string {
  return Object.entries(choice)
    .filter(([k, v]) => v !== undefined && v !== false && Object.hasOwn(SETTINGS, k))
    .map(([k, v]) => {
      const name = flag(k as SettingKey);
      if (v === true) return name;
      const text = Array.isArray(v) ? v.join(',') : String(v);
      return `${name} ${/[\s"'$]/.test(text) ? JSON.stringify(text) : text}`;
    })
    .join(' ');
}

export async function inspectCommand(argv: string[]): Promise<number> {
  const { values: o, positionals } = parseArgs({ args: argv, strict: true, allowPositionals: true, options: { ...flagOptions(DATA_KEYS), json: { type: 'boolean' } } });
  if (positionals.length !== 1) throw new UsageError('inspect needs one FILE');
  const { format, ...choice } = dataFlags(o);
  if (!existsSync(positionals[0])) throw new UsageError(`${positionals[0]}: no such file`);
  const tty = process.stderr.isTTY && !o.json;
  let r;
  try {
    r = await runInspect(positionals[0], format, choice, (p) => {
      if (tty) process.stderr.write(`\rreading: ${((100 * p.bytesRead) / Math.max(1, p.bytesTotal)).toFixed(0)}% (${fmtInt(p.rows)} rows)\x1b[K`);
    });
  } catch (e) {
    throw new UsageError(describeProblem(problemOf(e), 'cli'));
  } finally {
    if (tty) process.stderr.write('\r\x1b[K');
  }
  if (o.json) {
    process.stdout.write(JSON.stringify(r) + '\n');
    return 0;
  }
  const p = r.proposal;
  const lines = [
    `${p.file}: ${r.format} (${r.formatReason}), ${(r.bytes / 1024).toFixed(0)} KiB, ${fmtInt(p.rows)} ${p.kind === 'table' ? 'rows' : 'records'}`,
    ...r.notes.map((n) => `  note: ${n}`),
  ];
  if (p.columns.length) {
    const w = Math.min(24, Math.max(...p.columns.map((c) => c.name.length)) + 1);
    lines.push('columns:', ...p.columns.map((c) => `  ${c.name.padEnd(w)} ${c.type.padEnd(11)} ${(c.role ?? '').padEnd(9)} ${c.why ?? ''}`));
  }
  if (p.time) {
    const t = p.time;
    lines.push(
      `time: ${t.columns.join(' + ')} (${t.form}), ${t.interval ?? 'irregular'}, ${t.first} … ${t.last}, ${Math.round(100 * t.regularity)}% regular` +
        `${t.gaps ? `, ${t.gaps} gaps (${t.missingSteps} steps missing)` : ''}${t.repeats ? `, ${t.repeats} repeated times` : ''}${t.order !== 'ascending' ? `, rows ${t.order}` : ''}` +
        `${t.periods.length ? `; seasonal periods ${t.periods.join(', ')}${t.season ? ` (the data repeats every ${t.season})` : ' (none shows in the data)'}` : ''}`,
    );
  }
  lines.push(`proposal: ${p.shape} — ${p.task}`, `  why: ${say(p.reason)}`, `  as flags: ${choiceFlags(p.choice)}`);
  const others = p.candidates.filter((c) => c.task !== p.task);
  if (others.length) {
    lines.push('other ways to train on it (give the flags to inspect or train):');
    for (const c of others) lines.push(`  ${c.score.toFixed(2)}  ${c.task}${c.error ? ` — cannot train: ${describeProblem(c.error, 'cli')}` : ''}`, `        ${say(c.reason)}`, `        ${choiceFlags(c.choice)}`);
  }
  if (p.classes) lines.push(`classes: ${p.classes.slice(0, 12).map((c) => `${c.value} (${c.count})`).join(', ')}${p.classes.length > 12 ? `, … ${p.classes.length} in all` : ''}`);
  for (const w of p.warnings) lines.push(`warning: ${say(w)}`);
  lines.push('training pairs as the model sees them:', ...p.preview.map((x) => `  ${x.input}  →  ${x.output}`));
  if (r.chosen) {
    lines.push(`with your choices: ${r.chosen.shape} — ${r.chosen.summary}`);
    if (r.chosen.pairs?.length) lines.push('  training pairs with your choices:', ...r.chosen.pairs.map((x) => `    ${x.input}  →  ${x.output}`));
    for (const w of r.chosen.warnings) lines.push(`warning: ${say(w)}`);
    if (r.chosen.baseline) lines.push(`baseline to beat (${r.chosen.baseline.name}): ${Object.entries(r.chosen.baseline.metrics).map(([k, v]) => `${k} ${v.toPrecision(4)}`).join(', ')}`);
    const recipe = r.chosen.recipe;
    if (recipe) {
      lines.push('recipe (what train uses without flags):', ...recipe.reasons.map((x) => `  ${x.choice}: ${say(x.why)}`));
      const e = recipe.estimate;
      if (e) lines.push(`  estimate: ${(e.secondsPerStep * 1000).toPrecision(2)} ms a step here; all ${fmtInt(recipe.settings.steps)} steps would take ${fmtDuration(e.seconds)}, the budget allows ${fmtInt(Math.min(recipe.settings.steps, e.stepsInBudget))}`);
    }
  }
  process.stdout.write(lines.join('\n') + '\n');
  return 0;
}
