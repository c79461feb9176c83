import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { formatDiagnostics } from '../lib/diagnostics/format/index.js';
import { type Diagnostic, hasErrors } from '../lib/diagnostics/diagnostic.js';
import { loadRepo } from '../lib/repo/load.js';
import { UsageError } from '../lib/repo/select.js';
import { check } from '../lib/rules/index.js';
import { jobNameProblem } from '../lib/rules/jobName.js';
import { scaffoldJob } from '../lib/scaffold/scaffold.js';
import type { ActionResult } from './result.js';

export interface NewOptions {
  repo: string;
  target: string;
  type: 'sql' | 'jar';
}

export function newJob(options: NewOptions): ActionResult {
  const m = options.target.match(/^([^/]+)\/([^/]+)$/);
  if (!m) throw new UsageError(`expected TEAM/JOB, got "${options.target}"`);
  const [, team, name] = m as unknown as [string, string, string];
  // The name is checked before anything is written: a refused scaffold leaves no files behind.
  const problem = jobNameProblem(name);
  if (problem) {
    const diagnostic: Diagnostic = {
      severity: 'error',
      rule: 'job/name-dns1035',
      file: `jobs/${team}/${name}`,
      line: 1,
      column: 1,
      ...problem,
    };
    return { stdout: '', stderr: formatDiagnostics([diagnostic], 'text'), exitCode: 1 };
  }
  const { repo } = loadRepo(options.repo);
  if (!repo.teams.get(team)?.team) {
    return {
      stdout: '',
      stderr: `jobs/${team}/team.yaml:1:1 error team "${team}" does not exist  repo/missing-file\n  hint: create jobs/${team}/team.yaml (namespace, owners) first; teams: ${[...repo.teams.keys()].join(', ')}\n`,
      exitCode: 1,
    };
  }
  const dir = path.join(repo.root, 'jobs', team, name);
  if (existsSync(dir)) return { stdout: '', stderr: `jobs/${team}/${name} already exists\n`, exitCode: 1 };
  const files = scaffoldJob(repo, team, name, options.type);
  mkdirSync(dir, { recursive: true });
  for (const f of files) {
    mkdirSync(path.dirname(path.join(repo.root, f.path)), { recursive: true });
    writeFileSync(path.join(repo.root, f.path), f.text);
  }
  const reloaded = loadRepo(options.repo);
  const job = reloaded.repo.jobs.filter((j) => j.id === `${team}/${name}`);
  const diagnostics = check(reloaded.repo, reloaded.diagnostics, { jobs: job });
  const created = files.map((f) => `  created ${f.path}`).join('\n');
  if (hasErrors(diagnostics))
    return { stdout: `${created}\n`, stderr: formatDiagnostics(diagnostics, 'text'), exitCode: 1 };
  return {
    stdout: `${created}\nnext: edit the files, then \`flinkops validate ${team}/${name}\`, \`flinkops test ${team}/${name}\` and \`flinkops codeowners\`\n`,
    exitCode: 0,
  };
}
