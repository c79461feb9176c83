import { type Html, html } from './html.js';

/** Where a job's page lives, relative to the site root. */
export const jobPath = (id: string) => `jobs/${id}.html`;

/** Every page: the site's navigation, a skip link, and the body; `depth` folders below the root. */
export function layout(title: string, depth: number, body: Html): string {
  const up = '../'.repeat(depth);
  return `<!doctype html>\n${html`<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${title} — flinkops catalog</title><link rel="stylesheet" href="${up}assets/site.css"></head><body><a class="skip" href="#main">Skip to content</a><header><nav aria-label="Site"><a href="${up}index.html">Jobs</a><a href="${up}tables.html">Tables and topics</a><a href="${up}teams.html">Teams</a><a href="${up}live.html">Live</a></nav></header><main id="main">${body}</main></body></html>`}\n`;
}
