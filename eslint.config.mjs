import tseslint from 'typescript-eslint';

/*
 * The house's rooms and which may import which (see CONTRIBUTING.md):
 *   core      pure logic: imports nothing of ours but core, and no I/O module
 *   engine    all I/O: core and engine
 *   protocol  the cross-process contracts: core (types) and vscode-jsonrpc
 *   service   the service process, a thin adapter: protocol, engine, core
 *   lsp       `trustlens lsp`, a thin adapter like the service: protocol, engine, core, the service's check options
 *   cli       the trustlens command: engine, core (and src/lsp for `trustlens lsp`)
 *   extension the only room that imports vscode: protocol and core, never the engine (it talks to the service)
 *   webview   the report page, run in a browser: its own modules, and only types from core and protocol
 * An import cycle anywhere in src/ fails test/house/no-import-cycles.test.ts.
 */
const VSCODE = { name: 'vscode', message: 'Only src/extension may import vscode.' };
const IO = [
  'fs',
  'node:fs',
  'fs/promises',
  'node:fs/promises',
  'http',
  'https',
  'net',
  'node:http',
  'node:https',
  'node:net',
  'child_process',
  'node:child_process',
].map((name) => ({ name, message: 'src/core is pure: do I/O in src/engine.' }));
// A relative import that climbs out of its room into a forbidden one: '../engine/…', '../../service/…'.
const into = (rooms) => `^(\\.\\./)+(${rooms.join('|')})(/|$)`;
const zone = (files, { paths = [VSCODE], forbidden = [] }) => ({
  files,
  rules: {
    'no-restricted-imports': [
      'error',
      {
        paths,
        patterns: forbidden.length
          ? [{ regex: into(forbidden), message: `${files[0]} may not import from ${forbidden.join(', ')} (see eslint.config.mjs)` }]
          : [],
      },
    ],
  },
});

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'node_modules/**', '.vscode-e2e/**', 'test/support/*.js'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  zone(['src/core/**'], { paths: [VSCODE, ...IO], forbidden: ['engine', 'protocol', 'service', 'lsp', 'cli', 'extension'] }),
  zone(['src/engine/**'], { forbidden: ['protocol', 'service', 'lsp', 'cli', 'extension'] }),
  zone(['src/protocol/**'], { forbidden: ['engine', 'service', 'lsp', 'cli', 'extension'] }),
  zone(['src/service/**'], { forbidden: ['lsp', 'cli', 'extension'] }),
  zone(['src/lsp/**'], { forbidden: ['cli', 'extension'] }),
  zone(['src/cli/**'], { forbidden: ['protocol', 'service', 'extension'] }),
  zone(['src/extension/**'], { paths: [], forbidden: ['engine', 'service', 'lsp', 'cli'] }),
  {
    files: ['src/webview/**'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            { regex: '^[^.]', message: 'src/webview runs in a browser: no packages, no Node modules, no vscode.' },
            {
              regex: into(['engine', 'service', 'lsp', 'cli', 'extension']),
              message: 'src/webview may not import from engine, service, lsp, cli, extension (see eslint.config.mjs)',
            },
            {
              regex: into(['core', 'protocol']),
              allowTypeImports: true,
              message: 'src/webview imports only types from core and protocol (import type): their code is not bundled for the browser.',
            },
          ],
        },
      ],
      'no-restricted-globals': [
        'error',
        ...['Buffer', 'process', 'require', 'global', '__dirname', '__filename', 'setImmediate'].map((name) => ({
          name,
          message: 'src/webview runs in a browser, not in Node.',
        })),
      ],
    },
  },
  zone(['test/**', 'bench/**'], {}),
  { files: ['test/vscode/**', 'test/e2e/**'], rules: { 'no-restricted-imports': 'off' } },
);
