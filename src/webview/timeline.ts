// The release timeline: an overview strip (oldest → newest, one bar per release) and the release list (newest
// first, routine runs folded). Both are keyboard composites: one tab stop each, arrow keys move.
import { el, icon, type Child, type IconName } from './dom';
import { EVIDENCE, SEVERITY_LABEL, UNKNOWN_EVIDENCE, sevRank, stamp, ym, ymd, type EvidenceInfo, type Model, type Release } from './model';

/** Re-lays the overview's year labels of the current report (on resize). */
let fitYears = (): void => {};
export function refitYears(): void {
  fitYears();
}

interface ReleaseList {
  element: HTMLElement;
  /** Scrolls the list to release `i` (unfolding its run), and optionally focuses it. */
  reveal(i: number, focus: boolean): void;
}

export function timelineSection(model: Model): HTMLElement {
  const section = el('section', { class: 'timeline', 'aria-labelledby': 'tl-h' });
  const notable = model.releases.filter((r) => r.malware || r.advisories.length || r.changes.length).length;
  section.appendChild(
    el(
      'div',
      { class: 'sec-head' },
      el('h2', { id: 'tl-h' }, 'Release timeline'),
      el('span', { class: 'sec-sub' }, model.releases.length ? `${model.releases.length} releases · ${notable} stand${notable === 1 ? 's' : ''} out` : ''),
      legend(model),
    ),
  );
  if (!model.releases.length) {
    section.appendChild(el('p', { class: 'empty' }, 'No releases known for this package on this registry.'));
    return section;
  }
  const list = releaseList(model);
  section.appendChild(strip(model, list));
  section.appendChild(list.element);
  return section;
}

function legend(model: Model): HTMLElement {
  const items = model.trustData
    ? [EVIDENCE['staged publish'], EVIDENCE['trusted publisher with provenance'], EVIDENCE.provenance, EVIDENCE['no provenance']]
    : [UNKNOWN_EVIDENCE];
  return el(
    'ul',
    { class: 'legend', 'aria-label': 'Legend' },
    items.map((e) => el('li', { title: e.help }, el('span', { class: `swatch ev-${e.key}` }), e.label)),
    el('li', { title: 'A malware advisory covers the release' }, el('span', { class: 'mark m-malware' }), 'malware'),
    el('li', { title: 'A vulnerability advisory covers the release' }, el('span', { class: 'mark m-vuln' }), 'vulnerability'),
    el('li', { title: 'Something changed since the release before: publisher, evidence or install scripts' }, el('span', { class: 'mark m-change' }), 'change'),
    el('li', { title: 'Runs an install script' }, icon('script', 'legend-icon'), 'install script'),
    el('li', { title: 'Installed by this project' }, icon('lock', 'legend-icon locked-ink'), 'locked'),
  );
}

function describe(r: Release): string {
  const parts = [`${r.version}${r.locked ? ' (locked)' : ''}`, r.date ? `published ${stamp(r.date)}` : 'publish date unknown'];
  parts.push(r.publisher ? `by ${r.publisher}` : 'publisher unknown');
  parts.push(`evidence: ${r.evidence.label}`);
  if (r.prev && r.prev.date && r.date) parts.push(`${Math.round((r.date.getTime() - r.prev.date.getTime()) / 86400000)} days after ${r.prev.version}`);
  for (const c of r.changes) parts.push(`changed: ${c}`);
  for (const s of r.scripts) parts.push(`${s.name} script: ${s.command}`);
  for (const a of r.advisories) parts.push(`${a.malware ? 'MALWARE' : a.severity + ' vulnerability'} ${a.id}${a.title ? ': ' + a.title : ''}`);
  if (r.deprecated) parts.push(`deprecated: ${r.deprecated}`);
  return parts.join('; ');
}

function strip(model: Model, list: ReleaseList): HTMLElement {
  const bars = model.releases.map((r, i) => {
    const cls = ['bar', `ev-${r.evidence.key}`];
    if (r.tone) cls.push(`t-${r.tone}`);
    if (r.locked) cls.push('is-locked');
    if (r.scripts.length) cls.push('has-script');
    const before = i > 0 ? model.releases[i - 1].date : null;
    const prevYear = before ? before.getUTCFullYear() : null;
    const year = r.date ? r.date.getUTCFullYear() : null;
    return el(
      'button',
      {
        class: cls.join(' '),
        type: 'button',
        tabindex: i === model.releases.length - 1 ? '0' : '-1',
        title: describe(r),
        'aria-label': describe(r),
        'data-i': String(i),
        on: { click: () => list.reveal(i, true) },
      },
      el('span', { class: 'mk' }, marks(r)),
      el('span', { class: 'col' }, el('span', { class: 'fill' })),
      r.locked ? el('span', { class: 'caret' }, icon('lock')) : null,
      year !== null && year !== prevYear ? el('span', { class: 'yr' }, String(year)) : null,
    );
  });
  const track = el(
    'div',
    {
      class: 'strip',
      role: 'toolbar',
      'aria-orientation': 'horizontal',
      'aria-label': `Release overview, ${model.releases.length} releases, oldest to newest. Arrow keys move, Enter shows the release in the list.`,
      on: { keydown: (e) => roving(e, bars, 'horizontal') },
    },
    bars,
  );
  track.style.setProperty('--n', String(model.releases.length));
  const scroller = el('div', { class: 'strip-scroll' }, track);
  const wrap = el(
    'div',
    { class: 'strip-wrap' },
    el('span', { class: 'strip-end', 'aria-hidden': 'true' }, 'oldest'),
    scroller,
    el('span', { class: 'strip-end', 'aria-hidden': 'true' }, 'newest'),
  );
  // Year labels: drop the ones that would collide once laid out, and start scrolled to the newest releases.
  const fit = (): void => {
    let right = -Infinity;
    for (const label of track.querySelectorAll<HTMLElement>('.yr')) {
      label.hidden = false;
      const box = label.getBoundingClientRect();
      if (box.left < right + 6) label.hidden = true;
      else right = box.right;
    }
  };
  requestAnimationFrame(() => {
    scroller.scrollLeft = scroller.scrollWidth;
    fit();
  });
  fitYears = fit;
  return wrap;
}

/** The overview's markers above a bar, by shape as well as colour: change ◆, vulnerability ▲, malware ●. */
function marks(r: Release): Child[] {
  return [
    r.changes.length ? el('span', { class: 'mark m-change' }) : null,
    r.advisories.some((a) => !a.malware) ? el('span', { class: 'mark m-vuln' }) : null,
    r.malware ? el('span', { class: 'mark m-malware' }) : null,
  ];
}

type Item = { rel: Release; run?: undefined } | { run: Release[]; rel?: undefined };

/** Consecutive unremarkable releases that look alike (same publisher, evidence, scripts, advisories) fold into one row. */
function groupRuns(releases: Release[]): Item[] {
  const MIN_RUN = 3;
  const sig = (r: Release) =>
    r.locked || r.changes.length ? null : JSON.stringify([r.publisher, r.evidence.key, r.scripts, r.advisories.map((a) => a.id), !!r.deprecated]);
  const items: Item[] = [];
  let run: Release[] = [];
  const flush = () => {
    if (run.length >= MIN_RUN) items.push({ run: run.slice() });
    else run.forEach((r) => items.push({ rel: r }));
    run = [];
  };
  for (const r of releases) {
    const s = sig(r);
    if (s !== null && run.length && sig(run[0]) === s) run.push(r);
    else {
      flush();
      if (s !== null) run.push(r);
      else items.push({ rel: r });
    }
  }
  flush();
  return items;
}

function releaseList(model: Model): ReleaseList {
  const newestFirst = model.releases.slice().reverse();
  const items = groupRuns(newestFirst);
  const rows = new Map<number, HTMLElement>(); // release index → row element
  const runOf = new Map<number, () => void>(); // release index → expand function
  const ol = el('ol', {
    class: 'releases',
    'aria-label': 'Releases, newest first. Up and down arrows move between releases.',
    on: { keydown: (e) => roving(e, navItems(), 'vertical') },
  });
  const navItems = () => [...ol.querySelectorAll<HTMLElement>('[data-nav]')].filter((n) => !n.closest('[hidden]'));

  for (const item of items) {
    if (item.rel) {
      const row = releaseRow(item.rel);
      rows.set(item.rel.index, row);
      ol.appendChild(row);
      continue;
    }
    const runRows = item.run.map((r) => {
      const row = releaseRow(r);
      rows.set(r.index, row);
      return row;
    });
    const inner = el('ol', { class: 'run-rows', hidden: true }, runRows);
    const toggle = runSummary(item.run);
    const li = el('li', { class: 'run' + (item.run[0].tone ? ` t-${item.run[0].tone}` : '') }, toggle, inner);
    const expand = (open: boolean) => {
      toggle.setAttribute('aria-expanded', String(open));
      if (!open) {
        // Folding away the list's tab stop (or focus) hands both to the run's own row.
        const hadFocus = inner.contains(document.activeElement);
        const stop = inner.querySelector<HTMLElement>('[data-nav][tabindex="0"]');
        if (stop) {
          stop.tabIndex = -1;
          toggle.tabIndex = 0;
        }
        if (hadFocus) toggle.focus();
      }
      inner.hidden = !open;
      li.classList.toggle('open', open);
    };
    toggle.addEventListener('click', () => expand(toggle.getAttribute('aria-expanded') !== 'true'));
    for (const r of item.run) runOf.set(r.index, () => expand(true));
    ol.appendChild(li);
  }

  const first = navItems()[0];
  if (first) first.tabIndex = 0;

  const scroller = el('div', { class: 'releases-scroll' }, ol);
  const expandAll: HTMLButtonElement = el(
    'button',
    {
      class: 'btn link small',
      type: 'button',
      'aria-pressed': 'false',
      on: {
        click: () => {
          const open = expandAll.getAttribute('aria-pressed') !== 'true';
          expandAll.setAttribute('aria-pressed', String(open));
          expandAll.textContent = open ? 'Fold routine releases' : 'Show every release';
          for (const t of ol.querySelectorAll<HTMLElement>('.run-toggle')) if ((t.getAttribute('aria-expanded') === 'true') !== open) t.click();
        },
      },
    },
    'Show every release',
  );
  const folded = items.reduce((n, i) => n + (i.run ? i.run.length : 0), 0);
  const element = el(
    'div',
    { class: 'releases-wrap' },
    el(
      'div',
      { class: 'list-head' },
      el('span', { class: 'muted' }, folded ? `Newest first · ${folded} routine releases folded` : 'Newest first'),
      folded ? expandAll : null,
    ),
    el(
      'div',
      { class: 'list-cols', 'aria-hidden': 'true' },
      el('span'),
      el('span', null, 'Version'),
      el('span', null, 'Published'),
      el('span', null, 'Publisher'),
      el('span', null, 'Evidence'),
      el('span', null, 'Scripts · advisories'),
    ),
    scroller,
  );

  function reveal(i: number, focus: boolean): void {
    const row = rows.get(i);
    if (!row) return;
    runOf.get(i)?.();
    const top = offsetIn(scroller, row);
    if (top < scroller.scrollTop || top + row.offsetHeight > scroller.scrollTop + scroller.clientHeight) {
      scroller.scrollTop = Math.max(0, top - scroller.clientHeight / 3);
    }
    if (focus) {
      for (const n of navItems()) n.tabIndex = -1;
      row.tabIndex = 0;
      row.focus({ preventScroll: true });
      row.classList.remove('flash');
      void row.offsetWidth; // restart the highlight animation
      row.classList.add('flash');
    }
  }
  return { element, reveal };
}

function evidenceBadge(e: EvidenceInfo): HTMLElement {
  return el('span', { class: `badge ev-${e.key}`, title: e.help }, icon(e.icon), e.label);
}

function signals(r: Release, compact: boolean): HTMLElement[] {
  const out: HTMLElement[] = [];
  for (const s of r.scripts) out.push(el('span', { class: 'chip script', title: `${s.name}: ${s.command}` }, icon('script'), s.name));
  const advisories = r.advisories.slice().sort((a, b) => Number(b.malware) - Number(a.malware) || sevRank(b.severity) - sevRank(a.severity));
  const shown = compact ? advisories.slice(0, 2) : advisories;
  for (const a of shown) {
    out.push(
      a.malware
        ? el('span', { class: 'chip malware', title: `Malware: ${a.id}${a.title ? ' — ' + a.title : ''}` }, icon('bug'), 'malware')
        : el(
            'span',
            { class: 'chip vuln', title: `${SEVERITY_LABEL[a.severity]} vulnerability ${a.id}${a.title ? ' — ' + a.title : ''}` },
            icon('warning'),
            a.id,
          ),
    );
  }
  if (shown.length < advisories.length)
    out.push(
      el(
        'span',
        {
          class: 'chip more',
          title: advisories
            .slice(shown.length)
            .map((a) => a.id)
            .join(', '),
        },
        `+${advisories.length - shown.length}`,
      ),
    );
  if (r.deprecated) out.push(el('span', { class: 'chip deprecated', title: `Deprecated: ${r.deprecated}` }, icon('archive'), 'deprecated'));
  return out;
}

function changeIcon(text: string): IconName {
  if (/^new publisher/i.test(text)) return 'person';
  if (/ after /.test(text)) return 'down';
  if (/script|changed$/i.test(text)) return 'script';
  return 'change';
}

function releaseRow(r: Release): HTMLElement {
  const cls = ['rel'];
  if (r.tone) cls.push(`t-${r.tone}`);
  if (r.notable) cls.push('notable');
  if (r.locked) cls.push('is-locked');
  const details: HTMLElement[] = [];
  const shownScripts = new Set<string>();
  for (const c of r.changes) {
    // "new postinstall script" / "postinstall changed": show the command that now runs.
    const m = /^new (\S+) script$/.exec(c) || /^(\S+) changed$/.exec(c);
    const script = m && r.scripts.find((s) => s.name === m[1]);
    if (script) shownScripts.add(script.name);
    details.push(
      el(
        'li',
        { class: 'change', title: script ? `${script.name}: ${script.command}` : c },
        icon(changeIcon(c)),
        c,
        script ? el('code', null, script.command) : null,
      ),
    );
  }
  if (r.locked) {
    for (const s of r.scripts.filter((x) => !shownScripts.has(x.name))) {
      details.push(
        el('li', { class: 'cmd', title: `${s.name}: ${s.command}` }, icon('script'), el('span', { class: 'cmd-name' }, s.name), el('code', null, s.command)),
      );
    }
  }
  for (const a of r.advisories) {
    if (a.malware || r.locked) {
      details.push(
        el(
          'li',
          { class: a.malware ? 'adv malware' : 'adv vuln' },
          icon(a.malware ? 'bug' : 'warning'),
          el('span', { class: 'mono' }, a.id),
          a.malware ? null : el('span', { class: 'muted' }, a.severity),
          a.title ? el('span', { class: 'adv-title' }, a.title) : null,
        ),
      );
    }
  }
  return el(
    'li',
    {
      class: cls.join(' '),
      'data-nav': '',
      tabindex: '-1',
      title: describe(r),
      'aria-label': describe(r),
    },
    el('span', { class: 'rail', 'aria-hidden': 'true' }, el('span', { class: 'node' })),
    el(
      'span',
      { class: 'c-ver' },
      el('span', { class: 'mono ver' }, r.version),
      r.locked ? el('span', { class: 'lock-chip small' }, icon('lock'), 'locked') : null,
    ),
    el('span', { class: 'c-date' }, el('time', { datetime: r.date ? r.date.toISOString() : null }, ymd(r.date))),
    el(
      'span',
      { class: 'c-pub' + (r.publisher ? '' : ' muted') + (r.changes.some((c) => /^new publisher/i.test(c)) ? ' pub-new' : '') },
      r.publisher || 'unknown',
    ),
    el('span', { class: 'c-ev' }, evidenceBadge(r.evidence)),
    el('span', { class: 'c-sig' }, signals(r, true)),
    details.length ? el('ul', { class: 'details' }, details) : null,
  );
}

function runSummary(run: Release[]): HTMLButtonElement {
  // `run` is newest first.
  const newest = run[0];
  const oldest = run[run.length - 1];
  const label =
    `${run.length} routine releases, ${oldest.version} to ${newest.version}, ${ymd(oldest.date)} to ${ymd(newest.date)}, ` +
    `${newest.publisher ? 'by ' + newest.publisher : 'publisher unknown'}, evidence: ${newest.evidence.label}. Press Enter to show them.`;
  return el(
    'button',
    {
      class: 'run-toggle',
      type: 'button',
      'data-nav': '',
      tabindex: '-1',
      'aria-expanded': 'false',
      'aria-label': label,
      title: `${run.length} releases that look alike: same publisher, evidence, scripts and advisories. Click to show them.`,
    },
    el('span', { class: 'rail', 'aria-hidden': 'true' }, el('span', { class: 'node stack' })),
    el(
      'span',
      { class: 'c-ver' },
      el('span', { class: 'mono ver' }, oldest.version),
      el('span', { class: 'muted' }, ' – '),
      el('span', { class: 'mono ver' }, newest.version),
    ),
    el('span', { class: 'c-date' }, `${ym(oldest.date)} – ${ym(newest.date)}`),
    el('span', { class: 'c-pub' + (newest.publisher ? '' : ' muted') }, newest.publisher || 'unknown'),
    el('span', { class: 'c-ev' }, evidenceBadge(newest.evidence)),
    el('span', { class: 'c-sig' }, signals(newest, true), el('span', { class: 'run-count' }, icon('chevron', 'chev'), `${run.length} releases`)),
  );
}

/** Roving focus for a composite widget: one tab stop, arrow keys move. */
function roving(e: KeyboardEvent, items: HTMLElement[], orientation: 'horizontal' | 'vertical'): void {
  const keys = orientation === 'horizontal' ? { prev: 'ArrowLeft', next: 'ArrowRight' } : { prev: 'ArrowUp', next: 'ArrowDown' };
  const at = items.indexOf(document.activeElement as HTMLElement);
  if (at < 0) return;
  let to = at;
  if (e.key === keys.prev) to = at - 1;
  else if (e.key === keys.next) to = at + 1;
  else if (e.key === 'Home') to = 0;
  else if (e.key === 'End') to = items.length - 1;
  else if (e.key === 'PageUp' && orientation === 'vertical') to = at - 10;
  else if (e.key === 'PageDown' && orientation === 'vertical') to = at + 10;
  else return;
  e.preventDefault();
  to = Math.max(0, Math.min(items.length - 1, to));
  items[at].tabIndex = -1;
  items[to].tabIndex = 0;
  items[to].focus();
  if (orientation === 'horizontal') items[to].scrollIntoView({ block: 'nearest', inline: 'nearest' });
}

/** Where `node` sits inside the scrolling `container`, in the container's scroll coordinates. */
export function offsetIn(container: HTMLElement, node: HTMLElement): number {
  return node.getBoundingClientRect().top - container.getBoundingClientRect().top + container.scrollTop;
}
