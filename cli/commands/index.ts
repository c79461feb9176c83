import type { Command } from '../command.js';
import { actionCommand } from './action.js';
import { applyCommand } from './apply.js';
import { diffCommand } from './diff.js';
import { logsCommand } from './logs.js';
import { savepointsCommand } from './savepoints.js';
import { statusCommand } from './status.js';
import { codeownersCommand } from './codeowners.js';
import { configCommand } from './config.js';
import { imageCommand } from './image.js';
import { newCommand } from './new.js';
import { planCommand } from './plan.js';
import { renderCommand } from './render.js';
import { previewCommand } from './preview.js';
import { siteCommand } from './site.js';
import { sqlCommand } from './sql.js';
import { testCommand } from './test.js';
import { validateCommand } from './validate.js';

/** Every sub-command, in the order `--help` lists them. Add a command: one file here, one line below. */
export const commands: Command[] = [
  validateCommand,
  configCommand,
  previewCommand,
  testCommand,
  sqlCommand,
  planCommand,
  newCommand,
  codeownersCommand,
  renderCommand,
  applyCommand,
  actionCommand,
  statusCommand,
  savepointsCommand,
  logsCommand,
  diffCommand,
  imageCommand,
  siteCommand,
];
