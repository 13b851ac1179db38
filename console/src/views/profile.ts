// The golden profile: each field with its value, the system it comes from,
// the survivorship rule, and how fresh it is.
import { ago, h, label, section, time } from '../dom';
import { PROFILE_FIELDS, type Customer, type ProfileField } from '../queries';

function freshness(f: ProfileField): HTMLElement {
  return h(
    'span',
    { class: f.stale ? 'fresh stale' : 'fresh', 'data-stale': f.stale ? 'true' : 'false' },
    h('span', { class: 'badge' }, f.stale ? 'Stale' : 'Fresh'),
    ' ',
    h('span', { class: 'muted nowrap', title: `read from ${f.source} ${ago(f.fetchedAt)}` }, `read ${ago(f.fetchedAt)}`),
  );
}

export function profileView(c: Customer): HTMLElement {
  const p = c.profile;
  const given = p?.givenName?.value ?? '';
  const family = p?.familyName?.value ?? '';
  const rows = PROFILE_FIELDS.flatMap(([key, name]) => {
    const f = p?.[key] ?? null;
    if (!f) return [h('tr', { class: 'empty' }, h('th', { scope: 'row' }, name), h('td', { colspan: 3, class: 'muted' }, 'No system has a value'))];
    const alts = f.alternatives.length
      ? h(
          'details',
          { class: 'alts' },
          h('summary', null, `${f.alternatives.length} other value${f.alternatives.length > 1 ? 's' : ''}`),
          h(
            'ul',
            null,
            f.alternatives.map((a) =>
              h(
                'li',
                { 'data-stale': a.stale ? 'true' : null },
                h('span', { class: 'value' }, a.value),
                ' from ',
                h('span', { class: 'src' }, a.source),
                ', read ',
                ago(a.fetchedAt),
                a.stale ? h('span', { class: 'fresh stale' }, ' ', h('span', { class: 'badge' }, 'Stale')) : null,
              ),
            ),
          ),
        )
      : null;
    return [
      h(
        'tr',
        { 'data-field': key, 'data-source': f.source, class: f.stale ? 'stale' : null },
        h('th', { scope: 'row' }, name),
        h('td', null, h('span', { class: 'value' }, f.value), alts),
        h('td', null, h('span', { class: 'src' }, f.source), ' ', h('span', { class: 'muted small nowrap' }, label(f.rule).replace('Source priority', 'by priority'))),
        h('td', null, freshness(f), f.updatedAt ? h('div', { class: 'muted small' }, 'changed ', time(f.updatedAt, true)) : null),
      ),
    ];
  });
  const attrs = p?.attributes ?? [];
  return section(
    'profile',
    'Golden profile',
    h(
      'p',
      { class: 'who' },
      h('span', { class: 'name' }, `${given} ${family}`.trim() || 'Unnamed customer'),
      h('span', { class: 'muted' }, ` · ${c.id} · known since `, time(c.createdAt, true)),
    ),
    c.erasedAt ? h('p', { class: 'warn' }, 'This customer’s data was erased on ', time(c.erasedAt), '.') : null,
    c.mergedIds.length ? h('p', { class: 'muted' }, `Merged from ${c.mergedIds.length} other customer record${c.mergedIds.length > 1 ? 's' : ''}.`) : null,
    h(
      'div',
      { class: 'table-wrap', tabindex: 0, role: 'region', 'aria-label': 'Golden profile fields' },
      h(
        'table',
        { class: 'profile-table' },
        h('caption', { class: 'sr-only' }, 'Each profile field with its value, source system, survivorship rule and freshness'),
        h('thead', null, h('tr', null, h('th', { scope: 'col' }, 'Field'), h('th', { scope: 'col' }, 'Value'), h('th', { scope: 'col' }, 'Source'), h('th', { scope: 'col' }, 'Freshness'))),
        h('tbody', null, rows),
      ),
    ),
    attrs.length
      ? h(
          'details',
          { class: 'attrs' },
          h('summary', null, `${attrs.length} more fact${attrs.length > 1 ? 's' : ''} from the systems`),
          h('dl', null, attrs.map((a) => [h('dt', null, a.name), h('dd', null, a.value, h('span', { class: 'muted' }, ` · ${a.source}, read ${ago(a.fetchedAt)}`))])),
        )
      : null,
    h('p', { class: 'muted small' }, `Systems holding a record: ${(p?.sources ?? []).join(', ') || 'none answered'}.`),
  );
}
