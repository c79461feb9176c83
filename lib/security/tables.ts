import type { CatalogSpec, Origin, Repo } from '../repo/model.js';

export const DEFAULT_CATALOG = 'default_catalog';
export const DEFAULT_DATABASE = 'default_database';

export interface Column {
  name: string;
  /** Declared type; undefined for computed columns. */
  type?: string;
  kind: 'physical' | 'computed' | 'metadata';
}

/** A table (or view) a job can read: declared in its DDL or in a platform catalog. */
export interface TableDef {
  kind: 'table' | 'view' | 'catalog-table';
  /** Fully qualified: catalog, database, name. */
  path: [string, string, string];
  /** undefined: the columns are not known (a catalog table platform/catalogs/ does not describe). */
  columns?: Column[];
  /** WITH options (catalog tables: the catalog's type as `connector` and the table's options). */
  options: Record<string, string>;
  /** Where it was declared. */
  origin?: Origin;
  /** For catalog tables: the catalog's type (paimon, hive, jdbc). */
  catalogType?: string;
}

/** `cat.db.table` as users write it. */
export function pathText(path: readonly string[]): string {
  return path.join('.');
}

/** The physical identity of a source, as lineage services name datasets: a namespace and a name. */
export function physicalIdentity(t: TableDef): { namespace: string; name: string } {
  const o = t.options;
  const connector = (o.connector ?? t.catalogType ?? 'unknown').toLowerCase();
  if (t.kind === 'catalog-table')
    return { namespace: `${t.catalogType ?? 'catalog'}://${t.path[0]}`, name: `${t.path[1]}.${t.path[2]}` };
  if (connector === 'kafka' || connector === 'upsert-kafka') {
    const servers = o['properties.bootstrap.servers'] ?? '';
    return {
      namespace: `kafka://${servers.split(',')[0] ?? ''}`,
      name: o.topic ?? (o['topic-pattern'] ? `/${o['topic-pattern']}/` : pathText(t.path)),
    };
  }
  if (connector.endsWith('-cdc')) {
    const host = o.hostname ?? o.hosts ?? '';
    const db = o['database-name'] ?? o.database ?? '';
    const table = o['table-name'] ?? o.collection ?? '';
    return {
      namespace: `${connector.replace(/-cdc$/, '')}://${host}${o.port ? `:${o.port}` : ''}`,
      name: `${db}.${table}`,
    };
  }
  if (connector === 'jdbc') return { namespace: o.url ?? 'jdbc://', name: o['table-name'] ?? pathText(t.path) };
  if (connector === 'filesystem' || o.path) return { namespace: 'file', name: o.path ?? pathText(t.path) };
  return { namespace: `${connector}://flink`, name: pathText(t.path) };
}

/** Connectors that read the same physical thing (a policy on Kafka topic X also binds upsert-kafka tables on X). */
const FAMILY: Record<string, string> = { 'upsert-kafka': 'kafka' };
const family = (c: string) => FAMILY[c.toLowerCase()] ?? c.toLowerCase();

/** Options whose value may be a list or a pattern that reads several physical objects. */
export function optionMatches(
  key: string,
  value: string | undefined,
  wanted: string,
  options: Record<string, string>,
): boolean {
  if (key === 'topic') {
    if (
      value
        ?.split(';')
        .map((s) => s.trim())
        .includes(wanted)
    )
      return true;
    const pattern = options['topic-pattern'];
    return pattern !== undefined && regexMatches(pattern, wanted);
  }
  if (value === undefined) return false;
  if (value === wanted) return true;
  // mysql-cdc / postgres-cdc: database-name and table-name are regular expressions
  if (
    (key === 'database-name' ||
      key === 'table-name' ||
      key === 'schema-name' ||
      key === 'collection' ||
      key === 'database') &&
    /[\\^$.*+?()[\]{}|]/.test(value)
  ) {
    return regexMatches(value, wanted) || value.split(',').some((v) => regexMatches(v.trim(), wanted));
  }
  // jdbc: 'table-name' = 'db.table' names the same table as 'table'
  if (key === 'table-name' && value.split('.').pop() === wanted) return true;
  return false;
}

function regexMatches(pattern: string, s: string): boolean {
  try {
    return new RegExp(`^(?:${pattern})$`).test(s);
  } catch {
    return true; // a pattern we cannot read might match: protect
  }
}

/**
 * Does a policy's resource name this table? `{table: X}` matches by name (X's parts are the last
 * parts of the table's path, case-insensitively — `orders` matches every table called orders);
 * any other resource matches the physical source: the connector (same family) and every other key
 * against the table's WITH options (lists and patterns included).
 */
export function resourceMatches(resource: Record<string, string>, t: TableDef): boolean {
  if (t.kind === 'view') return false;
  const keys = Object.keys(resource);
  if ('table' in resource && keys.length === 1) {
    const want = resource.table!.split('.').map((s) => s.replace(/^`|`$/g, '').toLowerCase());
    const have = t.path.map((s) => s.toLowerCase());
    return want.length <= 3 && want.every((w, i) => have[3 - want.length + i] === w);
  }
  const connector = t.options.connector ?? t.catalogType;
  if (resource.connector !== undefined && (connector === undefined || family(connector) !== family(resource.connector)))
    return false;
  for (const [k, v] of Object.entries(resource)) {
    if (k === 'connector') continue;
    if (k === 'table' && t.kind === 'catalog-table') {
      if (!resourceMatches({ table: v }, t)) return false;
      continue;
    }
    if (!optionMatches(k, t.options[k], v, t.options)) return false;
  }
  return true;
}

/** The tables platform/catalogs/ describes, for the catalogs of this environment. */
export function catalogTables(repo: Repo, env: string): TableDef[] {
  const out: TableDef[] = [];
  for (const file of repo.platform.catalogs) {
    if (!file.valid) continue;
    (file.spec.catalogs ?? []).forEach((c: CatalogSpec, ci) => {
      if (c.envs && !c.envs.includes(env)) return;
      for (const [db, d] of Object.entries(c.databases ?? {})) {
        for (const [name, spec] of Object.entries(d.tables ?? {})) {
          out.push({
            kind: 'catalog-table',
            path: [c.name, db, name],
            columns: spec.columns.map((col) => ({ name: col.name, type: col.type, kind: 'physical' as const })),
            options: {
              connector: c.type,
              ...Object.fromEntries(Object.entries(spec.options ?? {}).map(([k, v]) => [k, String(v)])),
            },
            origin: file.yaml.at(['catalogs', ci, 'databases', db, 'tables', name], 'key'),
            catalogType: c.type,
          });
        }
      }
    });
  }
  return out;
}

export function defaultDatabaseOf(repo: Repo, catalog: string): string {
  for (const file of repo.platform.catalogs)
    for (const c of file.spec.catalogs ?? []) if (c.name === catalog) return c.defaultDatabase ?? 'default';
  return catalog === DEFAULT_CATALOG ? DEFAULT_DATABASE : 'default';
}
