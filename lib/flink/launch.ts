import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** How to start the JVM helper of one Flink release (written by flink/build.sh). */
export interface Launch {
  flinkVersion: string;
  java: string;
  args: string[];
  runnerJar?: string;
}

export class FlinkUnavailable extends Error {}

export function cacheDir(): string {
  return process.env.FLINKOPS_CACHE ?? path.join(homedir(), '.cache', 'flinkops');
}

/** The flinkops installation (where flink/build.sh lives), found from this module's location. */
export function projectRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(path.join(dir, 'flink', 'build.sh')) && existsSync(path.join(dir, 'package.json'))) return dir;
    dir = path.dirname(dir);
  }
  throw new FlinkUnavailable('cannot find the flinkops installation (flink/build.sh)');
}

export function javaAvailable(): boolean {
  const r = spawnSync('java', ['-version'], { stdio: 'ignore' });
  return r.status === 0;
}

/**
 * The launch description of a Flink release, building the helper on first use (Maven downloads
 * Flink from Maven Central once; later runs start no download).
 */
export function launchFor(flinkVersion: string, log: (line: string) => void = () => {}): Launch {
  if (!javaAvailable())
    throw new FlinkUnavailable(
      'Java is not installed (java -version failed); deep validation and preview need Java 17 and Maven',
    );
  const file = path.join(cacheDir(), 'flink', flinkVersion, 'launch.json');
  const root = projectRoot();
  if (!existsSync(file))
    log(`building the Flink ${flinkVersion} helper (flink/build.sh; the first run downloads Flink from Maven Central)`);
  try {
    execFileSync('bash', [path.join(root, 'flink', 'build.sh'), flinkVersion], {
      stdio: ['ignore', 'ignore', 'pipe'],
      cwd: root,
      env: { ...process.env, FLINKOPS_CACHE: cacheDir() },
    });
  } catch (e) {
    const stderr = String((e as { stderr?: Buffer }).stderr ?? '')
      .trim()
      .split('\n')
      .slice(-15)
      .join('\n');
    throw new FlinkUnavailable(`building the Flink ${flinkVersion} helper failed:\n${stderr}`);
  }
  if (!existsSync(file)) throw new FlinkUnavailable(`flink/build.sh ${flinkVersion} wrote no ${file}`);
  return JSON.parse(readFileSync(file, 'utf8')) as Launch;
}
