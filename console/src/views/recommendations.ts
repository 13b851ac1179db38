// Products to suggest to the customer, each with its reason ("because you
// bought X", "viewed Y"), or why there is no list (no personalisation
// consent, no model yet).
import { h, replace, section, time } from '../dom';
import { gql, type GqlError } from '../graphql';
import { RECOMMENDATIONS, type Recommendations } from '../queries';

export function recommendationsSection(): HTMLElement {
  return section('recommendations', 'Recommendations', h('p', { class: 'muted small', role: 'status' }, 'Loading recommendations…'));
}

export function recommendationsBody(r: Recommendations | null): HTMLElement[] {
  if (!r) return [h('p', { class: 'muted' }, 'Recommendations could not be read.')];
  if (r.status !== 'OK') {
    const why = r.status === 'NO_CONSENT' ? 'No recommendations: the customer has not consented to personalisation.' : 'No recommendations yet: the model is built after the first identity sync.';
    return [h('p', { class: 'muted recs-status', 'data-status': r.status }, why)];
  }
  return [
    h('p', { class: 'muted small' }, 'From what people who bought or viewed the same items bought. ', r.modelBuiltAt ? ['Model built ', time(r.modelBuiltAt), '.'] : null),
    r.items.length
      ? h(
          'ol',
          { class: 'recs', 'aria-label': 'Recommended products, best first' },
          r.items.map((it) =>
            h(
              'li',
              { class: 'rec', 'data-sku': it.sku, 'data-reason': it.reason.kind },
              h('span', { class: 'rec-name' }, it.name ?? it.sku),
              h('span', { class: 'muted small' }, ` ${it.sku}`),
              h('div', { class: 'rec-reason small' }, it.reason.text),
            ),
          ),
        )
      : h('p', { class: 'muted' }, 'Nothing to recommend.'),
  ];
}

/** loadRecommendations fills the section; it returns the errors to report. */
export async function loadRecommendations(id: string, el: HTMLElement, signal?: AbortSignal): Promise<GqlError[]> {
  const r = await gql<{ customer: { recommendations: Recommendations } | null }>(RECOMMENDATIONS, { id }, signal);
  const title = el.querySelector('h2');
  replace(el, title, ...recommendationsBody(r.data?.customer?.recommendations ?? null));
  return r.errors;
}
