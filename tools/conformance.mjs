// `npm run conformance -- DIR`: the Flink SQL Cookbook conformance (test/conformance/) on DIR, a folder
// holding the cookbook's recipes as NN_name.sql. Kept out of `npm test`: the recipes are not ours to ship.
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';

const dir = process.argv[2];
if (!dir || process.argv.length > 3) {
  console.error('usage: npm run conformance -- DIR   (DIR: the Flink SQL Cookbook recipes, NN_name.sql)');
  process.exit(2);
}
if (!existsSync(dir) || !statSync(dir).isDirectory()) {
  console.error(`conformance: ${dir} is not a folder`);
  process.exit(2);
}
const vitest = path.join('node_modules', 'vitest', 'vitest.mjs');
const r = spawnSync(process.execPath, [vitest, 'run', '--config', 'vitest.conformance.config.ts'], {
  stdio: 'inherit',
  env: { ...process.env, FLINKOPS_CORPUS: path.resolve(dir) },
});
process.exit(r.status ?? 2);
