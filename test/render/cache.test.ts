import { chmodSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { render } from '../../actions/render.js';
import { RepoLoader } from '../../lib/repo/load.js';
import { loadForRender } from '../../lib/render/load.js';
import { RACY_MS } from '../../lib/cache/folderStats.js';
import { COMMIT_STAND_IN } from '../../lib/render/cache.js';
import { Fixture, PROJECT } from '../support/fixture.js';
import { COMMIT, renderAt } from './support.js';

/** The sample's jobs an environment renders on their own (viewings-funnel runs in a session cluster). */
const OWN = [
  'acquisition/listing-score',
  'datasync/kafka-orders-to-paimon',
  'datasync/mongo-tickets-to-clickhouse',
  'datasync/mysql-contracts-to-paimon',
  'datasync/paimon-compact-orders',
  'homeservice/daily-settlement',
  'homeservice/workorder-sla',
  'rental/orders-enrich-house',
  'rental/rental-metrics-1m',
];
const SESSION_JOB = 'acquisition/viewings-funnel';

describe('render: a job’s objects cached by the bytes of everything they depend on', () => {
  let fx: Fixture;
  let cache: string;
  beforeAll(() => {
    fx = new Fixture();
    cache = fx.results;
  });
  afterAll(() => {
    fx.dispose();
  });

  /** A cached render: the jobs it rendered, after checking it gives exactly what an uncached render gives. */
  function run(env = 'prod', commit = COMMIT): string[] {
    const cached = renderAt(fx.root, env, undefined, { cache, commit });
    const fresh = renderAt(fx.root, env, undefined, { cache: false, commit });
    expect(fresh.rendered).toBeUndefined();
    expect(cached.stream).toBe(fresh.stream);
    expect(cached.objects).toEqual(fresh.objects);
    expect(cached.diagnostics).toEqual(fresh.diagnostics);
    return cached.rendered!;
  }

  it('renders every job once, then only the session job (its cluster is rendered from all of them)', () => {
    expect(run()).toEqual([...OWN, SESSION_JOB].sort());
    expect(run()).toEqual([SESSION_JOB]);
    expect(run('test')).toEqual([...OWN, SESSION_JOB].sort());
    expect(run('test')).toEqual([SESSION_JOB]);
  });

  it('another commit: nothing rendered again, and the objects record the new commit', () => {
    const next = 'fedcba9876543210fedcba9876543210fedcba98';
    expect(run('prod', next)).toEqual([SESSION_JOB]);
    const r = renderAt(fx.root, 'prod', undefined, { cache, commit: next });
    const annotations = r.objects.map(
      (o) => (o.object.metadata as { annotations?: Record<string, string> }).annotations?.['flinkops.io/commit'],
    );
    expect(annotations.filter((a) => a === next).length).toBeGreaterThan(OWN.length);
    expect(annotations).not.toContain(COMMIT);
    expect(r.stream).not.toContain(COMMIT_STAND_IN);
  });

  it('a commit that is not a plain word is part of the key: rendered once, then reused', () => {
    const odd = 'release "7"\n#1';
    expect(run('prod', odd)).toEqual([...OWN, SESSION_JOB].sort());
    expect(run('prod', odd)).toEqual([SESSION_JOB]);
  });

  it("a job's file: that job only", () => {
    run();
    fx.edit('jobs/homeservice/workorder-sla/job.yaml', 'description:', 'description: Edited.');
    expect(run()).toEqual(['acquisition/viewings-funnel', 'homeservice/workorder-sla']);
    fx.write('jobs/homeservice/daily-settlement/99-extra.sql', 'SELECT 1;\n');
    expect(run()).toEqual(['acquisition/viewings-funnel', 'homeservice/daily-settlement']);
    fx.edit('jobs/rental/rental-metrics-1m/owners.yaml', 'owners:', '# reviewed\nowners:');
    expect(run()).toEqual(['acquisition/viewings-funnel', 'rental/rental-metrics-1m']);
  });

  it("a team.yaml: that team's jobs", () => {
    fx.edit('jobs/datasync/team.yaml', 'namespace:', '# edited\nnamespace:');
    expect(run()).toEqual([
      'acquisition/viewings-funnel',
      'datasync/kafka-orders-to-paimon',
      'datasync/mongo-tickets-to-clickhouse',
      'datasync/mysql-contracts-to-paimon',
      'datasync/paimon-compact-orders',
    ]);
  });

  it('a platform file, a Hadoop file, a template of the repository: every job', () => {
    for (const change of [
      () => fx.edit('platform/alerts.yaml', 'rules:', '# edited\nrules:'),
      () => fx.write('platform/envs/prod/hadoop/extra-site.xml', '<configuration/>\n'),
      () => {
        const name = 'templates/manifests/ingress-networking-v1.yaml.hbs';
        fx.write(name, `# the repository's own copy\n${readFileSync(path.join(PROJECT, name), 'utf8')}`);
      },
    ]) {
      run();
      change();
      expect(run()).toEqual([...OWN, SESSION_JOB].sort());
    }
  });

  it('a job removed: the job that shares its namespace objects renders them now', () => {
    run();
    // orders-enrich-house came first in its namespace: the PodMonitor and the savepoint rule were its.
    fx.remove('jobs/rental/orders-enrich-house');
    expect(run()).toEqual(['acquisition/viewings-funnel', 'rental/rental-metrics-1m']);
    expect(run()).toEqual([SESSION_JOB]);
  });

  it('a job whose own text holds the commit stand-in is never cached, and keeps its text', () => {
    fx.edit('jobs/homeservice/workorder-sla/job.yaml', 'description:', `description: ${COMMIT_STAND_IN}`);
    expect(run()).toEqual(['acquisition/viewings-funnel', 'homeservice/workorder-sla']);
    expect(run()).toEqual(['acquisition/viewings-funnel', 'homeservice/workorder-sla']);
    const objects = renderAt(fx.root, 'prod', ['homeservice/workorder-sla'], { cache }).objects;
    const annotations = objects.map((o) => (o.object.metadata as { annotations: Record<string, string> }).annotations);
    expect(annotations.filter((a) => a['flinkops.io/description']?.startsWith(COMMIT_STAND_IN))).not.toHaveLength(0);
    expect(annotations.map((a) => a['flinkops.io/commit'])).toContain(COMMIT);
    fx.edit('jobs/homeservice/workorder-sla/job.yaml', `description: ${COMMIT_STAND_IN}`, 'description:');
  });

  it('entries that are not private files of this user, or not JSON, are not read', () => {
    const dir = path.join(cache, 'render');
    rmSync(dir, { recursive: true });
    run();
    const files = readdirSync(dir).flatMap((sub) =>
      readdirSync(path.join(dir, sub)).map((f) => path.join(dir, sub, f)),
    );
    // The jobs of OWN less the one removed above.
    expect(files).toHaveLength(OWN.length - 1);
    chmodSync(files[0]!, 0o666);
    writeFileSync(files[1]!, '[{"objects": [');
    expect(run()).toHaveLength(3);
    expect(run()).toEqual([SESSION_JOB]);
    chmodSync(cache, 0o777);
    expect(run()).toHaveLength(OWN.length);
    chmodSync(cache, 0o700);
  });
});

describe('render: a job whose rendering is cached is not parsed, nor read while its folder looks the same', () => {
  let fx: Fixture;
  let cache: string;
  beforeAll(() => {
    fx = new Fixture();
    cache = fx.results;
  });
  afterAll(() => {
    fx.dispose();
    vi.restoreAllMocks();
  });

  /** `flinkops render`, cached, checked against an uncached run; and the jobs it read this time. */
  function renderBoth(jobs: string[] = [], env = 'prod') {
    const reads = vi.spyOn(RepoLoader.prototype, 'readJob');
    const cached = render({ repo: fx.root, env, jobs, commit: COMMIT, cache });
    const read = reads.mock.calls.map((c) => c[0]);
    reads.mockRestore();
    const fresh = render({ repo: fx.root, env, jobs, commit: COMMIT, cache: false });
    expect(cached).toEqual(fresh);
    return { ...cached, read };
  }

  it('reads every job once, then only the session job once the folders are older than a timestamp tick', async () => {
    expect(renderBoth().read).toHaveLength(OWN.length + 1);
    // Folders changed within RACY_MS are read every time (an edit in the same tick could look the same).
    await new Promise((r) => setTimeout(r, RACY_MS + 200));
    expect(renderBoth().read).toHaveLength(OWN.length + 1);
    expect(renderBoth().read).toEqual([SESSION_JOB]);
    const l = loadForRender(fx.root, { env: 'prod', names: [], commit: COMMIT, dir: cache });
    expect([...l.lookedUp.keys()].map((j) => j.id)).toEqual(OWN);
    expect(l.repo.jobs.find((j) => j.id === 'rental/rental-metrics-1m')?.job).toBeUndefined();
  });

  it('an edited job is read and rendered again; naming jobs renders from the same cache', async () => {
    fx.edit('jobs/rental/rental-metrics-1m/job.yaml', 'description:', 'description: Edited.');
    expect(renderBoth().read).toEqual([SESSION_JOB, 'rental/rental-metrics-1m'].sort());
    const one = renderBoth(['rental-metrics-1m']);
    expect(one.stdout).toContain('name: rental-metrics-1m');
    expect(one.read).toEqual([SESSION_JOB, 'rental/rental-metrics-1m'].sort());
  });

  it("a job's broken file blocks its render exactly as without the cache, and only when it is named", () => {
    fx.write('jobs/homeservice/workorder-sla/job.yaml', 'type: sql\nparallelism: [\n');
    const all = renderBoth();
    expect(all.exitCode).toBe(1);
    expect(all.stderr).toMatch(/jobs\/homeservice\/workorder-sla\/job.yaml\n +3:1 +error/);
    expect(renderBoth(['rental/orders-enrich-house']).exitCode).toBe(0);
  });
});
