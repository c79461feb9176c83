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
