import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CODEOWNERS_PATH, renderCodeowners, type Flavor } from '../lib/codeowners/codeowners.js';
import { loadRepo } from '../lib/repo/load.js';
import type { ActionResult } from './result.js';

export interface CodeownersOptions {
  repo: string;
  flavor: Flavor;
  check: boolean;
  stdout: boolean;
}

export function codeowners(options: CodeownersOptions): ActionResult {
  const { repo } = loadRepo(options.repo);
  const text = renderCodeowners(repo, options.flavor);
  if (options.stdout) return { stdout: text, exitCode: 0 };
  const rel = CODEOWNERS_PATH[options.flavor];
  const abs = path.join(repo.root, rel);
  let current: string | undefined;
  try {
    current = readFileSync(abs, 'utf8');
  } catch {
    current = undefined;
  }
  if (options.check) {
    if (current === text) return { stdout: `${rel} is up to date\n`, exitCode: 0 };
    return {
      stdout: '',
      stderr: `${rel}:1:1 error ${current === undefined ? 'is missing' : 'is stale: it does not match the owners files'}  codeowners/stale\n  hint: run \`flinkops codeowners${options.flavor === 'github' ? ' --flavor github' : ''}\` and commit ${rel}\n`,
      exitCode: 1,
    };
  }
  if (current === text) return { stdout: `${rel} is up to date\n`, exitCode: 0 };
  mkdirSync(path.dirname(abs), { recursive: true });
  writeFileSync(abs, text);
  return { stdout: `wrote ${rel} (${text.split('\n').filter((l) => l.startsWith('/')).length} paths)\n`, exitCode: 0 };
}
