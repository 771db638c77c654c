// The renderer's one handle on the platform. Placeholder until StudioApi (src-shared/) lands: in the desktop app the
// preload exposes `window.studio`; in a plain browser (the web host, the e2e tests) there is none yet.
// Stores receive this handle; views and stores never read `window.studio` themselves.

/** What the renderer can ask of its host today. */
export interface StudioHost {
  version(): Promise<string>;
}

export const studio: StudioHost | null = (globalThis as { studio?: StudioHost }).studio ?? null;
