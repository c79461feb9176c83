/**
 * What an action hands back to the CLI: text to print and the exit code (0 ok, 1 the repository or cluster
 * has a problem, 130/143 interrupted by SIGINT/SIGTERM: 128 + the signal's number, as shells report it).
 */
export interface ActionResult {
  stdout: string;
  stderr?: string;
  exitCode: 0 | 1 | 130 | 143;
}
