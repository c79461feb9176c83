import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { PROJECT } from '../support/fixture.js';

/** Debian's Chromium, driven by playwright-core; screenshots go to test-artifacts/site/ (gitignored; CI keeps it). */
const CHROMIUM = process.env.FLINKOPS_CHROMIUM ?? '/usr/bin/chromium';
export const SHOTS = path.join(PROJECT, 'test-artifacts/site');
const axeSource = (createRequire(import.meta.url)('axe-core') as { source: string }).source;

export interface Browser {
  page: Page;
  /** Every request that was not a file of the site (refused). */
  requested: string[];
  close(): Promise<void>;
}

/** A headless Chromium that may open files only: any other request is refused and recorded. */
export async function openChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM))
    throw new Error(
      `no Chromium at ${CHROMIUM}: the site's browser tests need it (Debian: apt-get install -y chromium; .ci/run installs it)`,
    );
  const profile = mkdtempSync(path.join(tmpdir(), 'flinkops-chromium-'));
  mkdirSync(SHOTS, { recursive: true });
  const context: BrowserContext = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
    viewport: { width: 1280, height: 900 },
  });
  const requested: string[] = [];
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith('file:')) return route.continue();
    requested.push(url);
    return route.abort();
  });
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    page,
    requested,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** axe-core's serious and critical violations on the page, one line each. */
export async function seriousViolations(p: Page): Promise<string[]> {
  await p.addScriptTag({ content: axeSource });
  const result = (await p.evaluate('axe.run(document, { resultTypes: ["violations"] })')) as {
    violations: { id: string; impact: string; nodes: { target: string[] }[] }[];
  };
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}
