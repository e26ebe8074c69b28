/**
 * The explain worker's warm-up receipt: the fixture made by cli/explain/warmup-fixture.ts
 * (a small clean demo archive; its test keeps the committed file current), decoded.
 */
import { materialsFromJson, type MaterialsJson } from '../../shared/explain/materials-json.ts';
import type { ExplainMaterials } from '../../shared/explain/explain.ts';
import fixture from './explain-warmup.json';

export function warmupReceipt(): { readonly materials: ExplainMaterials; readonly trustedRoots: readonly string[] } {
  const f = fixture as unknown as { readonly trustedRoots: readonly string[]; readonly materials: MaterialsJson };
  return { materials: materialsFromJson(f.materials), trustedRoots: f.trustedRoots };
}
