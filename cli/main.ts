import { execFileSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { GitError } from '../lib/git/git.js';
import { UsageError } from '../lib/repo/select.js';
import type { Options } from './command.js';
import { commands } from './commands/index.js';

function usage(): string {
  return (
    'flinkops — GitOps for Apache Flink jobs\n\nusage: flinkops <command> [options]\n\n' +
    commands.map((c) => `  ${c.usage}\n      ${c.summary}`).join('\n') +
    '\n\ncommon options: --repo DIR (default: the enclosing Git repository), --help\n' +
    'exit codes: 0 success, 1 the repository or the cluster has a problem to fix, 2 wrong usage or internal error\n'
  );
}

const common: Options = { repo: { type: 'string' }, help: { type: 'boolean', short: 'h' } };

/** Runs one command line; returns the exit code. Never throws. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage());
    return name ? 0 : 2;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    process.stderr.write(`flinkops: unknown command "${name}"\n\n${usage()}`);
    return 2;
  }
  try {
    const { values, positionals } = parseArgs({
      args: rest,
      options: { ...common, ...command.options },
      allowPositionals: true,
      strict: true,
    });
    if (values.help) {
      process.stdout.write(`usage: flinkops ${command.usage}\n  ${command.summary}\n`);
      return 0;
    }
    const repo = (values.repo as string | undefined) ?? enclosingRepo();
    const result = await command.run(values, positionals, repo);
    if (result.stdout) process.stdout.write(result.stdout);
    if (result.stderr) process.stderr.write(result.stderr);
    return result.exitCode;
  } catch (e) {
    if (e instanceof UsageError || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`flinkops ${name}: ${(e as Error).message}\n`);
      return 2;
    }
    if (e instanceof GitError) {
      process.stderr.write(`flinkops ${name}: ${e.message}\n${e.hint ? `  hint: ${e.hint}\n` : ''}`);
      return 1;
    }
    process.stderr.write(`flinkops ${name}: internal error: ${(e as Error).message}\n`);
    if (process.env.FLINKOPS_DEBUG) process.stderr.write(`${(e as Error).stack}\n`);
    else process.stderr.write('  (set FLINKOPS_DEBUG=1 for details, and please report it)\n');
    return 2;
  }
}

function enclosingRepo(): string {
  try {
    return execFileSync('git', ['rev-parse', '--show-toplevel'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return process.cwd();
  }
}
