// One prediction at a time for a Try panel: calls studio().predict, keeps the result (replaced whole, so a
// shallowRef), whether it is running, and why it failed (shown in the panel and as a notice).

import { ref, shallowRef } from 'vue';
import type { Prediction } from '../../../../src-shared/dataset';
import type { PredictOptions } from '../../../../src-shared/studio-api';
import { studio } from '../../host';
import { useAppStore } from '../../stores/useAppStore';

export function usePredict(runId: () => string) {
  const result = shallowRef<Prediction | null>(null);
  const busy = ref(false);
  const error = ref<string | null>(null);

  async function predict(options: PredictOptions, doing: string): Promise<void> {
    if (busy.value) return;
    busy.value = true;
    error.value = null;
    try {
      result.value = await studio().predict(runId(), options);
    } catch (cause) {
      error.value = cause instanceof Error ? cause.message : String(cause);
      useAppStore().report(cause, doing);
    } finally {
      busy.value = false;
    }
  }

  return { result, busy, error, predict };
}
