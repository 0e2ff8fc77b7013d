import type { RetrievedChunk } from '../types.js';
import { RRF_K } from '../retrieve/fuse.js';
import type { WebResult } from './web-search.js';

/**
 * Blends local chunks (best first) with web results (engine order) by weighted reciprocal rank:
 * local weight `alpha`, web weight `1 − alpha`. `alpha = 1` returns the local list unchanged;
 * `alpha = 0` only web results. Web chunks are badged `web: true`, scope `web`, source = URL.
 */
export function blendWeb(local: RetrievedChunk[], web: WebResult[], alpha: number): RetrievedChunk[] {
  const a = Math.min(1, Math.max(0, alpha));
  if (a >= 1 || web.length === 0) return local;
  const scored: RetrievedChunk[] = [];
  if (a > 0) local.forEach((c, i) => scored.push({ ...c, score: a / (RRF_K + i + 1) }));
  if (a < 1) {
    web.forEach((w, i) => scored.push({
      chunkId: `web:${i + 1}`, scope: 'web', documentId: w.url, title: w.title, source: w.url, headingPath: [],
      text: w.snippet || w.title, score: (1 - a) / (RRF_K + i + 1), web: true,
    }));
  }
  // Stable: ties keep local before web, each in its own order.
  return scored.map((c, i) => ({ c, i })).sort((x, y) => y.c.score - x.c.score || x.i - y.i).map((x) => x.c);
}
