import type { Position } from './diagnostic.js';

/** Offset (UTF-16 units) → 1-based line and column; columns count characters (code points), as editors show them. */
export class LineIndex {
  private readonly starts: number[] = [0];

  constructor(private readonly text: string) {
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) this.starts.push(i + 1);
  }

  position(offset: number): Position {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    const start = this.starts[lo]!;
    const slice = this.text.slice(start, Math.min(offset, this.text.length));
    let column = slice.length;
    if (/[\uD800-\uDBFF]/.test(slice)) column = Array.from(slice).length;
    return { line: lo + 1, column: column + 1 };
  }

  /** Inverse of position(): 1-based line and code-point column → offset. */
  offset(line: number, column: number): number {
    const start = this.starts[Math.min(Math.max(line, 1), this.starts.length) - 1]!;
    let offset = start;
    for (let cp = 1; cp < column && offset < this.text.length; cp++) {
      const c = this.text.charCodeAt(offset);
      offset += c >= 0xd800 && c <= 0xdbff ? 2 : 1;
    }
    return offset;
  }
}
