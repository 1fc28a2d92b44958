// Bundles the extension and the CLI into dist/ with esbuild (vscode stays external), and the trust report page's
// script for the browser.
import { build } from 'esbuild';
import { readFileSync, realpathSync } from 'node:fs';

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const production = process.argv.includes('--production');
const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: !production,
  minify: production,
  define: { TRUSTLENS_VERSION: JSON.stringify(version) },
  logLevel: 'warning',
  // jsonc-parser's UMD build hides its requires from the bundler; its ESM build bundles cleanly.
  mainFields: ['module', 'main'],
  // pacote's script runner resolves node-gyp only when it runs a package's scripts, which TrustLens never does.
  // The CycloneDX library's optional plug-ins (schema validators, XML): TrustLens writes JSON and validates it in its
  // test suite, where they are installed; bundled they would only add weight (ajv alone ~400 KB).
  external: ['node-gyp/bin/node-gyp.js', 'ajv', 'ajv-formats', 'ajv-formats-draft2019', 'libxmljs2', 'xmlbuilder2'],
};

// Modules a scan loads only when it needs them (src/core/lazy-module.ts): parsers of other lockfile formats, npm's
// HTTP client (proxies, client certificates), Sigstore's TUF client (no --trusted-root), tar (content
// analysis) and pacote (projects without a usable lockfile). They are files of their own under dist/vendor/, so that starting the CLI or the service does not
// even parse them: requiring dist/cli.js took 64 ms with them inside (not run), 35 ms without; 98 ms when they
// also ran. npm-registry-fetch and @sigstore/tuf share a file: both are built on make-fetch-happen.
// Each vendor file exports { [module name]: the module }.
const VENDOR = {
  yaml: 'yaml',
  '@yarnpkg/lockfile': 'yarnpkg-lockfile',
  '@yarnpkg/parsers': 'yarnpkg-parsers',
  tar: 'tar',
  'npm-registry-fetch': 'npm-http',
  '@sigstore/tuf': 'npm-http',
  // npm's manifest picker: only for projects without a lockfile npm would use (src/engine/check/unlocked.ts).
  pacote: 'pacote',
  // The CycloneDX object model and serialiser: only for `trustlens sbom` and "Export SBOM…".
  '@cyclonedx/cyclonedx-library': 'cyclonedx',
  'packageurl-js': 'cyclonedx',
};
const vendorFiles = [...new Set(Object.values(VENDOR))];
const lazyVendor = {
  name: 'lazy-vendor',
  setup(b) {
    const filter = new RegExp(
      `^(${Object.keys(VENDOR)
        .map((n) => n.replace(/[/.]/g, '\\$&'))
        .join('|')})$`,
    );
    // Only the lazy require() calls in our own sources; a dependency's own imports stay as they are.
    b.onResolve({ filter }, (args) =>
      args.kind === 'require-call' && /[\\/]src[\\/]/.test(args.importer) && !args.importer.includes('node_modules')
        ? { path: args.path, namespace: 'vendor-stub' }
        : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'vendor-stub' }, (args) => ({
      contents: `module.exports = require(${JSON.stringify(`./vendor/${VENDOR[args.path]}.js`)})[${JSON.stringify(args.path)}];`,
      loader: 'js',
    }));
    b.onResolve({ filter: /^\.\/vendor\//, namespace: 'vendor-stub' }, (args) => ({ path: args.path, external: true }));
  },
};
/** Builds dist/vendor/<file>.js from the modules VENDOR puts there. */
const vendorEntry = {
  name: 'vendor-entry',
  setup(b) {
    b.onResolve({ filter: /^vendor-entry:/ }, (args) => ({ path: args.path.slice('vendor-entry:'.length), namespace: 'vendor-entry' }));
    b.onLoad({ filter: /.*/, namespace: 'vendor-entry' }, (args) => ({
      contents: `module.exports = {${Object.entries(VENDOR)
        .filter(([, file]) => file === args.path)
        .map(([name]) => `${JSON.stringify(name)}: require(${JSON.stringify(name)})`)
        .join(', ')}};`,
      loader: 'js',
      resolveDir: process.cwd(),
    }));
  },
};
common.plugins = [lazyVendor];
const extension = { ...common, external: ['vscode'] };

// `trustlens lsp` loads the language server (and vscode-languageserver) from a file of its own, dist/lsp.js, so that
// the other commands do not even parse it: src/cli/commands/lsp.ts requires '../../lsp/server', which in the CLI
// bundle becomes require('./lsp.js').
const lspApart = {
  name: 'lsp-apart',
  setup(b) {
    b.onResolve({ filter: /^\.\.\/\.\.\/lsp\/server$/ }, (args) =>
      /[\\/]src[\\/]cli[\\/]commands[\\/]lsp\.ts$/.test(args.importer) ? { path: './lsp.js', external: true } : undefined,
    );
  },
};

// dist/extension.js is what VS Code loads at activation (issue #6: activation < 50 ms): it registers and loads
// nothing else. What the registrations lead to are bundles of their own that it requires on first use
// (src/extension/extension.ts): dist/runtime.js (service client, scanner, diagnostics, hover, quick fixes,
// commands). Parsing and every lockfile parser live in the service (dist/service.js), a process of its own.
const [activation] = await Promise.all([
  build({ ...extension, entryPoints: ['src/extension/extension.ts'], outfile: 'dist/extension.js', metafile: true }),
  build({ ...extension, entryPoints: ['src/extension/runtime.ts'], outfile: 'dist/runtime.js' }),
  build({ ...common, plugins: [...common.plugins, lspApart], entryPoints: ['src/cli/index.ts'], outfile: 'dist/cli.js' }),
  build({ ...common, entryPoints: ['src/lsp/server.ts'], outfile: 'dist/lsp.js' }),
  build({ ...common, entryPoints: ['src/service/server.ts'], outfile: 'dist/service.js' }),
  // The Sigstore verification worker that dist/cli.js and dist/service.js start (src/engine/sigstore/verify-pool.ts).
  build({ ...common, entryPoints: ['src/engine/sigstore/sigstore-worker.ts'], outfile: 'dist/sigstore-worker.js' }),
  build({ ...common, plugins: [vendorEntry], entryPoints: Object.fromEntries(vendorFiles.map((f) => [`vendor/${f}`, `vendor-entry:${f}`])), outdir: 'dist' }),
  // The trust report page (src/webview/), run in the webview: a browser script the HTML shell loads with its nonce
  // (src/core/report/report-html.ts), from dist/webview/, the one folder of dist/ the webview may read.
  // chrome122: VS Code 1.90 (engines.vscode) runs Electron 29.
  build({
    entryPoints: ['src/webview/report.ts'],
    outfile: 'dist/webview/report.js',
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: 'chrome122',
    sourcemap: !production,
    minify: production,
    logLevel: 'warning',
  }),
]);

// Keep it that way: an import that drags a package or a parser into the activation bundle fails the build.
// (Compared as real paths: the benchmark packages from a folder whose src/ is a symbolic link.)
const ACTIVATION_SOURCES = ['src/extension/extension.ts', 'src/extension/contributions.ts', 'src/core/dependency-files.ts'];
const allowed = new Set(ACTIVATION_SOURCES.map((f) => realpathSync(f)));
const out = activation.metafile.outputs['dist/extension.js'];
const strays = [
  ...new Set(
    Object.keys(out.inputs)
      .filter((input) => !allowed.has(realpathSync(input)))
      .map((input) => input.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/)?.[1] ?? input),
  ),
];
if (strays.length) {
  console.error(
    `dist/extension.js is loaded at activation and must contain only ${ACTIVATION_SOURCES.join(' and ')}, ` +
      `but it bundles ${strays.join(', ')}. Import such code from src/extension/runtime.ts (loaded on first use) instead.`,
  );
  process.exit(1);
}
