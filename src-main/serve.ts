// `npm run serve -- [--port 5199] [--project DIR] [--host 127.0.0.1]`: the studio in a browser. Opens (or creates,
// on the bundled sample) a project folder, starts the web host and prints the address with its per-launch token.
// Ctrl+C, SIGTERM and SIGHUP stop live runs after their current step (each keeps its checkpoint) and exits.

import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { bundleRun, importRun } from './services/bundle';
import { exportRun } from './services/export';
import { StudioService } from './services/studio';
import { startWebHost } from './web-host';

const HELP = `Sequence Studio web host

  npm run serve -- [--port N] [--project DIR] [--host ADDRESS]

  --port N         port on 127.0.0.1 (default 5199; 0 picks a free one)
  --project DIR    project folder (default ~/Sequence Studio/Sample project; created on the bundled sample)
  --host ADDRESS   address to bind (default 127.0.0.1; anything else exposes the studio to your network)
`;

export async function main(argv = process.argv.slice(2)): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { port: { type: 'string', default: '5199' }, project: { type: 'string' }, host: { type: 'string', default: '127.0.0.1' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
    }));
  } catch (e) {
    console.error(`serve: ${(e as Error).message}\n\n${HELP}`);
    process.exit(2);
  }
  if (values.help) {
    console.log(HELP);
    return;
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`serve: --port must be a whole number from 0 to 65535, not "${values.port}"`);
    process.exit(2);
  }
  const appRoot = resolve(import.meta.dirname, '../..');
  const version = (JSON.parse(readFileSync(join(appRoot, 'package.json'), 'utf8')) as { version: string }).version;
  const projectDir = resolve(values.project ?? join(homedir(), 'Sequence Studio', 'Sample project'));
  let service: StudioService;
  try {
    service = new StudioService({ projectDir, version, exportRun, bundleRun: (runDir, out) => bundleRun(runDir, out), importRun });
  } catch (e) {
    console.error(`serve: ${(e as Error).message}`);
    process.exit(2);
  }
  // SEQSTUDIO_WEB_TOKEN fixes the token (the end-to-end tests use it); otherwise a fresh random one per launch.
  const token = process.env['SEQSTUDIO_WEB_TOKEN'] || undefined;
  if (token !== undefined && token.length < 16) {
    console.error('serve: SEQSTUDIO_WEB_TOKEN must be at least 16 characters');
    process.exit(2);
  }
  const host = await startWebHost({ service, rendererDir: join(appRoot, 'out/renderer'), port, host: values.host, token }).catch((e: unknown) => {
    console.error(`serve: ${(e as NodeJS.ErrnoException).code === 'EADDRINUSE' ? `port ${port} is in use; pick another with --port` : (e as Error).message}`);
    process.exit(2);
  });
  console.log(`Sequence Studio ${version} — project ${projectDir}`);
  console.log(`Open ${host.url}`);
  let stopping = false;
  const stop = (): void => {
    if (stopping) process.exit(130);
    stopping = true;
    console.log('stopping: live runs finish their step and keep their checkpoint…');
    void service.close().then(() => host.close()).then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  process.on('SIGHUP', stop);
}

void main();
