import { execFileSync } from 'node:child_process';
import path from 'node:path';

export class GitError extends Error {}

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

  revParse(ref: string): string {
    return this.run(['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]).trim();
  }

  mergeBase(a: string, b: string): string {
    return this.run(['merge-base', a, b]).trim();
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
