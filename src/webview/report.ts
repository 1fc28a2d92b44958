// The trust report page (bundled by scripts/build.mjs into dist/webview/report.js, which the HTML shell from
// src/core/report/report-html.ts loads). It says `ready`, the extension answers with `{ type: 'report' }`
// (src/protocol/report-page.ts), and the page is built from that: as text, never as markup (src/webview/dom.ts).
import type { ReportHostMessage } from '../protocol/report-page';
import { el } from './dom';
import { onMessage, post } from './messages';
import { readModel, type Model } from './model';
import { exposureSection, findingsSection, header } from './sections';
import { offsetIn, refitYears, timelineSection } from './timeline';

const root = document.getElementById('report')!;
window.addEventListener('resize', () => refitYears());

function render(msg: unknown): void {
  if (typeof msg !== 'object' || msg === null || Array.isArray(msg) || (msg as { type?: unknown }).type !== 'report') return;
  let model: Model;
  try {
    model = readModel(msg as Partial<Record<keyof ReportHostMessage, unknown>>);
  } catch (err) {
    root.replaceChildren(el('p', { class: 'empty' }, 'This report could not be shown: ' + String(err && (err as Error).message)));
    return;
  }
  root.replaceChildren(...[header(model), timelineSection(model), exposureSection(model), findingsSection(model)].filter((s): s is HTMLElement => !!s));
  root.setAttribute('aria-busy', 'false');
  // Bring the locked release into view in the list (without moving focus).
  const locked = model.releases.filter((r) => r.locked).pop();
  const list = root.querySelector<HTMLElement>('.releases-scroll');
  if (locked && list) {
    requestAnimationFrame(() => {
      const row = list.querySelector<HTMLElement>('.rel.is-locked');
      const top = row ? offsetIn(list, row) : 0;
      if (row && top > list.clientHeight - row.offsetHeight) list.scrollTop = top - list.clientHeight / 3;
    });
  }
}

onMessage(render);
post({ type: 'ready' });
