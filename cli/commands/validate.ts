import { validate } from '../../actions/validate.js';
import { VALIDATE_FORMATS, type ValidateFormat } from '../../lib/diagnostics/format/index.js';
import { UsageError } from '../../lib/repo/select.js';
import type { Command } from '../command.js';

export const validateCommand: Command = {
  name: 'validate',
  usage: 'validate [JOB...] [--format text|json|codequality|junit]',
  summary: 'schemas, cross-file rules, SQL syntax, security lint',
  options: { format: { type: 'string', default: 'text' }, json: { type: 'boolean' } },
  run(v, positionals, repo) {
    const format = (v.json ? 'json' : v.format) as ValidateFormat;
    if (!VALIDATE_FORMATS.includes(format)) throw new UsageError(`--format must be one of ${VALIDATE_FORMATS.join(', ')}`);
    return validate({ repo, jobs: positionals, format, color: format === 'text' && process.stdout.isTTY === true && !process.env.NO_COLOR });
  },
};
