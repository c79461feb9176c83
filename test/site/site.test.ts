import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadRepo } from '../../lib/repo/load.js';
import { buildSite } from '../../lib/site/site.js';
import { Fixture, PROJECT } from '../support/fixture.js';

const noInputs = { history: new Map(), tests: new Map() };
const sample = () => buildSite(loadRepo(PROJECT).repo, 'prod', noInputs);

describe('site: the job catalog of the sample repository', () => {
  it('has an index, a page per job and one per table or topic, all under 300 KB and without any network URL for assets', () => {
    const { files, catalog } = sample();
    expect(catalog.jobs).toHaveLength(10);
    for (const j of catalog.jobs) expect(files.has(`jobs/${j.job.id}.html`)).toBe(true);
    expect([...files.keys()].filter((f) => f.startsWith('tables/'))).toHaveLength(catalog.datasets.size);
    for (const [name, text] of files) {
      expect(Buffer.byteLength(text), name).toBeLessThan(300 * 1024);
      expect(text, name).not.toMatch(/<(script|link)[^>]+(src|href)="(https?:)?\/\//);
    }
  });

  it('is deterministic: the same repository gives the same bytes', () => {
    const a = sample().files;
    const b = sample().files;
    expect([...a.keys()]).toEqual([...b.keys()]);
    for (const [k, v] of a) expect(b.get(k)).toBe(v);
  });

  it('flags the raw phone numbers mysql-contracts-to-paimon writes into a lake table no policy protects', () => {
    const { files, catalog } = sample();
    const lake = catalog.datasets.get('paimon://paimon_dw/ods.rent_contracts')!;
    expect(lake.leaks).toEqual([
      {
        job: 'datasync/mysql-contracts-to-paimon',
        column: 'tenant_phone',
        from: {
          dataset: 'mysql://mysql-prod.rent.example:3306/rent.contracts',
          column: 'tenant_phone',
          policies: ['tenant-phone-last4'],
        },
      },
    ]);
    const source = catalog.datasets.get('mysql://mysql-prod.rent.example:3306/rent.contracts')!;
    expect([...source.protectedColumns.keys()].sort()).toEqual(['tenant_name', 'tenant_phone']);
    expect(source.leaks).toEqual([]);
    const page = [...files.entries()].find(([k]) => k.startsWith('tables/paimon_dw-ods.rent_contracts'))![1];
    expect(page).toContain('Unprotected:');
    expect(page).toContain('href="../jobs/datasync/mysql-contracts-to-paimon.html"');
  });

  it('a job page shows owners, on-call, links, effective configuration with origins, highlighted SQL and policies', () => {
    const page = sample().files.get('jobs/rental/rental-metrics-1m.html')!;
    expect(page).toContain('@zhao.min');
    expect(page).toContain('href="http://flink.rent.example/flink-rental/rental-metrics-1m/"');
    expect(page).toMatch(
      /<td><code>state.backend.type<\/code><\/td><td><code>rocksdb<\/code><\/td><td>platform\/flink-conf.yaml:\d+<\/td>/,
    );
    expect(page).toContain('<span class="k">INSERT</span>');
    expect(page).toContain('rental-no-staff-orders');
    expect(page).toContain('<svg class="lineage"');
    // The lineage graph: one edge per column flow, window_start from orders.created_at.
    expect(page).toContain(
      '<title>default_catalog.default_database.orders.created_at → paimon_dw.dws.rental_metrics_1m.window_start</title>',
    );
  });

  describe('with a hostile repository', () => {
    let fx: Fixture;
    beforeEach(() => {
      fx = new Fixture();
    });
    afterEach(() => fx.dispose());

    it('escapes descriptions and owners: a job cannot inject markup into the catalog', () => {
      fx.edit(
        'jobs/rental/rental-metrics-1m/job.yaml',
        'description: Orders, GMV',
        'description: <script>alert(1)</script><img src=x onerror=alert(2)> Orders, GMV',
      );
      const { files } = buildSite(loadRepo(fx.root).repo, 'prod', noInputs);
      for (const f of ['index.html', 'jobs/rental/rental-metrics-1m.html']) {
        expect(files.get(f)).not.toContain('<script>alert');
        expect(files.get(f)).toContain('&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;');
      }
    });
  });
});

describe('flinkops site (the command)', () => {
  let fx: Fixture;
  beforeEach(() => {
    fx = new Fixture();
  });
  afterEach(() => fx.dispose());

  it('writes the site, lists a job’s tests, and refuses to empty a folder it did not write', () => {
    fx.write('jobs/rental/rental-metrics-1m/tests/minute.yaml', 'name: one order per minute\n');
    const out = path.join(fx.root, 'public');
    const r = fx.cli('site', '--out', out);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^wrote \d+ files for 10 jobs and \d+ tables \(prod\) into /);
    const page = readFileSync(path.join(out, 'jobs/rental/rental-metrics-1m.html'), 'utf8');
    expect(page).toContain('jobs/rental/rental-metrics-1m/tests/minute.yaml');
    expect(page).toContain('name: one order per minute');
    expect(fx.cli('site', '--out', out).code).toBe(0);
    const foreign = path.join(fx.root, 'jobs');
    const refused = fx.cli('site', '--out', foreign);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('was not written by flinkops site');
    expect(fx.cli('site').code).toBe(2);
    expect(fx.cli('site', '--out', out, '--env', 'staging').stderr).toContain('no environment "staging"');
  }, 240_000);
});
