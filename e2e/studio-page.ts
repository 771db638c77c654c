// The page object for the studio's end-to-end stories: how a person reaches each screen and control, by role and
// label, as the tests read them. One place to change when the UI moves.

import { expect, type Locator, type Page, type TestInfo } from '@playwright/test';

/** The token the web host was started with (playwright.config.ts sets it). */
export const TOKEN = process.env['SEQSTUDIO_WEB_TOKEN'] ?? 'e2e-token-0123456789abcdef';

export class StudioPage {
  readonly problems: string[] = [];

  constructor(
    readonly page: Page,
    private readonly info: TestInfo,
  ) {
    page.on('pageerror', (error) => this.problems.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error') this.problems.push(`console error: ${message.text()}`);
    });
  }

  /** Opens the address the web host printed (with its token). */
  async open(): Promise<void> {
    await this.page.goto(`/?token=${TOKEN}`);
    await expect(this.page.getByRole('heading', { level: 1 })).toHaveText('Sequence Studio');
  }

  async show(screen: 'Data' | 'Design' | 'Train' | 'Compare' | 'Try' | 'Sweep'): Promise<void> {
    await this.page.getByRole('tab', { name: screen }).click();
    await expect(this.page.getByRole('tab', { name: screen })).toHaveAttribute('aria-selected', 'true');
  }

  /** Drops a file on the drop zone, as dragging it from the desktop does (text, or the bytes of a binary file). */
  async dropFile(name: string, content: string | Uint8Array, mimeType = 'text/plain'): Promise<void> {
    const zone = this.page.getByRole('region', { name: 'Drop a dataset file here' });
    const binary = typeof content !== 'string';
    const payload = binary ? Buffer.from(content).toString('base64') : content;
    const transfer = await this.page.evaluateHandle(
      ([n, c, t, b]) => {
        // runs in the page (the node project has no DOM types, hence the casts)
        const page = globalThis as unknown as { DataTransfer: new () => { items: { add(f: unknown): void } }; File: new (parts: (string | Uint8Array)[], name: string, o: { type: string }) => unknown; atob(s: string): string };
        const dt = new page.DataTransfer();
        const part = b ? Uint8Array.from(page.atob(c), (ch) => ch.charCodeAt(0)) : c;
        dt.items.add(new page.File([part], n, { type: t }));
        return dt;
      },
      [name, payload, mimeType, binary] as const,
    );
    await zone.dispatchEvent('dragenter', { dataTransfer: transfer });
    await zone.dispatchEvent('dragover', { dataTransfer: transfer });
    await zone.dispatchEvent('drop', { dataTransfer: transfer });
  }

  field(label: string): Locator {
    return this.page.getByLabel(label, { exact: true });
  }

  button(name: string | RegExp): Locator {
    return this.page.getByRole('button', { name });
  }

  /** A run chart by its test id: its canvas (focusable; takes the zoom keys) and its "Reset zoom" button. */
  chart(testid: string): { canvas: Locator; resetZoom: Locator } {
    const canvas = this.page.getByTestId(testid);
    return { canvas, resetZoom: this.page.locator('figure', { has: canvas }).getByRole('button', { name: 'Reset zoom' }) };
  }

  /** The loss the status bar shows for the selected run. */
  async shownLoss(): Promise<number> {
    const text = (await this.page.getByTestId('run-status').textContent()) ?? '';
    const m = /loss ([\d.]+)/.exec(text);
    return m ? Number(m[1]) : Number.NaN;
  }

  async waitForStatus(status: string | RegExp, timeout = 120_000): Promise<void> {
    await expect(this.page.getByTestId('run-status-badge')).toHaveText(status, { timeout });
  }

  /** A screenshot attached to the test report (and kept under test-results/). */
  async snap(name: string): Promise<void> {
    const path = this.info.outputPath(`${name}.png`);
    await this.page.screenshot({ path, fullPage: true });
    await this.info.attach(name, { path, contentType: 'image/png' });
  }
}
