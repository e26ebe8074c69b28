// Lint rules, chiefly the import boundaries of each runtime (see ../shared/CONVENTIONS.md
// and docs/DESIGN.md): the tsconfig of each folder makes a wrong global a compile error,
// these rules make a wrong import a lint error.
import tseslint from 'typescript-eslint';

const nodeModules = [
  'node:*',
  'fs',
  'fs/*',
  'path',
  'os',
  'crypto',
  'child_process',
  'worker_threads',
  'url',
  'stream',
  'stream/*',
  'zlib',
  'http',
  'https',
  'net',
];
const restrict = (groups, message) => ({
  'no-restricted-imports': ['error', { patterns: groups.map((group) => ({ group: [group], message })) }],
});

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'out/**', 'test/vectors/**', '**/*.mjs', 'test-results/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['shared/**/*.ts'],
    ignores: ['shared/**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: nodeModules,
              message: 'shared/ runs anywhere: no Node modules (put Node code in cli/ or electron/main/).',
            },
            {
              group: ['electron', 'electron/*', 'react', 'react-dom', 'react/*', 'dexie'],
              message: 'shared/ runs anywhere: no Electron, React or Dexie.',
            },
            {
              group: ['**/renderer/**', '**/cli/**', '**/electron/**'],
              message: 'shared/ must not import from the app, the command line or Electron.',
            },
          ],
        },
      ],
      'no-restricted-globals': [
        'error',
        'window',
        'document',
        'self',
        'postMessage',
        'importScripts',
        'process',
        'Buffer',
        'require',
      ],
    },
  },
  {
    files: ['renderer/**/*.ts', 'renderer/**/*.tsx'],
    ignores: ['renderer/workers/**', 'renderer/**/*.test.ts'],
    rules: restrict(
      [...nodeModules, 'electron', 'electron/*', '**/cli/**', '**/electron/**'],
      'renderer/ runs in the window: shared/, React and Dexie only; reach the host through the Host interface.',
    ),
  },
  {
    files: ['renderer/workers/**/*.ts'],
    ignores: ['renderer/workers/**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [
                ...nodeModules,
                'electron',
                'electron/*',
                'react',
                'react-dom',
                'dexie',
                '**/cli/**',
                '**/electron/**',
              ],
              message: 'renderer/workers/ runs in a Web Worker: shared/ only.',
            },
            // Anything above this folder except shared/ (the window's code is not the worker's).
            { regex: '^\\.\\./(?!\\.\\./shared/)', message: 'renderer/workers/ runs in a Web Worker: shared/ only.' },
          ],
        },
      ],
    },
  },
  {
    files: ['electron/preload/**/*.ts'],
    ignores: ['electron/preload/**/*.test.ts'],
    rules: restrict(
      [...nodeModules, '**/renderer/**', '**/cli/**', '**/electron/main/**'],
      'electron/preload/ is sandboxed: electron renderer modules and types from shared/ only.',
    ),
  },
  {
    files: ['electron/main/**/*.ts'],
    ignores: ['electron/main/**/*.test.ts'],
    rules: restrict(
      ['**/renderer/**', '**/cli/**', 'react', 'react-dom', 'dexie'],
      'electron/main/ may import shared/, Node and electron only.',
    ),
  },
  {
    files: ['cli/**/*.ts'],
    ignores: ['cli/**/*.test.ts'],
    rules: restrict(
      ['electron', 'electron/*', 'react', 'react-dom', 'dexie', '**/renderer/**', '**/electron/**'],
      'cli/ may import shared/ and Node only.',
    ),
  },
);
