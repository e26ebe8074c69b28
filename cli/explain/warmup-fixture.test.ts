/**
 * The explain worker's warm-up fixture is what the producer makes today, its receipt holds
 * (so the warm-up runs the judgment's whole path: every signature valid, the decision
 * replayed), and materials survive their JSON form unchanged.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import type { CedarFormatting } from '../../shared/decisions/policy-status.ts';
import { explainReceipt } from '../../shared/explain/explain.ts';
import { materialsFromJson, materialsToJson } from '../../shared/explain/materials-json.ts';
import { utf8 } from '../../shared/format/bytes.ts';
import { nodeCedar } from '../cedar-node.ts';
import { nativeStrictVerifier } from '../native-ed25519.ts';
import { makeWarmupFixture, WARMUP_FIXTURE_PATH, type WarmupFixture } from './warmup-fixture.ts';

describe('explain warm-up fixture', () => {
  it('the committed file is what cli/explain/warmup-fixture.ts makes today', async () => {
    const made = JSON.parse(JSON.stringify(await makeWarmupFixture())) as WarmupFixture;
    if (process.env.TICKMARK_WRITE_FIXTURE === '1')
      await writeFile(WARMUP_FIXTURE_PATH, JSON.stringify(made, null, 1) + '\n');
    const committed = JSON.parse(await readFile(WARMUP_FIXTURE_PATH, 'utf8')) as WarmupFixture;
    expect(committed, `${WARMUP_FIXTURE_PATH} is stale: ${made.about}`).toEqual(made);
  });

  it('its receipt holds: four steps, every check ran, nothing found', async () => {
    const fixture = JSON.parse(await readFile(WARMUP_FIXTURE_PATH, 'utf8')) as WarmupFixture;
    const materials = materialsFromJson(fixture.materials);
    const e = await explainReceipt(materials, {
      cedar: nodeCedar as CedarFormatting,
      verifier: nativeStrictVerifier,
      trustedRoots: fixture.trustedRoots,
    });
    expect(e.holds).toBe(true);
    expect(e.replayPending).toBe(false);
    expect(e.findings).toEqual([]);
    expect(e.transaction?.steps.map((s) => s.step)).toEqual([1, 2, 3, 4]);
    expect(e.evidence.manifest).toEqual({ present: true, signatureValid: true, anchored: true });
    // Only what needs the whole archive is left unchecked.
    expect(e.checks.filter((c) => c.status !== 'ran').map((c) => c.check)).toEqual([
      'Archive-wide checks (receipt id unique in the archive, deterministic output, p99 latency)',
    ]);
  });

  it('materials survive their JSON form: maps, attachment bytes, absent bytes', async () => {
    const fixture = JSON.parse(await readFile(WARMUP_FIXTURE_PATH, 'utf8')) as WarmupFixture;
    const base = materialsFromJson(fixture.materials);
    const withAttachments = {
      ...base,
      attachments: new Map([
        [
          'sha256:' + 'a'.repeat(64),
          { name: 'sha256:' + 'a'.repeat(64), path: 'p/a', size: 3, sha256: 'x', bytes: utf8('abc') },
        ],
        [
          'sha256:' + 'b'.repeat(64),
          { name: 'sha256:' + 'b'.repeat(64), path: 'p/b', size: 9, sha256: 'y', truncated: true },
        ],
      ]),
    };
    const back = materialsFromJson(JSON.parse(JSON.stringify(materialsToJson(withAttachments))));
    expect(back).toEqual(withAttachments);
    expect(back.attachments.get('sha256:' + 'a'.repeat(64))?.bytes).toEqual(utf8('abc'));
    expect(back.digests.size).toBeGreaterThan(0);
    expect(back.digests).toEqual(base.digests);
  });
});
