/**
 * The packaging configuration, checked by electron-builder's own code without Electron's
 * binary and without the network (docs/PACKAGING.md says what this proves and what not).
 *
 * electron-builder's `build()` runs on a stand-in unpacked app (`prepackaged`: no
 * Electron download, no packing, no afterPack) and stops through its own
 * `effectiveOptionComputed` hook just before it would run a packaging tool (fpm, whose
 * binary it downloads). Everything before that is electron-builder's real path:
 * package.json metadata checks, the JSON-schema validation of build/electron-builder.yml,
 * and for the deb the maintainer and homepage checks, the AppArmor profile and the
 * install scripts.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Arch, build, Platform } from 'electron-builder';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CONFIG = path.join(ROOT, 'build', 'electron-builder.yml');

let work: string;

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'tickmark-packaging-'));
});
afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

/** A stand-in for electron-builder's linux-unpacked folder: what the deb target reads. */
async function unpackedApp(name: string): Promise<string> {
  const dir = path.join(work, name);
  await mkdir(path.join(dir, 'resources'), { recursive: true });
  await writeFile(path.join(dir, 'resources', 'app.asar'), '');
  await writeFile(path.join(dir, 'tickmark'), '#!/bin/sh\n', { mode: 0o755 });
  return dir;
}

interface Seen {
  /** fpm's arguments, as electron-builder would pass them (deb, rpm, …). */
  fpm?: string[];
  /** The package's post-install script (a temporary file electron-builder removes after the build). */
  afterInstall?: string;
  /** The AppImage's desktop entry. */
  desktop?: string;
}

/**
 * electron-builder's build of `targets` for Linux x64 from `projectDir` with `configFile`,
 * up to the packaging tool. Output goes to a temporary folder.
 */
async function buildUpToTheTool(options: {
  projectDir: string;
  configFile: string;
  targets: string[];
  prepackaged: string;
  /** For a project folder without node_modules, where electron-builder cannot read it. */
  electronVersion?: string;
}): Promise<Seen> {
  const seen: Seen = {};
  await build({
    projectDir: options.projectDir,
    prepackaged: options.prepackaged,
    targets: Platform.LINUX.createTarget(options.targets, Arch.x64),
    config: {
      extends: options.configFile,
      directories: { output: path.join(work, 'out') },
      ...(options.electronVersion ? { electronVersion: options.electronVersion } : {}),
    },
    effectiveOptionComputed: async (computed: unknown) => {
      if (Array.isArray(computed)) {
        seen.fpm = computed[0] as string[];
        const script = argument(seen.fpm, '--after-install');
        if (script) seen.afterInstall = await readFile(script, 'utf8');
      } else if (computed && typeof computed === 'object' && 'desktop' in computed)
        seen.desktop = String((computed as { desktop: unknown }).desktop);
      return true; // stop here: do not download or run the tool
    },
  });
  return seen;
}

function argument(args: readonly string[], name: string): string | undefined {
  const at = args.indexOf(name);
  return at === -1 ? undefined : args[at + 1];
}

describe("build/electron-builder.yml through electron-builder's own checks", () => {
  it('the deb target gets its maintainer, homepage, AppArmor profile and install scripts', async () => {
    const prepackaged = await unpackedApp('deb');
    const seen = await buildUpToTheTool({ projectDir: ROOT, configFile: CONFIG, targets: ['deb'], prepackaged });
    const pkg = JSON.parse(await readFile(path.join(ROOT, 'package.json'), 'utf8')) as { homepage: string };
    const args = seen.fpm ?? [];
    expect(argument(args, '--maintainer')).toBe('Tickmark (unpublished build) <unpublished@tickmark.invalid>');
    expect(argument(args, '--url')).toBe(pkg.homepage);
    expect(argument(args, '--name')).toBe('tickmark');
    expect(argument(args, '--license')).toBe('Apache-2.0');
    // The profile that lets Chromium's sandbox start under Ubuntu 24.04's AppArmor rules…
    const profile = await readFile(path.join(prepackaged, 'resources', 'apparmor-profile'), 'utf8');
    expect(profile).toContain('profile "tickmark" "/opt/Tickmark/tickmark"');
    expect(profile).toContain('userns,');
    // …installed by the package's post-install script.
    const afterInstall = seen.afterInstall ?? '';
    expect(afterInstall).toContain("APPARMOR_PROFILE_SOURCE='/opt/Tickmark/resources/apparmor-profile'");
    expect(afterInstall).toContain('apparmor_parser --replace');
  });

  it('fails for the deb without a homepage and a maintainer (what `npm run dist` hit)', async () => {
    const project = path.join(work, 'no-metadata');
    await mkdir(project, { recursive: true });
    const pkg = JSON.parse(await readFile(path.join(ROOT, 'package.json'), 'utf8')) as Record<string, unknown>;
    delete pkg.homepage;
    delete pkg.author;
    await writeFile(path.join(project, 'package.json'), JSON.stringify(pkg));
    const yml = (await readFile(CONFIG, 'utf8'))
      .split('\n')
      .filter((line) => !/^\s*(maintainer|afterPack):/.test(line))
      .join('\n');
    const configFile = path.join(project, 'electron-builder.yml');
    await writeFile(configFile, yml);
    const electron = JSON.parse(
      await readFile(path.join(ROOT, 'node_modules', 'electron', 'package.json'), 'utf8'),
    ) as {
      version: string;
    };
    const attempt = buildUpToTheTool({
      projectDir: project,
      configFile,
      electronVersion: electron.version,
      targets: ['deb'],
      prepackaged: await unpackedApp('deb-no-metadata'),
    });
    await expect(attempt).rejects.toThrow(/Please specify project homepage/);
    await expect(attempt).rejects.toThrow(/author 'email'/);
  });

  it('refuses a configuration its JSON schema does not allow', async () => {
    const configFile = path.join(work, 'bad-schema.yml');
    await writeFile(configFile, `${await readFile(CONFIG, 'utf8')}\nlinux2:\n  target: deb\n`);
    await expect(
      buildUpToTheTool({ projectDir: ROOT, configFile, targets: ['deb'], prepackaged: await unpackedApp('schema') }),
    ).rejects.toThrow(/configuration has an unknown property 'linux2'/);
  });

  it("an AppImage would start with --no-sandbox (electron-builder's default launcher): why Linux ships a deb only", async () => {
    const seen = await buildUpToTheTool({
      projectDir: ROOT,
      configFile: CONFIG,
      targets: ['AppImage'],
      prepackaged: await unpackedApp('appimage'),
    });
    expect(seen.desktop).toMatch(/^Exec=AppRun --no-sandbox %U$/m);
    const yml = await readFile(CONFIG, 'utf8');
    expect(yml).not.toMatch(/^\s*-\s*AppImage\s*$/m);
  });
});
