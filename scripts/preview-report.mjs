// Visual check of the trust report webview outside VS Code.
//
//   npx tsc -p . && npm run build && node scripts/preview-report.mjs [--theme dark|light|hc|all] [--width 1200] [--height 900] [--no-shot]
//
// Writes test-artifacts/report-preview/report-<theme>.html: the real shell (reportHtml, with its CSP) plus a stub
// acquireVsCodeApi and a VS Code-like set of theme variables, fed a realistic sample ReportResult whose timeline comes
// from the real releaseTimeline(). With /usr/bin/chromium it also renders PNGs (viewport and full page) and checks that
// hostile registry strings render as text.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(repo, 'test-artifacts', 'report-preview');
const require = createRequire(import.meta.url);
const compiled = (p) => join(repo, 'out', 'src', p);
if (!existsSync(compiled('core/report/report-html.js'))) {
  console.error('preview-report: compile first (npx tsc -p .)');
  process.exit(1);
}
// The page's script, bundled from src/webview/.
const script = join(repo, 'dist', 'webview', 'report.js');
if (!existsSync(script)) {
  console.error('preview-report: build first (npm run build)');
  process.exit(1);
}
const { reportHtml } = require(compiled('core/report/report-html.js'));
const { releaseTimeline } = require(compiled('core/report/timeline.js'));
const { CODES } = require(compiled('core/trust/codes.js'));

const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1] : def;
};
const themes = opt('theme', 'all') === 'all' ? ['dark', 'light', 'hc'] : [opt('theme', 'dark')];
const width = Number(opt('width', '1200'));
const height = Number(opt('height', '900'));
const shoot = !args.includes('--no-shot');

// ---- Sample: years of releases by one maintainer, evidence getting stronger; then a takeover ----------------------

const NOW = new Date('2026-11-21T12:00:00Z');
const NAME = 'tiny-colorize';

function sampleSummary(hostile, many) {
  const versions = {};
  const add = (version, publishedAt, extra = {}) => {
    versions[version] = { version, publishedAt, publisher: { name: 'jdoe', email: 'jdoe@example.org' }, ...extra };
  };
  const provenance = { attestations: { url: 'https://registry.npmjs.org/-/npm/v1/attestations/x', provenancePredicateType: 'https://slsa.dev/provenance/v1' } };
  const trusted = { ...provenance, publisher: { name: 'jdoe', trustedPublisher: { id: 'github', oidcConfigId: 'oidc:1' } } };

  // --many: five years of 0.x patch releases before 1.0.0 (the timeline keeps the newest 200 and the locked ones).
  if (many) {
    for (let i = 0; i < 240; i++) {
      const native = i >= 120 && i < 150 ? { installScripts: { install: 'node-gyp rebuild' } } : {};
      add(`0.${Math.floor(i / 20)}.${i % 20}`, new Date(Date.UTC(2014, 0, 6) + i * 7.5 * 86400000).toISOString(), native);
    }
  }
  // 1.x: 2019–2021, plain token publishes.
  const v1 = ['1.0.0', '1.0.1', '1.1.0', '1.1.1', '1.2.0', '1.2.1', '1.3.0', '1.3.1', '1.4.0', '1.4.1', '1.5.0', '1.5.1', '1.5.2', '1.6.0'];
  v1.forEach((v, i) => add(v, iso(2019, 3 + i * 2, 4 + (i % 20)), v === '1.2.0' ? { deprecated: 'Breaks hex parsing; use 1.2.1' } : {}));
  // 2.x: 2021–2025; a co-maintainer publishes 2.4.0; provenance from May 2023 (2.6.0).
  const v2 = ['2.0.0', '2.0.1', '2.1.0', '2.2.0', '2.2.1', '2.3.0', '2.4.0', '2.5.0', '2.6.0', '2.6.1', '2.7.0', '2.8.0', '2.8.1', '2.9.0', '2.9.1'];
  v2.forEach((v, i) => {
    const prov = i >= 8 ? provenance : {};
    const pub = v === '2.4.0' ? { publisher: { name: 'mkline', email: 'mk@example.org' } } : {};
    add(v, iso(2021, 11 + i * 3, 9 + (i % 15)), { ...prov, ...pub });
  });
  // 3.x: from August 2025, trusted publishing (OIDC) with provenance.
  const v3 = [
    '3.0.0',
    '3.0.1',
    '3.1.0',
    '3.1.1',
    '3.1.2',
    '3.1.3',
    '3.2.0-beta.1',
    '3.2.0',
    '3.2.1',
    '3.3.0',
    '3.3.1',
    '3.4.0',
    '3.4.1',
    '3.4.2',
    '3.5.0',
    '3.5.1',
    '3.6.0',
    '3.6.1',
    '3.7.0',
    '3.7.1',
    '3.8.0',
    '3.8.1',
    '3.8.2',
    '3.9.0',
    '3.9.1',
  ];
  v3.forEach((v, i) => add(v, new Date(Date.UTC(2025, 7, 4) + i * 17.5 * 86400000).toISOString(), trusted));
  // The takeover: a new account, no provenance, a postinstall, three days ago.
  versions['3.9.2'] = {
    version: '3.9.2',
    publishedAt: '2026-11-18T03:41:09Z',
    publisher: { name: hostile ? '<img src=x onerror=alert(1)>colorize-maint' : 'colorize-maint', email: 'colorize.maint@proton.example' },
    installScripts: { postinstall: hostile ? '<script>alert(1)</script> node ./scripts/setup.js' : 'node ./scripts/setup.js' },
  };
  // The maintainer's clean release two days later.
  add('3.9.3', '2026-11-20T09:12:44Z', trusted);

  return {
    name: hostile ? `${NAME}"><svg onload=alert(1)>` : NAME,
    registry: 'https://registry.npmjs.org/',
    distTags: { latest: '3.9.3' },
    versions,
    trustMetadata: { publisher: true, maintainers: true, signatures: true, attestations: true },
    fetchedAt: NOW.toISOString(),
  };
}

function iso(year, month, day) {
  return new Date(Date.UTC(year, month - 1, day, 14, 22)).toISOString();
}

function sampleAdvisories(hostile) {
  return [
    {
      id: 'MAL-2026-48211',
      aliases: ['GHSA-9c4p-x7m2-qq3w'],
      source: 'osv',
      packageName: NAME,
      severity: 'critical',
      title: hostile ? 'Malicious code in <b onmouseover=alert(1)>tiny-colorize</b>' : 'Malicious code in tiny-colorize (npm)',
      malware: true,
      affected: { kind: 'semver', range: '3.9.2' },
    },
    {
      id: 'GHSA-4x7q-r2jm-8h5v',
      aliases: ['CVE-2025-61204'],
      source: 'npm',
      packageName: NAME,
      severity: 'medium',
      title: 'Regular expression denial of service in parseHex',
      malware: false,
      affected: { kind: 'semver', range: '>=3.0.0 <3.1.3' },
    },
  ];
}

const lockRange = (line) => ({
  start: { line: line - 1, character: 4 },
  end: { line: line - 1, character: 40 },
  startOffset: line * 40,
  endOffset: line * 40 + 36,
});

function sampleFindings(name, hostile) {
  const malicious = {
    package: name,
    version: '3.9.2',
    file: 'package-lock.json',
    line: 1482,
    locations: [
      { kind: 'lockfile', file: 'package-lock.json', line: 1482, range: lockRange(1482) },
      { kind: 'manifest', file: 'package.json', line: 21, range: lockRange(21) },
    ],
    packageIds: ['node_modules/tiny-colorize'],
    direct: true,
    via: [],
  };
  return [
    {
      ...malicious,
      code: 'provenance-downgrade',
      severity: 'high',
      message: `${name}@3.9.2 was published with no provenance, weaker than 3.9.1 (trusted publisher with provenance)`,
      evidence: [
        { label: 'trust evidence of 3.9.2', value: 'no provenance' },
        { label: 'trust evidence of 3.9.1', value: 'trusted publisher with provenance' },
        { label: 'publisher of 3.9.2', value: hostile ? '<img src=x onerror=alert(1)>colorize-maint' : 'colorize-maint' },
      ],
      safeVersion: '3.9.3',
    },
    {
      ...malicious,
      code: 'malware',
      severity: 'critical',
      message: `${name}@3.9.2 is marked malicious by MAL-2026-48211: Malicious code in tiny-colorize (npm)`,
      evidence: [
        { label: 'advisory', value: 'MAL-2026-48211 (OSV), alias GHSA-9c4p-x7m2-qq3w' },
        { label: 'affected versions', value: '3.9.2' },
        { label: 'postinstall of 3.9.2', value: hostile ? '<script>alert(1)</script> node ./scripts/setup.js' : 'node ./scripts/setup.js' },
      ],
      safeVersion: '3.9.3',
      advisory: { id: 'MAL-2026-48211', title: 'Malicious code in tiny-colorize (npm)' },
    },
    {
      code: 'vulnerability',
      severity: 'medium',
      package: name,
      version: '3.1.1',
      message: `${name}@3.1.1 is affected by GHSA-4x7q-r2jm-8h5v (medium): Regular expression denial of service in parseHex`,
      evidence: [
        { label: 'advisory', value: 'GHSA-4x7q-r2jm-8h5v, CVE-2025-61204' },
        { label: 'affected versions', value: '>=3.0.0 <3.1.3' },
        { label: 'required by', value: 'chart-widgets@2.4.0 (^3.1.0)' },
      ],
      safeVersion: '3.1.3',
      advisory: { id: 'GHSA-4x7q-r2jm-8h5v', title: 'Regular expression denial of service in parseHex' },
      file: 'package-lock.json',
      line: 2210,
      locations: [{ kind: 'lockfile', file: 'package-lock.json', line: 2210, range: lockRange(2210) }],
      packageIds: ['node_modules/chart-widgets/node_modules/tiny-colorize'],
      direct: false,
      via: ['chart-widgets@2.4.0'],
    },
  ];
}

function sampleReport(hostile = false, many = false) {
  const summary = sampleSummary(hostile, many);
  const timeline = releaseTimeline(summary, sampleAdvisories(hostile), ['3.9.2', '3.1.1'], NOW);
  return { timeline, findings: sampleFindings(summary.name, hostile) };
}

// ---- Themes: the variables VS Code sets on the webview's <html> (Dark Modern, Light Modern, Dark High Contrast) ---

const THEMES = {
  dark: {
    body: 'vscode-dark',
    vars: {
      'editor-background': '#1f1f1f',
      foreground: '#cccccc',
      descriptionForeground: '#9d9d9d',
      focusBorder: '#0078d4',
      'charts-red': '#f14c4c',
      'charts-orange': '#d18616',
      'charts-yellow': '#cca700',
      'charts-blue': '#3794ff',
      'charts-green': '#89d185',
      'charts-purple': '#b180d7',
      'badge-background': '#616161',
      'badge-foreground': '#f8f8f8',
      'widget-border': '#313131',
      'panel-border': '#2b2b2b',
      'button-background': '#0078d4',
      'button-foreground': '#ffffff',
      'button-hoverBackground': '#026ec1',
      'button-border': '#ffffff12',
      'button-secondaryBackground': '#313131',
      'button-secondaryForeground': '#cccccc',
      'button-secondaryHoverBackground': '#3c3c3c',
      'textLink-foreground': '#4daafc',
      'textLink-activeForeground': '#4daafc',
      'textCodeBlock-background': '#2b2b2b',
      'list-hoverBackground': '#2a2d2e',
      'scrollbarSlider-background': '#79797966',
      'scrollbarSlider-hoverBackground': '#646464b3',
      'scrollbarSlider-activeBackground': '#bfbfbf66',
    },
  },
  light: {
    body: 'vscode-light',
    vars: {
      'editor-background': '#ffffff',
      foreground: '#3b3b3b',
      descriptionForeground: '#717171',
      focusBorder: '#005fb8',
      'charts-red': '#e51400',
      'charts-orange': '#d18616',
      'charts-yellow': '#bf8803',
      'charts-blue': '#1a85ff',
      'charts-green': '#388a34',
      'charts-purple': '#652d90',
      'badge-background': '#cccccc',
      'badge-foreground': '#3b3b3b',
      'widget-border': '#e5e5e5',
      'panel-border': '#e5e5e5',
      'button-background': '#005fb8',
      'button-foreground': '#ffffff',
      'button-hoverBackground': '#0258a8',
      'button-border': '#0000001a',
      'button-secondaryBackground': '#e5e5e5',
      'button-secondaryForeground': '#3b3b3b',
      'button-secondaryHoverBackground': '#cccccc',
      'textLink-foreground': '#005fb8',
      'textLink-activeForeground': '#005fb8',
      'textCodeBlock-background': '#f3f3f3',
      'list-hoverBackground': '#f2f2f2',
      'scrollbarSlider-background': '#64646466',
      'scrollbarSlider-hoverBackground': '#646464b3',
      'scrollbarSlider-activeBackground': '#00000099',
    },
  },
  hc: {
    body: 'vscode-high-contrast',
    vars: {
      'editor-background': '#000000',
      foreground: '#ffffff',
      descriptionForeground: '#ffffffb3',
      focusBorder: '#f38518',
      contrastBorder: '#6fc3df',
      'charts-red': '#f14c4c',
      'charts-orange': '#f38518',
      'charts-yellow': '#ffd700',
      'charts-blue': '#3794ff',
      'charts-green': '#89d185',
      'charts-purple': '#b180d7',
      'badge-background': '#000000',
      'badge-foreground': '#ffffff',
      'widget-border': '#6fc3df',
      'panel-border': '#6fc3df',
      'button-background': '#000000',
      'button-foreground': '#ffffff',
      'button-hoverBackground': '#000000',
      'button-border': '#6fc3df',
      'button-secondaryBackground': '#000000',
      'button-secondaryForeground': '#ffffff',
      'button-secondaryHoverBackground': '#000000',
      'textLink-foreground': '#21a6ff',
      'textLink-activeForeground': '#21a6ff',
      'textCodeBlock-background': '#000000',
      'list-hoverBackground': '#000000',
      'scrollbarSlider-background': '#6fc3df99',
      'scrollbarSlider-hoverBackground': '#6fc3dfcc',
      'scrollbarSlider-activeBackground': '#6fc3df',
    },
  },
};
const FONTS = {
  'font-family': 'system-ui, "Segoe UI", "Liberation Sans", "DejaVu Sans", sans-serif',
  'font-size': '13px',
  'editor-font-family': '"DejaVu Sans Mono", Menlo, Consolas, monospace',
};

// ---- Page -------------------------------------------------------------------------------------------------------

const NONCE = 'cHJldmlldy1ub25jZS0xMjM0NTY3OA';

function page(theme, report) {
  const t = THEMES[theme];
  const vars = { ...FONTS, ...t.vars };
  const css = `:root {\n${Object.entries(vars)
    .map(([k, v]) => `  --vscode-${k}: ${v};`)
    .join('\n')}\n}\n`;
  writeFileSync(join(out, `theme-${theme}.css`), css);
  // The data goes into an inline script (allowed by the nonce); `<` is escaped so no string can close the tag.
  const data = JSON.stringify({ type: 'report', result: report, codes: CODES }).replace(/</g, '\\u003c');
  const stub = `<script nonce="${NONCE}">
window.__posted = [];
window.acquireVsCodeApi = () => ({
  postMessage(m) {
    window.__posted.push(m);
    if (m && m.type === 'ready') {
      setTimeout(() => window.postMessage(${data}, '*'), 0);
      // For the hostile-data check: count elements or handlers that registry strings could have smuggled in.
      setTimeout(() => {
        const main = document.getElementById('report');
        const bad = main.querySelectorAll('img, b, script, iframe, object, embed, a, [onerror], [onload], [onmouseover], [style]:not(.strip), [href], [src]');
        document.documentElement.setAttribute('data-injected', String(bad.length));
        document.documentElement.setAttribute('data-rendered', String(main.textContent.includes('<img src=x onerror=alert(1)>colorize-maint')));
      }, 500);
    }
    else console.log('posted to the extension:', JSON.stringify(m));
  },
  getState() { return undefined; },
  setState() {},
});
</script>`;
  const html = reportHtml({
    cspSource: 'file:',
    nonce: NONCE,
    scriptUri: pathToFileURL(script).href,
    styleUri: pathToFileURL(join(repo, 'media', 'report.css')).href,
    title: `Trust report: ${report.timeline.name}`,
  })
    .replace('</head>', `<link rel="stylesheet" href="theme-${theme}.css">\n${stub}\n</head>`)
    .replace('<body>', `<body class="${t.body}">`);
  return html;
}

function chromium(args) {
  return execFileSync(
    '/usr/bin/chromium',
    [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--hide-scrollbars=false',
      '--virtual-time-budget=3000',
      ...args,
    ],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 },
  );
}

mkdirSync(out, { recursive: true });
const report = sampleReport();
writeFileSync(join(out, 'sample-report.json'), JSON.stringify(report, null, 2));
const canShoot = shoot && existsSync('/usr/bin/chromium');
if (shoot && !canShoot) console.log('preview-report: /usr/bin/chromium not found, writing HTML only (apt-get install -y chromium)');

for (const theme of themes) {
  const file = join(out, `report-${theme}.html`);
  writeFileSync(file, page(theme, report));
  console.log(`wrote ${file}`);
  if (!canShoot) continue;
  for (const [suffix, size] of [
    ['', `${width},${height}`],
    ['-full', `${width},2300`],
    ['-narrow', `640,1100`],
  ]) {
    const png = join(out, `report-${theme}${suffix}.png`);
    chromium([`--screenshot=${png}`, `--window-size=${size}`, pathToFileURL(file).href]);
    console.log(`wrote ${png}`);
  }
}

// Hundreds of releases: the overview scrolls, routine runs fold.
if (canShoot) {
  const file = join(out, 'report-many.html');
  writeFileSync(file, page(themes[0], sampleReport(false, true)));
  const png = join(out, `report-many-${themes[0]}.png`);
  chromium([`--screenshot=${png}`, `--window-size=${width},${height}`, pathToFileURL(file).href]);
  console.log(`wrote ${png}`);
}

// A mirror that strips trust metadata: evidence reads "unknown" and the header says why.
if (canShoot) {
  const summary = sampleSummary(false, false);
  for (const v of Object.values(summary.versions)) {
    delete v.publisher;
    delete v.attestations;
  }
  summary.registry = 'https://npm.mirror.example.com/';
  summary.trustMetadata = { publisher: false, maintainers: false, signatures: false, attestations: false };
  const timeline = releaseTimeline(summary, [], ['3.9.3'], NOW);
  const findings = [
    {
      code: 'trust-metadata-unavailable',
      severity: 'info',
      package: NAME,
      version: '3.9.3',
      message: 'https://npm.mirror.example.com/ serves no publishers, signatures or attestations for tiny-colorize',
      evidence: [{ label: 'registry', value: 'https://npm.mirror.example.com/' }],
      safeVersion: null,
      file: 'package-lock.json',
      line: 1482,
      locations: [],
      packageIds: [],
      direct: true,
      via: [],
    },
  ];
  const file = join(out, 'report-mirror.html');
  writeFileSync(file, page(themes[0], { timeline, findings }));
  const png = join(out, `report-mirror-${themes[0]}.png`);
  chromium([`--screenshot=${png}`, `--window-size=${width},${height}`, pathToFileURL(file).href]);
  console.log(`wrote ${png}`);
}

// Hostile registry data must come out as text: no element or handler may appear from it.
if (canShoot) {
  const file = join(out, 'report-hostile.html');
  writeFileSync(file, page('dark', sampleReport(true)));
  const dom = chromium(['--dump-dom', pathToFileURL(file).href]);
  const injected = !/data-injected="0"/.test(dom);
  const rendered = /data-rendered="true"/.test(dom);
  if (injected || !rendered) {
    console.error(`preview-report: hostile strings ${injected ? 'became markup' : 'did not render'} (see ${file})`);
    process.exitCode = 1;
  } else console.log('hostile strings render as text: ok');
}
