// `npm run bench`: times and peak memory of flinkops on a generated 500-job repository, with ratios.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';
import { generateRepo } from './generate.mjs';
import { scaleBench } from './scale.mjs';
import { benchTests } from './tests.mjs';

const project = process.cwd();
const work = path.join(project, '.cache/bench');
const repo = path.join(work, 'repo-500');
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
mkdirSync(work, { recursive: true });

/** Runs a command RUNS times; returns the median wall time (ms) and the largest peak RSS (MB). */
function measure(label, args, { expectCode = 0, env = {}, runs = RUNS } = {}) {
  const times = [];
  let rss = 0;
  for (let i = 0; i < runs; i++) {
    const started = process.hrtime.bigint();
    const r = spawnSync(process.execPath, ['--import', path.join(project, 'tools/bench/measure.mjs'), ...args], {
      encoding: 'utf8',
      maxBuffer: 1 << 28,
      env: { ...process.env, ...env },
    });
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    if (r.status !== expectCode) {
      console.error(r.stdout.slice(-2000), r.stderr.slice(-2000));
      throw new Error(`${label}: exit ${r.status}`);
    }
    const m = r.stderr.match(/BENCH_MAXRSS_KB (\d+)/);
    rss = Math.max(rss, m ? Number(m[1]) / 1024 : 0);
    times.push(ms);
  }
  times.sort((a, b) => a - b);
  return { label, ms: times[Math.floor(times.length / 2)], rss };
}

function row(r, extra = '') {
  console.log(
    `${r.label.padEnd(52)} ${(r.ms / 1000).toFixed(2).padStart(7)} s ${r.rss.toFixed(0).padStart(6)} MB  ${extra}`,
  );
}

const cli = path.join(project, 'bin/flinkops.mjs');
console.log(
  `flinkops bench — ${new Date().toISOString()} — node ${process.version}, ${RUNS} runs each, median time, peak RSS\n`,
);
// dt-sql-parser alone, on the same .sql files, through its public API.
const parseOnly = path.join(work, 'parse-only.mjs');
await build({
  entryPoints: ['tools/bench/parseOnly.ts'],
  outfile: parseOnly,
  bundle: true,
  platform: 'node',
  format: 'esm',
  logLevel: 'warning',
});

// The scale table first: BENCH_SIZES=500,5000,20000 (default); BENCH_SIZES= (empty) skips it,
// BENCH_SCALE_ONLY=1 stops after it.
{
  const sizes = (process.env.BENCH_SIZES ?? '500,5000,20000').split(',').filter(Boolean).map(Number);
  if (sizes.length) {
    const deep = spawnSync('java', ['-version']).status === 0;
    // Deep validation of a one-job change needs the default branch's results first: a cold run of every
    // job through Flink (~90 ms a job), so by default only at 500 jobs (BENCH_DEEP_SIZES).
    const deepSizes = (process.env.BENCH_DEEP_SIZES ?? '500').split(',').filter(Boolean).map(Number);
    await scaleBench({ sizes, deep, deepSizes });
    if (process.env.BENCH_SCALE_ONLY) process.exit(0);
  }
}

generateRepo(repo, 500, project);
const sqlFiles = [];
for (const team of readdirSync(path.join(repo, 'jobs'))) {
  const tdir = path.join(repo, 'jobs', team);
  for (const job of readdirSync(tdir)) {
    const jdir = path.join(tdir, job);
    if (statSync(jdir).isDirectory())
      for (const f of readdirSync(jdir)) if (f.endsWith('.sql')) sqlFiles.push(path.join(jdir, f));
  }
}
const list = path.join(work, 'sql-files.txt');
writeFileSync(list, sqlFiles.join('\n'));
writeFileSync(
  path.join(work, 'one-sql-file.txt'),
  sqlFiles.find((f) => f.includes('job-001-')),
);

console.log('validate (fast check: schemas, rules, SQL grammar)');
const all = measure('validate, 500 jobs × 2 environments', [cli, 'validate', '--repo', repo, '--format', 'json']);
const parser = measure('dt-sql-parser alone, the same 500 files', [parseOnly, list]);
row(all, `${(all.ms / parser.ms).toFixed(2)}× the parser alone`);
row(parser);
const one = measure('validate, one job of the 500', [
  cli,
  'validate',
  '--repo',
  repo,
  'rental/job-001-metrics',
  '--format',
  'json',
]);
const parserOne = measure('dt-sql-parser alone, that job’s file', [parseOnly, path.join(work, 'one-sql-file.txt')]);
row(one, `${(one.ms / parserOne.ms).toFixed(2)}× the parser alone`);
row(parserOne);
const sample = measure('validate, the sample repository (10 jobs)', [
  cli,
  'validate',
  '--repo',
  project,
  '--format',
  'json',
]);
row(sample);
console.log(
  `\ntargets: 500 jobs < 3 s (${all.ms < 3000 ? 'met' : 'MISSED'}), one job ≈ 1 s (${one.ms < 1300 ? 'met' : 'MISSED'}), < 400 MB (${all.rss < 400 ? 'met' : 'MISSED'})`,
);

// render: every object validated against the Kubernetes schemas and the operator CRDs of crds/ (their
// compiled validators are cached after the first run: warmed up here).
{
  console.log('\nrender (Kubernetes objects, validated against the operator CRDs)');
  spawnSync(process.execPath, [cli, 'render', '--env', 'prod', '--repo', repo], { stdio: 'ignore' });
  const rendered = measure('render, 500 jobs, one environment (1,500 objects)', [
    cli,
    'render',
    '--env',
    'prod',
    '--no-cache',
    '--repo',
    repo,
  ]);
  row(rendered);
  // The warm-up run above filled the render cache: every job's objects come from it.
  row(measure('render, 500 jobs, unchanged (the render cache)', [cli, 'render', '--env', 'prod', '--repo', repo]));
  const renderedOne = measure('render, one job of the 500', [
    cli,
    'render',
    '--env',
    'prod',
    '--repo',
    repo,
    'rental/job-001-metrics',
  ]);
  row(renderedOne);
  console.log(`\ntarget: render 500 jobs < 2 s (${rendered.ms < 2000 ? 'met' : 'MISSED'})`);
}

// site: the static job catalog of the 500 jobs (lineage of every SQL job, a page per job and table).
{
  console.log('\nsite (static job catalog)');
  const out = path.join(work, 'site-500');
  // Flink's answers are cached by the question (lib/flink/explain.ts): a cold build asks about every
  // job, an unchanged one about none — the pages job's usual case.
  const results = path.join(work, 'site-results');
  rmSync(results, { recursive: true, force: true });
  const siteArgs = [cli, 'site', '--out', out, '--repo', repo];
  const cold = measure('site, 500 jobs, cold (Flink asked about every job)', siteArgs, {
    env: { FLINKOPS_RESULTS: results },
    runs: 1,
  });
  row(cold);
  const built = measure('site, 500 jobs, unchanged (Flink answers cached)', siteArgs, {
    env: { FLINKOPS_RESULTS: results },
  });
  row(built);
  let largest = 0;
  let files = 0;
  const walk = (dir) => {
    for (const f of readdirSync(dir)) {
      const p = path.join(dir, f);
      if (statSync(p).isDirectory()) walk(p);
      else {
        files++;
        largest = Math.max(largest, statSync(p).size);
      }
    }
  };
  walk(out);
  console.log(
    `\ntargets: site of 500 jobs < 10 s (${built.ms < 10000 ? 'met' : 'MISSED'}), no page over 300 KB (largest of ${files}: ${(largest / 1024).toFixed(0)} KB, ${largest < 300 * 1024 ? 'met' : 'MISSED'})`,
  );
  // The same site with a live view of both environments: status snapshots of every job.
  const live = liveSnapshots(repo, work);
  const out2 = path.join(work, 'site-500-live');
  const builtLive = measure(
    'site --live, 500 jobs × 2 environments',
    [cli, 'site', '--out', out2, '--repo', repo, ...live.flatMap((f) => ['--live', f])],
    { env: { FLINKOPS_RESULTS: results } },
  );
  row(builtLive, `${((builtLive.ms - built.ms) / 1000).toFixed(2)} s more than without`);
  const sizes = ['live.html', 'live/prod.html', 'live/test.html', 'index.html'].map(
    (f) => `${f} ${(statSync(path.join(out2, f)).size / 1024).toFixed(0)} KB`,
  );
  console.log(`live pages: ${sizes.join(', ')}`);
}

/** One `status --json` snapshot per environment of the generated repository: 1 job in 25 failed, 1 in 10 drifted. */
function liveSnapshots(root, dir) {
  const ids = readdirSync(path.join(root, 'jobs'))
    .filter((t) => statSync(path.join(root, 'jobs', t)).isDirectory())
    .flatMap((t) =>
      readdirSync(path.join(root, 'jobs', t))
        .filter((j) => statSync(path.join(root, 'jobs', t, j)).isDirectory())
        .map((j) => `${t}/${j}`),
    )
    .sort();
  const takenAt = Date.parse('2026-12-01T16:00:00Z');
  const iso = (ms) => new Date(ms).toISOString();
  return ['prod', 'test'].map((env) => {
    const jobs = ids.map((job, i) => {
      const failed = i % 25 === 7;
      const drifted = i % 10 === 3;
      return {
        job,
        kind: 'FlinkDeployment',
        namespace: `flink-${job.split('/')[0]}`,
        name: job.split('/')[1],
        exists: true,
        health: failed ? 'failed' : 'healthy',
        lifecycleState: failed ? 'FAILED' : 'STABLE',
        jobState: failed ? 'FAILED' : 'RUNNING',
        jobStateSince: iso(takenAt - (i + 1) * 3_600_000),
        commit: drifted ? 'b'.repeat(40) : 'a'.repeat(40),
        atHead: !drifted,
        ...(drifted ? { changedSince: [`jobs/${job}/job.yaml`] } : {}),
        restarts: failed ? 3 : 0,
        lastCheckpoint: { time: iso(takenAt - 60_000 - i * 1000), trigger: 'PERIODIC', source: 'status' },
        lastSavepoint: {
          time: iso(takenAt - 6 * 3_600_000),
          path: `hdfs://${env}-nn/flink/savepoints/${job}/savepoint-${i.toString(16).padStart(6, '0')}`,
          trigger: 'PERIODIC',
          source: 'status',
        },
        message: failed
          ? 'lifecycleState FAILED, job FAILED: org.apache.flink.runtime.JobException: Recovery is suppressed by NoRestartBackoffTimeStrategy'
          : 'lifecycleState STABLE, job RUNNING',
      };
    });
    const file = path.join(dir, `status-${env}.json`);
    writeFileSync(file, JSON.stringify({ env, head: 'a'.repeat(40), takenAt: iso(takenAt), jobs }, null, 2));
    return file;
  });
}

// ---- deep validation: every statement through the job's own Flink release (warm helper cache) ----
function measureOnce(label, args) {
  const started = process.hrtime.bigint();
  const r = spawnSync(process.execPath, ['--import', path.join(project, 'tools/bench/measure.mjs'), ...args], {
    encoding: 'utf8',
    maxBuffer: 1 << 28,
  });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (r.status !== 0) {
    console.error(r.stdout.slice(-2000), r.stderr.slice(-2000));
    throw new Error(`${label}: exit ${r.status}`);
  }
  const m = r.stderr.match(/BENCH_MAXRSS_KB (\d+)/);
  return { label, ms, rss: m ? Number(m[1]) / 1024 : 0, stdout: r.stdout };
}

const javaOk = spawnSync('java', ['-version']).status === 0;
if (!javaOk) {
  console.log('\n!!! no Java: deep validation and plan classification not measured !!!');
} else {
  console.log('\nvalidate --deep (Flink 1.20.4 and 2.2.1 JVM helpers, one per release, all jobs in one request)');
  // Warm the helper builds first, so the figures exclude Maven.
  measureOnce('warm-up', [cli, 'validate', '--deep', '--repo', project, '--format', 'json']);
  // The cost of data security: the same 500 jobs without the policy (no scan is enforced, no policy is sent).
  const unpoliced = path.join(work, 'repo-500-no-policies');
  generateRepo(unpoliced, 500, project, { policies: false });
  // …and without the sample repository's own policies (one of them names every team).
  rmSync(path.join(unpoliced, 'platform/policies'), { recursive: true, force: true });
  const deepRows = {};
  for (const [label, root] of [
    ['validate --deep, the sample repository (10 jobs)', project],
    ['validate --deep, 500 jobs × 2 environments', repo],
    ['validate --deep, the same 500 jobs with no policy', unpoliced],
  ]) {
    const r = measureOnce(label, [cli, 'validate', '--deep', '--no-cache', '--repo', root, '--format', 'json']);
    deepRows[root] = r;
    const deep = JSON.parse(r.stdout).deep ?? {};
    const jvm = Object.entries(deep.jvmStartMs ?? {})
      .map(([v, ms]) => `${v} ${(ms / 1000).toFixed(2)} s`)
      .join(', ');
    const work = Object.entries(deep.validateMs ?? {})
      .map(([v, ms]) => `${v} ${(ms / 1000).toFixed(2)} s`)
      .join(', ');
    row(r, `JVM start-up: ${jvm}; validation: ${work}`);
  }
  const policed = deepRows[repo].ms;
  const plain = deepRows[unpoliced].ms;
  console.log(
    `  enforcement in the planner (the jobs of 2 of the 7 teams, ~143 of 500, under a row filter and a mask): ${((policed - plain) / 1000).toFixed(2)} s, ×${(policed / plain).toFixed(2)} the unpoliced run`,
  );
  benchTests({ project, work, cli });
}

// ---- plan: a one-job merge request and a platform-wide change in the 500-job repository ----
{
  const git = (...args) => {
    const r = spawnSync('git', args, { cwd: repo, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  git('init', '-q', '-b', 'main');
  git('add', '-A');
  git('-c', 'user.email=bench@example', '-c', 'user.name=bench', 'commit', '-qm', 'bench repository');
  git('checkout', '-q', '-b', 'one-job');
  const { readFileSync: read } = await import('node:fs');
  const sqlFile = path.join(repo, 'jobs/rental/job-001-metrics/01-main.sql');
  writeFileSync(sqlFile, read(sqlFile, 'utf8').replace("status <> 'CANCELLED'", "status NOT IN ('CANCELLED', 'TEST')"));
  git('-c', 'user.email=bench@example', '-c', 'user.name=bench', 'commit', '-qam', 'one job');
  console.log('\nplan (both revisions rendered and compared)');
  const planOne = measure('plan, one-job merge request of 500 jobs', [
    cli,
    'plan',
    '--env',
    'prod',
    '--base',
    'main',
    '--no-classify',
    '--format',
    'json',
    '--repo',
    repo,
  ]);
  row(planOne);
  if (javaOk)
    row(
      measureOnce('plan, the same, classified by Flink compiled plans', [
        cli,
        'plan',
        '--env',
        'prod',
        '--base',
        'main',
        '--format',
        'json',
        '--repo',
        repo,
      ]),
    );
  git('checkout', '-q', 'main');
  git('checkout', '-q', '-b', 'platform');
  const conf = path.join(repo, 'platform/flink-conf.yaml');
  writeFileSync(conf, read(conf, 'utf8').replace('table.exec.state.ttl: 36h', 'table.exec.state.ttl: 48h'));
  git('-c', 'user.email=bench@example', '-c', 'user.name=bench', 'commit', '-qam', 'platform');
  const planAll = measure('plan, central configuration change (all 500 jobs)', [
    cli,
    'plan',
    '--env',
    'prod',
    '--base',
    'main',
    '--format',
    'json',
    '--repo',
    repo,
  ]);
  row(planAll);
  git('checkout', '-q', 'main');
  console.log(
    `\ntargets: one-job plan ≈ 1 s (${planOne.ms < 1500 ? 'met' : 'MISSED'}), full plan a few seconds (${planAll.ms < 6000 ? 'met' : 'MISSED'})`,
  );
}

// ---- apply: the 500-job repository to the local kube-apiserver, against kubectl apply --server-side ----
{
  const up = spawnSync('bash', ['tools/kube/up.sh'], { encoding: 'utf8', env: { ...process.env } });
  const kubeconfig = up.stdout.trim().split('\n').pop();
  const kubectlOk = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' }).status === 0;
  if (up.status !== 0 || !kubeconfig) {
    console.log('\n!!! no local kube-apiserver (tools/kube/up.sh failed): apply not measured !!!');
  } else if (!kubectlOk) {
    console.log('\n!!! no kubectl on PATH: apply not measured against kubectl !!!');
  } else {
    const env = { ...process.env, KUBECONFIG: kubeconfig, FLINKOPS_NAMESPACE: 'default' };
    const sh = (cmd, args, quiet = true) => {
      const r = spawnSync(cmd, args, { encoding: 'utf8', env, maxBuffer: 1 << 28 });
      if (r.status !== 0 && !quiet) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr.slice(-2000)}`);
      return r;
    };
    const out = path.join(work, 'rendered-500');
    sh(
      process.execPath,
      [cli, 'render', '--env', 'test', '--repo', repo, '--kube-version', '1.37', '--out', out],
      false,
    );
    const objects = Number(
      /rendered (\d+) objects/.exec(
        sh(process.execPath, [cli, 'render', '--env', 'test', '--repo', repo, '--kube-version', '1.37', '--out', out])
          .stdout,
      )?.[1] ?? 0,
    );
    const namespaces = readdirSync(out).filter((d) => !d.startsWith('.'));
    // Both tools start from the same state: the namespaces exist (kubectl does not create them), the objects do not.
    for (const ns of namespaces) sh('kubectl', ['create', 'namespace', ns]);
    const clean = () => {
      for (const ns of namespaces)
        sh(
          'kubectl',
          [
            'delete',
            '-n',
            ns,
            '--all',
            '--wait=false',
            'flinkdeployments.flink.apache.org,flinksessionjobs.flink.apache.org,configmaps,ingresses',
          ],
          false,
        );
    };
    const time = (args) => {
      const started = process.hrtime.bigint();
      const r = spawnSync(args[0], args.slice(1), { encoding: 'utf8', env, maxBuffer: 1 << 28 });
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      if (r.status !== 0)
        throw new Error(`${args.join(' ')}: exit ${r.status}\n${r.stdout.slice(-1500)}${r.stderr.slice(-1500)}`);
      return ms;
    };
    const flinkops = [
      process.execPath,
      cli,
      'apply',
      '--env',
      'test',
      '--repo',
      repo,
      '--context',
      'flinkops-local',
      '--json',
    ];
    const kubectl = ['kubectl', 'apply', '--server-side', '--field-manager', 'kubectl-bench', '-R', '-f', out];
    const runs = Number(process.env.BENCH_APPLY_RUNS ?? RUNS);
    const t = { fCreate: [], fSame: [], kCreate: [], kSame: [] };
    for (let i = 0; i < runs; i++) {
      clean();
      t.fCreate.push(time(flinkops));
      t.fSame.push(time(flinkops));
      clean();
      t.kCreate.push(time(kubectl));
      t.kSame.push(time(kubectl));
    }
    clean();
    const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    console.log(
      `\napply (${objects} objects of 500 jobs, local kube-apiserver; flinkops renders too, kubectl reads the rendered files)`,
    );
    const line = (label, ms, extra = '') =>
      console.log(`${label.padEnd(52)} ${(ms / 1000).toFixed(2).padStart(7)} s  ${extra}`);
    const fc = median(t.fCreate),
      kc = median(t.kCreate),
      fs = median(t.fSame),
      ks = median(t.kSame);
    line('flinkops apply, into empty namespaces', fc, `${(fc / kc).toFixed(2)}× kubectl`);
    line('kubectl apply --server-side, the same', kc);
    line('flinkops apply, nothing changed', fs, `${(fs / ks).toFixed(2)}× kubectl`);
    line('kubectl apply --server-side, nothing changed', ks);
    console.log(`\ntarget: apply no slower than kubectl (${fc <= kc && fs <= ks ? 'met' : 'MISSED'})`);
  }
}
