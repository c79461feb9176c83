import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createTwoFilesPatch } from 'diff';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { KubeClient } from '../lib/k8s/client.js';
import type { KubeObject } from '../lib/k8s/objects.js';
import { editByHand, flinkPath, get, setStatus } from './apply/support.js';
import { isCI, kubeAvailability } from './kube/harness.js';
import { PROJECT } from './support/fixture.js';
import { flinkAvailable } from './support/flink.js';
import { GitFixture } from './support/gitRepo.js';

/**
 * README.md is executable documentation: every `$ npx flinkops …` example runs here against the sample
 * repository, in the state the text around it describes (the scenes below), and its output must be the
 * README's. Normalised: commit hashes, times and temporary paths. A line `…` in the README stands for any
 * lines (none included). Cluster examples run, in README order, against a local kube-apiserver of their own.
 */

interface Example {
  /** 1-based line of the `$` in README.md. */
  line: number;
  command: string;
  /** The line as written, remark included: two examples of one command in different states are told apart by it. */
  written: string;
  expected: string[];
}
interface Block {
  examples: Example[];
}

const README = readFileSync(path.join(PROJECT, 'README.md'), 'utf8');

function examplesOf(text: string): Block[] {
  const lines = text.split('\n');
  const blocks: Block[] = [];
  let fence: string[] | undefined;
  let start = 0;
  lines.forEach((l, i) => {
    if (/^```/.test(l)) {
      if (fence === undefined) {
        fence = [];
        start = i + 1;
        return;
      }
      if (fence[0]?.startsWith('$ ')) blocks.push(blockOf(fence, start));
      fence = undefined;
      return;
    }
    fence?.push(l);
  });
  return blocks;
}

function blockOf(lines: string[], start: number): Block {
  const examples: Example[] = [];
  lines.forEach((l, i) => {
    if (l.startsWith('$ ')) {
      // A trailing `   # remark` is prose for the reader, not part of the command.
      const command = l.slice(2).replace(/\s{2,}#\s.*$/, '');
      examples.push({ line: start + i + 1, command, written: l.slice(2), expected: [] });
    } else examples.at(-1)!.expected.push(l);
  });
  return { examples };
}

/** Commit hashes, durations and temporary paths differ from run to run. */
function normalise(text: string, root: string): string[] {
  const lines = text
    .split(root)
    .join('<repo>')
    .replace(/\/tmp\/[\w.-]+/g, '<tmp>')
    .replace(/\b(?=[0-9a-f]*[a-f])(?=[0-9a-f]*[0-9])[0-9a-f]{7,40}\b/g, '<hash>')
    // A short commit of digits only (about one in forty) is a hash too where the plan names its commits.
    .replace(/(environment \S+, )(\S+) → (\S+)$/gm, '$1<hash> → <hash>')
    .replace(/"<hash>"/g, '<hash>') // YAML quotes a hash that would read as a number
    .replace(/\b1\d{12}\b/g, '<time>') // epoch milliseconds: the nonces an action sets
    .replace(/\b\d+(\.\d+)?\s?(ms|s)\b/g, '<time>')
    .replace(/\b\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z\b/g, '<time>')
    .split('\n')
    .map((l) => l.trimEnd());
  while (lines.length && lines.at(-1) === '') lines.pop();
  return lines;
}

/** Lines match, a README line `…` matching any run of lines. */
function matches(expected: string[], actual: string[]): boolean {
  const memo = new Map<string, boolean>();
  const go = (e: number, a: number): boolean => {
    const key = `${e},${a}`;
    const hit = memo.get(key);
    if (hit !== undefined) return hit;
    let r: boolean;
    if (e === expected.length) r = a === actual.length;
    else if (expected[e]!.trim() === '…') r = go(e + 1, a) || (a < actual.length && go(e, a + 1));
    else r = a < actual.length && expected[e] === actual[a] && go(e + 1, a + 1);
    memo.set(key, r);
    return r;
  };
  return go(0, 0);
}

/**
 * The README's lines with each `…` replaced by the output lines it stands for (up to the next line the
 * README shows), so that a diff shows only the lines that really differ.
 */
function expandEllipses(expected: string[], actual: string[]): string[] {
  const out: string[] = [];
  let a = 0;
  expected.forEach((line, e) => {
    if (line.trim() === '…') {
      const next = expected.slice(e + 1).find((l) => l.trim() !== '…');
      const j = next === undefined ? actual.length : actual.indexOf(next, a);
      if (j >= a) {
        out.push(...actual.slice(a, j));
        a = j;
      }
      return;
    }
    out.push(line);
    const j = actual.indexOf(line, a);
    if (j >= 0) a = j + 1;
  });
  return out;
}

interface Run {
  code: number;
  combined: string;
  stdout: string;
}

class Scene {
  readonly fx = new GitFixture();
  readonly bin: string;
  last = 0;

  constructor(readonly env: NodeJS.ProcessEnv) {
    // `npx flinkops` in an example runs this checkout's CLI; everything else is bash.
    this.bin = mkdtempSync(path.join(tmpdir(), 'flinkops-readme-bin-'));
    const npx = path.join(this.bin, 'npx');
    writeFileSync(
      npx,
      `#!/bin/sh\n[ "$1" = flinkops ] || { echo "README examples run npx flinkops only" >&2; exit 127; }\nshift\nexec "${process.execPath}" "${path.join(PROJECT, 'bin/flinkops.mjs')}" "$@"\n`,
    );
    chmodSync(npx, 0o755);
  }

  /** Runs the command once; stdout alone, and stdout and stderr in the order they arrived. */
  async run(command: string): Promise<Run> {
    const script = command === 'echo $?' ? `(exit ${this.last}); echo $?` : command;
    const env = { ...this.env, PATH: `${this.bin}:${process.env.PATH}` };
    const r = await sh(script, this.fx.root, env);
    this.last = r.code;
    return r;
  }

  dispose(): void {
    this.fx.dispose();
    rmSync(this.bin, { recursive: true, force: true });
  }
}

function sh(script: string, cwd: string, env: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn('bash', ['-c', script], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let combined = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString('utf8');
      combined += d.toString('utf8');
    });
    child.stderr.on('data', (d: Buffer) => (combined += d.toString('utf8')));
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, combined }));
  });
}

/** Runs one example; on a mismatch, fails with a diff of the README's lines against the output. */
async function check(scene: Scene, example: Example): Promise<void> {
  const r = await scene.run(example.command);
  const expected = normalise(example.expected.join('\n'), scene.fx.root);
  const combined = normalise(r.combined, scene.fx.root);
  const stdout = normalise(r.stdout, scene.fx.root);
  // The README shows what a user sees: stdout and stderr together, or stdout alone (progress on stderr omitted).
  if (matches(expected, combined) || matches(expected, stdout)) return;
  const shown = stdout.length ? stdout : combined;
  const patch = createTwoFilesPatch(
    `README.md:${example.line}`,
    'output',
    `${expandEllipses(expected, shown).join('\n')}\n`,
    `${shown.join('\n')}\n`,
    undefined,
    undefined,
    { context: 3 },
  );
  throw new Error(
    `README.md:${example.line}: \`$ ${example.command}\` (exit ${r.code}) printed something else ` +
      `(normalised: <hash>, <time>, <tmp>, <repo>; a README line "…" matches any lines, shown here as the lines it ` +
      `stood for):\n${patch.split('\n').slice(2).join('\n')}`,
  );
}

interface Context {
  scene: Scene;
  fx: GitFixture;
  /** Only for the cluster examples. */
  kube?: KubeClient;
}

/** What the text before an example says about the repository or the cluster, set up before it runs. */
const scenes: Record<string, (c: Context) => void | Promise<void>> = {
  'npx flinkops validate': ({ fx }) => {
    fx.edit(
      'jobs/datasync/kafka-orders-to-paimon/01-source.sql',
      `'properties.group.id' = 'flink-\${job}-\${env}',`,
      `'properties.group.id' = 'flink-\${job}-\${env}' 'oops',`,
    );
    fx.edit('jobs/datasync/kafka-orders-to-paimon/job.yaml', 'parallelism: 4', 'paralelism: 4');
    fx.edit(
      'jobs/datasync/mysql-contracts-to-paimon/contracts.sql',
      `'password' = '\${secret:MYSQL_CDC_PASSWORD}'`,
      `'password' = 'flink123'`,
    );
  },
  'npx flinkops validate --format json': async ({ scene }) => {
    // "nothing changed since the last run": the last run is this one.
    await quietly(scene, 'npx flinkops validate');
  },
  'npx flinkops test --changed --base main --results results.json': ({ fx }) => {
    fx.edit(
      'jobs/rental/rental-metrics-1m/02-metrics.sql',
      '\n  city,\n',
      "\n  CASE WHEN city = 'shanghai' THEN 'hangzhou' ELSE city END AS city,\n",
    );
    fx.edit(
      'jobs/rental/rental-metrics-1m/tests/orders-per-city-minute.yaml',
      'orders: 2, gmv: 250.50,',
      'orders: 2, gmv: 350.5,',
    );
  },
  'npx flinkops validate --deep': ({ fx }) => {
    fx.edit('jobs/datasync/kafka-orders-to-paimon/02-sink.sql', 'TRIM(city)', 'TRIM(cty)');
  },
  'npx flinkops plan --env prod --base main': ({ fx }) => {
    fx.edit(
      'jobs/rental/rental-metrics-1m/02-metrics.sql',
      "WHERE order_status <> 'CANCELLED'",
      "WHERE order_status NOT IN ('CANCELLED', 'TEST')",
    );
    fx.edit(
      'jobs/rental/rental-metrics-1m/job.yaml',
      '  prod:\n    parallelism: 6',
      '  prod:\n    parallelism: 6\n    resources:\n      taskManager: { cpu: 2, memory: 4096m }',
    );
  },
  // The cluster examples, in README order on one cluster.
  'npx flinkops apply --env test rental/rental-metrics-1m --dry-run': ({ fx }) => {
    fx.edit('jobs/rental/rental-metrics-1m/job.yaml', 'parallelism: 2\n', 'parallelism: 3\n');
  },
  'GITLAB_USER_LOGIN=dolphin-bot npx flinkops action stop daily-settlement --env test': async ({ fx, scene }) => {
    fx.edit('jobs/rental/rental-metrics-1m/job.yaml', 'parallelism: 3\n', 'parallelism: 2\n');
    await quietly(scene, 'npx flinkops apply --env test homeservice/daily-settlement');
  },
  'GITLAB_USER_LOGIN=dolphin-bot npx flinkops action run homeservice/daily-settlement --env test --var biz_date=2024-06-30 --wait':
    ({ kube }) => {
      // Plays the operator while the command waits: the run's new restartNonce deploys a new job (a new
      // job id, ApplicationReconciler) that ends FINISHED with lifecycleState STABLE (CommonStatus#getLifecycleState).
      const p = flinkPath('flink-homeservice', 'daily-settlement');
      void (async () => {
        const before = (await get(kube!, p))?.spec?.restartNonce;
        for (let i = 0; i < 600; i++) {
          if ((await get(kube!, p))?.spec?.restartNonce !== before)
            return setStatus(kube!, p, {
              lifecycleState: 'STABLE',
              jobStatus: { state: 'FINISHED', jobId: 'a1b2c3d4e5f60718293a4b5c6d7e8f90' },
            });
          await new Promise((r) => setTimeout(r, 50));
        }
      })().catch(() => undefined);
    },
  'npx flinkops savepoints datasync/kafka-orders-to-paimon --env test': async ({ kube, scene }) => {
    await quietly(scene, 'npx flinkops apply --env test datasync/kafka-orders-to-paimon');
    // Plays the operator: its savepoint history (SavepointInfo), one taken before this apply and one after.
    const dir = 'hdfs://test-nn/flink/savepoints/datasync/kafka-orders-to-paimon';
    await setStatus(kube!, flinkPath('flink-datasync', 'kafka-orders-to-paimon'), {
      lifecycleState: 'STABLE',
      jobStatus: {
        state: 'RUNNING',
        savepointInfo: {
          lastSavepoint: {
            timeStamp: Date.now(),
            location: `${dir}/savepoint-7c21d0`,
            triggerType: 'PERIODIC',
            formatType: 'CANONICAL',
          },
          savepointHistory: [
            {
              timeStamp: Date.now() - 2 * 86_400_000,
              location: `${dir}/savepoint-3fa9e1`,
              triggerType: 'UPGRADE',
              formatType: 'CANONICAL',
            },
          ],
        },
      },
    });
  },
  'npx flinkops status --env test rental/rental-metrics-1m homeservice/daily-settlement datasync/kafka-orders-to-paimon':
    async ({ kube, scene }) => {
      await quietly(scene, 'npx flinkops apply --env test datasync/kafka-orders-to-paimon');
      // Plays the operator: what it reports once the jobs ran.
      await setStatus(kube!, flinkPath('flink-rental', 'rental-metrics-1m'), {
        lifecycleState: 'STABLE',
        jobStatus: { state: 'RUNNING' },
      });
      // The batch run above FINISHED: the operator keeps lifecycleState STABLE (CommonStatus#getLifecycleState).
      await setStatus(kube!, flinkPath('flink-homeservice', 'daily-settlement'), {
        lifecycleState: 'STABLE',
        jobStatus: { state: 'FINISHED' },
      });
      await setStatus(kube!, flinkPath('flink-datasync', 'kafka-orders-to-paimon'), {
        lifecycleState: 'STABLE',
        jobStatus: {
          state: 'RUNNING',
          checkpointInfo: { lastCheckpoint: { timeStamp: Date.now() - 48_000, triggerType: 'PERIODIC' } },
          savepointInfo: {
            lastSavepoint: {
              timeStamp: Date.now() - 600_000,
              location: 'hdfs://test-nn/flink/savepoints/datasync/kafka-orders-to-paimon/savepoint-7c21d0',
              triggerType: 'PERIODIC',
              formatType: 'CANONICAL',
            },
          },
        },
      });
    },
  'npx flinkops diff --env test --exit-code       # right after a full apply, HEAD one commit further': async ({
    fx,
    scene,
  }) => {
    await quietly(scene, 'npx flinkops apply --env test');
    fx.write('NOTES.md', 'On-call notes.\n').commit('notes for the on-call');
  },
  'npx flinkops apply --env test       # checkpoints every 30 s, in waves': ({ fx, kube }) => {
    fx.edit('platform/rollout.yaml', 'envs: [prod]', 'envs: [test, prod]');
    fx.edit(
      'platform/flink-conf.yaml',
      'execution.checkpointing.interval: 60s',
      'execution.checkpointing.interval: 30s',
    );
    // Plays the operator while apply waits between waves: each generation it has not reconciled gets the
    // status CommonStatus#getLifecycleState gives it — STABLE and RUNNING, SUSPENDED for a suspended spec,
    // a session cluster's JobManager READY; acquisition/listing-score's job FAILED, with the operator's error.
    void (async () => {
      const until = Date.now() + 120_000;
      while (Date.now() < until) {
        for (const plural of ['flinkdeployments', 'flinksessionjobs']) {
          const list = await kube!.request<{ items: KubeObject[] }>('GET', `/apis/flink.apache.org/v1beta1/${plural}`);
          for (const o of list.body.items) {
            const generation = o.metadata.generation ?? 0;
            if ((o.status?.observedGeneration ?? 0) >= generation) continue;
            const status = !o.spec?.job
              ? { lifecycleState: 'STABLE', jobManagerDeploymentStatus: 'READY' }
              : o.spec.job.state === 'suspended'
                ? { lifecycleState: 'SUSPENDED', jobStatus: { state: 'FINISHED' } }
                : o.metadata.name === 'listing-score'
                  ? {
                      lifecycleState: 'FAILED',
                      jobStatus: { state: 'FAILED' },
                      error:
                        '{"message":"org.apache.flink.runtime.JobException: Recovery is suppressed by NoRestartBackoffTimeStrategy"}',
                    }
                  : { lifecycleState: 'STABLE', jobStatus: { state: 'RUNNING' } };
            await setStatus(
              kube!,
              `/apis/flink.apache.org/v1beta1/namespaces/${o.metadata.namespace}/${plural}/${o.metadata.name}`,
              status,
            );
          }
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    })().catch(() => undefined);
  },
  'npx flinkops diff --env test --exit-code': async ({ kube, scene }) => {
    await quietly(scene, 'npx flinkops apply --env test');
    await editByHand(kube!, flinkPath('flink-rental', 'orders-enrich-house'), {
      spec: { taskManager: { resource: { memory: '8192m' } } },
    });
  },
};

/** A scene is named by the command, or by the line as written when one command is shown in several states. */
function sceneOf(example: Example): ((c: Context) => void | Promise<void>) | undefined {
  return scenes[example.written] ?? scenes[example.command];
}

/** Examples that talk to a cluster share one, in README order. */
const CLUSTER = /^(\w+=\S+ )*npx flinkops (apply|action|status|logs|diff|savepoints)\b/;

async function quietly(scene: Scene, command: string): Promise<void> {
  const r = await scene.run(command);
  if (r.code !== 0) throw new Error(`scene: \`${command}\` failed (exit ${r.code}):\n${r.combined}`);
}

const blocks = examplesOf(README);
const first = (b: Block) => b.examples[0]!.command;
const local = blocks.filter((b) => !CLUSTER.test(first(b)));
const cluster = blocks.filter((b) => CLUSTER.test(first(b)));

/** The commands run as on a laptop: no CI variables, UTC, the test's own caches and kubeconfig. */
function baseEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const keep = ['HOME', 'FLINKOPS_CACHE', 'JAVA_HOME', 'MAVEN_OPTS', 'LANG'];
  return {
    ...Object.fromEntries(keep.filter((k) => process.env[k] !== undefined).map((k) => [k, process.env[k]])),
    TZ: 'UTC',
    ...extra,
  };
}

describe('README.md examples', () => {
  it('has examples, and a scene for each block that needs one still names a README example', () => {
    const commands = new Set(blocks.flatMap((b) => b.examples.flatMap((e) => [e.command, e.written])));
    const stale = Object.keys(scenes).filter((c) => !commands.has(c));
    if (stale.length) throw new Error(`scenes for commands the README no longer shows: ${stale.join('; ')}`);
    if (local.length < 5 || cluster.length < 4) throw new Error('the README lost its examples');
  });

  const java = flinkAvailable();
  for (const block of local) {
    const needsFlink = /--deep|preview|plan |flinkops test /.test(first(block));
    it.runIf(java || !needsFlink)(
      `README.md:${block.examples[0]!.line} $ ${first(block)}`,
      async () => {
        const scene = new Scene(baseEnv());
        try {
          for (const example of block.examples) {
            await sceneOf(example)?.({ scene, fx: scene.fx });
            await check(scene, example);
          }
        } finally {
          scene.dispose();
        }
      },
      300_000,
    );
  }
});

describe('README.md examples against a cluster', () => {
  const available = kubeAvailability();
  if (!available.ok && isCI()) throw new Error(`a local kube-apiserver is required in CI: ${available.reason}`);
  if (!available.ok) console.warn(`\n!!!!! SKIPPING the README's cluster examples: ${available.reason} !!!!!\n`);

  let state: string;
  let c: { kube: KubeClient; scene: Scene } | undefined;
  beforeAll(async () => {
    if (!available.ok) return;
    // A server of its own (fresh etcd): the examples show objects being created.
    state = mkdtempSync(path.join(tmpdir(), 'flinkops-readme-kube-'));
    const up = spawnSync('bash', [path.join(PROJECT, 'tools/kube/up.sh')], {
      encoding: 'utf8',
      env: { ...process.env, FLINKOPS_KUBE_DIR: state },
    });
    if (up.status !== 0) throw new Error(`tools/kube/up.sh failed:\n${up.stderr}`);
    const kubeconfig = up.stdout.trim().split('\n').at(-1)!;
    // The environment file names its context (platform/envs/test.yaml: kubernetes.context).
    const envContext = (parse(readFileSync(path.join(PROJECT, 'platform/envs/test.yaml'), 'utf8')) as any).kubernetes
      .context as string;
    const config = parse(readFileSync(kubeconfig, 'utf8')) as any;
    const old = config['current-context'] as string;
    for (const ctx of config.contexts) if (ctx.name === old) ctx.name = envContext;
    config['current-context'] = envContext;
    mkdirSync(path.join(state, 'home'), { recursive: true });
    const named = path.join(state, 'home', 'kubeconfig');
    writeFileSync(named, stringify(config));
    const scene = new Scene(baseEnv({ KUBECONFIG: named }));
    c = { kube: await KubeClient.connect({ kubeconfig: named }), scene };
  });
  afterAll(() => {
    if (!available.ok) return;
    c?.scene.dispose();
    spawnSync('bash', [path.join(PROJECT, 'tools/kube/down.sh')], {
      env: { ...process.env, FLINKOPS_KUBE_DIR: state },
    });
    rmSync(state, { recursive: true, force: true });
  });

  for (const block of cluster) {
    it.runIf(available.ok)(
      `README.md:${block.examples[0]!.line} $ ${first(block)}`,
      async () => {
        for (const example of block.examples) {
          await sceneOf(example)?.({ scene: c!.scene, fx: c!.scene.fx, kube: c!.kube });
          await check(c!.scene, example);
        }
      },
      300_000,
    );
  }
});

describe('README.md command headings and --help', () => {
  it('every declared option is in its command’s usage line, and each `### flinkops …` heading is a usage line', async () => {
    const { commands } = await import('../cli/commands/index.js');
    const missing = commands.flatMap((c) =>
      Object.keys(c.options)
        .filter((o) => !c.usage.includes(`--${o}`))
        .map((o) => `${c.name}: --${o} is not in "${c.usage}"`),
    );
    const usages = commands.map((c) => c.usage);
    const headings = [...README.matchAll(/^### `flinkops (.*)`$/gm)].map((m) => m[1]!);
    // A heading on one flag (`validate --deep`) names a flag its command's usage lists.
    const wrong = headings.filter(
      (h) =>
        !usages.includes(h) &&
        !commands.some((c) => h.startsWith(`${c.name} --`) && c.usage.includes(`[${h.slice(c.name.length + 1)}]`)),
    );
    const problems = [
      ...missing,
      ...wrong.map((h) => {
        const c = commands.find((x) => h.split(' ')[0] === x.usage.split(' ')[0]);
        return `README heading "${h}"\n  --help says "${c?.usage ?? '(no such command)'}"`;
      }),
    ];
    if (problems.length) throw new Error(problems.join('\n'));
    if (headings.length < 10) throw new Error('the README lost its command headings');
  });
});
