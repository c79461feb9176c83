// The site's questions to Flink are cached by their bytes (lib/flink/explain.ts): a second build asks
// Flink nothing it was asked before, and a changed job is asked again. To see which, the second and
// third builds run with no `java` on PATH: what the cache answers succeeds, what it cannot fails.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadRepo } from '../../lib/repo/load.js';
import { siteFlink } from '../../lib/site/flink.js';
import { Fixture } from '../support/fixture.js';

const results = mkdtempSync(path.join(tmpdir(), 'flinkops-explain-cache-'));
const saved = { results: process.env.FLINKOPS_RESULTS, path: process.env.PATH };
let fx: Fixture;

beforeAll(() => {
  process.env.FLINKOPS_RESULTS = results;
  fx = new Fixture();
});
afterAll(() => {
  process.env.FLINKOPS_RESULTS = saved.results;
  process.env.PATH = saved.path;
  fx.dispose();
  rmSync(results, { recursive: true, force: true });
});

async function withoutJava<T>(run: () => Promise<T>): Promise<T> {
  process.env.PATH = '/nonexistent';
  try {
    return await run();
  } finally {
    process.env.PATH = saved.path;
  }
}

describe("site: Flink's answers cached by the question", () => {
  it('a second build of the same repository is answered from the cache, the same answers', async () => {
    const first = await siteFlink(loadRepo(fx.root).repo, 'prod');
    expect(first.diagnostics).toEqual([]);
    expect(first.jobs.size).toBeGreaterThan(5);
    const second = await withoutJava(() => siteFlink(loadRepo(fx.root).repo, 'prod'));
    expect(second.diagnostics).toEqual([]);
    expect([...second.jobs]).toEqual([...first.jobs]);
  }, 600_000);

  it('a job whose SQL changed is asked again (and here, with no Java, says lineage is not shown)', async () => {
    fx.edit('jobs/rental/rental-metrics-1m/02-metrics.sql', 'COUNT(*)', 'COUNT(1)');
    const third = await withoutJava(() => siteFlink(loadRepo(fx.root).repo, 'prod'));
    expect(third.diagnostics.map((d) => d.rule)).toEqual(['deep/unavailable']);
    const fourth = await siteFlink(loadRepo(fx.root).repo, 'prod');
    expect(fourth.diagnostics).toEqual([]);
    expect(fourth.jobs.get('rental/rental-metrics-1m')?.own.lineage.length).toBeGreaterThan(0);
  }, 600_000);
});
