import { copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { hasErrors } from '../lib/diagnostics/diagnostic.js';
import { formatDiagnostics } from '../lib/diagnostics/format/index.js';
import { loadRepo } from '../lib/repo/load.js';
import { renderImage } from '../lib/render/image.js';
import { runnerJarFile } from '../lib/render/runner.js';
import { requireEnv, UsageError } from '../lib/repo/select.js';
import type { ActionResult } from './result.js';

export interface ImageRenderOptions {
  repo: string;
  flink: string;
  out?: string;
  env?: string;
  arthas?: string;
  /** The SQL runner jar built by flink/build.sh, copied into the build context under the name the Dockerfile expects. */
  runnerJar?: string;
}

/** `flinkops image render`: the Dockerfile (and the files it copies) of one Flink version line's base image. */
export function imageRender(options: ImageRenderOptions): ActionResult {
  const { repo, diagnostics: load } = loadRepo(options.repo);
  if (options.env) requireEnv(repo, options.env);
  if (options.env && !options.out)
    throw new UsageError('--env writes the Hadoop configuration beside the Dockerfile: add --out DIR');
  if (options.runnerJar && !options.out)
    throw new UsageError('--runner-jar copies the jar beside the Dockerfile: add --out DIR');
  if (options.runnerJar && !existsSync(options.runnerJar))
    throw new UsageError(`--runner-jar ${options.runnerJar} does not exist`);
  if (options.arthas && !/^[0-9][0-9A-Za-z.-]*$/.test(options.arthas))
    throw new UsageError(`--arthas takes a version such as 4.0.5, not "${options.arthas}"`);
  const blocking = load.filter((d) => d.severity === 'error' && d.file === 'platform/versions.yaml');
  const { files, diagnostics } = blocking.length
    ? { files: {}, diagnostics: blocking }
    : renderImage(repo, options.flink, options);
  const stderr = diagnostics.length ? formatDiagnostics(diagnostics, 'text') : undefined;
  if (hasErrors(diagnostics)) return { stdout: '', ...(stderr ? { stderr } : {}), exitCode: 1 };
  if (!options.out) return { stdout: files.Dockerfile ?? '', ...(stderr ? { stderr } : {}), exitCode: 0 };
  for (const [rel, text] of Object.entries(files).sort()) {
    const file = path.join(options.out, rel);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, text);
  }
  if (options.runnerJar) {
    const name = runnerJarFile(repo.platform.versions!.spec.versions[options.flink]!.flink);
    copyFileSync(options.runnerJar, path.join(options.out, name));
    files[name] = '';
  }
  return {
    stdout: Object.keys(files)
      .sort()
      .map((f) => `  wrote ${path.join(options.out!, f)}\n`)
      .join(''),
    ...(stderr ? { stderr } : {}),
    exitCode: 0,
  };
}
