#!/usr/bin/env node
// Launcher for the `seqstudio` command line: runs the built CLI (out/main/cli.js, from `npm run build`).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('../out/main/cli.js', import.meta.url));
if (!existsSync(cli)) {
  process.stderr.write('seqstudio: the app is not built yet; run `npm run build` first\n');
  process.exit(2);
}
const { main } = await import(cli);
process.exit(await main(process.argv.slice(2)));
