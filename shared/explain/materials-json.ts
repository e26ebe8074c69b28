/**
 * `ExplainMaterials` as plain JSON and back: its maps become entry lists and attachment
 * bytes become hex. Used for the explain worker's warm-up fixture (a small clean demo
 * receipt it explains while idle, so the first real receipt does not pay for the JIT).
 */
import { fromHex, toHex } from '../format/bytes.ts';
import type { FileDigest } from '../format/hash.ts';
import type { AttachmentMaterial, ExplainMaterials } from './explain.ts';

type AttachmentJson = Omit<AttachmentMaterial, 'bytes'> & { readonly bytesHex?: string };

export type MaterialsJson = Omit<ExplainMaterials, 'attachments' | 'digests'> & {
  readonly attachments: readonly (readonly [string, AttachmentJson])[];
  readonly digests: readonly (readonly [string, FileDigest])[];
};

export function materialsToJson(m: ExplainMaterials): MaterialsJson {
  return {
    ...m,
    attachments: [...m.attachments].map(([hash, { bytes, ...rest }]) => [
      hash,
      bytes === undefined ? rest : { ...rest, bytesHex: toHex(bytes) },
    ]),
    digests: [...m.digests],
  };
}

export function materialsFromJson(j: MaterialsJson): ExplainMaterials {
  return {
    ...j,
    attachments: new Map(
      j.attachments.map(([hash, { bytesHex, ...rest }]) => [
        hash,
        bytesHex === undefined ? rest : { ...rest, bytes: fromHex(bytesHex) },
      ]),
    ),
    digests: new Map(j.digests),
  };
}
