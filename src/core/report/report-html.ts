/** What the trust report page's HTML shell needs; every value comes from the webview adapter. */
export interface ReportHtmlOptions {
  /** `webview.cspSource`: the origin the webview serves local resources from. */
  cspSource: string;
  /** A fresh random value per page load (base64). */
  nonce: string;
  /** Webview URIs of dist/webview/report.js (bundled from src/webview/) and media/report.css. */
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
  return ["default-src 'none'", `style-src ${own}`, `script-src 'nonce-${nonce}'`, `img-src ${own} data:`, "base-uri 'none'", "form-action 'none'"].join('; ');
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
 * The HTML shell of the trust report webview. It carries no report data: the script (src/webview/) builds the page from
 * the `{ type: 'report' }` message the extension posts after the page says `{ type: 'ready' }`.
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
