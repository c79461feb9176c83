import { ensureNote, readNote } from './notes.js';
import type { CommitStatus, GitHost, ScmPlatform } from './types.js';

/** Room kept in a note for the marker line and for the word joiners that neutralise mentions. */
const NOTE_MARGIN = 1_000;

/** The platform actions use: the shared sticky-note routine over one host's primitives. */
export function scmPlatform(git: GitHost): ScmPlatform {
  return {
    host: git.name,
    noteLimit: git.noteLimit - NOTE_MARGIN,
    ensurePlanNote: ({ topic, body }) => ensureNote(git, topic, body),
    readPlanNote: (topic) => readNote(git, topic),
    setCommitStatus: (input: CommitStatus) => git.setCommitStatus(input),
    listApprovals: () => git.listApprovals(),
    findMergeRequest: (sha) => git.findMergeRequest(sha),
    forMergeRequest: (number) => scmPlatform(git.forMergeRequest(number)),
    listGroupMembers: (group) => git.listGroupMembers(group),
  };
}
