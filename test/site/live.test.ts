// The live view end to end: jobs applied to a real kube-apiserver, their status written as the Flink
// Kubernetes Operator (release 1.15) writes it, `flinkops status --json` read from that server, the
// site built with `--live`, and the pages opened in Chromium. The operator's fields:
// - lifecycleState: CommonStatus#getLifecycleState — FAILED once jobStatus.state is FAILED;
//   status.error carries the exception as JSON (ReconciliationUtils#updateForReconciliationError).
// - jobStatus.updateTime: epoch ms as a string, stamped when the state changes (JobStatusObserver#updateJobStatus).
// - jobStatus.checkpointInfo.lastCheckpoint {timeStamp, triggerType} (SnapshotObserver#observeTriggeredCheckpoint)
//   and savepointInfo.lastSavepoint {timeStamp, location, triggerType, formatType} (api/status/SavepointInfo.java).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apply } from '../../actions/apply.js';
import { site } from '../../actions/site.js';
import { status } from '../../actions/status.js';
import type { KubeClient } from '../../lib/k8s/client.js';
import { admin, ensureNamespace, flinkPath, isolate, setStatus } from '../apply/support.js';
import { type KubeCluster, startKubeForTests } from '../kube/harness.js';
import { GitFixture } from '../support/gitRepo.js';
import { type Browser, openChromium, SHOTS, seriousViolations } from './chromium.js';

let kube: KubeCluster | undefined;
let k: KubeClient;
let fx: GitFixture;
let out: string;
let browser: Browser;
let snapshot: { takenAt: string; head: string; jobs: any[] };
const METRICS = 'rental/rental-metrics-1m';
const ORDERS = 'datasync/kafka-orders-to-paimon';

beforeAll(async () => {
  kube = await startKubeForTests();
  if (!kube) return;
  k = await admin(kube.kubeconfig);
  const systemNs = `flinkops-live-${Date.now().toString(36)}`;
  process.env.FLINKOPS_NAMESPACE = systemNs;
  await ensureNamespace(k, systemNs);
  fx = new GitFixture();
  const sfx = isolate(fx);
  fx.commit('isolate the namespaces');
  const target = { kubeconfig: kube.kubeconfig, context: 'flinkops-local' };
  const applied = await apply({ repo: fx.root, env: 'test', jobs: [METRICS, ORDERS], ...target, json: true });
  expect(applied.exitCode, applied.stdout + applied.stderr).toBe(0);

  const t = Date.now();
  await setStatus(k, flinkPath(`flink-rental-${sfx}`, 'rental-metrics-1m'), {
    lifecycleState: 'STABLE',
    jobStatus: {
      state: 'RUNNING',
      updateTime: String(t - 3 * 3_600_000),
      checkpointInfo: { lastCheckpoint: { timeStamp: t - 120_000, triggerType: 'PERIODIC', formatType: 'FULL' } },
      savepointInfo: {
        lastSavepoint: {
          timeStamp: t - 2 * 3_600_000,
          location: 'hdfs://test-nn/flink/savepoints/rental/rental-metrics-1m/savepoint-5e1f00',
          triggerType: 'PERIODIC',
          formatType: 'CANONICAL',
        },
      },
    },
  });
  await setStatus(k, flinkPath(`flink-datasync-${sfx}`, 'kafka-orders-to-paimon'), {
    lifecycleState: 'FAILED',
    jobStatus: { state: 'FAILED', updateTime: String(t - 600_000) },
    error:
      '{"message":"org.apache.flink.runtime.JobException: Recovery is suppressed by NoRestartBackoffTimeStrategy"}',
  });
  // A change of the failed job's folder merged after its deployment: its commit drifts from HEAD.
  fx.edit('jobs/datasync/kafka-orders-to-paimon/job.yaml', 'parallelism: 4', 'parallelism: 6');
  fx.commit('more parallelism for kafka-orders-to-paimon, not applied yet');

  const r = await status({ repo: fx.root, env: 'test', jobs: [METRICS, ORDERS], json: true, ...target });
  expect(r.exitCode, r.stderr).toBe(0);
  snapshot = JSON.parse(r.stdout);
  const file = path.join(fx.root, 'status-test.json');
  writeFileSync(file, r.stdout);
  out = mkdtempSync(path.join(tmpdir(), 'flinkops-live-site-'));
  const built = await site({ repo: fx.root, out, live: [file] });
  expect(built.exitCode, built.stderr).toBe(0);
  browser = await openChromium();
}, 20 * 60_000);

afterAll(async () => {
  await browser?.close();
  if (out) rmSync(out, { recursive: true, force: true });
  fx?.dispose();
  if (!kube) return;
  k.close();
  await kube.stop();
}, 120_000);

const open = (p: string) => browser.page.goto(pathToFileURL(path.join(out, p)).href);

describe('the live view in Chromium, from a real API server', () => {
  it('Live: the failed job whose commit drifted needs attention, the healthy one does not; the snapshot says how old it is', async (ctx) => {
    if (!kube) return ctx.skip();
    const page = browser.page;
    await open('index.html');
    await page.getByRole('link', { name: 'Live', exact: true }).click();
    await expect(page.locator('h1').textContent()).resolves.toBe('Live');
    const attention = page.locator('table', { has: page.locator('caption', { hasText: 'Needs attention in test' }) });
    await expect(attention.locator('tbody tr').count()).resolves.toBe(1);
    const row = attention.locator('tbody tr').first();
    await expect(row.locator('th a').textContent()).resolves.toBe(ORDERS);
    await expect(row.textContent()).resolves.toContain('Recovery is suppressed by NoRestartBackoffTimeStrategy');
    await expect(row.locator('td').nth(0).textContent()).resolves.toBe('failed');
    await expect(row.locator('td').nth(1).textContent()).resolves.toMatch(/^FAILED \/ FAILEDsince \d{4}-\d\d-\d\d /);
    await expect(row.locator('td').nth(2).textContent()).resolves.toContain(
      'drift: behind HEAD', // and which of its files Git changed since
    );
    await expect(row.locator('td').nth(2).textContent()).resolves.toContain(
      'jobs/datasync/kafka-orders-to-paimon/job.yaml',
    );
    await expect(page.locator('.snapshot').first().textContent()).resolves.toContain(
      `taken ${snapshot.takenAt.slice(0, 19).replace('T', ' ')} UTC`,
    );
    // The reader's clock against the snapshot's time, filled in by assets/live.js.
    await expect(page.locator('.snapshot .ago').first().textContent()).resolves.toMatch(/^ \(\d+ s ago\)$/);
    await expect(page.locator('body').textContent()).resolves.toContain('No snapshot of prod');
    await page.screenshot({ path: path.join(SHOTS, 'live.png'), fullPage: true });
    expect(await seriousViolations(page)).toEqual([]);
  });

  it('Live: test lists every job with its checkpoint and savepoint ages against the snapshot', async (ctx) => {
    if (!kube) return ctx.skip();
    const page = browser.page;
    await open('live.html');
    await page.getByRole('link', { name: 'Every job in test' }).click();
    await expect(page.locator('h1').textContent()).resolves.toBe('Live: test');
    const metrics = page.locator('tbody tr', { has: page.getByRole('link', { name: METRICS }) });
    await expect(metrics.locator('td').nth(0).textContent()).resolves.toBe('healthy');
    await expect(metrics.locator('td').nth(2).textContent()).resolves.toContain(
      'older than HEAD; nothing of the job changed since',
    );
    await expect(metrics.locator('td').nth(3).textContent()).resolves.toMatch(
      /\(2 min before the snapshot, periodic\)$/,
    );
    await expect(metrics.locator('td').nth(4).textContent()).resolves.toMatch(/\(2 h before the snapshot, periodic\)$/);
    await expect(metrics.locator('td').nth(5).textContent()).resolves.toBe('0');
    await page.screenshot({ path: path.join(SHOTS, 'live-env.png'), fullPage: true });
    expect(await seriousViolations(page)).toEqual([]);
  });

  it('a job page shows its live section: states, the savepoint path, the links as deployed', async (ctx) => {
    if (!kube) return ctx.skip();
    const page = browser.page;
    await open('live/test.html');
    await page.getByRole('link', { name: METRICS }).click();
    await expect(page.locator('h1').textContent()).resolves.toBe(METRICS);
    const section = page.locator('table', { has: page.locator('th', { hasText: 'Environment' }) }).first();
    const row = section.locator('tbody tr').first();
    await expect(row.locator('th a').textContent()).resolves.toBe('test');
    await expect(row.locator('td').nth(1).textContent()).resolves.toMatch(/^STABLE \/ RUNNINGsince /);
    await expect(row.locator('td').nth(4).textContent()).resolves.toContain(
      'hdfs://test-nn/flink/savepoints/rental/rental-metrics-1m/savepoint-5e1f00',
    );
    await expect(
      page.locator('p', { hasText: 'test as deployed' }).getByRole('link', { name: 'flinkUi' }).getAttribute('href'),
    ).resolves.toMatch(/^http:\/\/flink-test\.rent\.example\/flink-rental-[0-9a-f]+\/rental-metrics-1m\/$/);
    await page.screenshot({ path: path.join(SHOTS, 'job-live.png'), fullPage: true });
    expect(await seriousViolations(page)).toEqual([]);
    expect(browser.requested).toEqual([]);
  });
});
