import { VALIDATE_FORMATS, type ValidateFormat } from '../../lib/diagnostics/format/index.js';
import { UsageError } from '../../lib/repo/select.js';
import type { Command } from '../command.js';

export const validateCommand: Command = {
  name: 'validate',
  usage: 'validate [JOB...] [--deep] [--no-cache] [--format text|json|codequality|junit] [--json]',
  summary: 'schemas, cross-file rules, SQL syntax, security lint; --deep: every statement checked by its Flink release',
  options: {
    format: { type: 'string', default: 'text' },
    json: { type: 'boolean' },
    deep: { type: 'boolean' },
    'no-cache': { type: 'boolean' },
  },
  async run(v, positionals, repo) {
    // Each command loads its action (and what only it needs) on use: start-up stays small.
    const { validate } = await import('../../actions/validate.js');
    const format = (v.json ? 'json' : v.format) as ValidateFormat;
    if (!VALIDATE_FORMATS.includes(format))
      throw new UsageError(`--format must be one of ${VALIDATE_FORMATS.join(', ')}`);
    const required = process.env.FLINKOPS_DEEP_REQUIRED;
    return validate({
      repo,
      jobs: positionals,
      format,
      color: format === 'text' && process.stdout.isTTY === true && !process.env.NO_COLOR,
      deep: Boolean(v.deep),
      ...(v['no-cache'] ? { cache: false as const } : {}),
      ...(required !== undefined ? { deepRequired: required === 'true' || required === '1' } : {}),
      log: (line) => process.stderr.write(`flinkops: ${line}\n`),
    });
  },
};
