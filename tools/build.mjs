// Bundles the CLI into dist/flinkops.mjs. Run by `npm install` (prepare) and `npm run build`.
import { rmSync } from 'node:fs';
import { build } from 'esbuild';

rmSync('dist', { recursive: true, force: true });

await build({
  entryPoints: ['cli/flinkops.ts'],
  outdir: 'dist',
  // Each command's action is a chunk loaded on use: `validate` does not load the Kubernetes models.
  splitting: true,
  entryNames: '[name]',
  chunkNames: 'chunks/[name]-[hash]',
  outExtension: { '.js': '.mjs' },
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  sourcemap: 'linked',
  legalComments: 'none',
  logLevel: 'warning',
  // Heavy clients load only for the commands that talk to a cluster or a Git host.
  external: ['@kubernetes/client-node', '@gitbeaker/rest', '@octokit/rest'],
  // Some bundled CommonJS dependencies call require(); give them one.
  banner: {
    js: "import { createRequire as __flinkopsCreateRequire } from 'node:module'; const require = __flinkopsCreateRequire(import.meta.url);",
  },
});

// The bundle's own hash: cached validation results are keyed by it (lib/validation/keys.ts), so
// another build of flinkops never reuses this one's results.
{
  const { createHash } = await import('node:crypto');
  const { readdirSync, readFileSync, writeFileSync } = await import('node:fs');
  const hash = createHash('sha256');
  for (const f of readdirSync('dist', { recursive: true }).map(String).sort())
    if (f.endsWith('.mjs')) hash.update(`${f}\0`).update(readFileSync(`dist/${f}`));
  writeFileSync('dist/build-id', `${hash.digest('hex')}\n`);
}
