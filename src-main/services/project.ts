// A project on disk: a folder a person can copy, back up or put in version control.
//
//   project.json   name, the datasets it knows, and the current choices (dataset, data choices, design, settings)
//   datasets/      copies of files dropped into the studio and of bundled samples (files chosen with the desktop
//                  dialog are referenced where they are, by absolute path)
//   runs/<id>/     one folder per run (see runs.ts and run-store.ts)
//
// project.json is human-readable and written atomically (write, then rename); a project from a newer version or a
// damaged project.json is reported and never overwritten. Plain Node: used by the desktop app, the web host and tests.

import { copyFileSync, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { basename, isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { DatasetInfo, ProjectInfo } from '../../src-shared/studio-api';
import { writeFileAtomic } from '../../workers/engine/checkpoint';
import { DEFAULT_SAMPLE, samplePath } from './samples';

export const PROJECT_FORMAT = 'sequence-studio-project';
export const PROJECT_VERSION = 1;
const MAX_PROJECT_JSON = 16 * 2 ** 20;

/** A dataset as stored in project.json: where its file is (relative to the project when inside it). */
export interface StoredDataset extends DatasetInfo {
  file: string;
}

interface ProjectFile {
  format: typeof PROJECT_FORMAT;
  version: number;
  name: string;
  datasets: StoredDataset[];
  current?: ProjectInfo['current'];
}

export class ProjectError extends Error {
  override name = 'ProjectError';
}

export class Project {
  private constructor(
    readonly dir: string,
    private file: ProjectFile,
  ) {}

  /** Opens the project in `dir`, creating it (on the bundled sample) when the folder has no project.json. */
  static open(dir: string, opts: { create?: boolean; name?: string } = {}): Project {
    const root = resolve(dir);
    const jsonPath = join(root, 'project.json');
    if (!existsSync(jsonPath)) {
      if (opts.create === false) throw new ProjectError(`${root} is not a Sequence Studio project (no project.json)`);
      mkdirSync(root, { recursive: true });
      const p = new Project(root, { format: PROJECT_FORMAT, version: PROJECT_VERSION, name: opts.name ?? basename(root), datasets: [] });
      p.save();
      return p;
    }
    return new Project(root, readProjectFile(jsonPath));
  }

  get name(): string {
    return this.file.name;
  }

  get runsDir(): string {
    return join(this.dir, 'runs');
  }

  info(): ProjectInfo {
    return {
      name: this.file.name,
      path: this.dir,
      datasets: this.file.datasets.map(({ file: _file, ...d }) => d),
      ...(this.file.current ? { current: this.file.current } : {}),
    };
  }

  save(): void {
    writeFileAtomic(join(this.dir, 'project.json'), JSON.stringify(this.file, null, 2) + '\n');
  }

  setCurrent(current: NonNullable<ProjectInfo['current']>): void {
    this.dataset(current.datasetId); // must exist
    this.file.current = current;
    this.save();
  }

  dataset(id: string): StoredDataset {
    const d = this.file.datasets.find((x) => x.id === id);
    if (!d) throw new ProjectError(`this project has no dataset "${id}"`);
    return d;
  }

  /** The dataset's file on disk; refuses a project.json whose paths escape the project (a hostile project). */
  datasetPath(id: string): string {
    const d = this.dataset(id);
    if (isAbsolute(d.file)) {
      if (d.origin !== 'chosen') throw new ProjectError(`dataset "${id}": only files chosen on this machine may live outside the project`);
      return d.file;
    }
    const p = resolve(this.dir, d.file);
    if (!p.startsWith(this.dir + sep)) throw new ProjectError(`dataset "${id}": its path "${d.file}" leaves the project folder`);
    return p;
  }

  /** Copies a bundled sample into datasets/ (once) and returns it. */
  addSample(file: string): DatasetInfo {
    const existing = this.file.datasets.find((d) => d.origin === 'sample' && d.name === file);
    if (existing) return strip(existing);
    const target = this.freeDatasetFile(file);
    copyFileSync(samplePath(file), target);
    return this.register(file, 'sample', target);
  }

  /** Stores the bytes of a file the person dropped or picked in the page, under datasets/. */
  addBytes(name: string, bytes: Uint8Array): DatasetInfo {
    const clean = safeFileName(name);
    if (bytes.length === 0) throw new ProjectError(`${clean} is empty: there is nothing to train on`);
    const target = this.freeDatasetFile(clean);
    writeFileAtomic(target, bytes);
    return this.register(clean, 'dropped', target);
  }

  /** References a file the person chose with the system dialog, where it is. */
  addChosenFile(path: string): DatasetInfo {
    const abs = resolve(path);
    const existing = this.file.datasets.find((d) => d.origin === 'chosen' && d.file === abs);
    if (existing) return strip(existing);
    if (!existsSync(abs) || !statSync(abs).isFile()) throw new ProjectError(`${abs} is not a file`);
    return this.register(basename(abs), 'chosen', abs);
  }

  /** Opens a new project on the default sample, with the current choices set so the app opens on it. */
  ensureStarted(defaults: Omit<NonNullable<ProjectInfo['current']>, 'datasetId'>): void {
    if (this.file.datasets.length > 0) return;
    const d = this.addSample(DEFAULT_SAMPLE);
    this.setCurrent({ datasetId: d.id, ...defaults });
  }

  private register(name: string, origin: DatasetInfo['origin'], path: string): DatasetInfo {
    const stored: StoredDataset = {
      id: this.freeId(name),
      name,
      origin,
      bytes: statSync(path).size,
      file: origin === 'chosen' ? path : relative(this.dir, path).split(sep).join('/'),
    };
    this.file.datasets.push(stored);
    this.save();
    return strip(stored);
  }

  private freeId(name: string): string {
    const base = name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 60) || 'dataset';
    let id = base;
    for (let i = 2; this.file.datasets.some((d) => d.id === id); i++) id = `${base}-${i}`;
    return id;
  }

  private freeDatasetFile(name: string): string {
    const dir = join(this.dir, 'datasets');
    mkdirSync(dir, { recursive: true });
    const dot = name.lastIndexOf('.');
    const stem = dot > 0 ? name.slice(0, dot) : name;
    const ext = dot > 0 ? name.slice(dot) : '';
    let target = join(dir, name);
    for (let i = 2; existsSync(target); i++) target = join(dir, `${stem}-${i}${ext}`);
    return target;
  }
}

const strip = ({ file: _file, ...d }: StoredDataset): DatasetInfo => d;

/** A file name from a stranger: no folders, no control characters, not hidden, at most 120 characters. */
export function safeFileName(name: string): string {
  const last = name.split(/[/\\]/).pop() ?? '';
  // eslint-disable-next-line no-control-regex
  const clean = last.replace(/[\u0000-\u001f<>:"|?*]/g, '_').replace(/^\.+/, '').trim().slice(-120);
  if (clean === '') throw new ProjectError(`"${name.slice(0, 80)}" is not a usable file name`);
  return clean;
}

function readProjectFile(path: string): ProjectFile {
  const size = statSync(path).size;
  if (size > MAX_PROJECT_JSON) throw new ProjectError(`${path} is ${size} bytes: too large to be a project file`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new ProjectError(`${path} is damaged (${(e as Error).message}); it was left as it is — restore it from a backup or open another folder`);
  }
  const f = parsed as Partial<ProjectFile>;
  if (typeof f !== 'object' || f === null || f.format !== PROJECT_FORMAT) throw new ProjectError(`${path} is not a Sequence Studio project file`);
  if (typeof f.version !== 'number' || f.version > PROJECT_VERSION) {
    throw new ProjectError(`${path} was made by a newer Sequence Studio (project version ${String(f.version)}; this one reads ${PROJECT_VERSION}); update the studio to open it`);
  }
  if (!Array.isArray(f.datasets) || typeof f.name !== 'string') throw new ProjectError(`${path} is damaged: it lacks its name or dataset list`);
  for (const d of f.datasets) {
    if (typeof d?.id !== 'string' || typeof d.file !== 'string' || typeof d.name !== 'string') throw new ProjectError(`${path} is damaged: a dataset entry lacks its id, name or file`);
  }
  return f as ProjectFile;
}
