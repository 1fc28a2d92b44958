// The report's header (verdict banner, facts), the exposure windows and the finding cards.
import { el, icon } from './dom';
import { post } from './messages';
import { SEVERITY_LABEL, codeInfo, sevRank, ym, ymd, type Commit, type FindingView, type Model } from './model';

export function header(model: Model): HTMLElement {
  const worst: FindingView | undefined = model.findings[0];
  const facts: HTMLElement[] = [];
  if (model.registry) facts.push(fact('Registry', el('span', { class: 'mono' }, model.registry)));
  const dated = model.releases.filter((r) => r.date);
  if (model.releases.length) {
    const span = dated.length ? ` · ${ym(dated[0].date)} → ${ym(dated[dated.length - 1].date)}` : '';
    const total = model.total > model.releases.length ? ` (newest of ${model.total})` : '';
    facts.push(fact('Releases', `${model.releases.length}${total}${span}`));
  }
  const publishers = [...new Set(model.releases.map((r) => r.publisher).filter(Boolean))];
  if (publishers.length)
    facts.push(fact(publishers.length === 1 ? 'Publisher' : 'Publishers', publishers.length > 3 ? `${publishers.length}` : publishers.join(', ')));
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
        ? el(
            'span',
            { class: 'locked-list', 'aria-label': 'Locked by this project: ' + model.locked.join(', ') },
            model.locked.map((v) =>
              el('span', { class: 'lock-chip', title: 'Installed by this project (lockfile)' }, icon('lock'), el('span', { class: 'mono' }, v)),
            ),
          )
        : el('span', { class: 'lock-chip lock-none' }, 'not in the lockfile'),
    ),
    verdict(model, worst),
    el('dl', { class: 'facts' }, facts),
    model.trustData
      ? null
      : el(
          'p',
          { class: 'note', role: 'note' },
          icon('info'),
          el(
            'span',
            null,
            el('strong', null, 'No trust metadata. '),
            'This registry serves no publishers, signatures or attestations, so provenance and publisher are unknown for this registry — unknown, not failed.',
          ),
        ),
  );
}

function fact(label: string, value: string | HTMLElement): HTMLElement {
  return el('div', { class: 'fact' }, el('dt', null, label), el('dd', null, value));
}

function verdict(model: Model, worst: FindingView | undefined): HTMLElement {
  if (!worst) {
    return el(
      'div',
      { class: 'verdict ok', role: 'status' },
      icon('check', 'verdict-icon'),
      el(
        'div',
        null,
        el('p', { class: 'verdict-line' }, el('strong', null, 'No findings'), ' for the locked version' + (model.locked.length > 1 ? 's' : '') + '.'),
      ),
    );
  }
  const more = model.findings.length - 1;
  const safe = worst.safeVersion || model.findings.find((f) => f.safeVersion)?.safeVersion || '';
  const title = codeInfo(model, worst.code).title;
  return el(
    'div',
    { class: `verdict sev-${worst.severity}`, role: 'status' },
    icon(worst.severity === 'critical' || worst.severity === 'high' ? 'warning' : 'info', 'verdict-icon'),
    el(
      'div',
      { class: 'verdict-body' },
      el(
        'p',
        { class: 'verdict-line' },
        el('span', { class: `chip sev sev-${worst.severity}` }, SEVERITY_LABEL[worst.severity]),
        el('strong', null, title),
        worst.version ? el('span', null, ' in ', el('span', { class: 'mono' }, worst.version)) : null,
        more > 0 ? el('span', { class: 'muted' }, ` · ${more} more finding${more > 1 ? 's' : ''} below`) : null,
      ),
      safe
        ? el('p', { class: 'verdict-safe' }, 'Safe version ', el('span', { class: 'mono strong' }, safe), pinButton(model, safe, 'primary'))
        : actionable(worst)
          ? el('p', { class: 'verdict-safe muted' }, 'No safe version within the allowed range.')
          : null,
    ),
  );
}

/** Whether a finding calls for moving off the version (info and low ones are notes). */
function actionable(f: FindingView): boolean {
  return sevRank(f.severity) >= sevRank('medium');
}

function pinButton(model: Model, version: string, kind: 'primary' | 'secondary'): HTMLElement {
  return el(
    'button',
    {
      class: `btn ${kind}`,
      type: 'button',
      title: `Pin ${model.name} to ${version}`,
      'aria-label': `Pin ${model.name} to ${version}`,
      on: { click: () => post({ type: 'pin', name: model.name, version }) },
    },
    icon('pin'),
    `Pin ${version}`,
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Exposure: the windows each version was locked in this repository

export function exposureSection(model: Model): HTMLElement | null {
  const x = model.exposure;
  // Not a git repository: nothing to say.
  if (!x || /not in a git repository/.test(x.unavailable)) return null;
  const section = el(
    'section',
    { class: 'exposure', 'aria-labelledby': 'x-h' },
    el(
      'div',
      { class: 'sec-head' },
      el('h2', { id: 'x-h' }, 'Locked in this repository'),
      el('span', { class: 'sec-sub' }, x.windows.length ? `${x.windows.length} window${x.windows.length > 1 ? 's' : ''} in the lockfiles' git history` : ''),
    ),
  );
  if (x.unavailable) {
    section.appendChild(el('p', { class: 'empty' }, 'Lockfile history could not be read: ' + x.unavailable));
    return section;
  }
  if (!x.windows.length) section.appendChild(el('p', { class: 'empty' }, 'No commit on this branch locked ' + model.name + '.'));
  const label = (c: Commit) => `${ymd(c.date)} ${c.hash.slice(0, 10)} (${c.author}) ${c.subject.slice(0, 60)}`;
  section.appendChild(
    el(
      'ol',
      { class: 'cards' },
      x.windows.map((w) => {
        const worst = w.flagged.reduce((m, r) => (sevRank(r.severity) > sevRank(m) ? r.severity : m), 'info' as FindingView['severity']);
        return el(
          'li',
          { class: `card${w.flagged.length ? ` sev-${worst}` : ''}` },
          el(
            'div',
            { class: 'card-head' },
            w.flagged.length ? el('span', { class: `chip sev sev-${worst}` }, SEVERITY_LABEL[worst]) : null,
            el('span', { class: 'mono pv' }, `${model.name}@${w.version}`),
            el('span', { class: 'muted' }, `${w.file}${w.workspace && w.workspace !== '.' && w.workspace !== '*' ? ` [${w.workspace}]` : ''}`),
          ),
          el('p', { class: 'msg' }, (w.openedBefore ? 'Already locked at ' : 'Locked by ') + label(w.opened)),
          el('p', { class: 'msg' }, w.closed ? 'Removed by ' + label(w.closed) : 'Still locked at HEAD'),
          w.flagged.length
            ? el('p', { class: 'desc' }, w.flagged.map((r) => `${r.code}${r.advisory ? ` ${r.advisory}` : ''}: ${r.message}`).join(' · '))
            : null,
        );
      }),
    ),
  );
  if (x.unreadable)
    section.appendChild(
      el(
        'p',
        { class: 'empty' },
        `${x.unreadable} lockfile version${x.unreadable > 1 ? 's' : ''} in the history could not be read: what ${x.unreadable > 1 ? 'they' : 'it'} locked is unknown.`,
      ),
    );
  if (x.shallow) section.appendChild(el('p', { class: 'empty' }, 'This is a shallow clone: history before its oldest commit is not known.'));
  return section;
}

// ---------------------------------------------------------------------------------------------------------------
// Findings

export function findingsSection(model: Model): HTMLElement {
  const section = el(
    'section',
    { class: 'findings', 'aria-labelledby': 'f-h' },
    el(
      'div',
      { class: 'sec-head' },
      el('h2', { id: 'f-h' }, 'Findings'),
      el('span', { class: 'sec-sub' }, model.findings.length ? `${model.findings.length} for the locked version${model.locked.length > 1 ? 's' : ''}` : ''),
    ),
  );
  if (!model.findings.length) {
    section.appendChild(el('p', { class: 'empty' }, 'Nothing to report for the locked version' + (model.locked.length > 1 ? 's' : '') + '.'));
    return section;
  }
  section.appendChild(
    el(
      'ol',
      { class: 'cards' },
      model.findings.map((f) => findingCard(model, f)),
    ),
  );
  return section;
}

function findingCard(model: Model, f: FindingView): HTMLElement {
  const info = codeInfo(model, f.code);
  const places = f.locations.length ? f.locations.slice(0, 6) : f.file ? [{ kind: 'lockfile', file: f.file, line: f.line }] : [];
  return el(
    'li',
    { class: `card sev-${f.severity}` },
    el(
      'div',
      { class: 'card-head' },
      el('span', { class: `chip sev sev-${f.severity}` }, SEVERITY_LABEL[f.severity]),
      el('h3', { title: info.description }, info.title),
      el('span', { class: 'mono pv' }, `${f.package}@${f.version}`),
      f.advisory && f.advisory.id ? el('span', { class: 'chip adv-id', title: f.advisory.title }, f.advisory.id) : null,
    ),
    el('p', { class: 'msg' }, f.message),
    info.description ? el('p', { class: 'desc' }, info.description) : null,
    f.evidence.length
      ? el(
          'dl',
          { class: 'evidence' },
          f.evidence.map((e) => [el('dt', null, e.label), el('dd', null, e.value)]),
        )
      : null,
    el(
      'div',
      { class: 'card-foot' },
      f.safeVersion
        ? el('span', { class: 'safe' }, 'Safe version ', el('span', { class: 'mono strong' }, f.safeVersion), pinButton(model, f.safeVersion, 'secondary'))
        : el('span', { class: 'safe muted' }, actionable(f) ? 'No safe version within the allowed range' : ''),
      el(
        'span',
        { class: 'where' },
        f.direct
          ? el('span', { class: 'muted' }, 'direct dependency')
          : f.via.length
            ? el('span', { class: 'muted', title: f.via.join(', ') }, `via ${f.via.slice(0, 2).join(', ')}${f.via.length > 2 ? ` +${f.via.length - 2}` : ''}`)
            : null,
        places.map((p) =>
          el(
            'button',
            {
              class: 'btn link',
              type: 'button',
              title: `Open ${p.file} at line ${p.line}`,
              'aria-label': `Open ${p.file} at line ${p.line}`,
              on: { click: () => post({ type: 'open', file: p.file, line: p.line }) },
            },
            icon('file'),
            `${basename(p.file)}:${p.line}`,
          ),
        ),
      ),
    ),
  );
}

function basename(file: string): string {
  const parts = file.split(/[\\/]/);
  return parts.length > 2 ? parts.slice(-2).join('/') : file;
}
