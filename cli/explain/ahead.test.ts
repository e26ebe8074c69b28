/**
 * `signaturesAsked` (shared/explain/ahead.ts): the list a host verifies ahead with WebCrypto
 * before judging one receipt. On the demo's planted failures and clean receipts, it names
 * every signature the judgment then asks; on forged evidence (a receipt's signature, a key's
 * certificate, the manifest's signature changed), where the made-up "valid" answers of the
 * listing pass lead elsewhere than the real answers, the judgment with the answers verified
 * ahead is still exactly the judgment without them.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { memorySource } from '../../shared/archive/memory.ts';
import type { CedarFormatting } from '../../shared/decisions/policy-status.ts';
import { checkDocumentsAhead, explainWithAnswersAhead, signaturesAsked } from '../../shared/explain/ahead.ts';
import {
  explainReceipt,
  type DocumentsCache,
  type DocumentsChecked,
  type Explanation,
} from '../../shared/explain/explain.ts';
import { toHex } from '../../shared/format/bytes.ts';
import { nobleStrictVerifier, type SignatureVerifier } from '../../shared/format/ed25519.ts';
import { RememberingVerifier } from '../../shared/format/remembering-verifier.ts';
import { webCryptoVerifier } from '../../shared/format/webcrypto-ed25519.ts';
import { makeDemoArchive } from '../../shared/producer/demo.ts';
import { json, receiptsOf, resignManifest, setJson, setText, text, type Files } from '../../test/support/tamper.ts';
import { nodeCedar } from '../cedar-node.ts';
import { nativeStrictVerifier } from '../native-ed25519.ts';
import { gatherMaterials } from './gather.ts';

const keyOf = (signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array) =>
  `${toHex(signature)}:${toHex(publicKey)}:${toHex(message)}`;

interface Judged {
  readonly plain: Explanation;
  readonly ahead: Explanation;
  /** The judgment without Cedar, plain (reference verifier) and by `explainWithAnswersAhead`. */
  readonly plainWithoutCedar: Explanation;
  readonly oneGo: Explanation;
  /** Whether `explainWithAnswersAhead` judged again after its listing pass. */
  readonly judgedAgain: boolean;
  readonly listed: number;
  /** Signatures the judgment asked that the listing had not named. */
  readonly unlisted: number;
}

async function judge(files: Files, id: string, roots: readonly string[]): Promise<Judged> {
  const materials = await gatherMaterials(memorySource(files, 'case.zip'), id);
  const cedar = nodeCedar as CedarFormatting;
  const plain = await explainReceipt(materials, { cedar, verifier: nativeStrictVerifier, trustedRoots: roots });
  const fast = await webCryptoVerifier();
  if (!fast) throw new Error("this Node's WebCrypto has no Ed25519");
  const asked = await signaturesAsked(materials, roots);
  const answers = new Map<string, boolean>();
  for (const t of asked)
    answers.set(
      keyOf(t.signature, t.message, t.publicKey),
      await fast.verifyAsync(t.signature, t.message, t.publicKey),
    );
  let unlisted = 0;
  const verifier: SignatureVerifier = {
    name: 'answers verified ahead, else native',
    verify(signature, message, publicKey) {
      const known = answers.get(keyOf(signature, message, publicKey));
      if (known !== undefined) return known;
      unlisted++;
      return nativeStrictVerifier.verify(signature, message, publicKey);
    },
  };
  const ahead = await explainReceipt(materials, { cedar, verifier, trustedRoots: roots });
  const plainWithoutCedar = await explainReceipt(materials, {
    cedar: null,
    verifier: nativeStrictVerifier,
    trustedRoots: roots,
  });
  // As the app's explain worker judges without Cedar: a fresh remembering verifier each time.
  const judged = await explainWithAnswersAhead(materials, roots, fast, new RememberingVerifier(nobleStrictVerifier));
  return {
    plain,
    ahead,
    plainWithoutCedar,
    oneGo: judged.explanation,
    judgedAgain: judged.judgedAgain,
    listed: answers.size,
    unlisted,
  };
}

describe('signatures verified ahead of a receipt’s judgment', () => {
  let demo: Awaited<ReturnType<typeof makeDemoArchive>>;
  beforeAll(async () => {
    demo = await makeDemoArchive({ cedar: nodeCedar, receipts: 1200, seed: 'explain-ahead', receiptsPerSegment: 200 });
  });

  it('on the demo, planted failures and clean receipts: the listing names every signature the judgment asks', async () => {
    const ids = [
      ...new Set(demo.plantedFailures.map((p) => p.receipt)),
      ...['gw-eu-1', 'gw-us-1'].flatMap((l) => {
        const rows = receiptsOf(demo.files, l);
        return [rows[0], rows[rows.length >> 1], rows.at(-1)].map((r) => r?.receipt.id as string);
      }),
    ];
    expect(ids.length).toBeGreaterThanOrEqual(10);
    for (const id of ids) {
      const { plain, ahead, listed, unlisted, plainWithoutCedar, oneGo, judgedAgain } = await judge(demo.files, id, [
        demo.rootPublicKey,
      ]);
      expect(ahead, id).toEqual(plain);
      expect(oneGo, id).toEqual(plainWithoutCedar);
      // The listing pass is the judgment exactly when every signature it named holds.
      const allHold = (
        await signaturesAsked(await gatherMaterials(memorySource(demo.files, 'case.zip'), id), [demo.rootPublicKey])
      ).every((t) => nativeStrictVerifier.verify(t.signature, t.message, t.publicKey));
      expect([id, judgedAgain]).toEqual([id, !allHold]);
      // Keys, the manifest, bundles, the receipt, its checkpoint (and an approval where there is one).
      expect([id, unlisted, listed >= 5]).toEqual([id, 0, true]);
    }
  });

  it('forged evidence: the judgment with answers verified ahead is the judgment without them', async () => {
    const roots = [demo.rootPublicKey];
    const id = receiptsOf(demo.files, 'gw-eu-1')[150]?.receipt.id as string;
    const path = receiptsOf(demo.files, 'gw-eu-1')[150]?.path as string;
    const flipHex = (hex: string) => (hex[0] === '0' ? '1' : '0') + hex.slice(1);

    // The receipt's own signature.
    const badReceipt = new Map(demo.files);
    setText(
      badReceipt,
      path,
      text(badReceipt, path)
        .split('\n')
        .map((line) => {
          if (!line.includes(`"id":"${id}"`)) return line;
          const sig = /"sig":"([0-9a-f]+)"/.exec(line)?.[1] as string;
          return line.replace(`"sig":"${sig}"`, `"sig":"${flipHex(sig)}"`);
        })
        .join('\n'),
    );
    resignManifest(badReceipt);

    // Every key certificate's signature (the gate key is then not certified).
    const badKeys = new Map(demo.files);
    const keysJson = json(badKeys, 'keys.json') as { keys: { cert?: { sig: string } }[] };
    for (const k of keysJson.keys) if (k.cert) k.cert.sig = flipHex(k.cert.sig);
    setJson(badKeys, 'keys.json', keysJson);
    resignManifest(badKeys);

    // The manifest's signature (its listing is then not trusted).
    const badManifest = new Map(demo.files);
    const manifest = json(badManifest, 'manifest.json') as { sig: string };
    setJson(badManifest, 'manifest.json', { ...manifest, sig: flipHex(manifest.sig) });

    for (const [name, files] of [
      ['receipt signature', badReceipt],
      ['key certificates', badKeys],
      ['manifest signature', badManifest],
    ] as const) {
      const { plain, ahead, plainWithoutCedar, oneGo, judgedAgain } = await judge(files, id, roots);
      expect(ahead, name).toEqual(plain);
      expect(oneGo, name).toEqual(plainWithoutCedar);
      // A failed signature: the listing pass's made-up "valid" is never what is shown.
      expect([name, judgedAgain, plain.holds]).toEqual([name, true, false]);
    }
    const { plain } = await judge(badReceipt, id, roots);
    expect(plain.evidence.signature.valid).toBe(false);
  });

  it('keys.json and the manifest checked once for the receipts of an archive (documentsId), clean or forged', async () => {
    const roots = [demo.rootPublicKey];
    const fast = await webCryptoVerifier();
    if (!fast) throw new Error("this Node's WebCrypto has no Ed25519");
    const ids = ['gw-eu-1', 'gw-us-1'].flatMap((l) => {
      const rows = receiptsOf(demo.files, l);
      return [rows[3], rows.at(-2)].map((r) => r?.receipt.id as string);
    });
    const badManifest = new Map(demo.files);
    const manifest = json(badManifest, 'manifest.json') as { sig: string };
    setJson(badManifest, 'manifest.json', {
      ...manifest,
      sig: manifest.sig.replace(/^./, (c) => (c === '0' ? '1' : '0')),
    });
    for (const [name, files] of [
      ['clean', demo.files],
      ['manifest signature', badManifest],
    ] as const) {
      const kept = new Map<string, DocumentsChecked>();
      const documents: DocumentsCache = { get: (k) => kept.get(k), set: (k, v) => void kept.set(k, v) };
      const cedar = nodeCedar as CedarFormatting;
      for (const id of ids) {
        const materials = { ...(await gatherMaterials(memorySource(files, 'case.zip'), id)), documentsId: name };
        const plain = await explainReceipt(materials, { cedar, verifier: nativeStrictVerifier, trustedRoots: roots });
        const plainWithoutCedar = await explainReceipt(materials, {
          cedar: null,
          verifier: nativeStrictVerifier,
          trustedRoots: roots,
        });
        const ahead = await explainWithAnswersAhead(
          materials,
          roots,
          fast,
          new RememberingVerifier(nobleStrictVerifier),
          documents,
        );
        expect(ahead.explanation, `${name} ${id}`).toEqual(plainWithoutCedar);
        const counted = () => {
          const c = { n: 0, verifier: undefined as unknown as SignatureVerifier };
          c.verifier = { name: 'counted', verify: (...a) => (c.n++, nativeStrictVerifier.verify(...a)) };
          return c;
        };
        const without = counted();
        await explainReceipt(materials, { cedar, verifier: without.verifier, trustedRoots: roots });
        // Kept already, by an earlier receipt's judgment or by this one's without Cedar: by the
        // listing pass where its made-up answers were all real, else by the judgment again with real
        // ones (a forged signature). Never made-up answers: the judgments below must agree.
        const keptBefore = kept.size === 1;
        expect(keptBefore).toBe(true);
        const withDocuments = counted();
        const cached = await explainReceipt(materials, {
          cedar,
          verifier: withDocuments.verifier,
          trustedRoots: roots,
          documents,
        });
        expect(cached, `${name} ${id}`).toEqual(plain);
        expect(kept.size).toBe(1);
        // keys.json's certificates and the manifest's signature not asked again once kept.
        if (keptBefore) expect(withDocuments.n, `${name} ${id}`).toBeLessThan(without.n);
        else expect(withDocuments.n, `${name} ${id}`).toBe(without.n);
      }
      // Other roots: checked again, not taken from the documents checked for these.
      await explainReceipt(
        { ...(await gatherMaterials(memorySource(files, 'case.zip'), ids[0] as string)), documentsId: name },
        { cedar, verifier: nativeStrictVerifier, trustedRoots: [], documents },
      );
      expect(kept.size).toBe(2);
    }
  });

  it('keys.json and the manifest checked ahead of any receipt: a receipt then judged with them is judged as without, clean or forged', async () => {
    const roots = [demo.rootPublicKey];
    const fast = await webCryptoVerifier();
    if (!fast) throw new Error("this Node's WebCrypto has no Ed25519");
    const cedar = nodeCedar as CedarFormatting;
    const id = receiptsOf(demo.files, 'gw-us-1')[7]?.receipt.id as string;
    const flip = (hex: string) => hex.replace(/^./, (c) => (c === '0' ? '1' : '0'));
    const badManifest = new Map(demo.files);
    const manifest = json(badManifest, 'manifest.json') as { sig: string };
    setJson(badManifest, 'manifest.json', { ...manifest, sig: flip(manifest.sig) });
    const badKeys = new Map(demo.files);
    const keysJson = json(badKeys, 'keys.json') as { keys: { cert?: { sig: string } }[] };
    for (const k of keysJson.keys) if (k.cert) k.cert.sig = flip(k.cert.sig);
    setJson(badKeys, 'keys.json', keysJson);
    resignManifest(badKeys);
    for (const [name, files] of [
      ['clean', demo.files],
      ['manifest signature', badManifest],
      ['key certificates', badKeys],
    ] as const) {
      const materials = { ...(await gatherMaterials(memorySource(files, 'case.zip'), id)), documentsId: name };
      const kept = new Map<string, DocumentsChecked>();
      const documents: DocumentsCache = { get: (k) => kept.get(k), set: (k, v) => void kept.set(k, v) };
      // The documents alone; what reads their manifest is counted.
      let manifestReads = 0;
      const given = {
        keys: materials.keys,
        documentsId: name,
        get manifest() {
          manifestReads++;
          return materials.manifest;
        },
      };
      await checkDocumentsAhead(given, roots, fast, new RememberingVerifier(nobleStrictVerifier), documents);
      expect([name, kept.size]).toEqual([name, 1]);
      const reads = manifestReads;
      expect(reads, name).toBeGreaterThan(0);
      // Checked again: nothing more is kept, the manifest not read.
      await checkDocumentsAhead(given, roots, fast, new RememberingVerifier(nobleStrictVerifier), documents);
      expect([name, kept.size, manifestReads]).toEqual([name, 1, reads]);
      const plain = await explainReceipt(materials, { cedar, verifier: nativeStrictVerifier, trustedRoots: roots });
      const withKept = await explainReceipt(
        // The receipt's judgment must not need the manifest: the check kept is the one used.
        { ...materials, manifest: 'not read' },
        { cedar, verifier: nativeStrictVerifier, trustedRoots: roots, documents },
      );
      expect(withKept, name).toEqual(plain);
      expect([name, plain.holds]).toEqual([name, name === 'clean' ? plain.holds : false]);
    }
  });
});
