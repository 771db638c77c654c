// Set-up of every renderer test (vitest's `setupFiles`): after each test, the project store writes the save still
// waiting out its debounce and drops a pending re-inspection, so no timer of one test fires into the next test's fake
// studio (a save landing among another test's calls once made `fake.calls.at(-1)` read the wrong call).

import { getActivePinia } from 'pinia';
import { afterEach } from 'vitest';
import { useProjectStore } from '../stores/useProjectStore';

afterEach(async () => {
  if (getActivePinia()) await useProjectStore().dispose();
});
