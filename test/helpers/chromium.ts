import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export interface TestBrowser {
  context: BrowserContext;
  page: Page;
  /** Closes the browser and removes its profile. */
  close(): Promise<void>;
}

/**
 * Debian's Chromium (playwright cannot download its own here) with a throwaway profile: a
 * persistent context, so the page's localStorage outlives a reload as in an agent's browser.
 * `args` are further command-line switches (the softphone's audio test: fake microphone, a
 * stand-in's certificate).
 */
export async function launchChromium(name: string, viewport: { width: number; height: number }, opts: { args?: string[] } = {}): Promise<TestBrowser> {
  const profileDir = await mkdtemp(path.join(os.tmpdir(), `${name}-chromium-`));
  const context = await chromium.launchPersistentContext(profileDir, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', ...(opts.args ?? [])],
    viewport,
  });
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    context,
    page,
    async close() {
      await context.close();
      await rm(profileDir, { recursive: true, force: true });
    },
  };
}
