import type { RetrievedChunk } from '../types.js';
import type { WebResult } from './web-search.js';

/** A web result as a chunk: badged `web`, scope `web`, source = URL. */
const toChunk = (w: WebResult, i: number): RetrievedChunk => ({
  chunkId: `web:${i + 1}`, scope: 'web', documentId: w.url, title: w.title, source: w.url, headingPath: [], text: w.snippet || w.title, score: 0, web: true,
});

/**
 * Blends local chunks (best first) with web results (engine order) by weighted interleaving:
 * `alpha` is the local share of the places (0.6 → of every five places about three local, two
 * web), each list keeping its own order; when one runs out the other fills. `alpha = 1` returns
 * the local list unchanged; `alpha = 0` only web results. Scores become rank-based (1/(rank+1)).
 *
 * Why not score fusion: BM25 and search-engine ranks are not comparable, and RRF's damping
 * (k = 60) would put every local hit above the first web result at any alpha above one half.
 */
export function blendWeb(local: RetrievedChunk[], web: WebResult[], alpha: number): RetrievedChunk[] {
  const a = Math.min(1, Math.max(0, alpha));
  if (a >= 1 || web.length === 0) return local;
  const remote = web.map(toChunk);
  if (a <= 0) return remote.map((c, i) => ({ ...c, score: 1 / (i + 1) }));
  const out: RetrievedChunk[] = [];
  let l = 0;
  let w = 0;
  while (l < local.length || w < remote.length) {
    // Take from the list furthest below its share; ties go to local documents.
    const takeLocal = w >= remote.length || (l < local.length && (l + 1) * (1 - a) <= (w + 1) * a + 1e-9);
    out.push(takeLocal ? local[l++]! : remote[w++]!);
  }
  return out.map((c, i) => ({ ...c, score: 1 / (i + 1) }));
}
