// @vitest-environment happy-dom
// useAppStore with a fake host: connecting, a host that fails, no host at all, and the loss curve's rules.

import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it } from 'vitest';
import type { StudioHost } from '../host';
import { useAppStore } from './useAppStore';

function fakeHost(answer: () => Promise<string>): StudioHost & { calls: number } {
  const host = {
    calls: 0,
    version(): Promise<string> {
      host.calls++;
      return answer();
    },
  };
  return host;
}

describe('useAppStore', () => {
  beforeEach(() => {
    setActivePinia(createPinia());
  });

  it('asks the host for its version once and reports it', async () => {
    const app = useAppStore();
    const host = fakeHost(() => Promise.resolve('1.2.3'));
    expect(app.hostStatus).toBe('unknown');

    const pending = app.connect(host);
    expect(app.hostStatus).toBe('loading');
    await pending;

    expect(host.calls).toBe(1);
    expect(app.hostStatus).toBe('ready');
    expect(app.version).toBe('1.2.3');
    expect(app.hostLabel).toBe('desktop 1.2.3');
    expect(app.error).toBeNull();
  });

  it('keeps the reason when the host fails', async () => {
    const app = useAppStore();
    await app.connect(fakeHost(() => Promise.reject(new Error('studio:version: untrusted sender'))));

    expect(app.hostStatus).toBe('failed');
    expect(app.version).toBeNull();
    expect(app.error).toBe('studio:version: untrusted sender');
    expect(app.hostLabel).toBe('host unavailable');
  });

  it('treats a page without a host as a browser, not an error', async () => {
    const app = useAppStore();
    await app.connect(null);

    expect(app.hostStatus).toBe('absent');
    expect(app.hostLabel).toBe('browser');
    expect(app.error).toBeNull();
  });

  it('tracks the latest and best loss as points arrive', () => {
    const app = useAppStore();
    expect(app.latestLoss).toBeNull();
    expect(app.bestLoss).toBeNull();

    app.addLossPoint({ step: 1, loss: 2.0 });
    app.addLossPoint({ step: 2, loss: 0.5 });
    app.addLossPoint({ step: 3, loss: 0.8 });

    expect(app.lossCurve.map((point) => point.step)).toEqual([1, 2, 3]);
    expect(app.latestLoss).toBe(0.8);
    expect(app.bestLoss).toBe(0.5);

    app.clearLossCurve();
    expect(app.lossCurve).toEqual([]);
    expect(app.latestLoss).toBeNull();
  });

  it('refuses steps out of order and non-finite losses, keeping the curve as it was', () => {
    const app = useAppStore();
    app.addLossPoint({ step: 5, loss: 1 });

    expect(() => app.addLossPoint({ step: 5, loss: 0.9 })).toThrow(/step 5 does not follow step 5/);
    expect(() => app.addLossPoint({ step: 6, loss: Number.NaN })).toThrow(/not finite/);
    expect(() => app.addLossPoint({ step: 7, loss: Number.POSITIVE_INFINITY })).toThrow(/not finite/);

    expect(app.lossCurve).toEqual([{ step: 5, loss: 1 }]);
  });
});
