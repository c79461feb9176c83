/** What an action hands back to the CLI: text to print and the exit code (0 ok, 1 the repository or cluster has a problem). */
export interface ActionResult {
  stdout: string;
  stderr?: string;
  exitCode: 0 | 1;
}
