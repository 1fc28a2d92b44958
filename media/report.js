// TrustLens trust report page. Plain browser JavaScript, no build step, no remote content.
// Everything the extension posts comes from package registries and advisory feeds: it is data, never markup.
// The DOM is built with createElement/textContent only; attributes are set from an allow-list.
(function () {
  'use strict';

  /* global acquireVsCodeApi */
  const vscode = typeof acquireVsCodeApi === 'function' ? acquireVsCodeApi() : { postMessage() {} };
  const root = document.getElementById('report');
  /** Re-lays the overview's year labels of the current report on resize. */
  let fitYears = () => {};
  window.addEventListener('resize', () => fitYears());

  // ---------------------------------------------------------------------------------------------------------------
  // Vocabulary

  const SEVERITIES = ['info', 'low', 'medium', 'high', 'critical'];
  const SEVERITY_LABEL = { info: 'Info', low: 'Low', medium: 'Medium', high: 'High', critical: 'Critical' };

  /** Evidence levels as timeline.ts names them, strongest last; `rank` drives the bar height in the overview. */
  const EVIDENCE = {
    'no provenance': {
      key: 'none', rank: 0, label: 'no provenance', icon: 'none',
      help: 'Published without provenance: nothing links this release to a source repository or a CI run.',
    },
    provenance: {
      key: 'prov', rank: 1, label: 'provenance', icon: 'shield',
      help: 'Signed build provenance links this release to its source repository and CI run.',
    },
    'trusted publisher with provenance': {
      key: 'trusted', rank: 2, label: 'trusted publisher + provenance', icon: 'shield',
      help: 'Published from CI through a trusted publisher (OIDC, no long-lived token), with signed provenance.',
    },
    'staged publish': {
      key: 'staged', rank: 3, label: 'staged publish', icon: 'staged',
      help: 'Staged publish: a maintainer approved this release before it went live.',
    },
  };
  const UNKNOWN_EVIDENCE = {
    key: 'unknown', rank: 0, label: 'unknown', icon: 'unknown',
    help: 'This registry serves no trust metadata: provenance and publisher are unknown, not missing.',
  };

  /** Stroke icons on a 16×16 grid (drawn with currentColor). */
  const ICONS = {
    lock: ['M3.5 7.5h9v6.5h-9z', 'M5.5 7.5V5.5a2.5 2.5 0 0 1 5 0v2'],
    shield: ['M8 1.6 2.8 3.6v3.9c0 3.2 2.1 5.8 5.2 6.9 3.1-1.1 5.2-3.7 5.2-6.9V3.6z', 'M5.7 8.1l1.6 1.6 3.1-3.3'],
    staged: ['M8 1.6 2.8 3.6v3.9c0 3.2 2.1 5.8 5.2 6.9 3.1-1.1 5.2-3.7 5.2-6.9V3.6z', 'M4.9 8.3l1.3 1.3 2.5-2.8', 'M7.9 9.2l.4.4 2.8-3.1'],
    none: ['M8 2.2a5.8 5.8 0 1 0 0 11.6A5.8 5.8 0 0 0 8 2.2z', 'M3.9 12.1l8.2-8.2'],
    unknown: ['M8 2.2a5.8 5.8 0 1 0 0 11.6A5.8 5.8 0 0 0 8 2.2z', 'M6.3 6.4a1.8 1.8 0 1 1 2.6 1.6c-.6.3-.9.7-.9 1.3', 'M8 11.2v.1'],
    script: ['M1.8 3h12.4v10H1.8z', 'M4.4 6.2 6.7 8l-2.3 1.8', 'M8.4 10h3.2'],
    bug: ['M5.2 6.6a2.8 2.8 0 0 1 5.6 0v3.3a2.8 2.8 0 0 1-5.6 0z', 'M8 7.2v5.4', 'M5.2 8.3H2.4', 'M10.8 8.3h2.8', 'M5.4 10.9l-2.2 1.8', 'M10.6 10.9l2.2 1.8', 'M6.1 4.4 4.7 2.8', 'M9.9 4.4l1.4-1.6'],
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
  };

  // ---------------------------------------------------------------------------------------------------------------
  // Safe DOM construction

  const SAFE_ATTR = /^(?:aria-[a-z]+|role|title|tabindex|type|id|hidden|datetime|lang|data-[a-z-]+)$/;

  /** `el('li', { class: 'x', title: data }, child, 'text', …)`: strings become text nodes, attributes are allow-listed. */
  function el(tag, attrs) {
    const node = document.createElement(tag);
    if (attrs) {
      for (const [k, v] of Object.entries(attrs)) {
        if (v === undefined || v === null || v === false) continue;
        if (k === 'class') node.className = v;
        else if (k === 'on') for (const [type, fn] of Object.entries(v)) node.addEventListener(type, fn);
        else if (SAFE_ATTR.test(k)) node.setAttribute(k, v === true ? '' : String(v));
        else throw new Error('report.js: attribute not allowed: ' + k);
      }
    }
    for (let i = 2; i < arguments.length; i++) append(node, arguments[i]);
    return node;
  }

  function append(node, child) {
    if (child === undefined || child === null || child === false) return;
    if (Array.isArray(child)) child.forEach((c) => append(node, c));
    else if (typeof child === 'string' || typeof child === 'number') node.appendChild(document.createTextNode(String(child)));
    else node.appendChild(child);
  }

  function icon(name, cls) {
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

  // ---------------------------------------------------------------------------------------------------------------
  // Reading the (untrusted) message into a predictable shape

  const isObj = (v) => typeof v === 'object' && v !== null && !Array.isArray(v);
  const arr = (v) => (Array.isArray(v) ? v : []);
  const str = (v) => (typeof v === 'string' ? v : '');
  const sev = (v) => (SEVERITIES.includes(v) ? v : 'info');
  const sevRank = (s) => SEVERITIES.indexOf(s);

  function date(v) {
    if (typeof v !== 'string') return null;
    const d = new Date(v);
    return Number.isNaN(d.getTime()) ? null : d;
  }
  const ymd = (d) => (d ? d.toISOString().slice(0, 10) : '—');
  const ym = (d) => (d ? d.toISOString().slice(0, 7) : '—');
  const stamp = (d) => (d ? d.toISOString().slice(0, 16).replace('T', ' ') + ' UTC' : 'unknown date');

  function readModel(msg) {
    const result = isObj(msg.result) ? msg.result : {};
    const tl = isObj(result.timeline) ? result.timeline : {};
    const codes = isObj(msg.codes) ? msg.codes : {};
    const trustData = tl.trustData !== false;

    const releases = arr(tl.releases).filter(isObj).map((r, index) => {
      const scripts = isObj(r.installScripts)
        ? Object.entries(r.installScripts).filter(([k, v]) => typeof v === 'string' && k).map(([k, v]) => ({ name: k, command: v }))
        : [];
      const advisories = arr(r.advisories).filter(isObj).map((a) => ({ id: str(a.id) || 'advisory', severity: sev(a.severity), title: str(a.title), malware: a.malware === true }));
      const rel = {
        index,
        version: str(r.version) || '?',
        date: date(r.publishedAt),
        publisher: str(r.publisher),
        evidence: trustData ? EVIDENCE[r.evidence] || EVIDENCE['no provenance'] : UNKNOWN_EVIDENCE,
        scripts,
        advisories,
        deprecated: str(r.deprecated),
        locked: r.locked === true,
        changes: arr(r.changes).filter((c) => typeof c === 'string' && c),
      };
      rel.malware = advisories.some((a) => a.malware);
      // One colour per kind of signal, as the legend says: malware red, vulnerability orange, change yellow.
      rel.tone = rel.malware ? 'red' : advisories.length ? 'orange' : rel.changes.length ? 'yellow' : scripts.length ? 'script' : rel.locked ? 'locked' : '';
      rel.notable = rel.locked || rel.changes.length > 0 || advisories.length > 0 || scripts.length > 0;
      return rel;
    });
    for (let i = 1; i < releases.length; i++) releases[i].prev = releases[i - 1];

    const findings = arr(result.findings)
      .filter(isObj)
      .map((f, i) => ({
        i,
        code: str(f.code),
        severity: sev(f.severity),
        package: str(f.package) || str(tl.name),
        version: str(f.version),
        message: str(f.message),
        evidence: arr(f.evidence).filter(isObj).map((e) => ({ label: str(e.label), value: str(e.value) })),
        safeVersion: str(f.safeVersion),
        file: str(f.file),
        line: Number.isSafeInteger(f.line) && f.line > 0 ? f.line : 1,
        locations: arr(f.locations).filter((l) => isObj(l) && typeof l.file === 'string' && l.file && Number.isSafeInteger(l.line) && l.line > 0)
          .map((l) => ({ kind: l.kind === 'manifest' ? 'manifest' : 'lockfile', file: l.file, line: l.line })),
        direct: f.direct === true,
        via: arr(f.via).filter((v) => typeof v === 'string'),
        advisory: isObj(f.advisory) ? { id: str(f.advisory.id), title: str(f.advisory.title) } : null,
      }))
      .sort((a, b) => sevRank(b.severity) - sevRank(a.severity) || a.i - b.i);

    const locked = [];
    for (const r of releases) if (r.locked && !locked.includes(r.version)) locked.push(r.version);
    for (const f of findings) if (f.version && !locked.includes(f.version)) locked.push(f.version);

    return {
      name: str(tl.name) || 'unknown package',
      registry: str(tl.registry),
      exposure: readExposure(result),
      trustData,
      releases,
      total: typeof tl.total === 'number' ? tl.total : releases.length,
      findings,
      locked,
      codes,
    };
  }

  /** When each version was locked, from the lockfiles' git history (src/engine/exposure.ts PackageExposure). */
  function readExposure(result) {
    const x = isObj(result.exposure) ? result.exposure : null;
    if (!x) return null;
    const commit = (c) => (isObj(c) ? { hash: str(c.hash), date: date(c.date), author: str(c.author), subject: str(c.subject) } : null);
    return {
      unavailable: str(x.unavailable),
      shallow: x.shallow === true,
      unreadable: Number.isSafeInteger(x.unreadable) ? x.unreadable : 0,
      windows: arr(x.windows).filter(isObj).map((w) => ({
        version: str(w.version) || '?',
        file: str(w.file),
        workspace: str(w.workspace),
        opened: commit(w.opened),
        openedBefore: w.openedBefore === true,
        closed: commit(w.closed),
        flagged: arr(w.flagged).filter(isObj).map((r) => ({ code: str(r.code), severity: sev(r.severity), message: str(r.message), advisory: isObj(r.advisory) ? str(r.advisory.id) : '' })),
      })).filter((w) => w.opened),
    };
  }

  function codeInfo(model, code) {
    const c = Object.prototype.hasOwnProperty.call(model.codes, code) && isObj(model.codes[code]) ? model.codes[code] : {};
    return { title: str(c.title) || code || 'Finding', description: str(c.description) };
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Header

  function header(model) {
    const worst = model.findings[0];
    const facts = [];
    if (model.registry) facts.push(fact('Registry', el('span', { class: 'mono' }, model.registry)));
    const dated = model.releases.filter((r) => r.date);
    if (model.releases.length) {
      const span = dated.length ? ` · ${ym(dated[0].date)} → ${ym(dated[dated.length - 1].date)}` : '';
      const total = model.total > model.releases.length ? ` (newest of ${model.total})` : '';
      facts.push(fact('Releases', `${model.releases.length}${total}${span}`));
    }
    const publishers = [...new Set(model.releases.map((r) => r.publisher).filter(Boolean))];
    if (publishers.length) facts.push(fact(publishers.length === 1 ? 'Publisher' : 'Publishers', publishers.length > 3 ? `${publishers.length}` : publishers.join(', ')));
    const latest = model.releases[model.releases.length - 1];
    if (latest) facts.push(fact('Newest', el('span', { class: 'mono' }, latest.version)));

    return el(
      'header',
      { class: 'hdr' },
      el('p', { class: 'eyebrow' }, 'Trust report'),
      el(
        'div',
        { class: 'hdr-title' },
        el('h1', { class: 'pkg' }, model.name),
        model.locked.length
          ? el('span', { class: 'locked-list', 'aria-label': 'Locked by this project: ' + model.locked.join(', ') },
            model.locked.map((v) => el('span', { class: 'lock-chip', title: 'Installed by this project (lockfile)' }, icon('lock'), el('span', { class: 'mono' }, v))))
          : el('span', { class: 'lock-chip lock-none' }, 'not in the lockfile'),
      ),
      verdict(model, worst),
      el('dl', { class: 'facts' }, facts),
      model.trustData
        ? null
        : el('p', { class: 'note', role: 'note' }, icon('info'),
          el('span', null, el('strong', null, 'No trust metadata. '), 'This registry serves no publishers, signatures or attestations, so provenance and publisher are unknown for this registry — unknown, not failed.')),
    );
  }

  function fact(label, value) {
    return el('div', { class: 'fact' }, el('dt', null, label), el('dd', null, value));
  }

  function verdict(model, worst) {
    if (!worst) {
      return el('div', { class: 'verdict ok', role: 'status' }, icon('check', 'verdict-icon'),
        el('div', null, el('p', { class: 'verdict-line' }, el('strong', null, 'No findings'), ' for the locked version' + (model.locked.length > 1 ? 's' : '') + '.')));
    }
    const more = model.findings.length - 1;
    const safe = worst.safeVersion || (model.findings.find((f) => f.safeVersion) || {}).safeVersion || '';
    const title = codeInfo(model, worst.code).title;
    return el(
      'div',
      { class: `verdict sev-${worst.severity}`, role: 'status' },
      icon(worst.severity === 'critical' || worst.severity === 'high' ? 'warning' : 'info', 'verdict-icon'),
      el(
        'div',
        { class: 'verdict-body' },
        el('p', { class: 'verdict-line' },
          el('span', { class: `chip sev sev-${worst.severity}` }, SEVERITY_LABEL[worst.severity]),
          el('strong', null, title),
          worst.version ? el('span', null, ' in ', el('span', { class: 'mono' }, worst.version)) : null,
          more > 0 ? el('span', { class: 'muted' }, ` · ${more} more finding${more > 1 ? 's' : ''} below`) : null),
        safe
          ? el('p', { class: 'verdict-safe' }, 'Safe version ', el('span', { class: 'mono strong' }, safe), pinButton(model, safe, 'primary'))
          : actionable(worst)
            ? el('p', { class: 'verdict-safe muted' }, 'No safe version within the allowed range.')
            : null,
      ),
    );
  }

  /** Whether a finding calls for moving off the version (info and low ones are notes). */
  function actionable(f) {
    return sevRank(f.severity) >= sevRank('medium');
  }

  function pinButton(model, version, kind) {
    return el('button', {
      class: `btn ${kind}`,
      type: 'button',
      title: `Pin ${model.name} to ${version}`,
      'aria-label': `Pin ${model.name} to ${version}`,
      on: { click: () => vscode.postMessage({ type: 'pin', name: model.name, version }) },
    }, icon('pin'), `Pin ${version}`);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Timeline: an overview strip (oldest → newest, one bar per release) and the release list (newest first)

  function timelineSection(model) {
    const section = el('section', { class: 'timeline', 'aria-labelledby': 'tl-h' });
    const notable = model.releases.filter((r) => r.malware || r.advisories.length || r.changes.length).length;
    section.appendChild(
      el('div', { class: 'sec-head' },
        el('h2', { id: 'tl-h' }, 'Release timeline'),
        el('span', { class: 'sec-sub' }, model.releases.length ? `${model.releases.length} releases · ${notable} stand${notable === 1 ? 's' : ''} out` : ''),
        legend(model)),
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

  function legend(model) {
    const items = model.trustData
      ? [EVIDENCE['staged publish'], EVIDENCE['trusted publisher with provenance'], EVIDENCE.provenance, EVIDENCE['no provenance']]
      : [UNKNOWN_EVIDENCE];
    return el('ul', { class: 'legend', 'aria-label': 'Legend' },
      items.map((e) => el('li', { title: e.help }, el('span', { class: `swatch ev-${e.key}` }), e.label)),
      el('li', { title: 'A malware advisory covers the release' }, el('span', { class: 'mark m-malware' }), 'malware'),
      el('li', { title: 'A vulnerability advisory covers the release' }, el('span', { class: 'mark m-vuln' }), 'vulnerability'),
      el('li', { title: 'Something changed since the release before: publisher, evidence or install scripts' }, el('span', { class: 'mark m-change' }), 'change'),
      el('li', { title: 'Runs an install script' }, icon('script', 'legend-icon'), 'install script'),
      el('li', { title: 'Installed by this project' }, icon('lock', 'legend-icon locked-ink'), 'locked'));
  }

  function describe(r) {
    const parts = [`${r.version}${r.locked ? ' (locked)' : ''}`, r.date ? `published ${stamp(r.date)}` : 'publish date unknown'];
    parts.push(r.publisher ? `by ${r.publisher}` : 'publisher unknown');
    parts.push(`evidence: ${r.evidence.label}`);
    if (r.prev && r.prev.date && r.date) parts.push(`${Math.round((r.date - r.prev.date) / 86400000)} days after ${r.prev.version}`);
    for (const c of r.changes) parts.push(`changed: ${c}`);
    for (const s of r.scripts) parts.push(`${s.name} script: ${s.command}`);
    for (const a of r.advisories) parts.push(`${a.malware ? 'MALWARE' : a.severity + ' vulnerability'} ${a.id}${a.title ? ': ' + a.title : ''}`);
    if (r.deprecated) parts.push(`deprecated: ${r.deprecated}`);
    return parts.join('; ');
  }

  function strip(model, list) {
    const bars = model.releases.map((r, i) => {
      const cls = ['bar', `ev-${r.evidence.key}`];
      if (r.tone) cls.push(`t-${r.tone}`);
      if (r.locked) cls.push('is-locked');
      if (r.scripts.length) cls.push('has-script');
      const prevYear = i > 0 && model.releases[i - 1].date ? model.releases[i - 1].date.getUTCFullYear() : null;
      const year = r.date ? r.date.getUTCFullYear() : null;
      return el('button', {
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
      year !== null && year !== prevYear ? el('span', { class: 'yr' }, String(year)) : null);
    });
    const track = el('div', {
      class: 'strip',
      role: 'toolbar',
      'aria-orientation': 'horizontal',
      'aria-label': `Release overview, ${model.releases.length} releases, oldest to newest. Arrow keys move, Enter shows the release in the list.`,
      on: { keydown: (e) => roving(e, bars, 'horizontal') },
    }, bars);
    track.style.setProperty('--n', String(model.releases.length));
    const scroller = el('div', { class: 'strip-scroll' }, track);
    const wrap = el('div', { class: 'strip-wrap' },
      el('span', { class: 'strip-end', 'aria-hidden': 'true' }, 'oldest'),
      scroller,
      el('span', { class: 'strip-end', 'aria-hidden': 'true' }, 'newest'));
    // Year labels: drop the ones that would collide once laid out, and start scrolled to the newest releases.
    const fit = () => {
      let right = -Infinity;
      for (const label of track.querySelectorAll('.yr')) {
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
  function marks(r) {
    return [
      r.changes.length ? el('span', { class: 'mark m-change' }) : null,
      r.advisories.some((a) => !a.malware) ? el('span', { class: 'mark m-vuln' }) : null,
      r.malware ? el('span', { class: 'mark m-malware' }) : null,
    ];
  }

  /** Consecutive unremarkable releases that look alike (same publisher, evidence, scripts, advisories) fold into one row. */
  function groupRuns(releases) {
    const MIN_RUN = 3;
    const sig = (r) => (r.locked || r.changes.length ? null : JSON.stringify([r.publisher, r.evidence.key, r.scripts, r.advisories.map((a) => a.id), !!r.deprecated]));
    const items = [];
    let run = [];
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

  function releaseList(model) {
    const newestFirst = model.releases.slice().reverse();
    const items = groupRuns(newestFirst);
    const rows = new Map(); // release index → row element
    const runOf = new Map(); // release index → expand function
    const ol = el('ol', {
      class: 'releases',
      'aria-label': 'Releases, newest first. Up and down arrows move between releases.',
      on: { keydown: (e) => roving(e, navItems(), 'vertical') },
    });
    const navItems = () => [...ol.querySelectorAll('[data-nav]')].filter((n) => !n.closest('[hidden]'));

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
      const expand = (open) => {
        toggle.setAttribute('aria-expanded', String(open));
        if (!open) {
          // Folding away the list's tab stop (or focus) hands both to the run's own row.
          const hadFocus = inner.contains(document.activeElement);
          const stop = inner.querySelector('[data-nav][tabindex="0"]');
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
      const li = el('li', { class: 'run' + (item.run[0].tone ? ` t-${item.run[0].tone}` : '') }, toggle, inner);
      for (const r of item.run) runOf.set(r.index, () => expand(true));
      ol.appendChild(li);
    }

    const first = navItems()[0];
    if (first) first.tabIndex = 0;

    const scroller = el('div', { class: 'releases-scroll' }, ol);
    const expandAll = el('button', {
      class: 'btn link small',
      type: 'button',
      'aria-pressed': 'false',
      on: {
        click: () => {
          const open = expandAll.getAttribute('aria-pressed') !== 'true';
          expandAll.setAttribute('aria-pressed', String(open));
          expandAll.textContent = open ? 'Fold routine releases' : 'Show every release';
          for (const t of ol.querySelectorAll('.run-toggle')) if ((t.getAttribute('aria-expanded') === 'true') !== open) t.click();
        },
      },
    }, 'Show every release');
    const folded = items.filter((i) => i.run).reduce((n, i) => n + i.run.length, 0);
    const element = el('div', { class: 'releases-wrap' },
      el('div', { class: 'list-head' },
        el('span', { class: 'muted' }, folded ? `Newest first · ${folded} routine releases folded` : 'Newest first'),
        folded ? expandAll : null),
      el('div', { class: 'list-cols', 'aria-hidden': 'true' },
        el('span'), el('span', null, 'Version'), el('span', null, 'Published'), el('span', null, 'Publisher'), el('span', null, 'Evidence'), el('span', null, 'Scripts · advisories')),
      scroller);

    /** Scrolls the list to release `i` (unfolding its run), and optionally focuses it. */
    function reveal(i, focus) {
      const row = rows.get(i);
      if (!row) return;
      if (runOf.has(i)) runOf.get(i)();
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

  function evidenceBadge(e) {
    return el('span', { class: `badge ev-${e.key}`, title: e.help }, icon(e.icon), e.label);
  }

  function signals(r, compact) {
    const out = [];
    for (const s of r.scripts) out.push(el('span', { class: 'chip script', title: `${s.name}: ${s.command}` }, icon('script'), s.name));
    const advisories = r.advisories.slice().sort((a, b) => Number(b.malware) - Number(a.malware) || sevRank(b.severity) - sevRank(a.severity));
    const shown = compact ? advisories.slice(0, 2) : advisories;
    for (const a of shown) {
      out.push(a.malware
        ? el('span', { class: 'chip malware', title: `Malware: ${a.id}${a.title ? ' — ' + a.title : ''}` }, icon('bug'), 'malware')
        : el('span', { class: 'chip vuln', title: `${SEVERITY_LABEL[a.severity]} vulnerability ${a.id}${a.title ? ' — ' + a.title : ''}` }, icon('warning'), a.id));
    }
    if (shown.length < advisories.length) out.push(el('span', { class: 'chip more', title: advisories.slice(shown.length).map((a) => a.id).join(', ') }, `+${advisories.length - shown.length}`));
    if (r.deprecated) out.push(el('span', { class: 'chip deprecated', title: `Deprecated: ${r.deprecated}` }, icon('archive'), 'deprecated'));
    return out;
  }

  function changeIcon(text) {
    if (/^new publisher/i.test(text)) return 'person';
    if (/ after /.test(text)) return 'down';
    if (/script|changed$/i.test(text)) return 'script';
    return 'change';
  }

  function releaseRow(r) {
    const cls = ['rel'];
    if (r.tone) cls.push(`t-${r.tone}`);
    if (r.notable) cls.push('notable');
    if (r.locked) cls.push('is-locked');
    const details = [];
    const shownScripts = new Set();
    for (const c of r.changes) {
      // "new postinstall script" / "postinstall changed": show the command that now runs.
      const m = /^new (\S+) script$/.exec(c) || /^(\S+) changed$/.exec(c);
      const script = m && r.scripts.find((s) => s.name === m[1]);
      if (script) shownScripts.add(script.name);
      details.push(el('li', { class: 'change', title: script ? `${script.name}: ${script.command}` : c }, icon(changeIcon(c)), c,
        script ? el('code', null, script.command) : null));
    }
    if (r.locked) {
      for (const s of r.scripts.filter((x) => !shownScripts.has(x.name))) {
        details.push(el('li', { class: 'cmd', title: `${s.name}: ${s.command}` }, icon('script'), el('span', { class: 'cmd-name' }, s.name), el('code', null, s.command)));
      }
    }
    for (const a of r.advisories) {
      if (a.malware || r.locked) {
        details.push(el('li', { class: a.malware ? 'adv malware' : 'adv vuln' }, icon(a.malware ? 'bug' : 'warning'),
          el('span', { class: 'mono' }, a.id), a.malware ? null : el('span', { class: 'muted' }, a.severity),
          a.title ? el('span', { class: 'adv-title' }, a.title) : null));
      }
    }
    return el('li', {
      class: cls.join(' '),
      'data-nav': '',
      tabindex: '-1',
      title: describe(r),
      'aria-label': describe(r),
    },
    el('span', { class: 'rail', 'aria-hidden': 'true' }, el('span', { class: 'node' })),
    el('span', { class: 'c-ver' }, el('span', { class: 'mono ver' }, r.version), r.locked ? el('span', { class: 'lock-chip small' }, icon('lock'), 'locked') : null),
    el('span', { class: 'c-date' }, el('time', { datetime: r.date ? r.date.toISOString() : null }, ymd(r.date))),
    el('span', { class: 'c-pub' + (r.publisher ? '' : ' muted') + (r.changes.some((c) => /^new publisher/i.test(c)) ? ' pub-new' : '') }, r.publisher || 'unknown'),
    el('span', { class: 'c-ev' }, evidenceBadge(r.evidence)),
    el('span', { class: 'c-sig' }, signals(r, true)),
    details.length ? el('ul', { class: 'details' }, details) : null);
  }

  function runSummary(run) {
    // `run` is newest first.
    const newest = run[0];
    const oldest = run[run.length - 1];
    const label = `${run.length} routine releases, ${oldest.version} to ${newest.version}, ${ymd(oldest.date)} to ${ymd(newest.date)}, ` +
      `${newest.publisher ? 'by ' + newest.publisher : 'publisher unknown'}, evidence: ${newest.evidence.label}. Press Enter to show them.`;
    return el('button', {
      class: 'run-toggle',
      type: 'button',
      'data-nav': '',
      tabindex: '-1',
      'aria-expanded': 'false',
      'aria-label': label,
      title: `${run.length} releases that look alike: same publisher, evidence, scripts and advisories. Click to show them.`,
    },
    el('span', { class: 'rail', 'aria-hidden': 'true' }, el('span', { class: 'node stack' })),
    el('span', { class: 'c-ver' }, el('span', { class: 'mono ver' }, oldest.version), el('span', { class: 'muted' }, ' – '), el('span', { class: 'mono ver' }, newest.version)),
    el('span', { class: 'c-date' }, `${ym(oldest.date)} – ${ym(newest.date)}`),
    el('span', { class: 'c-pub' + (newest.publisher ? '' : ' muted') }, newest.publisher || 'unknown'),
    el('span', { class: 'c-ev' }, evidenceBadge(newest.evidence)),
    el('span', { class: 'c-sig' }, signals(newest, true), el('span', { class: 'run-count' }, icon('chevron', 'chev'), `${run.length} releases`)));
  }

  /** Roving focus for a composite widget: one tab stop, arrow keys move. */
  function roving(e, items, orientation) {
    const keys = orientation === 'horizontal' ? { prev: 'ArrowLeft', next: 'ArrowRight' } : { prev: 'ArrowUp', next: 'ArrowDown' };
    const at = items.indexOf(document.activeElement);
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

  // ---------------------------------------------------------------------------------------------------------------
  // Exposure: the windows each version was locked in this repository

  function exposureSection(model) {
    const x = model.exposure;
    // Not a git repository: nothing to say.
    if (!x || /not in a git repository/.test(x.unavailable)) return null;
    const section = el('section', { class: 'exposure', 'aria-labelledby': 'x-h' },
      el('div', { class: 'sec-head' },
        el('h2', { id: 'x-h' }, 'Locked in this repository'),
        el('span', { class: 'sec-sub' }, x.windows.length ? `${x.windows.length} window${x.windows.length > 1 ? 's' : ''} in the lockfiles' git history` : '')));
    if (x.unavailable) {
      section.appendChild(el('p', { class: 'empty' }, 'Lockfile history could not be read: ' + x.unavailable));
      return section;
    }
    if (!x.windows.length) section.appendChild(el('p', { class: 'empty' }, 'No commit on this branch locked ' + model.name + '.'));
    const label = (c) => `${ymd(c.date)} ${c.hash.slice(0, 10)} (${c.author}) ${c.subject.slice(0, 60)}`;
    section.appendChild(el('ol', { class: 'cards' }, x.windows.map((w) => {
      const worst = w.flagged.reduce((m, r) => (sevRank(r.severity) > sevRank(m) ? r.severity : m), 'info');
      return el('li', { class: `card${w.flagged.length ? ` sev-${worst}` : ''}` },
        el('div', { class: 'card-head' },
          w.flagged.length ? el('span', { class: `chip sev sev-${worst}` }, SEVERITY_LABEL[worst]) : null,
          el('span', { class: 'mono pv' }, `${model.name}@${w.version}`),
          el('span', { class: 'muted' }, `${w.file}${w.workspace && w.workspace !== '.' && w.workspace !== '*' ? ` [${w.workspace}]` : ''}`)),
        el('p', { class: 'msg' }, (w.openedBefore ? 'Already locked at ' : 'Locked by ') + label(w.opened)),
        el('p', { class: 'msg' }, w.closed ? 'Removed by ' + label(w.closed) : 'Still locked at HEAD'),
        w.flagged.length ? el('p', { class: 'desc' }, w.flagged.map((r) => `${r.code}${r.advisory ? ` ${r.advisory}` : ''}: ${r.message}`).join(' · ')) : null);
    })));
    if (x.unreadable) section.appendChild(el('p', { class: 'empty' }, `${x.unreadable} lockfile version${x.unreadable > 1 ? 's' : ''} in the history could not be read: what ${x.unreadable > 1 ? 'they' : 'it'} locked is unknown.`));
    if (x.shallow) section.appendChild(el('p', { class: 'empty' }, 'This is a shallow clone: history before its oldest commit is not known.'));
    return section;
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Findings

  function findingsSection(model) {
    const section = el('section', { class: 'findings', 'aria-labelledby': 'f-h' },
      el('div', { class: 'sec-head' },
        el('h2', { id: 'f-h' }, 'Findings'),
        el('span', { class: 'sec-sub' }, model.findings.length ? `${model.findings.length} for the locked version${model.locked.length > 1 ? 's' : ''}` : '')));
    if (!model.findings.length) {
      section.appendChild(el('p', { class: 'empty' }, 'Nothing to report for the locked version' + (model.locked.length > 1 ? 's' : '') + '.'));
      return section;
    }
    section.appendChild(el('ol', { class: 'cards' }, model.findings.map((f) => findingCard(model, f))));
    return section;
  }

  function findingCard(model, f) {
    const info = codeInfo(model, f.code);
    const places = f.locations.length ? f.locations.slice(0, 6) : f.file ? [{ kind: 'lockfile', file: f.file, line: f.line }] : [];
    return el(
      'li',
      { class: `card sev-${f.severity}` },
      el('div', { class: 'card-head' },
        el('span', { class: `chip sev sev-${f.severity}` }, SEVERITY_LABEL[f.severity]),
        el('h3', { title: info.description }, info.title),
        el('span', { class: 'mono pv' }, `${f.package}@${f.version}`),
        f.advisory && f.advisory.id ? el('span', { class: 'chip adv-id', title: f.advisory.title }, f.advisory.id) : null),
      el('p', { class: 'msg' }, f.message),
      info.description ? el('p', { class: 'desc' }, info.description) : null,
      f.evidence.length
        ? el('dl', { class: 'evidence' }, f.evidence.map((e) => [el('dt', null, e.label), el('dd', null, e.value)]))
        : null,
      el('div', { class: 'card-foot' },
        f.safeVersion
          ? el('span', { class: 'safe' }, 'Safe version ', el('span', { class: 'mono strong' }, f.safeVersion), pinButton(model, f.safeVersion, 'secondary'))
          : el('span', { class: 'safe muted' }, actionable(f) ? 'No safe version within the allowed range' : ''),
        el('span', { class: 'where' },
          f.direct ? el('span', { class: 'muted' }, 'direct dependency') : f.via.length ? el('span', { class: 'muted', title: f.via.join(', ') }, `via ${f.via.slice(0, 2).join(', ')}${f.via.length > 2 ? ` +${f.via.length - 2}` : ''}`) : null,
          places.map((p) => el('button', {
            class: 'btn link',
            type: 'button',
            title: `Open ${p.file} at line ${p.line}`,
            'aria-label': `Open ${p.file} at line ${p.line}`,
            on: { click: () => vscode.postMessage({ type: 'open', file: p.file, line: p.line }) },
          }, icon('file'), `${basename(p.file)}:${p.line}`)))),
    );
  }

  /** Where `node` sits inside the scrolling `container`, in the container's scroll coordinates. */
  function offsetIn(container, node) {
    return node.getBoundingClientRect().top - container.getBoundingClientRect().top + container.scrollTop;
  }

  function basename(file) {
    const parts = file.split(/[\\/]/);
    return parts.length > 2 ? parts.slice(-2).join('/') : file;
  }

  // ---------------------------------------------------------------------------------------------------------------

  function render(msg) {
    if (!isObj(msg) || msg.type !== 'report') return;
    let model;
    try {
      model = readModel(msg);
    } catch (err) {
      root.replaceChildren(el('p', { class: 'empty' }, 'This report could not be shown: ' + String(err && err.message)));
      return;
    }
    root.replaceChildren(...[header(model), timelineSection(model), exposureSection(model), findingsSection(model)].filter(Boolean));
    root.setAttribute('aria-busy', 'false');
    // Bring the locked release into view in the list (without moving focus).
    const locked = model.releases.filter((r) => r.locked).pop();
    const list = root.querySelector('.releases-scroll');
    if (locked && list) {
      requestAnimationFrame(() => {
        const row = list.querySelector('.rel.is-locked');
        const top = row ? offsetIn(list, row) : 0;
        if (row && top > list.clientHeight - row.offsetHeight) list.scrollTop = top - list.clientHeight / 3;
      });
    }
  }

  window.addEventListener('message', (e) => render(e.data));
  vscode.postMessage({ type: 'ready' });
})();
