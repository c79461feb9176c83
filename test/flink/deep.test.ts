import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Diagnostic } from '../../lib/diagnostics/diagnostic.js';
import { validate } from '../../actions/validate.js';
import { Fixture, locate } from '../support/fixture.js';
import { flinkAvailable } from '../support/flink.js';

const HAVE_FLINK = flinkAvailable();

async function deep(
  fx: Fixture,
  jobs: string[] = [],
): Promise<{ ok: boolean; diagnostics: Diagnostic[]; parserGaps: unknown[] }> {
  const r = await validate({ repo: fx.root, jobs, format: 'json', deep: true });
  return JSON.parse(r.stdout);
}

describe.runIf(HAVE_FLINK)('validate --deep: Flink is the judge', () => {
  let fx: Fixture;
  beforeAll(() => {
    fx = new Fixture();
  });
  afterAll(() => fx.dispose());

  it('the sample repository passes deep validation on Flink 1.20 and 2.2', async () => {
    const out = await deep(fx);
    expect(out.diagnostics).toEqual([]);
    expect(out.ok).toBe(true);
  }, 600_000);

  it('reports an unknown column the grammar accepted, at the file, line and column', async () => {
    const f = new Fixture();
    try {
      const file = 'jobs/datasync/kafka-orders-to-paimon/02-sink.sql';
      f.edit(file, 'LOWER(TRIM(city)) AS city', 'LOWER(TRIM(cty)) AS city');
      const fast = f.validate(['datasync/kafka-orders-to-paimon']);
      expect(fast).toEqual([]); // the grammar cannot know
      const out = await deep(f, ['datasync/kafka-orders-to-paimon']);
      const d = out.diagnostics.find((x) => x.rule === 'sql/flink-validation')!;
      expect(d).toMatchObject({ file, ...locate(f.read(file), 'cty)'), job: 'datasync/kafka-orders-to-paimon' });
      expect(d.message).toContain("Column 'cty' not found");
    } finally {
      f.dispose();
    }
  }, 600_000);

  it('reports a type mismatch between a query and its sink, on a line with placeholders in another statement', async () => {
    const f = new Fixture();
    try {
      const file = 'jobs/datasync/mongo-tickets-to-clickhouse/tickets.sql';
      f.edit(
        file,
        'SELECT _id, house_id, category, priority, status,',
        'SELECT _id, house_id, category, status, status,',
      );
      const out = await deep(f, ['datasync/mongo-tickets-to-clickhouse']);
      const d = out.diagnostics.find((x) => x.rule === 'sql/flink-validation')!;
      expect(d.file).toBe(file);
      expect(d.line).toBe(locate(f.read(file), 'INSERT INTO ch_tickets').line);
      expect(d.message).toMatch(/Incompatible types for sink column 'priority'/);
    } finally {
      f.dispose();
    }
  }, 600_000);

  it('maps errors inside EXECUTE STATEMENT SET and on Flink 2.2', async () => {
    const f = new Fixture();
    try {
      const file = 'jobs/homeservice/workorder-sla/02-statement-set.sql';
      f.edit(
        file,
        'SELECT order_id, city, service_type, CAST(late_minutes AS BIGINT)',
        'SELECT order_id, city, service_typ, CAST(late_minutes AS BIGINT)',
      );
      f.edit('jobs/homeservice/team.yaml', 'flinkVersion: "1.20"', 'flinkVersion: "2.2"');
      const out = await deep(f, ['homeservice/workorder-sla']);
      const d = out.diagnostics.find((x) => x.rule === 'sql/flink-validation')!;
      expect(d).toMatchObject({ file, ...locate(f.read(file), 'service_typ,') });
      expect(d.message).toMatch(/^Flink 2\.2\.1: /);
    } finally {
      f.dispose();
    }
  }, 600_000);

  it('drops a grammar error on a statement Flink accepts, and counts it as a parser gap', async () => {
    const f = new Fixture();
    try {
      const file = 'jobs/acquisition/viewings-funnel/funnel.sql';
      f.edit(
        file,
        "SUM(CASE WHEN stage = 'BOOKED' THEN 1 ELSE 0 END)  AS booked",
        "COUNT(*) FILTER (WHERE stage = 'BOOKED')  AS booked",
      );
      expect(f.validate(['acquisition/viewings-funnel']).map((d) => d.rule)).toContain('sql/syntax');
      const out = await deep(f, ['acquisition/viewings-funnel']);
      expect(out.diagnostics).toEqual([]);
      expect(out.parserGaps).toHaveLength(1);
    } finally {
      f.dispose();
    }
  }, 600_000);
});
