import { TEST_FORMATS, type TestFormat } from '../../lib/testrun/format.js';
import { UsageError } from '../../lib/repo/select.js';
import type { Command } from '../command.js';

export const testCommand: Command = {
  name: 'test',
  usage: 'test [JOB... | --changed --base REF] [--env ENV] [--format text|json|junit] [--junit FILE] [--results FILE]',
  summary: 'runs the SQL unit tests in the job folders (tests/*.yaml: given rows → expected rows) in real Flink',
  options: {
    env: { type: 'string' },
    format: { type: 'string', default: 'text' },
    changed: { type: 'boolean' },
    base: { type: 'string' },
    junit: { type: 'string' },
    results: { type: 'string' },
  },
  async run(v, positionals, repo) {
    // Each command loads its action (and what only it needs) on use: start-up stays small.
    const { test } = await import('../../actions/test.js');
    const format = v.format as TestFormat;
    if (!TEST_FORMATS.includes(format)) throw new UsageError(`--format must be one of ${TEST_FORMATS.join(', ')}`);
    return test({
      repo,
      jobs: positionals,
      ...(v.env ? { env: v.env as string } : {}),
      format,
      changed: Boolean(v.changed),
      ...(v.base ? { base: v.base as string } : {}),
      ...(v.junit ? { junit: v.junit as string } : {}),
      ...(v.results ? { results: v.results as string } : {}),
      log: (line) => process.stderr.write(`flinkops: ${line}\n`),
    });
  },
};
