// The scale table of `npm run bench`: validate (cold and unchanged), render, a one-job plan and deep
// validation of a one-job change, at several repository sizes (BENCH_SIZES, default 500,5000,20000),
// on repositories with a distinct SQL shape per job (generate.mjs --diverse). CPU time (user + system,
// of the process and what it waits for) and peak memory: the machine may be shared, wall time lies.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { generateRepo } from './generate.mjs';

const project = process.cwd();
const work = path.join(project, '.cache/bench');
const cli = path.join(project, 'bin/flinkops.mjs');
const measureHook = path.join(project, 'tools/bench/measure.mjs');

/** One process: its CPU time (ms: user + system, with the children it waited for, e.g. Flink JVMs) and peak RSS (MB). */
function cpu(args, { env = {}, cwd = project, expect = [0] } = {}) {
  const r = spawnSync('/usr/bin/time', ['-f', 'BENCH_TIME %U %S', process.execPath, '--import', measureHook, ...args], {
    encoding: 'utf8',
    maxBuffer: 1 << 30,
    cwd,
    env: { ...process.env, ...env },
  });
  if (!expect.includes(r.status)) {
    console.error(r.stdout.slice(-2000), r.stderr.slice(-2000));
    throw new Error(`${args.join(' ')}: exit ${r.status}`);
  }
  const t = /BENCH_TIME ([\d.]+) ([\d.]+)/.exec(r.stderr);
  const ms = t ? (Number(t[1]) + Number(t[2])) * 1000 : Number.NaN;
  const rss = Number(/BENCH_MAXRSS_KB (\d+)/.exec(r.stderr)?.[1] ?? 0) / 1024;
  return { ms, rss, stdout: r.stdout };
}

/** A command outside Node (git): CPU time from /usr/bin/time. */
function cpuOf(cmd, args, cwd) {
  const r = spawnSync('/usr/bin/time', ['-f', 'BENCH_TIME %U %S', cmd, ...args], { encoding: 'utf8', cwd });
  const m = /BENCH_TIME ([\d.]+) ([\d.]+)/.exec(r.stderr);
  return m ? (Number(m[1]) + Number(m[2])) * 1000 : 0;
}

const line = (label, r, anchor, anchorName) =>
  console.log(
    `${label.padEnd(46)} ${(r.ms / 1000).toFixed(2).padStart(7)} s ${r.rss.toFixed(0).padStart(6)} MB` +
      (anchor ? `  ${(r.ms / anchor.ms).toFixed(2)}× ${anchorName} (${(anchor.ms / 1000).toFixed(2)} s)` : ''),
  );

export async function scaleBench({ sizes, deep, deepSizes = [500] }) {
  console.log(`scale (diverse SQL: a distinct shape per job; CPU seconds, peak RSS; node ${process.version})\n`);
  const parseOnly = path.join(work, 'parse-only.mjs');
  const summary = [];
  for (const n of sizes) {
    const repo = path.join(work, `diverse-${n}`);
    const results = path.join(work, `results-${n}`);
    generateRepo(repo, n, project, { diverse: true });
    rmSync(results, { recursive: true, force: true });
    const env = { FLINKOPS_RESULTS: results };
    const sql = [];
    for (const team of readdirSync(path.join(repo, 'jobs')))
      for (const job of readdirSync(path.join(repo, 'jobs', team)))
        if (statSync(path.join(repo, 'jobs', team, job)).isDirectory())
          sql.push(path.join(repo, 'jobs', team, job, '01-main.sql'));
    writeFileSync(path.join(work, `sql-${n}.txt`), sql.join('\n'));
    console.log(`${n} jobs`);
    const parser = cpu([parseOnly, path.join(work, `sql-${n}.txt`)]);
    const cold = cpu([cli, 'validate', '--repo', repo, '--format', 'json'], { env, expect: [0, 1] });
    line('  validate, cold', cold, parser, 'the parser alone');
    const warm = cpu([cli, 'validate', '--repo', repo, '--format', 'json'], { env, expect: [0, 1] });
    line('  validate, unchanged', warm, parser, 'the parser alone');
    line('  dt-sql-parser alone, the same files', parser);

    const out = path.join(work, `rendered-${n}`);
    const render = cpu([cli, 'render', '--env', 'prod', '--repo', repo, '--out', out], { env });
    const objects = readdirSync(out, { recursive: true }).filter((f) => String(f).endsWith('.yaml')).length;
    const floor = cpu([
      path.join(project, 'tools/bench/floor.mjs'),
      repo,
      path.join(work, `floor-${n}`),
      String(objects),
    ]);
    // The same render again, into a new folder: every job's objects come from the render cache.
    const again = path.join(work, `rendered-again-${n}`);
    const renderWarm = cpu([cli, 'render', '--env', 'prod', '--repo', repo, '--out', again], { env });
    line(`  render, one environment (${objects} objects)`, render, floor, 'its floor');
    line('  render, unchanged (the render cache)', renderWarm, floor, 'its floor');
    line('  floor: read the files, write as many YAML files', floor);
    rmSync(again, { recursive: true, force: true });

    // A one-job merge request: the plan, against `git diff` + render of that job alone.
    const git = (...args) => {
      const r = spawnSync('git', args, { cwd: repo, encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
      return r.stdout;
    };
    git('init', '-q', '-b', 'main');
    git('add', '-A');
    git('-c', 'user.email=bench@example', '-c', 'user.name=bench', 'commit', '-qm', 'bench repository');
    git('checkout', '-q', '-b', 'one-job');
    const jobDir = readdirSync(path.join(repo, 'jobs/rental')).find((d) => d.startsWith('job-'));
    const file = path.join(repo, 'jobs/rental', jobDir, '01-main.sql');
    writeFileSync(
      file,
      readFileSync(file, 'utf8').replace("status <> 'CANCELLED'", "status NOT IN ('CANCELLED', 'TEST')"),
    );
    git('-c', 'user.email=bench@example', '-c', 'user.name=bench', 'commit', '-qam', 'one job');
    const plan = cpu(
      [cli, 'plan', '--env', 'prod', '--base', 'main', '--no-classify', '--format', 'json', '--repo', repo],
      { env },
    );
    const one = cpu([cli, 'render', '--env', 'prod', '--repo', repo, `rental/${jobDir}`], { env });
    const anchor = { ms: one.ms + cpuOf('git', ['diff', '--name-only', 'main...HEAD'], repo), rss: one.rss };
    line('  plan, a one-job merge request', plan, anchor, 'git diff + render of that job');

    let deepOne;
    if (deep && deepSizes.includes(n)) {
      // The default branch's results are in the cache (the CI cache: of the pipeline), then one job changes.
      git('checkout', '-q', 'main');
      cpu([cli, 'validate', '--deep', '--repo', repo, '--format', 'json'], { env, expect: [0, 1] });
      git('checkout', '-q', 'one-job');
      deepOne = cpu([cli, 'validate', '--deep', '--repo', repo, '--format', 'json'], { env, expect: [0, 1] });
      const alone = cpu(
        [cli, 'validate', '--deep', '--no-cache', '--repo', repo, `rental/${jobDir}`, '--format', 'json'],
        {
          env,
          expect: [0, 1],
        },
      );
      line('  validate --deep, a one-job change (warm)', deepOne, alone, 'that job alone, uncached');
      const stats = JSON.parse(deepOne.stdout);
      console.log(
        `    (Flink validated ${stats.deep?.jobs ?? '?'} job(s); ${stats.deep?.cached ?? '?'} from the cache)`,
      );
    }
    summary.push({ n, cold, warm, parser, render, renderWarm, floor, plan, anchor, deepOne });
    rmSync(out, { recursive: true, force: true });
    rmSync(path.join(work, `floor-${n}`), { recursive: true, force: true });
    console.log();
  }
  return summary;
}
