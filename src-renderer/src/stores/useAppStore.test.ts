// @vitest-environment happy-dom
// useAppStore with a fake studio: connecting, a host that fails, screens, theme and notices.

import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it } from 'vitest';
import { setStudio } from '../host';
import { createFakeStudio, type FakeStudio } from '../testing/fakeStudio';
import { useAppStore } from './useAppStore';

describe('useAppStore', () => {
  let fake: FakeStudio;
  beforeEach(() => {
    setActivePinia(createPinia());
    fake = createFakeStudio();
    setStudio(fake);
  });

  it('asks the host for its version', async () => {
    const app = useAppStore();
    await app.connect();
    expect(app.version).toBe('0.0.0-fake');
    expect(app.notices).toEqual([]);
  });

  it('shows why the host failed, and keeps going', async () => {
    const app = useAppStore();
    fake.failNext.set('version', 'the studio host is not reachable');
    await app.connect();
    expect(app.version).toBeNull();
    expect(app.notices.map((n) => n.text)).toEqual(['connecting to the studio host: the studio host is not reachable']);
    app.dismiss(app.notices[0].id);
    expect(app.notices).toEqual([]);
  });

  it('switches screens and themes', () => {
    const app = useAppStore();
    expect(app.screen).toBe('data');
    app.show('train');
    expect(app.screen).toBe('train');
    const before = app.theme;
    app.toggleTheme();
    expect(app.theme).not.toBe(before);
    expect(localStorage.getItem('studio-theme')).toBe(app.theme);
  });
});
