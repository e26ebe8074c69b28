// @ts-check
/**
 * electron-builder `afterPack` hook: flips the Electron fuses of the packaged binary
 * to the values decided in electron/main/security.ts (`ELECTRON_FUSES`), before
 * signing (electron-builder runs afterPack before it signs).
 *
 * The values are read from security.ts itself (through tsx, already a dev dependency)
 * rather than copied here, so the fenced module stays the one place they are decided.
 * security.ts types them as a complete record of @electron/fuses' options, so a fuse
 * the library knows cannot go undecided. `strictlyRequireAllFuses` stays off on
 * purpose: Electron's wire can be longer than the installed @electron/fuses knows
 * (newer fuses), and strict mode would then fail every package build; such fuses keep
 * Electron's default until @electron/fuses and security.ts name them.
 *
 * Only dynamic `import()` below: this file is CommonJS because electron-builder loads
 * hooks with `require`, but it needs the ES-module tsx API.
 */

/**
 * Maps the named decisions onto @electron/fuses' configuration object.
 *
 * @param {Readonly<Record<string, boolean>>} decisions ELECTRON_FUSES from security.ts
 * @param {Record<string, number | string>} fuseOptions the FuseV1Options enum
 * @param {string} version FuseVersion.V1
 * @param {boolean} resetAdHocDarwinSignature true for arm64 macOS builds (flipping breaks the ad-hoc signature)
 * @returns {Record<string, unknown>}
 * @throws {Error} naming a decision that @electron/fuses does not know
 */
function fuseConfig(decisions, fuseOptions, version, resetAdHocDarwinSignature) {
  /** @type {Record<string, unknown>} */
  const config = { version, strictlyRequireAllFuses: false, resetAdHocDarwinSignature };
  for (const [name, value] of Object.entries(decisions)) {
    const index = fuseOptions[name];
    if (typeof index !== 'number') throw new Error(`fuses.cjs: @electron/fuses has no fuse named ${name}`);
    config[index] = value;
  }
  return config;
}

/**
 * @param {{ electronPlatformName: string, arch: number, packager: { addElectronFuses(context: unknown, config: unknown): Promise<unknown> } }} context
 *   electron-builder's AfterPackContext (only the parts used here)
 */
async function afterPack(context) {
  const { pathToFileURL } = await import('node:url');
  const { tsImport } = await import('tsx/esm/api');
  const security = await tsImport('../electron/main/security.ts', pathToFileURL(__filename).href);
  const fuses = await import('@electron/fuses');
  // electron-builder's Arch enum: arm64 is 3, universal 4. Apple Silicon refuses a
  // binary whose ad-hoc signature no longer matches, so re-sign ad hoc after flipping.
  const armMac = context.electronPlatformName === 'darwin' && (context.arch === 3 || context.arch === 4);
  const config = fuseConfig(security.ELECTRON_FUSES, fuses.FuseV1Options, fuses.FuseVersion.V1, armMac);
  // electron-builder's own helper finds the binary for each platform and calls flipFuses.
  await context.packager.addElectronFuses(context, config);
}

module.exports = { default: afterPack, afterPack, fuseConfig };
