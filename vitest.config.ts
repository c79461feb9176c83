import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'lib/**/*.test.ts'],
    globalSetup: ['test/support/globalSetup.ts'],
    testTimeout: 60_000,
    hookTimeout: 1_200_000,
    // dt-sql-parser's ES modules import paths without extensions: let Vite transform them.
    server: { deps: { inline: [/dt-sql-parser/, /antlr4-c3/] } },
  },
});
