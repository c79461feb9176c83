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
}

/** No substituted text grows beyond this: a few variables must not expand to gigabytes. */
export const MAX_SUBSTITUTED_CHARS = 4 * 1024 * 1024;

const PLACEHOLDER = /\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_.-]*)(:[^}]*)?\}/g;

interface Segment {
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
    return { text: out, undefinedVars, ...(tooLarge ? { tooLarge } : {}), toInput: (o) => o };
  }
  return {
    text: out,
    undefinedVars,
    ...(tooLarge ? { tooLarge } : {}),
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
