import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadRepo } from '../../lib/repo/load.js';
import { siteFlink } from '../../lib/site/flink.js';
import { buildSite } from '../../lib/site/site.js';
import { PROJECT } from '../support/fixture.js';
import { type Browser, openChromium, SHOTS, seriousViolations } from './chromium.js';

/**
 * The catalog in a real browser: Debian's Chromium driven by playwright-core opens the built site,
 * goes index → job → table, searches, checks the lineage graph is drawn, and runs axe-core.
 * Screenshots go to test-artifacts/site/ (gitignored; CI keeps it).
 */
let dir: string;
let browser: Browser;
let page: Page;
let requested: string[];

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'flinkops-site-'));
  const repo = loadRepo(PROJECT).repo;
  const flink = await siteFlink(repo, 'prod');
  const { files } = buildSite(repo, 'prod', { history: new Map(), tests: new Map(), flink });
  for (const [rel, text] of files) {
    mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    writeFileSync(path.join(dir, rel), text);
  }
  browser = await openChromium();
  page = browser.page;
  requested = browser.requested;
}, 600_000);

afterAll(async () => {
  await browser?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the job catalog in Chromium', () => {
  it('index: search narrows the jobs; keyboard reaches the skip link first; no serious axe violation', async () => {
    await page.goto(pathToFileURL(path.join(dir, 'index.html')).href);
    await expect(page.locator('tr[data-search]:visible').count()).resolves.toBe(10);
    await page.getByLabel('Search jobs').fill('contracts');
    await expect(page.locator('tr[data-search]:visible').count()).resolves.toBe(1);
    await expect(page.locator('#search-status').textContent()).resolves.toBe('1 of 10 jobs');
    await page.getByLabel('Search jobs').fill('@zhao.min');
    await expect(page.locator('tr[data-search]:visible').count()).resolves.toBe(2);
    await page.getByLabel('Search jobs').fill('');
    await page.screenshot({ path: path.join(SHOTS, 'index.png'), fullPage: true });
    await page.reload();
    await page.keyboard.press('Tab');
    await expect(page.evaluate(() => document.activeElement?.textContent)).resolves.toBe('Skip to content');
    expect(await seriousViolations(page)).toEqual([]);
  });

  it('index → job: the lineage graph is drawn with one edge per column flow; no serious axe violation', async () => {
    await page.goto(pathToFileURL(path.join(dir, 'index.html')).href);
    await page.getByLabel('Search jobs').fill('contracts');
    await page.getByRole('link', { name: 'mysql-contracts-to-paimon' }).click();
    await expect(page.locator('h1').textContent()).resolves.toBe('datasync/mysql-contracts-to-paimon');
    const svg = page.locator('svg.lineage');
    const box = await svg.boundingBox();
    expect(box!.width).toBeGreaterThan(300);
    expect(box!.height).toBeGreaterThan(100);
    await expect(svg.locator('path.edge').count()).resolves.toBe(9);
    await expect(svg.locator('path.edge.leak').count()).resolves.toBe(1);
    // Rendered, not only present: the edges have a painted length.
    const length = await svg
      .locator('path.edge')
      .first()
      .evaluate((p) => (p as SVGPathElement).getTotalLength());
    expect(length).toBeGreaterThan(100);
    await page.screenshot({ path: path.join(SHOTS, 'job.png'), fullPage: true });
    expect(await seriousViolations(page)).toEqual([]);
  });

  it('job → table: the lake table names its writer and flags the unmasked phone numbers; no serious axe violation', async () => {
    await page.goto(pathToFileURL(path.join(dir, 'jobs/datasync/mysql-contracts-to-paimon.html')).href);
    await page.getByRole('link', { name: 'paimon_dw.ods.rent_contracts' }).first().click();
    await expect(page.locator('h1').textContent()).resolves.toBe('ods.rent_contracts');
    await expect(page.locator('.warn').textContent()).resolves.toContain('tenant_phone');
    await expect(
      page.getByRole('link', { name: 'datasync/mysql-contracts-to-paimon' }).first().getAttribute('href'),
    ).resolves.toBe('../jobs/datasync/mysql-contracts-to-paimon.html');
    await page.screenshot({ path: path.join(SHOTS, 'table.png'), fullPage: true });
    expect(await seriousViolations(page)).toEqual([]);
    for (const p of ['tables.html', 'teams.html']) {
      await page.goto(pathToFileURL(path.join(dir, p)).href);
      expect(await seriousViolations(page), p).toEqual([]);
    }
    expect(requested).toEqual([]);
  });
});
