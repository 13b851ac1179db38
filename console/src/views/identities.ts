// Identity links drawn as a small graph: the customer in the middle, each
// identifier around it, each link labelled with the rule that made it. A
// table below says the same for screen readers and small screens.
import { h, label, s, section, time } from '../dom';
import type { Identity } from '../queries';

const KIND_COLOR: Record<string, string> = {
  EMAIL: '#9a3412',
  PHONE: '#6b21a8',
  WHATSAPP: '#166534',
  LOYALTY_CARD: '#a16207',
  SOCIAL_HANDLE: '#be185d',
  EXTERNAL_ID: '#1d4ed8',
};

const KIND_SHORT: Record<string, string> = {
  EMAIL: 'E-mail',
  PHONE: 'Phone',
  WHATSAPP: 'WhatsApp',
  LOYALTY_CARD: 'Card',
  SOCIAL_HANDLE: 'Social',
  EXTERNAL_ID: 'Record',
};

function short(v: string, n = 22): string {
  return v.length > n ? v.slice(0, n - 1) + '…' : v;
}

function initials(name: string): string {
  const parts = name.split(/\s+/).filter(Boolean);
  return parts.length ? parts.slice(0, 2).map((p) => p.charAt(0).toUpperCase()).join('') : 'C';
}

export function identityGraph(ids: Identity[], name: string): SVGElement {
  const W = 640;
  const H = 380;
  const cx = W / 2;
  const cy = H / 2;
  const rx = 230;
  const ry = 140;
  const n = Math.max(ids.length, 1);
  const titleId = 'idgraph-title';
  const descId = 'idgraph-desc';
  const svg = s(
    'svg',
    { viewBox: `0 0 ${W} ${H}`, class: 'idgraph', role: 'img', 'aria-labelledby': `${titleId} ${descId}` },
    s('title', { id: titleId }, `Identity graph of ${name || 'the customer'}`),
    s('desc', { id: descId }, `${ids.length} identifiers linked to the customer; the table below lists each with its rule.`),
  );
  const edges = s('g', { class: 'edges' });
  const nodes = s('g', { class: 'nodes' });
  ids.forEach((id, i) => {
    const a = -Math.PI / 2 + (2 * Math.PI * i) / n;
    const x = cx + rx * Math.cos(a);
    const y = cy + ry * Math.sin(a);
    const color = KIND_COLOR[id.kind] ?? '#374151';
    const weak = id.status !== 'MATCHABLE';
    edges.appendChild(
      s('line', { x1: cx, y1: cy, x2: x, y2: y, stroke: color, 'stroke-width': 2, 'stroke-dasharray': weak ? '5 4' : null, 'data-rule': id.rule }),
    );
    // The rule sits on the link, two thirds of the way out.
    const lx = cx + (x - cx) * 0.55;
    const ly = cy + (y - cy) * 0.55;
    const ruleText = id.rule + (id.confidence < 1 ? ` ${Math.round(id.confidence * 100)}%` : '');
    edges.appendChild(s('rect', { x: lx - ruleText.length * 3.4 - 4, y: ly - 9, width: ruleText.length * 6.8 + 8, height: 16, rx: 3, fill: '#ffffff', stroke: color, 'stroke-width': 1 }));
    edges.appendChild(s('text', { x: lx, y: ly + 3.5, 'text-anchor': 'middle', class: 'rule', fill: '#111827' }, ruleText));
    const title = id.kind === 'EXTERNAL_ID' ? `${id.system ?? '?'} record` : KIND_SHORT[id.kind] ?? label(id.kind);
    nodes.appendChild(
      s(
        'g',
        { class: 'node', transform: `translate(${x.toFixed(1)} ${y.toFixed(1)})` },
        s('rect', { x: -70, y: -19, width: 140, height: 38, rx: 8, fill: '#ffffff', stroke: color, 'stroke-width': 2 }),
        s('text', { x: 0, y: -4, 'text-anchor': 'middle', class: 'kind', fill: color }, title),
        s('text', { x: 0, y: 12, 'text-anchor': 'middle', class: 'val', fill: '#111827' }, short(id.value)),
      ),
    );
  });
  svg.appendChild(edges);
  svg.appendChild(nodes);
  svg.appendChild(
    s(
      'g',
      { class: 'center', transform: `translate(${cx} ${cy})` },
      s('circle', { r: 36, fill: '#1e3a8a' }),
      s('text', { x: 0, y: 6, 'text-anchor': 'middle', fill: '#ffffff', class: 'center-label' }, initials(name)),
    ),
  );
  return svg;
}

export function identitiesView(ids: Identity[] | null, name: string): HTMLElement {
  if (ids === null) return section('identities', 'Identity links', h('p', { class: 'muted' }, 'Identities could not be read.'));
  const sorted = [...ids].sort((a, b) => (a.kind === b.kind ? (a.system ?? '').localeCompare(b.system ?? '') : a.kind.localeCompare(b.kind)));
  return section(
    'identities',
    'Identity links',
    h('p', { class: 'muted small' }, 'Why each record and identifier belongs to this customer: the rule on each link. Dashed links are shown but never matched on (blocked, shared or not normalised).'),
    h('div', { class: 'graph-wrap' }, identityGraph(sorted, name)),
    h(
      'details',
      { class: 'id-details' },
      h('summary', null, `All ${ids.length} links as a table`),
      h(
        'div',
        { class: 'table-wrap', tabindex: 0, role: 'region', 'aria-label': 'Identity links table' },
        h(
          'table',
          { class: 'id-table' },
          h('thead', null, h('tr', null, ['Kind', 'Value', 'Rule', 'Source', 'Confidence', 'Status', 'Linked'].map((c) => h('th', { scope: 'col' }, c)))),
          h(
            'tbody',
            null,
            sorted.map((id) =>
              h(
                'tr',
                null,
                h('td', null, id.kind === 'EXTERNAL_ID' ? `${id.system ?? '?'} record` : label(id.kind)),
                h('td', null, id.value),
                h('td', null, id.rule),
                h('td', null, id.source),
                h('td', null, `${Math.round(id.confidence * 100)}%`),
                h('td', null, label(id.status)),
                h('td', null, time(id.linkedAt, true)),
              ),
            ),
          ),
        ),
      ),
    ),
  );
}
