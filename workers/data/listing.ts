// What a folder holds, as the folder readers (folder.ts, channels.ts) see it: its visible subfolders and regular
// files in name order, with their sizes; links, devices and hidden entries (".git", ".DS_Store") left out.

import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';

export async function listing(dir: string): Promise<{ dirs: string[]; files: string[]; sizes: Map<string, number> }> {
  const dirs: string[] = [];
  const files: string[] = [];
  const sizes = new Map<string, number>();
  for (const e of (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    if (e.name.startsWith('.')) continue;
    const st = await lstat(join(dir, e.name));
    if (st.isDirectory()) dirs.push(e.name);
    else if (st.isFile()) (files.push(e.name), sizes.set(e.name, st.size));
  }
  return { dirs, files, sizes };
}
