import { defineConfig } from 'vitest/config';

// `npm run conformance -- DIR`: suites over corpora that are not in the repository (tools/conformance.mjs).
export default defineConfig({
  test: {
    include: ['test/conformance/*.conformance.ts'],
    testTimeout: 600_000,
    hookTimeout: 1_200_000,
    // dt-sql-parser's ES modules import paths without extensions: let Vite transform them.
    server: { deps: { inline: [/dt-sql-parser/, /antlr4-c3/] } },
  },
});
