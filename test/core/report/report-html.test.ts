import { strict as assert } from 'node:assert';
import { escapeHtml, reportCsp, reportHtml, type ReportHtmlOptions } from '../../../src/core/report/report-html';

const CSP_SOURCE = 'https://*.vscode-cdn.net';
const NONCE = 'k3J9vQ2xL0pW7sYt1aBcDe+/';

const options = (over: Partial<ReportHtmlOptions> = {}): ReportHtmlOptions => ({
  cspSource: CSP_SOURCE,
  nonce: NONCE,
  scriptUri: 'https://file+.vscode-resource.vscode-cdn.net/ext/media/report.js',
  styleUri: 'https://file+.vscode-resource.vscode-cdn.net/ext/media/report.css',
  title: 'Trust report: left-pad',
  ...over,
});

/** The CSP of a page, read back from its meta tag and parsed into directive → sources. */
function cspOf(html: string): Map<string, string[]> {
  const metas = [...html.matchAll(/<meta http-equiv="Content-Security-Policy" content="([^"]*)">/g)];
  assert.equal(metas.length, 1, 'exactly one CSP meta tag');
  const text = metas[0][1]
    .replace(/&#39;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&');
  const out = new Map<string, string[]>();
  for (const part of text.split(';')) {
    const [name, ...sources] = part.trim().split(/\s+/);
    if (!name) continue;
    assert.ok(!out.has(name), `directive ${name} appears once`);
    out.set(name, sources);
  }
  return out;
}

describe('reportHtml: the trust report webview shell', () => {
  it('has a strict CSP: nothing by default, own-origin styles and images, nonce-only scripts', () => {
    const csp = cspOf(reportHtml(options()));
    assert.deepEqual(csp.get('default-src'), ["'none'"]);
    assert.deepEqual(csp.get('style-src'), [CSP_SOURCE]);
    assert.deepEqual(csp.get('script-src'), [`'nonce-${NONCE}'`]);
    assert.deepEqual(csp.get('img-src'), [CSP_SOURCE, 'data:']);
    assert.deepEqual(csp.get('base-uri'), ["'none'"]);
    assert.deepEqual(csp.get('form-action'), ["'none'"]);
  });

  it('allows no inline code, no eval and no other origin anywhere in the policy', () => {
    const csp = cspOf(reportHtml(options()));
    const allowed = new Set(["'none'", CSP_SOURCE, `'nonce-${NONCE}'`, 'data:']);
    for (const [name, sources] of csp) {
      for (const s of sources) assert.ok(allowed.has(s), `${name} allows ${s}`);
      assert.ok(!sources.some((s) => /unsafe-|strict-dynamic|^\*$|^https?:$/.test(s)), `${name} stays strict`);
    }
    assert.ok(!csp.has('connect-src') && !csp.has('frame-src') && !csp.has('font-src'), 'everything else falls back to none');
  });

  it('loads exactly one script, with the nonce of the policy, from the given URI', () => {
    const html = reportHtml(options());
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
    assert.equal(scripts.length, 1);
    const [, attrs, body] = scripts[0];
    assert.equal(body.trim(), '', 'no inline script body');
    assert.match(attrs, new RegExp(`nonce="${NONCE.replace(/[+/]/g, '\\$&')}"`));
    assert.match(attrs, /src="https:\/\/file\+\.vscode-resource\.vscode-cdn\.net\/ext\/media\/report\.js"/);
    assert.deepEqual(cspOf(html).get('script-src'), [`'nonce-${NONCE}'`]);
  });

  it('has no inline styles, event handler attributes or remote links', () => {
    const html = reportHtml(options());
    assert.doesNotMatch(html, /<style\b/i);
    assert.doesNotMatch(html, /\sstyle=/i);
    assert.doesNotMatch(html, /\son[a-z]+=/i);
    const urls = [...html.matchAll(/\b(?:src|href)="([^"]*)"/g)].map((m) => m[1]);
    assert.deepEqual(urls, [options().styleUri, options().scriptUri]);
  });

  it('escapes the title (a package name is registry data)', () => {
    const html = reportHtml(options({ title: 'Trust report: </title><script>alert(1)</script> & "x"' }));
    assert.match(html, /<title>Trust report: &lt;\/title&gt;&lt;script&gt;alert\(1\)&lt;\/script&gt; &amp; &quot;x&quot;<\/title>/);
    assert.equal([...html.matchAll(/<script\b/g)].length, 1, 'no script smuggled in through the title');
  });

  it('escapes resource URIs in attributes', () => {
    const html = reportHtml(options({ scriptUri: 'https://x.vscode-cdn.net/a"><script>alert(1)</script>.js' }));
    assert.equal([...html.matchAll(/<script\b/g)].length, 1);
    assert.match(html, /src="https:\/\/x\.vscode-cdn\.net\/a&quot;&gt;&lt;script&gt;/);
  });

  it('refuses a weak or malformed nonce', () => {
    for (const nonce of ['', 'short', 'abc def ghi jkl mno pqr', "abcdefghijklmnop'; script-src *", 'a'.repeat(15)]) {
      assert.throws(() => reportHtml(options({ nonce })), /nonce/, JSON.stringify(nonce));
    }
  });

  it('refuses a resource source that would widen or inject into the policy', () => {
    for (const cspSource of [
      '',
      '*',
      'https:',
      'http:',
      'data:',
      "https://x.net; script-src 'unsafe-inline'",
      "'unsafe-inline'",
      'https://x.net,https://y.net',
    ]) {
      assert.throws(() => reportCsp(cspSource, NONCE), /resource origin/, JSON.stringify(cspSource));
    }
  });

  it("takes VS Code's resource sources as given: several, 'self', wildcard subdomains (code-server 4.139)", () => {
    const csp = reportCsp("'self' https://*.vscode-cdn.net", NONCE);
    assert.match(csp, /style-src 'self' https:\/\/\*\.vscode-cdn\.net;/);
    assert.match(csp, /img-src 'self' https:\/\/\*\.vscode-cdn\.net data:;/);
    assert.match(csp, /script-src 'nonce-/, 'scripts still only by nonce');
    for (const widened of ["'self' 'unsafe-inline'", "'self' *", "'none'", "'self';script-src *"])
      assert.throws(() => reportCsp(widened, NONCE), /resource origin/, widened);
  });

  it('uses a fresh nonce as given, so two loads differ', () => {
    const a = reportHtml(options({ nonce: 'AAAAAAAAAAAAAAAAAAAAAAAA' }));
    const b = reportHtml(options({ nonce: 'BBBBBBBBBBBBBBBBBBBBBBBB' }));
    assert.notEqual(a, b);
    assert.match(a, /'nonce-AAAAAAAAAAAAAAAAAAAAAAAA'/);
    assert.doesNotMatch(a, /BBBB/);
  });

  it('escapeHtml covers markup and both quote kinds', () => {
    assert.equal(escapeHtml(`<a href='x' title="y">&</a>`), '&lt;a href=&#39;x&#39; title=&quot;y&quot;&gt;&amp;&lt;/a&gt;');
  });
});
