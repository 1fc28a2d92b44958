import type { LocatedFinding } from './locate';
import type { ReleaseTimeline } from './timeline';

/** What the trust report page's HTML shell needs; every value comes from the webview adapter. */
export interface ReportHtmlOptions {
  /** `webview.cspSource`: the origin the webview serves local resources from. */
  cspSource: string;
  /** A fresh random value per page load (base64). */
  nonce: string;
  /** Webview URIs of media/report.js and media/report.css. */
  scriptUri: string;
  styleUri: string;
  title: string;
}

const NONCE = /^[A-Za-z0-9+/_-]{16,}={0,2}$/;
/** Sources that would open the page to any host or scheme: never accepted as the "local resource" source. */
const TOO_BROAD = new Set(['*', 'http:', 'https:', 'data:', 'blob:', 'filesystem:', 'ws:', 'wss:']);

/**
 * The page's Content-Security-Policy: nothing by default; styles and images only from the webview's own resource
 * origin; scripts only with the nonce (so no inline handlers, no eval, no remote scripts); no `<base>`, no forms.
 */
export function reportCsp(cspSource: string, nonce: string): string {
  if (!NONCE.test(nonce)) throw new Error('reportCsp: the nonce must be at least 16 base64 characters');
  // VS Code gives one source or several (1.139: "'self' https://*.vscode-cdn.net"), taken as given: host sources
  // (wildcard subdomains included) and the 'self' keyword; nothing that widens the policy or ends the directive.
  const sources = cspSource.trim().split(/\s+/);
  for (const s of sources) {
    const ok = s.toLowerCase() === "'self'" || (s !== '' && !/[;,'"<>\\]/.test(s) && !TOO_BROAD.has(s.toLowerCase()));
    if (!ok) throw new Error(`reportCsp: not a resource origin: ${JSON.stringify(cspSource)}`);
  }
  const own = sources.join(' ');
  return [
    "default-src 'none'",
    `style-src ${own}`,
    `script-src 'nonce-${nonce}'`,
    `img-src ${own} data:`,
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
}

/** Escapes text for HTML element content and double- or single-quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** Escapes a double-quoted attribute value, leaving single quotes readable (the CSP's `'none'`). */
function escapeAttr(text: string): string {
  return text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}

/**
 * The HTML shell of the trust report webview. It carries no report data: media/report.js builds the page from the
 * `{ type: 'report' }` message the extension posts after the page says `{ type: 'ready' }`.
 */
export function reportHtml(o: ReportHtmlOptions): string {
  const csp = reportCsp(o.cspSource, o.nonce);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${escapeAttr(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="${escapeAttr(o.styleUri)}">
<title>${escapeHtml(o.title)}</title>
</head>
<body>
<main id="report" aria-busy="true"><p class="loading">Loading the trust report…</p></main>
<script nonce="${escapeAttr(o.nonce)}" src="${escapeAttr(o.scriptUri)}"></script>
</body>
</html>
`;
}

/** Messages the report page sends back to the extension. */
export type ReportPageMessage =
  | { type: 'ready' }
  | { type: 'pin'; name: string; version: string }
  | { type: 'open'; file: string; line: number };

/** The parts of a report that decide which page messages are legitimate. */
export interface ReportScope {
  timeline: Pick<ReleaseTimeline, 'name'>;
  findings: Pick<LocatedFinding, 'safeVersion' | 'file' | 'locations'>[];
}

/**
 * Checks a message from the page before the extension acts on it: the page renders registry data, so treat it as
 * untrusted. A pin must name the report's package and a safe version the report offered; an open must name a file
 * one of the findings points at, with a positive line number. Anything else: undefined.
 */
export function parseReportMessage(raw: unknown, scope: ReportScope): ReportPageMessage | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const m = raw as Record<string, unknown>;
  switch (m.type) {
    case 'ready':
      return { type: 'ready' };
    case 'pin': {
      if (typeof m.name !== 'string' || typeof m.version !== 'string') return undefined;
      if (m.name !== scope.timeline.name) return undefined;
      if (!scope.findings.some((f) => f.safeVersion === m.version)) return undefined;
      return { type: 'pin', name: m.name, version: m.version };
    }
    case 'open': {
      if (typeof m.file !== 'string' || typeof m.line !== 'number' || !Number.isSafeInteger(m.line) || m.line < 1) return undefined;
      const file = m.file;
      if (!file || !scope.findings.some((f) => f.file === file || f.locations.some((l) => l.file === file))) return undefined;
      return { type: 'open', file, line: m.line };
    }
    default:
      return undefined;
  }
}
