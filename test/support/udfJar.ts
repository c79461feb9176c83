import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Fixture } from './fixture.js';

const M2 = path.join(homedir(), '.m2', 'repository', 'org', 'apache', 'flink');

/**
 * A real UDF jar: one ScalarFunction compiled with javac against Flink's table API and packed with
 * jar, published into a file:// Maven repository laid out as Maven lays it out.
 */
export function publishUdfJar(root: string): string {
  const src = path.join(root, 'src', 'com', 'rent', 'udftest');
  mkdirSync(src, { recursive: true });
  writeFileSync(
    path.join(src, 'Shout.java'),
    `package com.rent.udftest;
public class Shout extends org.apache.flink.table.functions.ScalarFunction {
  public String eval(String s) { return s == null ? null : s.toUpperCase() + "!"; }
}
`,
  );
  const cp = ['flink-table-common', 'flink-core', 'flink-annotations']
    .map((a) => path.join(M2, a, '1.20.4', `${a}-1.20.4.jar`))
    .join(path.delimiter);
  const classes = path.join(root, 'classes');
  execFileSync('javac', ['--release', '11', '-cp', cp, '-d', classes, path.join(src, 'Shout.java')]);
  const repo = path.join(root, 'maven');
  const dir = path.join(repo, 'com', 'rent', 'udftest', 'shout-udfs', '1.0.0');
  mkdirSync(dir, { recursive: true });
  execFileSync('jar', ['cf', path.join(dir, 'shout-udfs-1.0.0.jar'), '-C', classes, '.']);
  return pathToFileURL(repo).href;
}

/** The jar publishUdfJar wrote, as a file. */
export function udfJarFile(root: string): string {
  return path.join(root, 'maven', 'com', 'rent', 'udftest', 'shout-udfs', '1.0.0', 'shout-udfs-1.0.0.jar');
}

/**
 * A copy of the sample whose data-security policy lets these jobs run code of their own (`unpolicedCode`):
 * jar jobs and UDF jars are refused under a policy otherwise.
 */
export function fixtureRunningOwnCode(...jobs: string[]): Fixture {
  return new Fixture().edit(
    'platform/policies/pii.yaml',
    'unpolicedCode: [acquisition/listing-score]',
    `unpolicedCode: [acquisition/listing-score, ${jobs.join(', ')}]`,
  );
}
