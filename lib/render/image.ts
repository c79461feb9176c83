import type { Diagnostic } from '../diagnostics/diagnostic.js';
import type { Repo } from '../repo/model.js';
import { mavenPath } from '../resolve/artifacts.js';
import { FILESYSTEMS, imageFilesystems } from '../resolve/filesystems.js';
import { runnerJarFile, SQL_RUNNER } from './runner.js';
import { loadTemplate, TemplateError } from './templates.js';

export interface ImageOptions {
  /** Bake this environment's Hadoop configuration into the image as a fallback. */
  env?: string;
  /** Arthas version to add (from Maven Central), for diagnosis. */
  arthas?: string;
}

export interface ImageFiles {
  /** Build-context-relative path → content (`Dockerfile`, `hadoop-conf/core-site.xml`, …). */
  files: Record<string, string>;
  diagnostics: Diagnostic[];
}

/** The build context of the base image of one Flink version line (a pure function of the repository). */
export function renderImage(repo: Repo, version: string, options: ImageOptions = {}): ImageFiles {
  const diagnostics: Diagnostic[] = [];
  const versions = repo.platform.versions;
  const v = versions?.spec.versions?.[version];
  if (!versions || !v) {
    const known = Object.keys(versions?.spec.versions ?? {}).join(', ');
    diagnostics.push({
      severity: 'error',
      rule: 'image/flink-version',
      message: `platform/versions.yaml has no version "${version}"${known ? ` (it has ${known})` : ''}`,
      hint: 'pass a key of platform/versions.yaml to --flink',
      file: 'platform/versions.yaml',
      line: 1,
      column: 1,
    });
    return { files: {}, diagnostics };
  }
  const at = (...p: (string | number)[]) => versions.yaml.at(['versions', version, ...p]);
  const java = /java(\d+)/.exec(v.image)?.[1] ?? '17';
  const paimonAction = paimonActionJar(v.paimonActionJar);
  if (v.paimonActionJar && !paimonAction) {
    diagnostics.push({
      severity: 'warning',
      rule: 'image/paimon-action',
      message: `cannot tell the Maven coordinate of ${v.paimonActionJar}; the image will not contain it`,
      hint: 'name it local:///opt/flink/opt/paimon-flink-action-<version>.jar',
      ...at('paimonActionJar'),
    });
  }
  const files: Record<string, string> = {};
  let hadoop: { env: string } | null = null;
  if (options.env) {
    const list = repo.platform.hadoop.get(options.env) ?? [];
    if (!list.length)
      diagnostics.push({
        severity: 'error',
        rule: 'image/hadoop',
        message: `platform/envs/${options.env}/hadoop/ has no files`,
        hint: 'add core-site.xml and hdfs-site.xml there, or leave out --env',
        file: `platform/envs/${options.env}.yaml`,
        line: 1,
        column: 1,
      });
    for (const f of list) files[`hadoop-conf/${f.name}`] = f.text;
    hadoop = { env: options.env };
  }
  const schemes = imageFilesystems(repo, v);
  const plugins = [...new Set(schemes.map((x) => FILESYSTEMS[x]?.plugin).filter((x): x is string => Boolean(x)))];
  const fsJars = [...new Set(schemes.flatMap((x) => FILESYSTEMS[x]?.maven?.(v) ?? []))];
  const context = {
    version,
    flink: v.flink,
    scala: '2.12',
    filesystems: {
      schemes: schemes.join(','),
      jars: fsJars.map(mavenPath),
      plugins: plugins.map((name) => ({ name, jar: `flink-${name}-${v.flink}.jar` })),
    },
    image: v.image,
    base: `flink:${v.flink}-java${java}`,
    connectors: (v.connectors ?? []).map((c) => mavenPath(typeof c === 'string' ? c : c.maven)),
    usrlib: (v.usrlib ?? []).map((m) => ({ ...mavenPath(m), dest: `${SQL_RUNNER.dir}/${mavenPath(m).file}` })),
    paimonAction,
    runner: { file: runnerJarFile(v.flink), dest: `${SQL_RUNNER.dir}/${runnerJarFile(v.flink)}` },
    hadoop,
    arthas: options.arthas
      ? { path: `com/taobao/arthas/arthas-packaging/${options.arthas}/arthas-packaging-${options.arthas}-bin.zip` }
      : null,
  };
  // The destination, for the builder: `kaniko --destination "$(cat IMAGE)"`.
  files.IMAGE = `${v.image}\n`;
  try {
    files.Dockerfile = loadTemplate(repo.root, 'image/Dockerfile.hbs', 'dockerfile').render(context);
  } catch (e) {
    if (!(e instanceof TemplateError)) throw e;
    diagnostics.push({
      severity: 'error',
      rule: 'render/template',
      message: e.message,
      hint: 'Dockerfile templates write every value through {{word …}} or {{sh …}}',
      file: e.file,
      line: e.line,
      column: e.column,
    });
  }
  return { files, diagnostics };
}

/** `local:///opt/flink/opt/paimon-flink-action-1.2.0.jar` → where Maven Central has it, and where the image keeps it. */
function paimonActionJar(uri: string | undefined): { path: string; dest: string } | null {
  const m = uri ? /^local:\/\/(\/.*\/paimon-flink-action-([0-9][^/]*)\.jar)$/.exec(uri) : null;
  if (!m) return null;
  return { path: mavenPath(`org.apache.paimon:paimon-flink-action:${m[2]}`).path, dest: m[1]! };
}
