// One job in a trainer worker thread, from the services' side: starts the worker, sends the job, hands its events to
// `onEvent`, and settles with the job's answer — or rejects with the error it failed with (an InputError or
// SettingError when the request was the person's to fix, made again from the Problem the worker sent), or when the
// worker crashed or stopped. The worker is terminated either way. Runs use startRun (runs.ts) instead: they are
// steered while they train and end with their `done` event.

import { errorOf } from '../../src-shared/settings';
import type { FromTrainer, Job, JobResults, JobType } from '../../workers/protocol';
import createTrainerWorker from '../../workers/trainer.worker?nodeWorker';

/** What the job is, in the words of a crash message ("the export worker crashed: …"). */
const WHAT: Record<JobType, string> = { start: 'trainer', bench: 'benchmark', 'bench-generate': 'benchmark', inspect: 'import', predict: 'prediction', export: 'export', bundle: 'bundle', evaluate: 'evaluation' };

export async function callWorker<T extends Exclude<JobType, 'start'>>(job: Extract<Job, { type: T }>, onEvent?: (m: FromTrainer) => void): Promise<JobResults[T]> {
  const worker = createTrainerWorker();
  const what = WHAT[(job as Job).type];
  try {
    return await new Promise<JobResults[T]>((resolveDone, reject) => {
      worker.on('message', (m: FromTrainer) => {
        if (m.type === 'job-result') resolveDone(m.value as JobResults[T]);
        else if (m.type === 'job-failed') reject(errorOf(m.problem));
        else onEvent?.(m);
      });
      worker.on('error', (e) => reject(new Error(`the ${what} worker crashed: ${e.message}`)));
      worker.on('exit', (code) => reject(new Error(`the ${what} worker stopped unexpectedly (exit code ${code})`)));
      worker.postMessage(job);
    });
  } finally {
    await worker.terminate();
  }
}
