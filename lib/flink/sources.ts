import { treeHash } from '../cache/tree.js';
import { projectRoot } from './launch.js';

let sources: string | undefined;

/**
 * The Flink helpers' sources (their Java, pom and build script): a cached answer of the helper is
 * only reused by the helper built from the same sources. Throws FlinkUnavailable outside an install.
 */
export function helperSources(): string {
  sources ??= treeHash(projectRoot(), ['flink/src', 'flink/pom.xml', 'flink/build.sh']);
  return sources;
}
