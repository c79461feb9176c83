import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { render } from '../../actions/render.js';
import { COMMIT_STAND_IN } from '../../lib/render/cache.js';
import { loadForRender } from '../../lib/render/load.js';
import { renderEnv } from '../../lib/render/render.js';
import { RACY_MS } from '../../lib/cache/folderStats.js';
import { Fixture, PROJECT } from '../support/fixture.js';
import { COMMIT, crds, renderAt } from './support.js';

const SESSION_JOB = 'acquisition/viewings-funnel';

/** Inputs a cached render must answer exactly as an uncached one (lib/render/cache.ts, load.ts, render.ts). */
describe('render cache: a cached render is an uncached render', () => {
  let fx: Fixture;
  let cache: string;
  beforeEach(() => {
    fx = new Fixture();
    cache = fx.results;
  });
  afterEach(() => {
    fx.dispose();
  });

  /** Renders twice with the cache (a miss, then a hit) and once without; all three must agree. */
  function same(env = 'prod', jobs?: string[], commit = COMMIT) {
    const first = renderAt(fx.root, env, jobs, { cache, commit });
    const second = renderAt(fx.root, env, jobs, { cache, commit });
    const fresh = renderAt(fx.root, env, jobs, { cache: false, commit });
    for (const cached of [first, second]) {
      expect(cached.stream).toBe(fresh.stream);
      expect(cached.diagnostics).toEqual(fresh.diagnostics);
    }
    return { first, second, fresh };
  }

  it('a job folder named like the commit stand-in keeps its name (it is not replaced by the commit)', () => {
    const id = `rental/${COMMIT_STAND_IN}`;
    cpSync(path.join(fx.root, 'jobs/rental/rental-metrics-1m'), path.join(fx.root, 'jobs', id), { recursive: true });
    const { fresh, second } = same('prod', [id]);
    expect(fresh.objects.map((o) => o.name)).toContain(COMMIT_STAND_IN);
    // Never cached: rendered every time (with the session job, whose cluster is rendered from all of them).
    expect(second.rendered).toEqual([SESSION_JOB, id]);
  });

  it('a platform file named like the commit stand-in (a Hadoop file: a ConfigMap key) keeps its name', () => {
    fx.write(`platform/envs/prod/hadoop/${COMMIT_STAND_IN}.xml`, '<configuration/>\n');
    const { fresh } = same('prod', ['rental/rental-metrics-1m']);
    expect(fresh.stream).toContain(`${COMMIT_STAND_IN}.xml`);
  });

  it("a repository template that reads inside the commit (a character, its length) sees the run's commit", () => {
    const name = 'templates/manifests/configmap.yaml.hbs';
    const own = readFileSync(path.join(PROJECT, name), 'utf8').replace(
      'data:\n',
      'data:\n{{#if annotations.[flinkops.io/commit]}}\n  initial: {{json annotations.[flinkops.io/commit].[0]}}\n{{/if}}\n',
    );
    // A plain copy of flinkops' own template keeps the stand-in: another commit renders nothing again.
    fx.write(name, readFileSync(path.join(PROJECT, name), 'utf8'));
    same('prod', ['rental/rental-metrics-1m']);
    const other = 'fedcba9876543210fedcba9876543210fedcba98';
    expect(same('prod', ['rental/rental-metrics-1m'], other).first.rendered).toEqual([SESSION_JOB]);
    fx.write(name, own);
    const { fresh } = same('prod', ['rental/rental-metrics-1m']);
    expect(fresh.stream).toContain(`initial: "${COMMIT[0]}"`);
    // The same with lookup, and with the commit's length.
    fx.write(name, own.replace('annotations.[flinkops.io/commit].[0]', '(lookup annotations.[flinkops.io/commit] 1)'));
    same('prod', ['rental/rental-metrics-1m']);
    fx.write(name, own.replace('[0]', 'length'));
    // A number is not a ConfigMap value: both renders say so, the same way.
    expect(same('prod', ['rental/rental-metrics-1m']).fresh.stream).toContain('initial: 40');
    // Through a link to a folder of platform/ (hashed there, under its own name, not again under templates/).
    fx.remove('templates/manifests');
    fx.write('platform/manifests/configmap.yaml.hbs', own);
    symlinkSync('../platform/manifests', path.join(fx.root, 'templates/manifests'));
    expect(same('prod', ['rental/rental-metrics-1m']).fresh.stream).toContain(`initial: "${COMMIT[0]}"`);
  });

  it('a link loop in platform/ (which render never reads) fails neither render: the cache is just not used', () => {
    symlinkSync('loop', path.join(fx.root, 'platform/loop'));
    const { second } = same('prod', ['rental/rental-metrics-1m']);
    expect(second.diagnostics).toEqual([]);
    expect(second.rendered).toEqual([SESSION_JOB, 'rental/rental-metrics-1m']);
  });

  it('a stray file among the entry folders does not fail the run (the store is trimmed after it)', () => {
    same('prod', ['rental/rental-metrics-1m']);
    const dir = path.join(cache, 'render');
    writeFileSync(path.join(dir, '00'), 'not a folder\n');
    // An edit: one entry written, so the store is trimmed after the run.
    fx.edit('jobs/rental/rental-metrics-1m/job.yaml', 'description:', 'description: Edited.');
    expect(same('prod', ['rental/rental-metrics-1m']).first.rendered).toContain('rental/rental-metrics-1m');
  });

  it('an entry that is JSON but not an entry is not used (no crash, rendered again)', () => {
    same('prod', ['rental/rental-metrics-1m']);
    const dir = path.join(cache, 'render');
    const files = readdirSync(dir).flatMap((sub) =>
      readdirSync(path.join(dir, sub)).map((f) => path.join(dir, sub, f)),
    );
    expect(files).toHaveLength(1);
    for (const text of ['{}', '{"load":[],"parts":[{}]}', '{"load":[{}],"parts":null}', 'null', '[]']) {
      writeFileSync(files[0]!, text, { mode: 0o600 });
      const { second } = same('prod', ['rental/rental-metrics-1m']);
      expect(second.rendered).toEqual([SESSION_JOB]);
    }
  });

  it('a job edited between the look-up and its render (its entry no longer fits) is not kept under its old key', async () => {
    same();
    // Folders vouched for by a snapshot only once older than a timestamp tick.
    await new Promise((r) => setTimeout(r, RACY_MS + 200));
    const load = () => loadForRender(fx.root, { env: 'prod', names: [], commit: COMMIT, dir: cache });
    load(); // takes the folders' snapshots
    const job = 'rental/rental-metrics-1m';
    const l = load();
    expect([...l.lookedUp.keys()].map((j) => j.id)).toContain(job);
    // The job that rendered the namespace's PodMonitor goes (its entry no longer fits), and the job is edited.
    l.repo.jobs.splice(
      l.repo.jobs.findIndex((j) => j.id === 'rental/orders-enrich-house'),
      1,
    );
    const original = fx.read(`jobs/${job}/job.yaml`);
    fx.edit(`jobs/${job}/job.yaml`, 'description:', 'description: Edited.');
    const mid = renderEnv(l.repo, { env: 'prod', commit: COMMIT, crds: crds(), cache: l.cache, lookedUp: l.lookedUp });
    expect(mid.rendered).toContain(job);
    fx.write(`jobs/${job}/job.yaml`, original);
    // Back as it was looked up: its entry must be its rendering, not the edited one's.
    expect(same().second.stream).not.toContain('Edited.');
  });

  it('flinkops render: linked SQL, a .sql folder, broken files, named jobs — cached as uncached, folders vouched for or not', async () => {
    const both = (jobs: string[] = []) => {
      const cached = render({ repo: fx.root, env: 'prod', jobs, commit: COMMIT, cache });
      expect(cached).toEqual(render({ repo: fx.root, env: 'prod', jobs, commit: COMMIT, cache: false }));
      return cached;
    };
    fx.write('sql-library/common.sql', "SET 'pipeline.name' = 'shared-v1';\n");
    symlinkSync('../../../sql-library/common.sql', path.join(fx.root, 'jobs/rental/orders-enrich-house/99-common.sql'));
    expect(both().exitCode).toBe(0);
    await new Promise((r) => setTimeout(r, RACY_MS + 200));
    both(); // folders old enough: snapshots taken (not of the folder holding a link)
    expect(both().stdout).toContain('shared-v1');
    // The link's target changes: its folder is read every time.
    fx.write('sql-library/common.sql', "SET 'pipeline.name' = 'shared-v2';\n");
    expect(both().stdout).toContain('shared-v2');
    // A .sql that is a folder: a problem of the repository (no job), which stops every render.
    mkdirSync(path.join(fx.root, 'jobs/homeservice/workorder-sla/50-x.sql'));
    expect(both().exitCode).toBe(1);
    expect(both(['rental/rental-metrics-1m']).stderr).toContain('is a folder');
    rmSync(path.join(fx.root, 'jobs/homeservice/workorder-sla/50-x.sql'), { recursive: true });
    // Broken YAML in a job stops it, named or all, not another named job.
    const original = fx.read('jobs/homeservice/daily-settlement/job.yaml');
    fx.write('jobs/homeservice/daily-settlement/job.yaml', `${original}parallelism: [\n`);
    expect(both().exitCode).toBe(1);
    expect(both(['homeservice/daily-settlement']).exitCode).toBe(1);
    expect(both(['rental/rental-metrics-1m']).exitCode).toBe(0);
    fx.write('jobs/homeservice/daily-settlement/job.yaml', original);
    expect(both().exitCode).toBe(0);
  });

  it('two teams in one namespace: its shared objects follow whichever job comes first, as jobs come, go and move', () => {
    const team = fx.read('jobs/rental/team.yaml');
    const copy = (from: string, to: string) =>
      cpSync(path.join(fx.root, 'jobs', from), path.join(fx.root, 'jobs', to), { recursive: true });
    /** Who the savepoint rule of each namespace pages (it is rendered by the namespace's first job). */
    const oncall = () =>
      Object.fromEntries(
        same('prod')
          .fresh.objects.filter((o) => o.kind === 'PrometheusRule' && o.name === 'flinkops-savepoints')
          .map((o) => [o.namespace, JSON.stringify(o.object).match(/"oncall":"([^"]*)"/)?.[1]]),
      );
    // Team "analytics" shares flink-rental; its job sorts before every rental job.
    fx.write('jobs/analytics/team.yaml', team.replace('["@rent/rental-leads"]', '["@rent/analytics-leads"]'));
    expect(oncall()['flink-rental']).toBe('@rent/rental-leads');
    copy('rental/rental-metrics-1m', 'analytics/metrics-copy');
    expect(oncall()['flink-rental']).toBe('@rent/analytics-leads');
    fx.edit('jobs/analytics/team.yaml', '@rent/analytics-leads', '@rent/analytics-oncall');
    expect(oncall()['flink-rental']).toBe('@rent/analytics-oncall');
    // Disabled in prod: the first rental job renders them again.
    fx.edit('jobs/analytics/metrics-copy/job.yaml', 'description:', 'envs: { prod: { enabled: false } }\ndescription:');
    expect(oncall()['flink-rental']).toBe('@rent/rental-leads');
    fx.edit('jobs/analytics/metrics-copy/job.yaml', 'envs: { prod: { enabled: false } }\n', '');
    expect(oncall()['flink-rental']).toBe('@rent/analytics-oncall');
    // The team moves to its own namespace; then its job moves to rental, renamed.
    fx.edit('jobs/analytics/team.yaml', 'namespace: flink-rental', 'namespace: flink-analytics');
    const moved = oncall();
    expect(moved['flink-rental']).toBe('@rent/rental-leads');
    expect(moved['flink-analytics']).toBe('@rent/analytics-oncall');
    copy('analytics/metrics-copy', 'rental/aaa-metrics');
    fx.remove('jobs/analytics');
    expect(oncall()['flink-analytics']).toBeUndefined();
    // Named jobs only, then all again, from the same cache.
    same('prod', ['rental/rental-metrics-1m']);
    same('prod', ['rental/aaa-metrics', 'rental/rental-metrics-1m']);
    expect(oncall()['flink-analytics']).toBeUndefined();
  });
});
