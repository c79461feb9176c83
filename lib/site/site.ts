import type { Repo } from '../repo/model.js';
import { LIVE_JS, SEARCH_JS, SITE_CSS } from './assets.js';
import { LIVE_PAGE, liveEnvPage, liveEnvPath, livePage } from './livePages.js';
import { buildCatalog, type Catalog, type SiteInputs } from './catalog.js';
import { datasetPage, datasetPath, datasetsPage, indexPage, jobPage, jobPath, teamsPage } from './pages.js';

export interface Site {
  /** Path relative to the site root → content. Sorted, deterministic. */
  files: Map<string, string>;
  catalog: Catalog;
}

/**
 * The static job catalog: an index with search, a page per job, per table or topic, per-team totals,
 * and the live view of the status snapshots it was given.
 */
export function buildSite(repo: Repo, env: string, inputs: SiteInputs): Site {
  const catalog = buildCatalog(repo, env, inputs);
  const files = new Map<string, string>();
  files.set('assets/site.css', SITE_CSS);
  files.set('assets/search.js', SEARCH_JS);
  files.set('index.html', indexPage(catalog));
  files.set('tables.html', datasetsPage(catalog));
  files.set('teams.html', teamsPage(catalog));
  files.set('assets/live.js', LIVE_JS);
  files.set(LIVE_PAGE, livePage(catalog));
  for (const r of catalog.live.values()) files.set(liveEnvPath(r.env), liveEnvPage(r));
  for (const j of catalog.jobs) files.set(jobPath(j.job.id), jobPage(catalog, j));
  for (const d of catalog.datasets.values()) files.set(datasetPath(d), datasetPage(catalog, d));
  return { files: new Map([...files.entries()].sort(([a], [b]) => (a < b ? -1 : 1))), catalog };
}
