import type { Origin, PolicySpec, Repo } from '../repo/model.js';

/** A policy as loaded, with the file it came from (positions of its keys are looked up on demand). */
export interface LoadedPolicy {
  spec: PolicySpec;
  file: string;
  index: number;
  /** file:line:column of a key of this policy (`['masks', 'phone']`, `['rowFilter']`, …). */
  at(path?: (string | number)[]): Origin;
}

export const MASK_TYPES = [
  'MASK',
  'MASK_SHOW_LAST_4',
  'MASK_SHOW_FIRST_4',
  'MASK_HASH',
  'MASK_NULL',
  'MASK_DATE_SHOW_YEAR',
  'MASK_NONE',
  'CUSTOM',
] as const;
export type MaskType = (typeof MASK_TYPES)[number];

export interface Mask {
  type: MaskType;
  /** For CUSTOM: the expression over `{col}`. */
  expression?: string;
}

/** Every policy of platform/policies/, in file then list order. Invalid files are skipped (their schema errors are reported by the loader). */
export function loadPolicies(repo: Repo): LoadedPolicy[] {
  const out: LoadedPolicy[] = [];
  for (const l of repo.platform.policies) {
    if (!l.valid) continue;
    (l.spec.policies ?? []).forEach((spec, index) => {
      out.push({
        spec,
        file: l.yaml.file,
        index,
        at: (path = []) => l.yaml.at(['policies', index, ...path], path.length ? 'key' : 'value'),
      });
    });
  }
  return out;
}

/** A job's principals: its team and the roles platform/owners.yaml grants that team. */
export function principalsOf(repo: Repo, team: string): string[] {
  const roles = repo.platform.owners?.spec.roles ?? {};
  const granted = Object.entries(roles)
    .filter(([, teams]) => (teams ?? []).includes(team))
    .map(([role]) => `role:${role}`)
    .sort();
  return [`team:${team}`, ...granted];
}

/** Does the policy apply to a job with these principals? `except` wins over `principals`. */
export function appliesTo(policy: PolicySpec, principals: string[]): boolean {
  const has = (p: string) => p === '*' || principals.includes(p);
  if ((policy.except ?? []).some((p) => principals.includes(p))) return false;
  return policy.principals.some(has);
}

export function parseMask(raw: string): Mask | undefined {
  const s = raw.trim();
  const custom = s.match(/^CUSTOM\s*:\s*([\s\S]+)$/);
  if (custom)
    return custom[1]!.includes('{col}')
      ? { type: 'CUSTOM', expression: custom[1]!.trim() }
      : { type: 'CUSTOM', expression: custom[1]!.trim() };
  return (MASK_TYPES as readonly string[]).includes(s) && s !== 'CUSTOM' ? { type: s as MaskType } : undefined;
}

/**
 * How restrictive a mask is, when several policies mask the same column: the most restrictive wins
 * (a policy can only ever narrow what a job sees). Two different masks of the same rank (SHOW_FIRST_4
 * and SHOW_LAST_4, or two CUSTOM expressions) cannot be ordered: the column becomes NULL.
 */
const RANK: Record<MaskType, number> = {
  MASK_NULL: 6,
  MASK_HASH: 5,
  MASK: 4,
  MASK_SHOW_FIRST_4: 3,
  MASK_SHOW_LAST_4: 3,
  MASK_DATE_SHOW_YEAR: 2,
  CUSTOM: 1,
  MASK_NONE: 0,
};

export function strictest(a: Mask, b: Mask): Mask {
  if (RANK[a.type] !== RANK[b.type]) return RANK[a.type] > RANK[b.type] ? a : b;
  if (a.type === b.type && a.expression === b.expression) return a;
  return { type: 'MASK_NULL' };
}

export type TypeClass = 'string' | 'temporal' | 'numeric' | 'other' | 'unknown';

export function typeClass(type: string | undefined): TypeClass {
  if (!type) return 'unknown';
  const t = type.trim().toUpperCase();
  if (/^(STRING|VARCHAR|CHAR|CHARACTER)\b/.test(t)) return 'string';
  if (/^(DATE|TIMESTAMP|TIMESTAMP_LTZ)\b/.test(t)) return 'temporal';
  if (/^(TINYINT|SMALLINT|INT|INTEGER|BIGINT|DECIMAL|DEC|NUMERIC|FLOAT|DOUBLE|REAL)\b/.test(t)) return 'numeric';
  return 'other';
}

/** Which masks a column of each type class can take and still keep its type. */
const ALLOWED: Record<TypeClass, MaskType[]> = {
  string: ['MASK', 'MASK_SHOW_LAST_4', 'MASK_SHOW_FIRST_4', 'MASK_HASH', 'MASK_NULL', 'MASK_NONE', 'CUSTOM'],
  temporal: ['MASK_DATE_SHOW_YEAR', 'MASK_NULL', 'MASK_NONE', 'CUSTOM'],
  numeric: ['MASK', 'MASK_NULL', 'MASK_NONE', 'CUSTOM'],
  other: ['MASK_NULL', 'MASK_NONE', 'CUSTOM'],
  unknown: [
    'MASK',
    'MASK_SHOW_LAST_4',
    'MASK_SHOW_FIRST_4',
    'MASK_HASH',
    'MASK_NULL',
    'MASK_NONE',
    'CUSTOM',
    'MASK_DATE_SHOW_YEAR',
  ],
};

export function maskAllowed(mask: Mask, type: string | undefined): boolean {
  return ALLOWED[typeClass(type)].includes(mask.type);
}

/** The type to CAST a masked value back to: the declared type without NOT NULL (a mask may yield NULL). */
function castType(type: string): string {
  return type
    .replace(/\s+NOT\s+NULL\s*$/i, '')
    .replace(/\s+/g, ' ')
    .trim();
}

/**
 * A mask as a Flink SQL expression over `col` (already quoted/qualified) with built-in functions only,
 * returning the column's own type. Ranger semantics: MASK turns upper-case letters into X, lower-case
 * into x and digits into n (digits into 1 for numbers); SHOW_LAST_4 / SHOW_FIRST_4 replace the other
 * characters with x; HASH is SHA-256 (hex); DATE_SHOW_YEAR keeps the year (January 1st).
 */
export function maskExpression(mask: Mask, col: string, type: string | undefined): string {
  const cls = typeClass(type);
  const cast = (e: string) => (type ? `CAST(${e} AS ${castType(type)})` : e);
  switch (mask.type) {
    case 'MASK_NONE':
      return col;
    case 'MASK_NULL':
      return type ? `CAST(NULL AS ${castType(type)})` : `CASE WHEN FALSE THEN ${col} END`;
    case 'MASK':
      if (cls === 'numeric') return cast(`REGEXP_REPLACE(CAST(${col} AS STRING), '[0-9]', '1')`);
      return cast(`REGEXP_REPLACE(REGEXP_REPLACE(REGEXP_REPLACE(${col}, '[A-Z]', 'X'), '[a-z]', 'x'), '[0-9]', 'n')`);
    case 'MASK_SHOW_LAST_4':
      return cast(
        `CASE WHEN CHAR_LENGTH(${col}) <= 4 THEN ${col} ELSE CONCAT(REPEAT('x', CHAR_LENGTH(${col}) - 4), SUBSTR(${col}, CHAR_LENGTH(${col}) - 3)) END`,
      );
    case 'MASK_SHOW_FIRST_4':
      return cast(
        `CASE WHEN CHAR_LENGTH(${col}) <= 4 THEN ${col} ELSE CONCAT(SUBSTR(${col}, 1, 4), REPEAT('x', CHAR_LENGTH(${col}) - 4)) END`,
      );
    case 'MASK_HASH':
      return cast(`SHA256(${col})`);
    case 'MASK_DATE_SHOW_YEAR':
      return cast(`FLOOR(${col} TO YEAR)`);
    case 'CUSTOM':
      return cast(`(${oneLine(mask.expression!).replaceAll('{col}', col)})`);
  }
}

/** Generated SQL never adds a line: line numbers of the effective SQL stay those of the files. */
export function oneLine(s: string): string {
  return s.replace(/\s*\r?\n\s*/g, ' ');
}

export function quoteIdent(name: string): string {
  return `\`${name.replaceAll('`', '``')}\``;
}
