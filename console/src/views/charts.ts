// Small SVG charts with their data in a table for screen readers.
import { h, s } from '../dom';

export interface Point {
  label: string; // "2026-03"
  value: number | null; // null: no data for this bucket
}

export interface ChartSpec {
  id: string;
  title: string;
  unit: string; // shown after values ("orders", "EUR", "h")
  color: string;
  points: Point[];
  kind: 'bar' | 'line';
  format?: (v: number) => string;
}

const W = 560;
const H = 200;
const PAD = { l: 48, r: 12, t: 14, b: 34 };

function niceMax(v: number): number {
  if (v <= 0) return 1;
  const p = Math.pow(10, Math.floor(Math.log10(v)));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

export function chart(spec: ChartSpec): HTMLElement {
  const fmt = spec.format ?? ((v: number) => (Number.isInteger(v) ? String(v) : v.toFixed(1)));
  const values = spec.points.map((p) => p.value).filter((v): v is number => v !== null);
  const titleId = `${spec.id}-title`;
  const fig = h('figure', { class: 'chart', id: spec.id, 'data-points': values.length });
  const caption = h('figcaption', { id: titleId }, spec.title);
  if (values.length === 0) {
    fig.append(caption, h('p', { class: 'muted' }, 'No data for this chart.'));
    return fig;
  }
  const max = niceMax(Math.max(...values));
  const min = Math.min(0, ...values);
  const iw = W - PAD.l - PAD.r;
  const ih = H - PAD.t - PAD.b;
  const n = spec.points.length;
  const x = (i: number) => PAD.l + (iw * (i + 0.5)) / n;
  const y = (v: number) => PAD.t + ih - (ih * (v - min)) / (max - min || 1);
  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-labelledby': titleId, class: 'chart-svg' });
  // Axis and grid.
  for (const f of [0, 0.5, 1]) {
    const v = min + (max - min) * f;
    svg.appendChild(s('line', { x1: PAD.l, x2: W - PAD.r, y1: y(v), y2: y(v), stroke: '#d1d5db', 'stroke-width': 1 }));
    svg.appendChild(s('text', { x: PAD.l - 6, y: y(v) + 4, 'text-anchor': 'end', class: 'axis', fill: '#374151' }, fmt(v)));
  }
  const every = Math.max(1, Math.ceil(n / 8));
  spec.points.forEach((p, i) => {
    if (i % every === 0 || i === n - 1) {
      svg.appendChild(s('text', { x: x(i), y: H - PAD.b + 16, 'text-anchor': 'middle', class: 'axis', fill: '#374151' }, p.label));
    }
  });
  if (spec.kind === 'bar') {
    const bw = Math.max(2, (iw / n) * 0.7);
    spec.points.forEach((p, i) => {
      if (p.value === null) return;
      const top = y(Math.max(p.value, 0));
      const bottom = y(Math.min(p.value, 0));
      svg.appendChild(
        s('rect', { x: x(i) - bw / 2, y: top, width: bw, height: Math.max(bottom - top, p.value ? 1 : 0), fill: spec.color }, s('title', null, `${p.label}: ${fmt(p.value)} ${spec.unit}`)),
      );
    });
  } else {
    let d = '';
    spec.points.forEach((p, i) => {
      if (p.value === null) return;
      d += `${d ? 'L' : 'M'}${x(i).toFixed(1)} ${y(p.value).toFixed(1)}`;
    });
    svg.appendChild(s('path', { d, fill: 'none', stroke: spec.color, 'stroke-width': 2.5 }));
    spec.points.forEach((p, i) => {
      if (p.value === null) return;
      svg.appendChild(s('circle', { cx: x(i), cy: y(p.value), r: 3.5, fill: spec.color }, s('title', null, `${p.label}: ${fmt(p.value)} ${spec.unit}`)));
    });
  }
  // In a div: a table lays out as wide as its caption, whatever its own width.
  const table = h(
    'div',
    { class: 'sr-only' },
    h(
      'table',
      null,
      h('caption', null, `${spec.title} (data)`),
      h('thead', null, h('tr', null, h('th', { scope: 'col' }, 'Period'), h('th', { scope: 'col' }, spec.unit))),
      h('tbody', null, spec.points.filter((p) => p.value !== null).map((p) => h('tr', null, h('th', { scope: 'row' }, p.label), h('td', null, fmt(p.value as number))))),
    ),
  );
  fig.append(caption, svg, table);
  return fig;
}

/** months lists "YYYY-MM" from the first to the last instant given, at most max of the latest. */
export function months(instants: string[], max = 24): string[] {
  const ts = instants.map((i) => new Date(i)).filter((d) => !Number.isNaN(d.getTime()));
  if (ts.length === 0) return [];
  let lo = new Date(Math.min(...ts.map((d) => d.getTime())));
  const hi = new Date(Math.max(...ts.map((d) => d.getTime())));
  const count = (hi.getUTCFullYear() - lo.getUTCFullYear()) * 12 + hi.getUTCMonth() - lo.getUTCMonth() + 1;
  if (count > max) lo = new Date(Date.UTC(hi.getUTCFullYear(), hi.getUTCMonth() - max + 1, 1));
  const out: string[] = [];
  for (let y = lo.getUTCFullYear(), m = lo.getUTCMonth(); y < hi.getUTCFullYear() || (y === hi.getUTCFullYear() && m <= hi.getUTCMonth()); m++) {
    if (m === 12) {
      m = 0;
      y++;
    }
    out.push(`${y}-${String(m + 1).padStart(2, '0')}`);
    if (out.length > max) break;
  }
  return out;
}

export function monthOf(iso: string): string {
  return iso.slice(0, 7);
}

export interface HeatRow {
  label: string; // "2026-03": the cohort
  size: number; // its customers
  cells: (number | null)[]; // share 0..1 per column; null: not reached yet
}

export interface HeatSpec {
  id: string;
  title: string;
  columns: string[]; // "0", "1", …: months after
  rows: HeatRow[];
}

/** shade maps 0..1 to a blue from light to dark, with a text colour that keeps contrast. */
function shade(v: number): { fill: string; text: string } {
  const t = Math.max(0, Math.min(1, v));
  const from = [239, 246, 255];
  const to = [30, 58, 138];
  const c = from.map((f, i) => Math.round(f + (to[i] - f) * t));
  return { fill: `rgb(${c[0]},${c[1]},${c[2]})`, text: t > 0.45 ? '#ffffff' : '#111827' };
}

/** heatmap draws a table of shares as shaded cells (a cohort chart), with the numbers in a table for screen readers. */
export function heatmap(spec: HeatSpec): HTMLElement {
  const titleId = `${spec.id}-title`;
  const fig = h('figure', { class: 'chart heatmap', id: spec.id, 'data-rows': spec.rows.length });
  const caption = h('figcaption', { id: titleId }, spec.title);
  if (spec.rows.length === 0) {
    fig.append(caption, h('p', { class: 'muted' }, 'No data for this chart.'));
    return fig;
  }
  const left = 92;
  const top = 22;
  const cw = Math.max(22, Math.min(40, Math.floor((W - left - 8) / Math.max(1, spec.columns.length))));
  const ch = 18;
  const width = left + cw * spec.columns.length + 8;
  const height = top + ch * spec.rows.length + 4;
  const svg = s('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-labelledby': titleId, class: 'chart-svg' });
  spec.columns.forEach((c, j) => {
    svg.appendChild(s('text', { x: left + cw * j + cw / 2, y: top - 8, 'text-anchor': 'middle', class: 'axis', fill: '#374151' }, c));
  });
  spec.rows.forEach((r, i) => {
    const y = top + ch * i;
    svg.appendChild(s('text', { x: left - 6, y: y + ch - 5, 'text-anchor': 'end', class: 'axis', fill: '#374151' }, `${r.label} (${r.size})`));
    r.cells.forEach((v, j) => {
      if (v === null) return;
      const { fill, text } = shade(v);
      const x = left + cw * j;
      svg.appendChild(
        s('rect', { x: x + 1, y: y + 1, width: cw - 2, height: ch - 2, fill, class: 'heat-cell' }, s('title', null, `${r.label}, month ${spec.columns[j]}: ${Math.round(v * 100)} %`)),
      );
      svg.appendChild(s('text', { x: x + cw / 2, y: y + ch - 5, 'text-anchor': 'middle', class: 'axis heat-label', fill: text }, String(Math.round(v * 100))));
    });
  });
  // A table this wide lays out wider than an sr-only box: the box is a div.
  const table = h(
    'div',
    { class: 'sr-only' },
    h(
      'table',
      null,
      h('caption', null, `${spec.title} (data, % of the cohort)`),
    h('thead', null, h('tr', null, h('th', { scope: 'col' }, 'Cohort'), h('th', { scope: 'col' }, 'Customers'), spec.columns.map((c) => h('th', { scope: 'col' }, `Month ${c}`)))),
    h(
      'tbody',
      null,
      spec.rows.map((r) => h('tr', null, h('th', { scope: 'row' }, r.label), h('td', null, String(r.size)), r.cells.map((v) => h('td', null, v === null ? '—' : `${Math.round(v * 100)} %`)))),
      ),
    ),
  );
  fig.append(caption, svg, table);
  return fig;
}
