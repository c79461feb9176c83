import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import type { Diagnostic, Position } from '../diagnostics/diagnostic.js';

export type PropertyPath = readonly (string | number)[];

/** Anchors expanded more often than this are refused: a few lines of YAML must not expand to gigabytes. */
const MAX_ALIAS_COUNT = 100;

/**
 * One parsed YAML file that still knows where every value came from.
 * `data` is the plain JavaScript value; `position(path)` finds the line and column of a key or value.
 */
export class YamlFile {
  readonly data: unknown;
  readonly diagnostics: Diagnostic[] = [];
  private readonly doc: Document;
  private readonly lines = new LineCounter();
  /** Positions already found, by path (a tree of its segments) and part: every job asks the platform files the same. */
  private readonly found: FoundPositions = {};

  constructor(
    readonly file: string,
    readonly text: string,
  ) {
    this.doc = parseDocument(text, { lineCounter: this.lines, prettyErrors: false, uniqueKeys: true });
    for (const err of [...this.doc.errors, ...this.doc.warnings]) {
      const at = err.linePos?.[0] ?? this.lines.linePos(err.pos[0]);
      const duplicate = err.code === 'DUPLICATE_KEY';
      this.diagnostics.push({
        severity: this.doc.errors.includes(err as never) ? 'error' : 'warning',
        rule: duplicate ? 'yaml/duplicate-key' : 'yaml/syntax',
        message: firstLine(err.message),
        hint: duplicate ? 'remove one of the two entries' : 'check indentation, quotes and colons near this position',
        file,
        line: at.line,
        column: at.col,
      });
    }
    let data: unknown;
    if (this.doc.errors.length === 0) {
      try {
        data = this.doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
      } catch (e) {
        this.diagnostics.push({
          severity: 'error',
          rule: 'yaml/aliases',
          message: `${(e as Error).message} (more than ${MAX_ALIAS_COUNT} alias expansions)`,
          hint: 'write the values out instead of nesting anchors and aliases',
          file,
          line: 1,
          column: 1,
        });
      }
    }
    this.data = data ?? undefined;
  }

  get ok(): boolean {
    return this.diagnostics.every((d) => d.severity !== 'error');
  }

  /** Position of the value (or of its key) at `path`; falls back to the nearest existing parent. */
  position(path: PropertyPath, part: 'key' | 'value' = 'value'): Position {
    // Map keys keep 1 and '1' apart (a sequence index and a mapping key find different nodes).
    let at = this.found;
    for (const seg of path) {
      at.next ??= new Map();
      let child = at.next.get(seg);
      if (!child) at.next.set(seg, (child = {}));
      at = child;
    }
    const found = (at[part] ??= this.find(path, part));
    return { line: found.line, column: found.column };
  }

  private find(path: PropertyPath, part: 'key' | 'value'): Position {
    let node: unknown = this.doc.contents;
    let keyNode: unknown;
    for (const seg of path) {
      if (isMap(node)) {
        const pair = node.items.find((p) => isPair(p) && keyText(p.key) === String(seg));
        if (!pair) break;
        keyNode = pair.key;
        node = pair.value;
      } else if (isSeq(node) && typeof seg === 'number' && node.items[seg] !== undefined) {
        keyNode = node.items[seg];
        node = node.items[seg];
      } else {
        break;
      }
    }
    const target = (part === 'key' && keyNode ? keyNode : (node ?? keyNode)) as Node | undefined;
    const offset = target?.range?.[0] ?? 0;
    const lp = this.lines.linePos(offset);
    return { line: lp.line, column: lp.col };
  }

  at(path: PropertyPath, part: 'key' | 'value' = 'value'): { file: string; line: number; column: number } {
    return { file: this.file, ...this.position(path, part) };
  }
}

interface FoundPositions {
  next?: Map<string | number, FoundPositions>;
  key?: Position;
  value?: Position;
}

function keyText(key: unknown): string | undefined {
  if (isScalar(key)) return String(key.value);
  return undefined;
}

function firstLine(s: string): string {
  return s.split('\n')[0]!.trim();
}
