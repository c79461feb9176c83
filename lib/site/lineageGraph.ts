import type { InsertLineage } from '../security/index.js';
import { html, type Html } from './html.js';

const ROW = 20;
const HEAD = 26;
const BOX_W = 260;
const GAP = 180;
const PAD = 10;

interface Box {
  key: string;
  title: string;
  columns: string[];
  x: number;
  y: number;
}

/**
 * The column-level lineage of a job as an inline SVG, laid out at build time: the tables it reads on
 * the left, the tables it writes on the right, one edge per (source column → sink column); masked
 * flows are dashed. Deterministic: boxes and columns keep the order the lineage gives.
 */
export function lineageSvg(lineage: InsertLineage[], id: string, protectedColumns: Set<string> = new Set()): Html {
  const inputs = new Map<string, Box>();
  const outputs = new Map<string, Box>();
  const keyOf = (s: { namespace: string; name: string }) => `${s.namespace}/${s.name}`;
  for (const l of lineage) {
    const out = outputs.get(keyOf(l.sink.source)) ?? {
      key: keyOf(l.sink.source),
      title: l.sink.table,
      columns: [],
      x: PAD + BOX_W + GAP,
      y: 0,
    };
    for (const c of l.columns) if (!out.columns.includes(c.name)) out.columns.push(c.name);
    outputs.set(out.key, out);
    for (const i of l.inputs) {
      const box = inputs.get(keyOf(i.source)) ?? { key: keyOf(i.source), title: i.table, columns: [], x: PAD, y: 0 };
      inputs.set(box.key, box);
    }
    for (const c of l.columns)
      for (const s of c.sources) {
        const box = inputs.get(keyOf(s.source));
        if (box && !box.columns.includes(s.column)) box.columns.push(s.column);
      }
  }
  const place = (boxes: Box[]) => {
    let y = PAD;
    for (const b of boxes) {
      b.y = y;
      y += HEAD + Math.max(1, b.columns.length) * ROW + PAD * 2;
    }
    return y;
  };
  const height = Math.max(place([...inputs.values()]), place([...outputs.values()]), 60);
  const width = PAD * 2 + BOX_W * 2 + GAP;
  const colY = (b: Box, c: string) => b.y + HEAD + b.columns.indexOf(c) * ROW + ROW / 2 + 4;

  const edges: Html[] = [];
  for (const l of lineage) {
    const out = outputs.get(keyOf(l.sink.source))!;
    for (const c of l.columns)
      for (const s of c.sources) {
        const from = inputs.get(keyOf(s.source));
        if (!from) continue;
        const x1 = from.x + BOX_W;
        const y1 = colY(from, s.column);
        const x2 = out.x;
        const y2 = colY(out, c.name);
        const mid = (x1 + x2) / 2;
        const cls = s.masked ? 'edge masked' : protectedColumns.has(`${from.key}#${s.column}`) ? 'edge leak' : 'edge';
        edges.push(
          html`<path class="${cls}" d="M${x1} ${y1 - 4} C${mid} ${y1 - 4} ${mid} ${y2 - 4} ${x2} ${y2 - 4}"><title>${from.title}.${s.column} → ${out.title}.${c.name}${s.masked ? ' (masked)' : ''}</title></path>`,
        );
      }
  }
  const box = (b: Box) =>
    html`<g class="box"><rect x="${b.x}" y="${b.y}" width="${BOX_W}" height="${HEAD + Math.max(1, b.columns.length) * ROW + PAD}" rx="4"/><text class="title" x="${b.x + 8}" y="${b.y + 18}">${shorten(b.title)}</text>${b.columns.map(
      (c) =>
        html`<text x="${b.x + 12}" y="${colY(b, c)}"${protectedColumns.has(`${b.key}#${c}`) ? html` class="protected"` : ''}>${c}</text>`,
    )}</g>`;
  const count = edges.length;
  return html`<svg class="lineage" id="${id}" role="img" aria-labelledby="${id}-title" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" xmlns="http://www.w3.org/2000/svg"><title id="${id}-title">Column lineage: ${inputs.size} source tables, ${outputs.size} sink tables, ${count} column flows</title>${[...inputs.values()].map(box)}${[...outputs.values()].map(box)}${edges}</svg>`;
}

function shorten(s: string): string {
  return s.length > 34 ? `…${s.slice(-33)}` : s;
}
