import { execFileSync } from 'node:child_process';

/** CLI tests run the bundled CLI, as users do: build it once before the tests. */
export default function setup(): void {
  execFileSync(process.execPath, ['tools/build.mjs'], { stdio: 'inherit' });
}
