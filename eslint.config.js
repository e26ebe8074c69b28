// Lint rules, chiefly the import boundaries of each runtime (see docs/CONVENTIONS.md
// and docs/DESIGN.md): the tsconfig of each folder makes a wrong global a compile error,
// these rules make a wrong import a lint error. shared/ and renderer/workers/ list what they
// may import (an allowlist: anything new is a decision); the other folders list what they
// may not. test/lint-boundaries.test.ts proves the rules fire.
import path from 'node:path';
import tseslint from 'typescript-eslint';

const root = import.meta.dirname;

/** `@noble/*` matches every module of the scope; `zod` matches `zod` and `zod/…`. */
const packageMatches = (pattern, spec) =>
  pattern.endsWith('/*') ? spec.startsWith(pattern.slice(0, -1)) : spec === pattern || spec.startsWith(pattern + '/');

/**
 * `local/allowed-imports`: a file may import only relative paths that resolve inside
 * `folders` (minus `except`), the packages in `packages`, and types only from
 * `typePackages`. Options: { folders, except, packages, typePackages, why }.
 */
const allowedImports = {
  meta: {
    type: 'problem',
    schema: [
      {
        type: 'object',
        properties: {
          folders: { type: 'array', items: { type: 'string' } },
          except: { type: 'array', items: { type: 'object' } },
          packages: { type: 'array', items: { type: 'string' } },
          typePackages: { type: 'array', items: { type: 'string' } },
          why: { type: 'string' },
        },
        additionalProperties: false,
      },
    ],
    messages: {
      notAllowed: "'{{spec}}' is not on this folder's list of imports: {{why}}",
      excepted: "'{{spec}}' is in {{folder}}: {{why}}",
    },
  },
  create(context) {
    const { folders = [], except = [], packages = [], typePackages = [], why = '' } = context.options[0] ?? {};
    const inside = (target, folder) => target === folder || target.startsWith(folder + '/');
    const check = (source, typeOnly) => {
      const spec = source.value;
      if (typeof spec !== 'string') return;
      if (spec.startsWith('.')) {
        const target = path
          .relative(root, path.resolve(path.dirname(context.filename), spec))
          .split(path.sep)
          .join('/');
        const barred = except.find((e) => inside(target, e.folder));
        if (barred)
          context.report({
            node: source,
            messageId: 'excepted',
            data: { spec, folder: barred.folder, why: barred.why },
          });
        else if (!folders.some((folder) => inside(target, folder)))
          context.report({ node: source, messageId: 'notAllowed', data: { spec, why } });
        return;
      }
      if (packages.some((p) => packageMatches(p, spec))) return;
      if (typeOnly && typePackages.some((p) => packageMatches(p, spec))) return;
      context.report({ node: source, messageId: 'notAllowed', data: { spec, why } });
    };
    const typeOnlyImport = (node) =>
      node.importKind === 'type' ||
      (node.specifiers.length > 0 &&
        node.specifiers.every((s) => s.type === 'ImportSpecifier' && s.importKind === 'type'));
    return {
      ImportDeclaration: (node) => check(node.source, typeOnlyImport(node)),
      ExportNamedDeclaration: (node) => node.source && check(node.source, node.exportKind === 'type'),
      ExportAllDeclaration: (node) => check(node.source, node.exportKind === 'type'),
      ImportExpression: (node) => node.source.type === 'Literal' && check(node.source, false),
      TSImportType: (node) => node.argument.type === 'TSLiteralType' && check(node.argument.literal, true),
    };
  },
};
const local = { rules: { 'allowed-imports': allowedImports } };

/** What shared/ may import besides itself: small pure libraries that run anywhere. */
const SHARED_PACKAGES = ['@noble/*', '@zip.js/zip.js', 'canonicalize', 'zod', 'fflate', 'diff', 'pdf-lib', 'hash-wasm'];
const sharedImports = (except = []) => ({
  'local/allowed-imports': [
    'error',
    {
      folders: ['shared'],
      except,
      packages: SHARED_PACKAGES,
      // Cedar is injected (DESIGN.md): its types only, never a runtime-specific build.
      typePackages: ['@cedar-policy/cedar-wasm'],
      why: `shared/ runs anywhere: shared/ itself and ${SHARED_PACKAGES.join(', ')} only (Node code goes to cli/ or electron/main/, DOM code to renderer/).`,
    },
  ],
});

const TSCONFIGS = [
  'shared/tsconfig.json',
  'cli/tsconfig.json',
  'renderer/tsconfig.json',
  'renderer/workers/tsconfig.json',
  'electron/tsconfig.main.json',
  'electron/tsconfig.preload.json',
  'tsconfig.test.json',
];
const TYPED_FILES = ['{shared,cli,electron,test}/**/*.ts', 'renderer/**/*.{ts,tsx}'];

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
    plugins: { local },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Rules that need types read each file through the tsconfig of its runtime (the same
    // programs `npm run typecheck` builds). A file in no tsconfig (build/ scripts, configs)
    // is linted without them.
    files: TYPED_FILES,
    ignores: ['build/**'],
    languageOptions: { parserOptions: { project: TSCONFIGS, tsconfigRootDir: root } },
    rules: {
      // A switch over a union names every member (or has a default), so a new finding code,
      // ledger state or message kind is a lint error where it is not handled.
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
    },
  },
  {
    files: ['shared/**/*.ts'],
    ignores: ['shared/**/*.test.ts'],
    rules: {
      ...sharedImports(),
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
    // The producer is what a gate runs: it shares the format with the verifier, never the verifier itself.
    files: ['shared/producer/**/*.ts'],
    ignores: ['shared/producer/**/*.test.ts'],
    rules: sharedImports([
      {
        folder: 'shared/engine',
        why: 'the producer must not import the verifier; constants and rules of the format live in shared/format/.',
      },
    ]),
  },
  {
    files: ['renderer/workers/**/*.ts'],
    ignores: ['renderer/workers/**/*.test.ts'],
    rules: {
      'local/allowed-imports': [
        'error',
        {
          folders: ['renderer/workers', 'shared'],
          packages: ['@cedar-policy/cedar-wasm/web', '@zip.js/zip.js/dist/zip-module.wasm?url'],
          why: "renderer/workers/ runs in a Web Worker: renderer/workers/, shared/, Cedar's /web build and the address of zip.js's zlib WebAssembly only (the window's code is not the worker's).",
        },
      ],
    },
  },
  {
    // The impact workers replay every stored receipt line (a million of them at scale): each
    // reads its share straight from IndexedDB, since copying the lines through the window
    // would cost the window seconds of cloning. They read it through the window's own schema
    // (renderer/store/db.ts, Dexie), so the store is described once, and the lines of kept segment
    // files through the store's one reader of them (renderer/store/line-files.ts). And shared/'s own SHA-256
    // (@noble/hashes), wrapped in a memo of repeated inputs (memo-sha256.ts). This file only.
    files: ['renderer/workers/impact.worker.ts'],
    rules: {
      'local/allowed-imports': [
        'error',
        {
          folders: ['renderer/workers', 'shared', 'renderer/store/db.ts', 'renderer/store/line-files.ts'],
          packages: [
            '@cedar-policy/cedar-wasm/web',
            '@zip.js/zip.js/dist/zip-module.wasm?url',
            'dexie',
            '@noble/hashes',
          ],
          why: "impact.worker.ts: renderer/workers/, shared/, Cedar's /web build, the store's schema (renderer/store/db.ts with Dexie) and its reader of kept segment files (renderer/store/line-files.ts) to read stored receipt lines itself, and @noble/hashes (shared/'s SHA-256) to put a memo in front of it.",
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
