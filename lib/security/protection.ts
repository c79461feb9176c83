import type { Diagnostic } from '../diagnostics/diagnostic.js';
import { compileExpr, type CompiledExpr } from './expr.js';
import {
  maskAllowed,
  maskExpression,
  parseMask,
  quoteIdent,
  strictest,
  typeClass,
  type LoadedPolicy,
  type Mask,
} from './policy.js';
import { pathText, resourceMatches, type Column, type TableDef } from './tables.js';

/** What the policies that apply to one job demand of one table. */
export interface Protection {
  def: TableDef;
  policies: LoadedPolicy[];
  filters: { policy: string; expr: CompiledExpr }[];
  /** Column (lower case) → the combined mask and the policies that asked for it. */
  masks: Map<string, { column: Column; mask: Mask; policies: string[] }>;
  /** A policy cannot be enforced on this table (the reason is in the diagnostics). */
  broken: boolean;
}

/**
 * Combines the policies that apply to a table. Row filters AND together (a row is visible only if
 * every applicable policy lets it through); masks of the same column keep the most restrictive one.
 * Problems (unknown columns, masks the column's type cannot keep, filters that do not parse) are
 * reported at the policy and make the table unenforceable.
 */
export function protect(
  def: TableDef,
  policies: LoadedPolicy[],
  report: (d: Omit<Diagnostic, 'job'>) => void,
): Protection | undefined {
  const matching = policies.filter((p) => resourceMatches(p.spec.resource, def));
  if (!matching.length) return undefined;
  const where = def.origin ? ` (${def.origin.file}:${def.origin.line})` : '';
  const p: Protection = { def, policies: matching, filters: [], masks: new Map(), broken: false };
  const fail = (d: Omit<Diagnostic, 'job' | 'severity'>) => {
    p.broken = true;
    report({ severity: 'error', ...d });
  };
  for (const pol of matching) {
    const name = pol.spec.name;
    if (!def.columns) {
      fail({
        rule: 'security/unknown-columns',
        message: `policy "${name}" applies to ${pathText(def.path)}${where}, whose columns flinkops does not know`,
        hint: `describe the table's columns in platform/catalogs/ (or declare it in the job's DDL): a policy cannot be enforced on unknown columns`,
        ...pol.at(['resource']),
      });
      continue;
    }
    const column = (c: string) => def.columns!.find((x) => x.name.toLowerCase() === c.toLowerCase());
    if (pol.spec.rowFilter !== undefined) {
      const expr = compileExpr(pol.spec.rowFilter, 'filter');
      if (!expr.ok) {
        fail({
          rule: 'security/bad-filter',
          message: `policy "${name}": the row filter does not parse: ${expr.error}`,
          hint: "write a Flink SQL boolean expression over the table's columns, e.g. region = 'beijing'",
          ...pol.at(['rowFilter']),
        });
      } else {
        const unknown = expr.columns.filter((c) => !column(c));
        if (unknown.length) {
          fail({
            rule: 'security/unknown-column',
            message: `policy "${name}": the row filter reads ${unknown.map((c) => `"${c}"`).join(', ')}, which ${pathText(def.path)}${where} does not have`,
            hint: `columns of ${pathText(def.path)}: ${def.columns.map((c) => c.name).join(', ')}`,
            ...pol.at(['rowFilter']),
          });
        } else p.filters.push({ policy: name, expr });
      }
    }
    for (const [col, raw] of Object.entries(pol.spec.masks ?? {})) {
      const mask = parseMask(String(raw));
      if (!mask) {
        fail({
          rule: 'security/bad-mask',
          message: `policy "${name}": unknown mask "${raw}" for column "${col}"`,
          hint: 'masks: MASK, MASK_SHOW_LAST_4, MASK_SHOW_FIRST_4, MASK_HASH, MASK_NULL, MASK_DATE_SHOW_YEAR, MASK_NONE, or "CUSTOM: <expression over {col}>"',
          ...pol.at(['masks', col]),
        });
        continue;
      }
      const c = column(col);
      if (!c) {
        fail({
          rule: 'security/unknown-column',
          message: `policy "${name}" masks "${col}", which ${pathText(def.path)}${where} does not have`,
          hint: `columns of ${pathText(def.path)}: ${def.columns.map((x) => x.name).join(', ')}`,
          ...pol.at(['masks', col]),
        });
        continue;
      }
      if (mask.type === 'CUSTOM') {
        const e = compileExpr(mask.expression!.replaceAll('{col}', '__flinkops_col'), 'value');
        if (!e.ok || !mask.expression!.includes('{col}')) {
          fail({
            rule: 'security/bad-mask',
            message: `policy "${name}": the CUSTOM mask of "${col}" ${e.ok ? 'does not use {col}' : `does not parse: ${e.error}`}`,
            hint: 'write "CUSTOM: <Flink SQL expression over {col}>", e.g. "CUSTOM: CONCAT(SUBSTR({col}, 1, 3), \'****\')"',
            ...pol.at(['masks', col]),
          });
          continue;
        }
        mask.expression = e.text.replaceAll('__flinkops_col', '{col}');
      }
      if (!maskAllowed(mask, c.type)) {
        fail({
          rule: 'security/bad-mask',
          message: `policy "${name}": ${mask.type} cannot mask "${c.name}" of type ${c.type} and keep its type`,
          hint:
            typeClass(c.type) === 'temporal'
              ? 'use MASK_DATE_SHOW_YEAR, MASK_NULL or CUSTOM'
              : "use MASK_NULL or a CUSTOM expression that returns the column's type",
          ...pol.at(['masks', col]),
        });
        continue;
      }
      const key = c.name.toLowerCase();
      const prev = p.masks.get(key);
      p.masks.set(
        key,
        prev
          ? { column: c, mask: strictest(prev.mask, mask), policies: [...prev.policies, name] }
          : { column: c, mask, policies: [name] },
      );
    }
  }
  return p;
}

/** `SELECT <columns, masked> FROM <path> WHERE <filters>`: filter on the raw columns first, then mask. */
export function protectedSelect(p: Protection, pathSql: string, hint = ''): string {
  const cols = p.def.columns!.map((c) => {
    const m = p.masks.get(c.name.toLowerCase());
    const q = quoteIdent(c.name);
    return m && m.mask.type !== 'MASK_NONE' ? `${maskExpression(m.mask, q, c.type)} AS ${q}` : q;
  });
  const where = p.filters.length ? ` WHERE ${p.filters.map((f) => `(${f.expr.text})`).join(' AND ')}` : '';
  return `SELECT ${cols.join(', ')} FROM ${pathSql}${hint ? ` ${hint}` : ''}${where}`;
}

/** The masked expression of one column read as `alias.column` (lookup joins), or undefined when it is not masked. */
export function maskedRef(p: Protection, alias: string, column: string): string | undefined {
  const m = p.masks.get(column.toLowerCase());
  if (!m || m.mask.type === 'MASK_NONE') return undefined;
  return maskExpression(m.mask, `${quoteIdent(alias)}.${quoteIdent(m.column.name)}`, m.column.type);
}

/** The row filter with its columns qualified by `alias` (lookup joins: it goes into the ON condition). */
export function qualifiedFilter(p: Protection, alias: string): string | undefined {
  if (!p.filters.length) return undefined;
  return p.filters.map((f) => `(${f.expr.qualified(quoteIdent(alias))})`).join(' AND ');
}
