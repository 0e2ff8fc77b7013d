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
 * the score min-max normalised within its list (the list's best = 1, its last = 0; a lone item
 * = 1). A list with weight 0 contributes nothing (its items only appear if another list has
 * them), so weight 1 on one list reproduces that list's order.
 *
 * Why min-max: cosines of a weak embedding model sit close together (0.90–0.95), and dividing by
 * the best only made "in the vector list at all" worth nearly the list's whole weight. With the
 * tiny test embeddings that pulled hybrid below full-text alone (tune Recall@5 0.76 vs 0.78);
 * min-max gives 0.78, and heldout stays at full-text's figures (README, Per-channel knowledge).
 */
export function fuseRankings(lists: RankedList[], method: FusionMethod): Array<{ id: string; score: number }> {
  const acc = new Map<string, number>();
  for (const l of lists) {
    if (l.weight <= 0 || l.items.length === 0) continue;
    const max = Math.max(...l.items.map((i) => i.score));
    const min = Math.min(...l.items.map((i) => i.score));
    const norm = (x: number) => (max > min ? (x - min) / (max - min) : 1);
    l.items.forEach((it, rank) => {
      const s = method === 'rrf' ? l.weight / (RRF_K + rank + 1) : l.weight * norm(it.score);
      acc.set(it.id, (acc.get(it.id) ?? 0) + s);
    });
  }
  return [...acc.entries()].map(([id, score]) => ({ id, score })).sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1));
}
