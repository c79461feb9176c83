/**
 * `${name}` placeholders. `${secret:NAME}` is left in place (the runtime fills it from a Kubernetes
 * Secret); `$${` writes a literal `${`. Substitution keeps a map from every output offset back to the
 * input, so errors found in the substituted text point at the original file's line and column.
 */
export interface Substitution {
  text: string;
  /** Placeholders with no value: name and offset of the `$` in the input. */
  undefinedVars: { name: string; offset: number; length: number }[];
  /** The first placeholder whose value would have made the text larger than the limit (left unsubstituted, as the rest). */
  tooLarge?: { name: string; offset: number; length: number };
  /** Output offset → input offset. */
  toInput(offset: number): number;
  /** The output in pieces, in order: each a run of the input copied, or a placeholder's value. */
  segments: readonly Segment[];
}

/** No substituted text grows beyond this: a few variables must not expand to gigabytes. */
export const MAX_SUBSTITUTED_CHARS = 4 * 1024 * 1024;

const PLACEHOLDER = /\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_.-]*)(:[^}]*)?\}/g;

export interface Segment {
  out: number;
  in: number;
  /** Length in the output; for a substituted value, positions inside it map to the placeholder start. */
  len: number;
  /** Length of the placeholder in the input (for substituted values). */
  inLen: number;
  literal: boolean;
}

export function substitute(
  input: string,
  vars: Readonly<Record<string, string>>,
  maxChars = MAX_SUBSTITUTED_CHARS,
): Substitution {
  const undefinedVars: Substitution['undefinedVars'] = [];
  let tooLarge: Substitution['tooLarge'];
  const segments: Segment[] = [];
  let out = '';
  let last = 0;
  const copy = (until: number) => {
    if (until > last) {
      segments.push({ out: out.length, in: last, len: until - last, inLen: until - last, literal: true });
      out += input.slice(last, until);
    }
  };
  for (const m of input.matchAll(PLACEHOLDER)) {
    if (tooLarge) break;
    const at = m.index!;
    if (m[0] === '$${') {
      copy(at);
      segments.push({ out: out.length, in: at + 1, len: 2, inLen: 2, literal: true });
      out += '${';
      last = at + 3;
      continue;
    }
    const name = m[1]!;
    if (m[2] !== undefined) continue; // ${secret:NAME} and other ${kind:...} forms stay as written
    // Only the variables' own keys: `${constructor}` or `${toString}` are undefined, not JavaScript internals.
    const value = Object.hasOwn(vars, name) ? vars[name] : undefined;
    if (typeof value !== 'string') {
      undefinedVars.push({ name, offset: at, length: m[0].length });
      continue;
    }
    if (out.length + (at - last) + value.length + (input.length - at) > maxChars) {
      tooLarge = { name, offset: at, length: m[0].length };
      break;
    }
    copy(at);
    segments.push({ out: out.length, in: at, len: value.length, inLen: m[0].length, literal: false });
    out += value;
    last = at + m[0].length;
  }
  copy(input.length);
  if (segments.length === 0 || (segments.length === 1 && segments[0]!.literal && segments[0]!.in === 0)) {
    return { text: out, undefinedVars, ...(tooLarge ? { tooLarge } : {}), toInput: (o) => o, segments };
  }
  return {
    text: out,
    undefinedVars,
    ...(tooLarge ? { tooLarge } : {}),
    segments,
    toInput(offset) {
      let lo = 0;
      let hi = segments.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (segments[mid]!.out <= offset) lo = mid;
        else hi = mid - 1;
      }
      const s = segments[lo]!;
      const delta = offset - s.out;
      if (s.literal) return s.in + delta;
      return delta < s.len ? s.in : s.in + s.inLen + (delta - s.len);
    },
  };
}

/**
 * Where two substitutions of the same input have the same characters: runs of the input copied by
 * both, and placeholders both replaced by the same value, as `a.text[start, end)` =
 * `b.text[start + shift, end + shift)`, in order. What lies between differs (or might).
 */
export function sharedRuns(a: Substitution, b: Substitution): { start: number; end: number; shift: number }[] {
  const runs: { start: number; end: number; shift: number }[] = [];
  const add = (start: number, end: number, shift: number) => {
    if (end <= start) return;
    const last = runs[runs.length - 1];
    if (last && last.end === start && last.shift === shift) last.end = end;
    else runs.push({ start, end, shift });
  };
  let i = 0;
  let j = 0;
  while (i < a.segments.length && j < b.segments.length) {
    const x = a.segments[i]!;
    const y = b.segments[j]!;
    const xEnd = x.in + x.inLen;
    const yEnd = y.in + y.inLen;
    if (xEnd <= y.in) {
      i++;
      continue;
    }
    if (yEnd <= x.in) {
      j++;
      continue;
    }
    if (x.literal && y.literal) {
      const from = Math.max(x.in, y.in);
      const start = x.out + (from - x.in);
      add(start, start + (Math.min(xEnd, yEnd) - from), y.out + (from - y.in) - start);
    } else if (
      !x.literal &&
      !y.literal &&
      x.in === y.in &&
      x.inLen === y.inLen &&
      x.len === y.len &&
      a.text.startsWith(b.text.slice(y.out, y.out + y.len), x.out)
    ) {
      add(x.out, x.out + x.len, y.out - x.out);
    }
    if (xEnd <= yEnd) i++;
    else j++;
  }
  return runs;
}

/** Names used as `${name}` in a text (not secrets), with offsets. */
export function placeholders(input: string): { name: string; offset: number }[] {
  const out: { name: string; offset: number }[] = [];
  for (const m of input.matchAll(PLACEHOLDER)) {
    if (m[0] !== '$${' && m[2] === undefined) out.push({ name: m[1]!, offset: m.index! });
  }
  return out;
}

/** `${secret:NAME}` references in a text. */
export function secretRefs(input: string): string[] {
  return [...input.matchAll(/\$\{secret:([A-Za-z0-9_.-]+)\}/g)].map((m) => m[1]!);
}
