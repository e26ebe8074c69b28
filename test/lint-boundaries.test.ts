/**
 * The import boundaries of eslint.config.js fire: each case lints a line of code as if it
 * stood in a file of that folder (ESLint API, the project's own config).
 */
import { ESLint } from 'eslint';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '..');

// Under CI=true typescript-eslint infers a "single run": it builds each program once from the
// files on disk and ignores the text given to lintText, so the typed case below would lint
// layout.ts as stored and find nothing. This test lints text that is not on disk: ask for the
// ordinary (updating) programs whatever the environment.
process.env.TSESTREE_SINGLE_RUN = 'false';

// Import rules need no type information: lint these without building the TypeScript programs.
const untyped = new ESLint({
  cwd: root,
  overrideConfig: {
    languageOptions: { parserOptions: { project: null } },
    rules: { '@typescript-eslint/switch-exhaustiveness-check': 'off' },
  },
});

async function importProblems(file: string, code: string): Promise<string[]> {
  const [result] = await untyped.lintText(code, { filePath: path.join(root, file) });
  return (result?.messages ?? [])
    .filter((m) => m.ruleId !== '@typescript-eslint/no-unused-vars')
    .map((m) => `${m.ruleId}: ${m.message}`);
}

const allowed = (file: string, code: string) =>
  it(`${file} may ${code}`, async () => expect(await importProblems(file, code)).toEqual([]));
const refused = (file: string, code: string, rule = 'local/allowed-imports') =>
  it(`${file} may not ${code}`, async () => {
    const problems = await importProblems(file, code);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(new RegExp(`^${rule}: `));
  });

describe('shared/ imports only what it lists', () => {
  const file = 'shared/format/example.ts';
  allowed(file, "import { sha256 } from '@noble/hashes/sha2.js';");
  allowed(file, "import * as ed from '@noble/ed25519';");
  allowed(file, "import { z } from 'zod';");
  allowed(file, "import { Zip } from 'fflate';");
  allowed(file, "import { ZipReader } from '@zip.js/zip.js';");
  allowed(file, "import canonicalize from 'canonicalize';");
  allowed(file, "import { toHex } from './bytes.ts';");
  allowed(file, "import { finding } from '../engine/findings.ts';");
  allowed(file, "import type * as CedarWasm from '@cedar-policy/cedar-wasm';");
  refused(file, "import * as cedar from '@cedar-policy/cedar-wasm/nodejs';");
  refused(file, "import { readFile } from 'node:fs/promises';");
  refused(file, "import path from 'path';");
  refused(file, "import { useState } from 'react';");
  refused(file, "import Dexie from 'dexie';");
  refused(file, "import { left } from 'left-pad';");
  refused(file, "import { parseArgs } from '../../cli/args.ts';");
  refused(file, "import { db } from '../../renderer/store/db.ts';");
  refused(file, "export * from '../../electron/ipc-contract.ts';");
  refused(file, "export const load = () => import('node:fs');");
  refused(file, "export type Stats = import('node:fs').Stats;");
});

describe('shared/producer/ does not import the verifier', () => {
  const file = 'shared/producer/example.ts';
  allowed(file, "import { MANIFEST_PATH } from '../format/layout.ts';");
  allowed(file, "import type { ControlCode } from '../codes.ts';");
  refused(file, "import { kidOf } from '../engine/keys.ts';");
  refused(file, "import type { Finding } from '../engine/findings.ts';");
  refused(file, "import { readFile } from 'node:fs';");
});

describe("renderer/workers/ imports only itself, shared/, Cedar for the web and zlib's WebAssembly address", () => {
  const file = 'renderer/workers/example.ts';
  allowed(file, "import { verifyArchive } from '../../shared/engine/verify.ts';");
  allowed(file, "import { relay } from './relay.ts';");
  allowed(file, "import init from '@cedar-policy/cedar-wasm/web';");
  allowed(file, "import zlibWasmUrl from '@zip.js/zip.js/dist/zip-module.wasm?url';");
  refused(file, "import { ZipReader } from '@zip.js/zip.js';");
  refused(file, "import { db } from '../store/db.ts';");
  refused(file, "import { App } from '../app/App.tsx';");
  refused(file, "import Dexie from 'dexie';");
  refused(file, "import { z } from 'zod';");
  refused(file, "import { cpus } from 'node:os';");
});

describe('the other folders keep their lists of what they may not import', () => {
  refused('renderer/app/example.ts', "import { parseArgs } from '../../cli/args.ts';", 'no-restricted-imports');
  refused('cli/example.ts', "import Dexie from 'dexie';", 'no-restricted-imports');
  allowed('shared/format/example.test.ts', "import { readFile } from 'node:fs/promises';");
});

describe('switch-exhaustiveness-check (typed)', () => {
  it('reports a switch over a union that misses a member', async () => {
    const eslint = new ESLint({ cwd: root });
    const code = [
      "export type Kind = 'a' | 'b';",
      'export function rank(kind: Kind): number {',
      '  switch (kind) {',
      "    case 'a':",
      '      return 1;',
      '  }',
      '  return 0;',
      '}',
      '',
    ].join('\n');
    // An existing file of shared/tsconfig.json, so that its program knows it; the text is ours.
    const [result] = await eslint.lintText(code, { filePath: path.join(root, 'shared/format/layout.ts') });
    expect(result?.messages.map((m) => `${m.ruleId}: ${m.message}`)).toEqual([
      '@typescript-eslint/switch-exhaustiveness-check: Switch is not exhaustive. Cases not matched: "b"',
    ]);
  });
});
