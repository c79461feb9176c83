import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadRepo } from '../../lib/repo/load.js';
import { check } from '../../lib/rules/index.js';
import type { Diagnostic } from '../../lib/diagnostics/diagnostic.js';

export const PROJECT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** A temporary copy of the sample repository (jobs/ and platform/), to break on purpose. */
export class Fixture {
  readonly root: string;

  constructor() {
    this.root = mkdtempSync(path.join(tmpdir(), 'flinkops-'));
    cpSync(path.join(PROJECT, 'jobs'), path.join(this.root, 'jobs'), { recursive: true });
    cpSync(path.join(PROJECT, 'platform'), path.join(this.root, 'platform'), { recursive: true });
  }

  read(rel: string): string {
    return readFileSync(path.join(this.root, rel), 'utf8');
  }

  write(rel: string, text: string): this {
    mkdirSync(path.dirname(path.join(this.root, rel)), { recursive: true });
    writeFileSync(path.join(this.root, rel), text);
    return this;
  }

  /** Replaces exactly one occurrence of `from` (fails loudly if the sample changed). */
  edit(rel: string, from: string, to: string): this {
    const text = this.read(rel);
    const count = text.split(from).length - 1;
    if (count !== 1) throw new Error(`fixture edit: "${from}" occurs ${count} times in ${rel}`);
    return this.write(rel, text.replace(from, to));
  }

  remove(rel: string): this {
    rmSync(path.join(this.root, rel), { recursive: true, force: true });
    return this;
  }

  validate(jobs?: string[]): Diagnostic[] {
    const { repo, diagnostics } = loadRepo(this.root);
    const selected = jobs ? repo.jobs.filter((j) => jobs.includes(j.id)) : undefined;
    return check(repo, diagnostics, selected ? { jobs: selected } : {});
  }

  cli(...args: string[]): { code: number; stdout: string; stderr: string } {
    return this.cliWithEnv(process.env, ...args);
  }

  cliWithEnv(env: NodeJS.ProcessEnv, ...args: string[]): { code: number; stdout: string; stderr: string } {
    const r = spawnSync(process.execPath, [path.join(PROJECT, 'bin/flinkops.mjs'), ...args, '--repo', this.root], {
      encoding: 'utf8',
      cwd: this.root,
      env,
    });
    return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
  }

  private resultsDir: string | undefined;

  /** A results folder of this fixture's own (made on first use, removed with the fixture). */
  get results(): string {
    this.resultsDir ??= mkdtempSync(path.join(tmpdir(), 'flinkops-results-'));
    return this.resultsDir;
  }

  dispose(): void {
    rmSync(this.root, { recursive: true, force: true });
    if (this.resultsDir) rmSync(this.resultsDir, { recursive: true, force: true });
  }
}

/** 1-based line and column of the first occurrence of `needle` in a file. */
export function locate(text: string, needle: string, nth = 0): { line: number; column: number } {
  let at = -1;
  for (let i = 0; i <= nth; i++) at = text.indexOf(needle, at + 1);
  if (at < 0) throw new Error(`"${needle}" not found`);
  const before = text.slice(0, at);
  const line = before.split('\n').length;
  const column = Array.from(before.slice(before.lastIndexOf('\n') + 1)).length + 1;
  return { line, column };
}
