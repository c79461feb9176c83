import { execFileSync } from 'node:child_process';
import path from 'node:path';

/** A git problem the user can fix (an unknown ref, a shallow clone): the CLI prints it with its hint, exit 1. */
export class GitError extends Error {
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message);
  }
}

/** The git binary on a real repository; every call is one `git` process. */
export class Git {
  constructor(readonly root: string) {}

  run(args: string[], input?: string): string {
    try {
      return execFileSync('git', args, {
        cwd: this.root,
        encoding: 'utf8',
        maxBuffer: 1 << 28,
        stdio: ['pipe', 'pipe', 'pipe'],
        ...(input !== undefined ? { input } : {}),
      });
    } catch (e) {
      const err = e as { stderr?: string; message: string };
      throw new GitError(`git ${args.join(' ')}: ${(err.stderr ?? err.message).trim().split('\n')[0]}`);
    }
  }

  /** The commit `ref` names, or a GitError saying how to get it. */
  revParse(ref: string): string {
    try {
      return this.run(['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]).trim();
    } catch {
      throw new GitError(
        `"${ref}" is not a branch, tag or commit in this clone`,
        ref.startsWith('origin/')
          ? `fetch it first: git fetch origin ${ref.slice('origin/'.length)}`
          : 'name an existing branch or commit (git branch -a lists them), or fetch it: git fetch origin <branch>',
      );
    }
  }

  /** Where `b` left `a`; in a shallow clone without that history, a GitError saying how much to fetch. */
  mergeBase(a: string, b: string): string {
    try {
      return this.run(['merge-base', a, b]).trim();
    } catch {
      if (this.isShallow())
        throw new GitError(
          `this clone is shallow (${this.commitCount()} commits deep) and does not reach the commit ${b} branched from ${a.slice(0, 12)}`,
          'fetch the whole history: git fetch --unshallow (in GitLab CI set GIT_DEPTH: 0, in GitHub Actions fetch-depth: 0), or at least back to the merge base: git fetch --deepen=<the branch’s number of commits + 1>',
        );
      throw new GitError(
        `${a.slice(0, 12)} and ${b} have no common history`,
        'compare with a branch this one started from',
      );
    }
  }

  private isShallow(): boolean {
    try {
      return this.run(['rev-parse', '--is-shallow-repository']).trim() === 'true';
    } catch {
      return false;
    }
  }

  private commitCount(): string {
    try {
      return this.run(['rev-list', '--count', 'HEAD']).trim();
    } catch {
      return 'a few';
    }
  }

  /** The paths under `under` that differ between two commits. */
  changedPaths(from: string, to: string, under: string[]): string[] {
    return this.run(['diff', '--name-only', '--no-renames', '-z', from, to, '--', ...under])
      .split('\0')
      .filter(Boolean);
  }

  /** Changed paths from `base` to the working tree (committed, staged, unstaged and untracked), renames detected. */
  changes(base: string): Change[] {
    const out: Change[] = [];
    const fields = this.run(['diff', '--name-status', '-z', '-M', base]).split('\0');
    for (let i = 0; i < fields.length - 1; ) {
      const status = fields[i++]!;
      if (status.startsWith('R') || status.startsWith('C')) {
        const from = fields[i++]!;
        const to = fields[i++]!;
        out.push({ status: status[0] === 'R' ? 'renamed' : 'added', path: to, from });
      } else {
        const path = fields[i++]!;
        out.push({ status: status === 'A' ? 'added' : status === 'D' ? 'deleted' : 'modified', path });
      }
    }
    for (const path of this.run(['ls-files', '--others', '--exclude-standard', '-z']).split('\0').filter(Boolean))
      out.push({ status: 'added', path });
    return out;
  }

  /** Writes the tree of `rev` into `dir` (a plain copy, no .git): the base revision to load and render. */
  exportTree(rev: string, dir: string, paths: string[] = ['jobs', 'platform']): void {
    const existing = paths.filter((p) => this.run(['ls-tree', '--name-only', rev, p]).trim());
    if (!existing.length) return;
    execFileSync('sh', ['-c', 'git archive --format=tar "$0" -- "$@" | tar -x -C "$DEST"', rev, ...existing], {
      cwd: this.root,
      env: { ...process.env, DEST: dir },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
  }

  headCommit(): string | undefined {
    try {
      return this.revParse('HEAD');
    } catch {
      return undefined;
    }
  }
}

export interface Change {
  status: 'added' | 'modified' | 'deleted' | 'renamed';
  path: string;
  /** The old path of a rename. */
  from?: string;
}

/**
 * The commit of the repository at `root`, if `root` is a repository's top level: a folder inside
 * another repository (a test fixture, a generated tree) has no commit of its own.
 */
export function ownHeadCommit(root: string): string | undefined {
  try {
    const git = new Git(root);
    const top = git.run(['rev-parse', '--show-toplevel']).trim();
    if (path.resolve(top) !== path.resolve(root)) return undefined;
    return git.headCommit();
  } catch {
    return undefined;
  }
}
