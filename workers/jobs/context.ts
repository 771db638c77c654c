// What every job handler (workers/jobs/*.ts) is given by the trainer worker (trainer.worker.ts): a way to post events
// to the main thread, the worker's WebAssembly kernels, and the steering of the job in progress (pause, resume,
// stop), which the worker's message switch sets.

import type { KernelExports, KernelVariant } from '../engine/kernels';
import type { FromTrainer } from '../protocol';

/** Pause, resume and stop, as the main thread sends them; a running job checks it between steps. */
export class Steering {
  paused = false;
  stopRequested = false;
  private wake?: () => void;

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    this.wake?.();
  }

  stop(): void {
    this.stopRequested = true;
    this.wake?.();
  }

  /** Resolves when the job is resumed or stopped. */
  waitWhilePaused(): Promise<void> {
    return new Promise<void>((r) => {
      this.wake = () => {
        this.wake = undefined;
        r();
      };
    });
  }
}

export interface JobContext {
  post(m: FromTrainer): void;
  /** The worker's kernels (one instance per call: each trainer owns its memory). */
  kernels(): { exports: KernelExports; variant: KernelVariant };
  steering: Steering;
  /** The worker's own file (a data-parallel group starts its other ranks from it). */
  workerFile: string;
}

/** Lets the worker's event loop run (to receive pause, resume and stop) between slices of work. */
export const yieldToMessages = (): Promise<void> => new Promise((r) => setImmediate(r));
