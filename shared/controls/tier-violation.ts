/**
 * `TIER_VIOLATION` (FORMAT.md §4, §7): a smaller tier number is more sensitive, and an
 * agent of tier `a` may touch data of tier `d` only when `d >= a`. An allowed receipt
 * with `data.tier < agent.tier` shows the gate let an agent see data above its clearance.
 */
import { finding, type Finding } from '../engine/findings.ts';
import type { ReceiptContext } from '../engine/types.ts';
import type { Receipt } from '../format/schema.ts';
import { receiptLocation, receiptName } from './location.ts';
import { receiptRuleCheck } from './receipt-rule.ts';

export function tierViolation(receipt: Receipt, context: ReceiptContext): Finding | null {
  if (receipt.decision.effect !== 'allow' || receipt.data.tier >= receipt.agent.tier) return null;
  const label = (tier: number) => {
    const name = context.bundle?.body.tiers?.[String(tier)];
    return name ? `tier ${tier} (${name})` : `tier ${tier}`;
  };
  return finding(
    'TIER_VIOLATION',
    `${receiptName(receipt, context)}: agent ${receipt.agent.id} is cleared for ${label(receipt.agent.tier)} data or less sensitive, but was allowed ${receipt.request.action.id} on ${receipt.request.resource.id}, which holds ${label(receipt.data.tier)} data.`,
    receiptLocation(receipt, context),
    { agentTier: receipt.agent.tier, dataTier: receipt.data.tier },
  );
}

export const tierViolationCheck = receiptRuleCheck('tier-violation', 'tier violation', tierViolation);
