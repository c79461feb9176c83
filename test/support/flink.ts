import { javaAvailable } from '../../lib/flink/launch.js';

/**
 * Tests that need Flink run in CI always (.ci/run installs Java and Maven). On a laptop without
 * Java they are skipped — loudly, never silently.
 */
export function flinkAvailable(): boolean {
  if (javaAvailable()) return true;
  if (process.env.CI) throw new Error('Java is required for the Flink tests in CI (.ci/run installs it)');
  console.warn(
    '\n\n!!!!! SKIPPING the Flink tests: no Java on this machine (install Java 17 and Maven to run them) !!!!!\n\n',
  );
  return false;
}
