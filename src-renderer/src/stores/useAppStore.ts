// Application-wide state: which screen is showing, the theme, the host we run in, and the messages shown to the
// person (errors from any store land here, with what went wrong, and stay until dismissed).

import { defineStore } from 'pinia';
import { ref } from 'vue';
import { hostKind, studio } from '../host';
import { focusSetting, isSetting, labelOf, say } from '../lib/studioWords';

export const SCREENS = ['data', 'design', 'train', 'compare', 'try', 'sweep'] as const satisfies readonly string[];
export type Screen = (typeof SCREENS)[number];
export type Theme = 'light' | 'dark';

export interface Notice {
  id: number;
  kind: 'error' | 'info';
  text: string;
  /** An offer the person can take from the message itself (it is dismissed once taken). */
  action?: { label: string; run: () => Promise<void> | void };
}

export const useAppStore = defineStore('app', () => {
  const screen = ref<Screen>('data');
  const theme = ref<Theme>(initialTheme());
  const version = ref<string | null>(null);
  const host = ref<'desktop' | 'web'>(hostKind());
  const notices = ref<Notice[]>([]);
  let nextNotice = 1;

  async function connect(): Promise<void> {
    try {
      version.value = await studio().version();
    } catch (cause) {
      report(cause, 'connecting to the studio host');
    }
  }

  function show(next: Screen): void {
    screen.value = next;
  }

  function toggleTheme(): void {
    theme.value = theme.value === 'dark' ? 'light' : 'dark';
    try {
      localStorage.setItem('studio-theme', theme.value);
    } catch {
      // storage may be unavailable (private window): the theme still applies for this session
    }
  }

  /**
   * Shows an error to the person: what failed (`doing`) and why (the service's message, settings named by their
   * labels). An error about one setting focuses its field, and the message offers to go back to it.
   */
  function report(cause: unknown, doing?: string): void {
    const why = say(cause instanceof Error ? cause.message : String(cause));
    const setting = (cause as { setting?: unknown } | null)?.setting;
    const action = isSetting(setting) ? { label: `Go to “${labelOf(setting)}”`, run: () => focusSetting(setting, show) } : undefined;
    notices.value.push({ id: nextNotice++, kind: 'error', text: doing ? `${doing}: ${why}` : why, ...(action ? { action } : {}) });
    if (isSetting(setting)) void focusSetting(setting, show);
  }

  function inform(text: string, action?: Notice['action']): void {
    notices.value.push({ id: nextNotice++, kind: 'info', text, ...(action ? { action } : {}) });
  }

  async function act(id: number): Promise<void> {
    const n = notices.value.find((x) => x.id === id);
    if (!n?.action) return;
    dismiss(id);
    try {
      await n.action.run();
    } catch (cause) {
      report(cause, n.action.label.toLowerCase());
    }
  }

  function dismiss(id: number): void {
    notices.value = notices.value.filter((n) => n.id !== id);
  }

  return { screen, theme, version, host, notices, connect, show, toggleTheme, report, inform, act, dismiss };
});

function initialTheme(): Theme {
  try {
    const saved = localStorage.getItem('studio-theme');
    if (saved === 'light' || saved === 'dark') return saved;
  } catch {
    // no storage: fall through to the system preference
  }
  return typeof matchMedia === 'function' && matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}
