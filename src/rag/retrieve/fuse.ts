/** One ranked list to fuse: ids best-first with their raw scores, and the list's weight. */
export interface RankedList {
  weight: number;
  items: Array<{ id: string; score: number }>;
}

export type FusionMethod = 'rrf' | 'score';

/** The usual RRF constant (Cormack et al., 2009): damps the head of each list. */
export const RRF_K = 60;

/**
 * Fuses ranked lists into one, best first. `rrf`: Σ weight / (RRF_K + rank); `score`: Σ weight ×
 * score / max score of that list. A list with weight 0 contributes nothing (its items only
 * appear if another list has them), so weight 1 on one list reproduces that list's order.
 */
export function fuseRankings(lists: RankedList[], method: FusionMethod): Array<{ id: string; score: number }> {
  const acc = new Map<string, number>();
  for (const l of lists) {
    if (l.weight <= 0 || l.items.length === 0) continue;
    const max = Math.max(...l.items.map((i) => i.score));
    l.items.forEach((it, rank) => {
      const s = method === 'rrf' ? l.weight / (RRF_K + rank + 1) : max > 0 ? (l.weight * it.score) / max : 0;
      acc.set(it.id, (acc.get(it.id) ?? 0) + s);
    });
  }
  return [...acc.entries()].map(([id, score]) => ({ id, score })).sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1));
}
