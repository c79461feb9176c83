import type { ParseArgsConfig } from 'node:util';
import type { ActionResult } from '../actions/result.js';

export type Options = NonNullable<ParseArgsConfig['options']>;

/** One sub-command: its options, its usage line, and how it calls its action. */
export interface Command {
  name: string;
  usage: string;
  summary: string;
  options: Options;
  run(values: Record<string, unknown>, positionals: string[], repo: string): ActionResult | Promise<ActionResult>;
}
