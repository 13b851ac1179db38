// An accessibility audit run inside the page: the checks axe would make that
// matter most for the console, written out so that each can be read and
// each can fail. auditPage(page) returns a list of problems (empty: pass).
//
// Checks:
//   - the document has a lang and exactly one <h1>; headings do not skip a
//     level going down;
//   - every visible form control has a label (a <label for>, a wrapping
//     label, aria-label or aria-labelledby naming non-empty text);
//   - every visible button and link has an accessible name;
//   - every <svg> is either hidden from assistive technology or an image
//     with a name;
//   - ids are unique;
//   - visible text has a contrast ratio of at least 4.5:1 against its
//     background (3:1 for large text), backgrounds composed up the tree;
//   - scrollable regions can take keyboard focus;
//   - nothing overflows the viewport horizontally.

export async function auditPage(page) {
  return page.evaluate(() => {
    const problems = [];
    const describe = (el) => {
      const id = el.id ? `#${el.id}` : '';
      const cls = el.classList && el.classList.length ? `.${[...el.classList].slice(0, 2).join('.')}` : '';
      return `${el.tagName.toLowerCase()}${id}${cls}`;
    };
    const visible = (el) => {
      if (!el.isConnected) return false;
      if (el.closest('[hidden], [aria-hidden="true"]')) return false;
      const st = getComputedStyle(el);
      if (st.display === 'none' || st.visibility === 'hidden') return false;
      return el.getClientRects().length > 0;
    };
    const srOnly = (el) => {
      for (let e = el; e && e.nodeType === 1; e = e.parentElement) {
        const st = getComputedStyle(e);
        if (st.position === 'absolute' && (st.clip === 'rect(0px, 0px, 0px, 0px)' || (parseFloat(st.width) <= 1 && parseFloat(st.height) <= 1))) return true;
      }
      return false;
    };
    const textOf = (ids) =>
      (ids || '')
        .split(/\s+/)
        .filter(Boolean)
        .map((id) => document.getElementById(id)?.textContent?.trim() ?? '')
        .join(' ')
        .trim();
    const accessibleName = (el) => {
      const byRef = textOf(el.getAttribute('aria-labelledby'));
      if (byRef) return byRef;
      const aria = (el.getAttribute('aria-label') || '').trim();
      if (aria) return aria;
      if (el.labels && el.labels.length) {
        const t = [...el.labels].map((l) => l.textContent.trim()).join(' ').trim();
        if (t) return t;
      }
      if (['BUTTON', 'A', 'SUMMARY'].includes(el.tagName)) return (el.textContent || '').trim();
      return '';
    };

    // Document.
    if (!document.documentElement.lang) problems.push('the document has no lang');
    const h1s = document.querySelectorAll('h1');
    if (h1s.length !== 1) problems.push(`${h1s.length} <h1> elements, want one`);
    let last = 0;
    for (const hd of document.querySelectorAll('h1, h2, h3, h4, h5, h6')) {
      if (!visible(hd)) continue;
      const level = Number(hd.tagName[1]);
      if (last && level > last + 1) problems.push(`heading level skipped: ${describe(hd)} (h${level} after h${last})`);
      last = level;
    }

    // Controls and names.
    for (const el of document.querySelectorAll('input, select, textarea')) {
      if (el.type === 'hidden' || !visible(el)) continue;
      if (!accessibleName(el)) problems.push(`form control without a label: ${describe(el)}`);
    }
    for (const el of document.querySelectorAll('button, a[href], summary')) {
      if (!visible(el)) continue;
      if (!accessibleName(el)) problems.push(`control without an accessible name: ${describe(el)}`);
    }
    for (const svg of document.querySelectorAll('svg')) {
      if (svg.closest('[aria-hidden="true"]')) continue;
      if (svg.getAttribute('role') !== 'img') problems.push(`svg neither hidden nor an image: ${describe(svg)}`);
      else if (!accessibleName(svg)) problems.push(`svg image without a name: ${describe(svg)}`);
    }

    // Unique ids.
    const seen = new Map();
    for (const el of document.querySelectorAll('[id]')) seen.set(el.id, (seen.get(el.id) || 0) + 1);
    for (const [id, n] of seen) if (n > 1) problems.push(`id "${id}" used ${n} times`);

    // Contrast.
    const parse = (c) => {
      const m = /rgba?\(([^)]+)\)/.exec(c);
      if (!m) return null;
      const p = m[1].split(/[ ,/]+/).filter(Boolean).map(Number);
      return { r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1 };
    };
    const over = (top, bottom) => ({
      r: top.r * top.a + bottom.r * (1 - top.a),
      g: top.g * top.a + bottom.g * (1 - top.a),
      b: top.b * top.a + bottom.b * (1 - top.a),
      a: 1,
    });
    const background = (el) => {
      const layers = [];
      for (let e = el; e && e.nodeType === 1; e = e.parentElement) {
        const bg = parse(getComputedStyle(e).backgroundColor);
        if (bg && bg.a > 0) {
          layers.push(bg);
          if (bg.a >= 1) break;
        }
      }
      let c = { r: 255, g: 255, b: 255, a: 1 };
      for (const l of layers.reverse()) c = over(l, c);
      return c;
    };
    const lum = ({ r, g, b }) => {
      const f = (v) => {
        v /= 255;
        return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
      };
      return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
    };
    const ratio = (a, b) => {
      const [l1, l2] = [lum(a), lum(b)].sort((x, y) => y - x);
      return (l1 + 0.05) / (l2 + 0.05);
    };
    let checked = 0;
    const low = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    const done = new Set();
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const el = n.parentElement;
      if (!el || done.has(el) || !n.textContent.trim()) continue;
      done.add(el);
      if (el.closest('svg, noscript, script, style, option') || !visible(el) || srOnly(el)) continue;
      const st = getComputedStyle(el);
      const fg = parse(st.color);
      if (!fg) continue;
      const bg = background(el);
      const r = ratio(over(fg, bg), bg);
      const size = parseFloat(st.fontSize);
      const bold = Number(st.fontWeight) >= 700;
      const need = size >= 24 || (bold && size >= 18.66) ? 3 : 4.5;
      checked++;
      // Named by element, never by its text: the text is customer data.
      if (r < need) low.push(`${describe(el)} ${r.toFixed(2)}:1 < ${need}:1`);
    }
    if (checked === 0) problems.push('no text checked for contrast');
    problems.push(...low.slice(0, 10).map((l) => `low contrast: ${l}`));

    // Scrollable regions reachable by keyboard.
    for (const el of document.querySelectorAll('*')) {
      const st = getComputedStyle(el);
      if (!/(auto|scroll)/.test(st.overflowY + st.overflowX) || !visible(el)) continue;
      if (el.scrollHeight <= el.clientHeight + 1 && el.scrollWidth <= el.clientWidth + 1) continue;
      if (el.tabIndex < 0 && !el.querySelector('a[href], button, input, select, [tabindex="0"]')) problems.push(`scrollable region not focusable: ${describe(el)}`);
    }

    // Horizontal overflow of the page itself.
    const sw = document.documentElement.scrollWidth;
    if (sw > window.innerWidth + 1) problems.push(`the page is ${sw}px wide in a ${window.innerWidth}px viewport`);

    return problems;
  });
}

/** A page with one of each fault the audit must report, to prove it can fail. */
export const BROKEN_PAGE = `<!DOCTYPE html><html><head><title>broken</title></head><body>
<h1>One</h1><h1>Two</h1><h4>Skipped</h4>
<input id="dup" type="text"><span id="dup"></span>
<button></button>
<p style="color:#aaaaaa;background:#ffffff">Too light to read</p>
<svg width="10" height="10"><rect width="10" height="10"/></svg>
<div style="width:3000px">wide</div>
</body></html>`;

/** The faults BROKEN_PAGE must make the audit report, as substrings. */
export const BROKEN_EXPECTED = [
  'no lang',
  '2 <h1> elements',
  'heading level skipped',
  'form control without a label',
  'control without an accessible name',
  'id "dup" used 2 times',
  'low contrast',
  'svg neither hidden nor an image',
  'px wide in a',
];
