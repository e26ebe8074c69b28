/**
 * Pool workers rebuild the run's controls by their stable id, never by display name: every
 * control of the build has a unique kebab-case id, and the worker builds exactly the ones
 * listed, in the order listed.
 */
import { describe, expect, it } from 'vitest';
import { controlFactories } from '../../cli/engine-options.ts';
import { nobleStrictVerifier } from '../format/ed25519.ts';
import { buildControlsById } from './segment-worker.ts';
import type { ArchiveContext, ControlCheck, ControlCheckFactory } from './types.ts';

const context = { bundlesByHash: new Map(), keyring: {}, verifier: nobleStrictVerifier } as unknown as ArchiveContext;

const stub =
  (id: string, name: string): ControlCheckFactory =>
  (): ControlCheck => ({ id, name, visit: () => undefined, finish: () => [] });

describe('control ids', () => {
  it('every control of the build has a unique, kebab-case id apart from its name', async () => {
    const controls = await Promise.all(controlFactories().map((factory) => factory(context)));
    const ids = controls.map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^[a-z]+(-[a-z]+)*$/);
    expect(ids).toEqual([
      'decision-mismatch',
      'denied-but-executed',
      'tier-violation',
      'recipient-unapproved',
      'approval',
      'transactions',
      'determinism',
      'slo',
      'privacy-report',
      'control-metrics',
    ]);
  });

  it('a worker builds the listed ids in the order listed, whatever their names', async () => {
    const factories = [stub('a-check', 'Shown as A'), stub('b-check', 'Shown as A'), stub('c-check', 'C')];
    const built = await buildControlsById(factories, ['c-check', 'a-check'], context);
    expect(built.map((c) => c.id)).toEqual(['c-check', 'a-check']);
  });

  it('an id the build lacks, or one id twice in the build, is an error', async () => {
    await expect(buildControlsById([stub('a-check', 'A')], ['b-check'], context)).rejects.toThrow(
      'no control check with the id "b-check" in this build',
    );
    await expect(buildControlsById([stub('a-check', 'A'), stub('a-check', 'B')], [], context)).rejects.toThrow(
      'two control checks have the id "a-check"',
    );
  });
});
