import { execFileSync } from 'node:child_process';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { codeowners } from '../actions/codeowners.js';
import { config } from '../actions/config.js';
import { newJob } from '../actions/new.js';
import type { ActionResult } from '../actions/result.js';
import { validate } from '../actions/validate.js';
import { VALIDATE_FORMATS, type ValidateFormat } from '../lib/diagnostics/format/index.js';
import { UsageError } from '../lib/repo/select.js';

const USAGE = `flinkops — GitOps for Apache Flink jobs

usage: flinkops <command> [options]

  validate [JOB...] [--format text|json|codequality|junit]
                       schemas, cross-file rules, SQL syntax, security lint
  config JOB --env ENV [--show-origin] [--json]
                       the effective configuration, and where each value came from
  new TEAM/JOB --type sql|jar
                       scaffold a job that validates clean
  codeowners [--check] [--flavor gitlab|github] [--stdout]
                       CODEOWNERS generated from owners.yaml and team.yaml

common options: --repo DIR (default: the enclosing Git repository), --help
exit codes: 0 success, 1 the repository has a problem to fix, 2 wrong usage or internal error
`;

type Options = NonNullable<ParseArgsConfig['options']>;
const common: Options = { repo: { type: 'string' }, help: { type: 'boolean', short: 'h' } };

interface Command {
  options: Options;
  run(values: Record<string, unknown>, positionals: string[], repo: string): ActionResult;
}

const commands: Record<string, Command> = {
  validate: {
    options: { format: { type: 'string', default: 'text' }, json: { type: 'boolean' } },
    run(v, positionals, repo) {
      const format = (v.json ? 'json' : v.format) as ValidateFormat;
      if (!VALIDATE_FORMATS.includes(format)) throw new UsageError(`--format must be one of ${VALIDATE_FORMATS.join(', ')}`);
      return validate({ repo, jobs: positionals, format, color: format === 'text' && process.stdout.isTTY === true && !process.env.NO_COLOR });
    },
  },
  config: {
    options: { env: { type: 'string' }, 'show-origin': { type: 'boolean' }, json: { type: 'boolean' } },
    run(v, positionals, repo) {
      if (positionals.length !== 1) throw new UsageError('usage: flinkops config JOB --env ENV [--show-origin] [--json]');
      return config({ repo, job: positionals[0]!, env: v.env as string | undefined, showOrigin: Boolean(v['show-origin']), json: Boolean(v.json) });
    },
  },
  new: {
    options: { type: { type: 'string', default: 'sql' } },
    run(v, positionals, repo) {
      if (positionals.length !== 1) throw new UsageError('usage: flinkops new TEAM/JOB --type sql|jar');
      if (v.type !== 'sql' && v.type !== 'jar') throw new UsageError('--type must be sql or jar');
      return newJob({ repo, target: positionals[0]!, type: v.type });
    },
  },
  codeowners: {
    options: { check: { type: 'boolean' }, flavor: { type: 'string', default: 'gitlab' }, stdout: { type: 'boolean' } },
    run(v, positionals, repo) {
      if (positionals.length) throw new UsageError('usage: flinkops codeowners [--check] [--flavor gitlab|github] [--stdout]');
      if (v.flavor !== 'gitlab' && v.flavor !== 'github') throw new UsageError('--flavor must be gitlab or github');
      return codeowners({ repo, flavor: v.flavor, check: Boolean(v.check), stdout: Boolean(v.stdout) });
    },
  },
};

/** Runs one command line; returns the exit code. Never throws. */
export function main(argv: string[]): number {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(USAGE);
    return name ? 0 : 2;
  }
  const command = commands[name];
  if (!command) {
    process.stderr.write(`flinkops: unknown command "${name}"\n\n${USAGE}`);
    return 2;
  }
  try {
    const { values, positionals } = parseArgs({ args: rest, options: { ...common, ...command.options }, allowPositionals: true, strict: true });
    if (values.help) {
      process.stdout.write(USAGE);
      return 0;
    }
    const repo = (values.repo as string | undefined) ?? enclosingRepo();
    const result = command.run(values, positionals, repo);
    if (result.stdout) process.stdout.write(result.stdout);
    if (result.stderr) process.stderr.write(result.stderr);
    return result.exitCode;
  } catch (e) {
    if (e instanceof UsageError || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`flinkops ${name}: ${(e as Error).message}\n`);
      return 2;
    }
    process.stderr.write(`flinkops ${name}: internal error: ${(e as Error).message}\n`);
    if (process.env.FLINKOPS_DEBUG) process.stderr.write(`${(e as Error).stack}\n`);
    else process.stderr.write('  (set FLINKOPS_DEBUG=1 for details, and please report it)\n');
    return 2;
  }
}

function enclosingRepo(): string {
  try {
    return execFileSync('git', ['rev-parse', '--show-toplevel'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return process.cwd();
  }
}
