import type { Repo } from '../repo/model.js';

export interface ScaffoldFile {
  path: string;
  text: string;
}

/** The files of a new job that validates clean: owners from the team, the newest supported Flink version. */
export function scaffoldJob(repo: Repo, team: string, name: string, type: 'sql' | 'jar'): ScaffoldFile[] {
  const teamSpec = repo.teams.get(team)?.team?.spec;
  const versions = repo.platform.versions?.spec.versions ?? {};
  const current = Object.keys(versions)
    .filter((v) => !versions[v]!.deprecated)
    .sort((a, b) => compareVersions(b, a))[0];
  const dir = `jobs/${team}/${name}`;
  const flinkVersionLine = teamSpec?.defaults?.flinkVersion ? '' : `flinkVersion: "${current ?? '1.20'}"\n`;
  const files: ScaffoldFile[] = [];
  if (type === 'sql') {
    files.push({
      path: `${dir}/job.yaml`,
      text:
        `# yaml-language-server: $schema=../../../schemas/job.schema.json\n` +
        `type: sql\ndescription: "TODO: what ${name} does"\n${flinkVersionLine}parallelism: 1\nupgradeMode: stateless\nstate: running\n` +
        `vars:\n  rows_per_second: 10\n`,
    });
    files.push({
      path: `${dir}/01-main.sql`,
      text:
        `-- ${name}: replace the generator and the sink with the real source and sink.\n` +
        `CREATE TEMPORARY TABLE source_events (\n  id BIGINT,\n  payload STRING,\n  event_time TIMESTAMP(3),\n  WATERMARK FOR event_time AS event_time - INTERVAL '5' SECOND\n) WITH (\n  'connector' = 'datagen',\n  'rows-per-second' = '\${rows_per_second}'\n);\n\n` +
        `CREATE TEMPORARY TABLE sink_events (\n  id BIGINT,\n  payload STRING,\n  event_time TIMESTAMP(3)\n) WITH (\n  'connector' = 'blackhole'\n);\n\n` +
        `INSERT INTO sink_events\nSELECT id, payload, event_time\nFROM source_events;\n`,
    });
    // One passing test, so `flinkops test` covers the job from its first commit.
    files.push({
      path: `${dir}/tests/events-pass-through.yaml`,
      text:
        `# yaml-language-server: $schema=../../../../schemas/test.schema.json\n` +
        `description: Every source event reaches the sink unchanged (change it to what the job computes).\n` +
        `given:\n  source_events:\n` +
        `    - { id: 1, payload: hello, event_time: "2024-01-01 10:00:00" }\n` +
        `    - { id: 2, payload: world, event_time: "2024-01-01 10:00:01" }\n` +
        `expect:\n  sink_events:\n    rows:\n` +
        `      - { id: 1, payload: hello, event_time: "2024-01-01 10:00:00" }\n` +
        `      - { id: 2, payload: world, event_time: "2024-01-01 10:00:01" }\n`,
    });
  } else {
    files.push({
      path: `${dir}/job.yaml`,
      text:
        `# yaml-language-server: $schema=../../../schemas/job.schema.json\n` +
        `type: jar\ndescription: "TODO: what ${name} does"\n${flinkVersionLine}parallelism: 1\nupgradeMode: stateless\nstate: running\n` +
        `jar:\n  # The job's jar by Maven coordinates (group:artifact:version), as published to the platform's\n` +
        `  # Maven repository (platform/envs/<env>.yaml maven): validate refuses this placeholder until it is filled in.\n` +
        `  maven: TODO.group:${name}:TODO-version\n  entryClass: com.example.${pascal(name)}\n  args: ["--env", "\${env}"]\n`,
    });
  }
  files.push({
    path: `${dir}/owners.yaml`,
    text: `# yaml-language-server: $schema=../../../schemas/owners.schema.json\nowners:\n${(teamSpec?.owners ?? ['@TODO']).map((o) => `  - "${o}"`).join('\n')}\n`,
  });
  return files;
}

function compareVersions(a: string, b: string): number {
  const [a1, a2] = a.split('.').map(Number);
  const [b1, b2] = b.split('.').map(Number);
  return a1! - b1! || a2! - b2!;
}

function pascal(name: string): string {
  return name.replace(/(^|-)([a-z0-9])/g, (_, __, c: string) => c.toUpperCase());
}
