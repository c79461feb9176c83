#!/usr/bin/env node
// The CLI is one bundled file (fast start-up; dt-sql-parser's ES modules only load bundled).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const bundle = new URL('../dist/flinkops.mjs', import.meta.url);
if (!existsSync(fileURLToPath(bundle))) {
  process.stderr.write('flinkops: not built yet — run `npm install` (or `npm run build`) in the flinkops folder\n');
  process.exit(2);
}
await import(bundle.href);
