import { execFileSync } from 'node:child_process';
import { Fixture } from './fixture.js';

/** A fixture that is also a real Git repository with the sample committed on `main`. */
export class GitFixture extends Fixture {
  constructor() {
    super();
    this.git('init', '-q', '-b', 'main');
    this.git('config', 'user.email', 'ci@rent.example');
    this.git('config', 'user.name', 'CI');
    this.git('add', '-A');
    this.git('commit', '-qm', 'initial');
  }

  git(...args: string[]): string {
    return execFileSync('git', args, { cwd: this.root, encoding: 'utf8' });
  }

  commit(message: string): string {
    this.git('add', '-A');
    this.git('commit', '-qm', message);
    return this.git('rev-parse', 'HEAD').trim();
  }
}
