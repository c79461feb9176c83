// Bundles the CLI into dist/flinkops.mjs. Run by `npm install` (prepare) and `npm run build`.
import { build } from 'esbuild';

await build({
  entryPoints: ['cli/flinkops.ts'],
  outfile: 'dist/flinkops.mjs',
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
  banner: { js: "import { createRequire as __flinkopsCreateRequire } from 'node:module'; const require = __flinkopsCreateRequire(import.meta.url);" },
});
