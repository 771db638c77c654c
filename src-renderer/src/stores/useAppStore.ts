// Application-wide state for the placeholder studio page: which host we run in and its version, and a small
// demonstration loss curve for the chart. Domain stores (useRunsStore, useDatasetsStore…) arrive with StudioApi.

import { defineStore } from 'pinia';
import { computed, ref, shallowRef, triggerRef } from 'vue';
import type { StudioHost } from '../host';

export type HostStatus = 'unknown' | 'loading' | 'ready' | 'absent' | 'failed';

/** One point of a loss curve: the training step and the loss after it. */
export interface LossPoint {
  step: number;
  loss: number;
}

export const useAppStore = defineStore('app', () => {
  const hostStatus = ref<HostStatus>('unknown');
  const version = ref<string | null>(null);
  const error = ref<string | null>(null);
  // Metric series grow long: kept out of deep reactivity (shallowRef), appended in place, then triggered.
  const lossCurve = shallowRef<LossPoint[]>([]);

  const latestLoss = computed(() => lossCurve.value.at(-1)?.loss ?? null);
  const bestLoss = computed(() => {
    let best: number | null = null;
    for (const point of lossCurve.value) if (best === null || point.loss < best) best = point.loss;
    return best;
  });
  const hostLabel = computed(() => {
    switch (hostStatus.value) {
      case 'ready':
        return `desktop ${version.value}`;
      case 'absent':
        return 'browser';
      case 'failed':
        return 'host unavailable';
      default:
        return '…';
    }
  });

  /** Asks the host for its version; a page without a host (plain browser) is 'absent', not an error. */
  async function connect(host: StudioHost | null): Promise<void> {
    if (host === null) {
      hostStatus.value = 'absent';
      return;
    }
    hostStatus.value = 'loading';
    error.value = null;
    try {
      version.value = await host.version();
      hostStatus.value = 'ready';
    } catch (cause) {
      error.value = cause instanceof Error ? cause.message : String(cause);
      hostStatus.value = 'failed';
    }
  }

  /** Appends one point; steps must increase, and a non-finite loss is refused rather than drawn. */
  function addLossPoint(point: LossPoint): void {
    const last = lossCurve.value.at(-1);
    if (last !== undefined && point.step <= last.step) {
      throw new RangeError(`step ${point.step} does not follow step ${last.step}`);
    }
    if (!Number.isFinite(point.loss)) throw new RangeError(`loss at step ${point.step} is not finite`);
    lossCurve.value.push({ step: point.step, loss: point.loss });
    triggerRef(lossCurve);
  }

  function clearLossCurve(): void {
    lossCurve.value = [];
  }

  return {
    hostStatus,
    version,
    error,
    lossCurve,
    latestLoss,
    bestLoss,
    hostLabel,
    connect,
    addLossPoint,
    clearLossCurve,
  };
});
