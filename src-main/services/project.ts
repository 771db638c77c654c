// A project on disk: a folder a person can copy, back up or put in version control.
//
//   project.json   name, the datasets it knows, and the current choices (dataset, data choices, design, settings)
//   datasets/      copies of files dropped into the studio and of bundled samples (files chosen with the desktop
//                  dialog are referenced where they are, by absolute path)
//   runs/<id>/     one folder per run (see runs.ts and run-store.ts)
//
// project.json is human-readable and written atomically (write, then rename) by a locked read-modify-write, so
// several studios on one project never lose each other's datasets; a project from a newer version or a damaged
// project.json is reported and never overwritten. Paths from project.json are followed only inside the project
// (safe-file.ts); a file outside it is read only if the person chose it on this machine (remembered in the app's
// own state, never trusted from the project). Plain Node: used by the desktop app, the web host and tests.

import { closeSync, copyFileSync, existsSync, lstatSync, mkdirSync, openSync, readFileSync, realpathSync, rmSync, statSync } from 'node:fs';
import { basename, isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { DatasetInfo, ProjectInfo } from '../../src-shared/studio-api';
import { writeFileAtomic } from '../../workers/engine/checkpoint';
import { FileRefused, openInside, readInside, readRegular, resolveInside } from '../../workers/engine/safe-file';
import { withLock } from './lock';
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
  private stamp = '';

  private constructor(
    readonly dir: string,
    private file: ProjectFile,
    private readonly stateDir?: string,
  ) {
    this.stamp = stampOf(join(dir, 'project.json'));
  }

  /**
   * Opens the project in `dir`, creating it (on the bundled sample) when the folder has no project.json.
   * `stateDir`: the app's own folder (desktop: its user-data folder), where files the person chose outside the
   * project are remembered; without it no path outside the project is ever read.
   */
  static open(dir: string, opts: { create?: boolean; name?: string; stateDir?: string } = {}): Project {
    const root = resolve(dir);
    const jsonPath = join(root, 'project.json');
    if (!existsSync(jsonPath) && !isLink(jsonPath)) {
      if (opts.create === false) throw new ProjectError(`${root} is not a Sequence Studio project (no project.json)`);
      mkdirSync(root, { recursive: true });
      const fresh: ProjectFile = { format: PROJECT_FORMAT, version: PROJECT_VERSION, name: opts.name ?? basename(root), datasets: [] };
      const p = new Project(root, fresh, opts.stateDir);
      // another process may create it at the same moment: whoever comes second reads the first one's
      p.update(() => undefined, fresh);
      return p;
    }
    return new Project(root, readProjectFile(root), opts.stateDir);
  }

  /** project.json as it is on disk now (another studio on the same project may have changed it). */
  private current(): ProjectFile {
    const stamp = stampOf(join(this.dir, 'project.json'));
    if (stamp !== this.stamp) {
      this.file = readProjectFile(this.dir);
      this.stamp = stamp;
    }
    return this.file;
  }

  /**
   * Changes project.json by a locked read-modify-write: under project.json.lock the file is read again, `change`
   * applied to what is there now and the result written atomically, so two processes never lose each other's
   * changes. `initial`: what to start from when there is no project.json yet.
   */
  private update<T>(change: (f: ProjectFile) => T, initial?: ProjectFile): T {
    return withLock(join(this.dir, 'project.json.lock'), 'project', `the project ${this.dir}`, () => {
      const path = join(this.dir, 'project.json');
      const f = initial && !existsSync(path) && !isLink(path) ? structuredClone(initial) : readProjectFile(this.dir);
      const r = change(f);
      writeFileAtomic(path, JSON.stringify(f, null, 2) + '\n');
      this.file = f;
      this.stamp = stampOf(path);
      return r;
    });
  }

  get name(): string {
    return this.current().name;
  }

  get runsDir(): string {
    return join(this.dir, 'runs');
  }

  info(): ProjectInfo {
    const f = this.current();
    return {
      name: f.name,
      path: this.dir,
      datasets: f.datasets.map(({ file: _file, ...d }) => d),
      ...(f.current ? { current: f.current } : {}),
    };
  }

  setCurrent(current: NonNullable<ProjectInfo['current']>): void {
    this.update((f) => {
      findDataset(f, current.datasetId); // must exist
      f.current = current;
    });
  }

  dataset(id: string): StoredDataset {
    return findDataset(this.current(), id);
  }

  /**
   * The dataset's file on disk, as a real path (every link followed). A hostile project cannot make the studio
   * read elsewhere: a path inside the project must stay inside it once links are followed, and a path outside it
   * is read only when this person chose that very file for this project on this machine (the app's own state
   * remembers it; project.json saying `origin: "chosen"` is not enough).
   */
  datasetPath(id: string): string {
    return this.pathOf(this.dataset(id));
  }

  private pathOf(d: StoredDataset): string {
    const id = d.id;
    if (isAbsolute(d.file)) {
      const real = tryRealpath(d.file);
      if (d.origin !== 'chosen' || !this.stateDir || !real || !wasChosen(this.stateDir, this.dir, real)) {
        throw new ProjectError(`dataset "${id}": project.json points outside the project folder (${d.file}) at a file that was not chosen for this project on this machine; it is not read — choose the file again with Import, or copy it into the project's datasets folder`);
      }
      return real;
    }
    try {
      return resolveInside(this.dir, d.file, `dataset "${id}": its path "${d.file}"`, `the project folder ${this.dir}`);
    } catch (e) {
      throw new ProjectError(e instanceof FileRefused ? e.message : String(e));
    }
  }

  /** Copies a bundled sample into datasets/ (once) and returns it. */
  addSample(file: string): DatasetInfo {
    const existing = this.current().datasets.find((d) => d.origin === 'sample' && d.name === file);
    if (existing) return strip(existing);
    const target = this.reserveDatasetFile(file);
    copyFileSync(samplePath(file), target);
    return this.register(file, 'sample', target, (f) => f.datasets.find((d) => d.origin === 'sample' && d.name === file));
  }

  /** Stores the bytes of a file the person dropped or picked in the page, under datasets/. */
  addBytes(name: string, bytes: Uint8Array): DatasetInfo {
    const clean = safeFileName(name);
    if (bytes.length === 0) throw new ProjectError(`${clean} is empty: there is nothing to train on`);
    const target = this.reserveDatasetFile(clean);
    writeFileAtomic(target, bytes);
    // The same bytes dropped again (under any name) are the dataset the project already has, not a second copy.
    return this.register(clean, 'dropped', target, (f) => f.datasets.find((d) => d.origin !== 'chosen' && d.bytes === bytes.length && d.file !== relative(this.dir, target).split(sep).join('/') && this.holds(d, bytes)));
  }

  /** Whether a dataset file inside the project holds exactly `bytes` (unreadable: no). */
  private holds(d: StoredDataset, bytes: Uint8Array): boolean {
    try {
      return Buffer.compare(readFileSync(this.pathOf(d)), bytes) === 0;
    } catch {
      return false;
    }
  }

  /** References a file the person chose with the system dialog, where it is (remembered in the app's own state). */
  addChosenFile(path: string): DatasetInfo {
    const abs = tryRealpath(resolve(path));
    if (!abs || !statSync(abs).isFile()) throw new ProjectError(`${resolve(path)} is not a regular file`);
    if (!this.stateDir) throw new ProjectError('files outside the project can only be chosen in the desktop app');
    rememberChosen(this.stateDir, this.dir, abs);
    return this.register(basename(abs), 'chosen', abs, (f) => f.datasets.find((d) => d.origin === 'chosen' && d.file === abs));
  }

  /** Opens a new project on the default sample, with the current choices set so the app opens on it. */
  ensureStarted(defaults: Omit<NonNullable<ProjectInfo['current']>, 'datasetId'>): void {
    if (this.current().datasets.length > 0) return;
    const d = this.addSample(DEFAULT_SAMPLE);
    this.update((f) => {
      f.current ??= { datasetId: d.id, ...defaults };
    });
  }

  /** Adds the dataset to project.json (locked read-modify-write); `same` finds an equal entry another process added. */
  private register(name: string, origin: DatasetInfo['origin'], path: string, same?: (f: ProjectFile) => StoredDataset | undefined): DatasetInfo {
    const file = origin === 'chosen' ? path : relative(this.dir, path).split(sep).join('/');
    const bytes = statSync(path).size;
    return this.update((f) => {
      const existing = same?.(f);
      if (existing) {
        if (origin !== 'chosen' && existing.file !== file) rmSync(path, { force: true }); // our copy is not needed
        return strip(existing);
      }
      const stored: StoredDataset = { id: freeId(f, name), name, origin, bytes, file };
      f.datasets.push(stored);
      return strip(stored);
    });
  }

  /** A new file name under datasets/, created empty and exclusively (two processes never pick the same). */
  private reserveDatasetFile(name: string): string {
    const dir = join(this.dir, 'datasets');
    mkdirSync(dir, { recursive: true });
    const dot = name.lastIndexOf('.');
    const stem = dot > 0 ? name.slice(0, dot) : name;
    const ext = dot > 0 ? name.slice(dot) : '';
    for (let i = 1; ; i++) {
      const target = join(dir, i === 1 ? name : `${stem}-${i}${ext}`);
      try {
        closeSync(openSync(target, 'wx'));
        return target;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
    }
  }
}

function findDataset(f: ProjectFile, id: string): StoredDataset {
  const d = f.datasets.find((x) => x.id === id);
  if (!d) throw new ProjectError(`this project has no dataset "${id}"`);
  return d;
}

function freeId(f: ProjectFile, name: string): string {
  const base = name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 60) || 'dataset';
  let id = base;
  for (let i = 2; f.datasets.some((d) => d.id === id); i++) id = `${base}-${i}`;
  return id;
}

/** Size, time and inode of a file: changes when another process rewrites it. */
function stampOf(path: string): string {
  try {
    const st = statSync(path);
    return `${st.size}:${st.mtimeMs}:${st.ino}`;
  } catch {
    return '';
  }
}

function isLink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}

function tryRealpath(path: string): string | undefined {
  try {
    return realpathSync(path);
  } catch {
    return undefined;
  }
}

// Files chosen outside a project, remembered in the app's own folder: { "<project real path>": ["<file>", …] }.
const CHOSEN_FILE = 'chosen-files.json';

function readChosen(stateDir: string): Record<string, string[]> {
  try {
    const r = JSON.parse(readRegular(join(stateDir, CHOSEN_FILE), 16 * 2 ** 20).toString('utf8')) as unknown;
    return typeof r === 'object' && r !== null && !Array.isArray(r) ? (r as Record<string, string[]>) : {};
  } catch {
    return {};
  }
}

function rememberChosen(stateDir: string, projectDir: string, file: string): void {
  mkdirSync(stateDir, { recursive: true });
  const key = tryRealpath(projectDir) ?? projectDir;
  withLock(join(stateDir, `${CHOSEN_FILE}.lock`), 'chosen files', 'the list of chosen files', () => {
    const all = readChosen(stateDir);
    const list = Array.isArray(all[key]) ? all[key] : [];
    if (!list.includes(file)) all[key] = [...list, file];
    writeFileAtomic(join(stateDir, CHOSEN_FILE), JSON.stringify(all, null, 2) + '\n');
  });
}

function wasChosen(stateDir: string, projectDir: string, file: string): boolean {
  const list = readChosen(stateDir)[tryRealpath(projectDir) ?? projectDir];
  return Array.isArray(list) && list.includes(file);
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

function readProjectFile(root: string): ProjectFile {
  const path = join(root, 'project.json');
  let text: string;
  try {
    // a regular file inside the project (not a FIFO that would block, not a link elsewhere), at most 16 MiB
    const { fd, stats } = openInside(root, 'project.json', path);
    closeSync(fd);
    if (stats.size > MAX_PROJECT_JSON) throw new ProjectError(`${path} is ${stats.size} bytes: too large to be a project file`);
    text = readInside(root, 'project.json', MAX_PROJECT_JSON, path).toString('utf8');
  } catch (e) {
    if (e instanceof ProjectError) throw e;
    throw new ProjectError(`${(e as Error).message}; the project cannot be opened`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
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
