// Safe DOM construction for the report page: everything the page shows comes from package registries and advisory
// feeds, so it is data, never markup. Elements are built with createElement/textContent only; attributes are set
// from an allow-list.

/** Stroke icons on a 16×16 grid (drawn with currentColor). */
const ICONS = {
  lock: ['M3.5 7.5h9v6.5h-9z', 'M5.5 7.5V5.5a2.5 2.5 0 0 1 5 0v2'],
  shield: ['M8 1.6 2.8 3.6v3.9c0 3.2 2.1 5.8 5.2 6.9 3.1-1.1 5.2-3.7 5.2-6.9V3.6z', 'M5.7 8.1l1.6 1.6 3.1-3.3'],
  staged: ['M8 1.6 2.8 3.6v3.9c0 3.2 2.1 5.8 5.2 6.9 3.1-1.1 5.2-3.7 5.2-6.9V3.6z', 'M4.9 8.3l1.3 1.3 2.5-2.8', 'M7.9 9.2l.4.4 2.8-3.1'],
  none: ['M8 2.2a5.8 5.8 0 1 0 0 11.6A5.8 5.8 0 0 0 8 2.2z', 'M3.9 12.1l8.2-8.2'],
  unknown: ['M8 2.2a5.8 5.8 0 1 0 0 11.6A5.8 5.8 0 0 0 8 2.2z', 'M6.3 6.4a1.8 1.8 0 1 1 2.6 1.6c-.6.3-.9.7-.9 1.3', 'M8 11.2v.1'],
  script: ['M1.8 3h12.4v10H1.8z', 'M4.4 6.2 6.7 8l-2.3 1.8', 'M8.4 10h3.2'],
  bug: [
    'M5.2 6.6a2.8 2.8 0 0 1 5.6 0v3.3a2.8 2.8 0 0 1-5.6 0z',
    'M8 7.2v5.4',
    'M5.2 8.3H2.4',
    'M10.8 8.3h2.8',
    'M5.4 10.9l-2.2 1.8',
    'M10.6 10.9l2.2 1.8',
    'M6.1 4.4 4.7 2.8',
    'M9.9 4.4l1.4-1.6',
  ],
  warning: ['M8 2.2 14.4 13.4H1.6z', 'M8 6.4v3.2', 'M8 11.4v.1'],
  person: ['M8 7.6a2.6 2.6 0 1 0 0-5.2 2.6 2.6 0 0 0 0 5.2z', 'M3 14c.3-2.7 2.3-4.4 5-4.4s4.7 1.7 5 4.4'],
  down: ['M8 2.5v10', 'M4 8.6l4 4 4-4'],
  change: ['M8 2.2a5.8 5.8 0 1 0 0 11.6A5.8 5.8 0 0 0 8 2.2z', 'M8 5v3.4', 'M8 10.8v.1'],
  chevron: ['M6 3.5 10.5 8 6 12.5'],
  file: ['M4 1.8h5l3 3v9.4H4z', 'M9 1.8v3h3'],
  archive: ['M2 3h12v3H2z', 'M3 6v7.2h10V6', 'M6.4 8.6h3.2'],
  check: ['M3 8.4l3.1 3.1 6.9-6.9'],
  info: ['M8 2.2a5.8 5.8 0 1 0 0 11.6A5.8 5.8 0 0 0 8 2.2z', 'M8 7.2v4', 'M8 4.8v.1'],
  pin: ['M8 14V9.5', 'M4.5 9.5h7', 'M5.6 9.5 6.2 3h3.6l.6 6.5', 'M5.4 3h5.2'],
} satisfies Record<string, string[]>;
export type IconName = keyof typeof ICONS;

const SAFE_ATTR = /^(?:aria-[a-z]+|role|title|tabindex|type|id|hidden|datetime|lang|data-[a-z-]+)$/;

/** What `el` appends: strings and numbers become text nodes; absent values are skipped; arrays are flattened. */
export type Child = Node | string | number | null | undefined | false | readonly Child[];
type Listeners = { [K in keyof HTMLElementEventMap]?: (e: HTMLElementEventMap[K]) => void };
/** `class`, `on` (event listeners), and allow-listed attributes; null, undefined and false leave one out. */
export interface Attrs {
  class?: string;
  on?: Listeners;
  [attribute: string]: string | number | boolean | null | undefined | Listeners;
}

/** `el('li', { class: 'x', title: data }, child, 'text', …)`: strings become text nodes, attributes are allow-listed. */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs?: Attrs | null, ...children: Child[]): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (attrs) {
    for (const [k, v] of Object.entries(attrs)) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'class') node.className = String(v);
      else if (k === 'on') for (const [type, fn] of Object.entries(v as Listeners)) node.addEventListener(type, fn as EventListener);
      else if (SAFE_ATTR.test(k)) node.setAttribute(k, v === true ? '' : String(v));
      else throw new Error('report.js: attribute not allowed: ' + k);
    }
  }
  for (const child of children) append(node, child);
  return node;
}

function append(node: Node, child: Child): void {
  if (child === undefined || child === null || child === false) return;
  if (Array.isArray(child)) (child as readonly Child[]).forEach((c) => append(node, c));
  else if (typeof child === 'string' || typeof child === 'number') node.appendChild(document.createTextNode(String(child)));
  else node.appendChild(child as Node);
}

export function icon(name: IconName, cls?: string): SVGSVGElement {
  const NS = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(NS, 'svg');
  svg.setAttribute('viewBox', '0 0 16 16');
  svg.setAttribute('class', 'icon' + (cls ? ' ' + cls : ''));
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('focusable', 'false');
  for (const d of ICONS[name] || []) {
    const p = document.createElementNS(NS, 'path');
    p.setAttribute('d', d);
    svg.appendChild(p);
  }
  return svg;
}
