import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'node_modules/**', '.vscode-e2e/**', 'test/support/*.js'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  {
    // House rule: only src/extension talks to VS Code.
    files: ['src/core/**', 'src/engine/**', 'src/cli/**', 'test/**', 'bench/**'],
    ignores: ['test/vscode/**', 'test/e2e/**'],
    rules: {
      'no-restricted-imports': ['error', { paths: [{ name: 'vscode', message: 'Only src/extension may import vscode.' }] }],
    },
  },
  {
    // src/core is pure: no I/O modules.
    files: ['src/core/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'vscode', message: 'Only src/extension may import vscode.' },
            ...['fs', 'node:fs', 'fs/promises', 'node:fs/promises', 'http', 'https', 'net', 'node:http', 'node:https', 'node:net', 'child_process', 'node:child_process'].map(
              (name) => ({ name, message: 'src/core is pure: do I/O in src/engine.' }),
            ),
          ],
        },
      ],
    },
  },
);
