import type { ConversationKey } from '../conversation/index.js';

/**
 * Reasoning budget per channel: `REASONING_BUDGET_CHANNELS` (`platform:channelId=tokens,…`)
 * overrides `REASONING_BUDGET_TOKENS`. Undefined means no budget.
 */
export function createThoughtBudget(defaultTokens: number | undefined, perChannel: string | undefined): (key: ConversationKey) => number | undefined {
  const map = new Map<string, number>();
  for (const entry of (perChannel ?? '').split(',').filter(Boolean)) {
    const eq = entry.lastIndexOf('=');
    map.set(entry.slice(0, eq), Number(entry.slice(eq + 1)));
  }
  return (key) => map.get(`${key.platform}:${key.channel}`) ?? defaultTokens;
}
