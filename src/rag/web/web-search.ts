import type { Logger } from '../../log/logger.js';

/** A web result as retrieval sees it. */
export interface WebResult {
  url: string;
  title: string;
  snippet: string;
}

export interface WebSearchResponse {
  results: WebResult[];
  /** Set when the search failed (network, timeout, bad answer): callers go on with local results. */
  error?: string;
}

export interface WebSearch {
  search(query: string, limit: number): Promise<WebSearchResponse>;
}

export interface SearxngOptions {
  /** The search endpoint, e.g. `http://searxng:8080/search`. */
  url: string;
  /** Allowed domains (subdomains included); empty = all. */
  allowDomains?: string[];
  /** Defaults to 3000 ms. */
  timeoutMs?: number;
  log?: Logger;
}

/** Whether a URL's host is one of the domains or below one. Only http(s) URLs pass. */
export function isAllowedUrl(u: string, domains: readonly string[]): boolean {
  let url: URL;
  try {
    url = new URL(u);
  } catch {
    return false;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
  if (domains.length === 0) return true;
  const host = url.hostname.toLowerCase().replace(/\.$/, '');
  return domains.some((d) => host === d || host.endsWith(`.${d}`));
}

/**
 * Web search through a SearXNG instance's JSON API (`GET /search?q=…&format=json`, answer
 * `{results: [{url, title, content, …}]}`; https://docs.searxng.org/dev/search_api.html).
 * Never throws: a failure returns no results and an `error`, so answers fall back to local documents.
 */
export function createSearxngSearch(o: SearxngOptions): WebSearch {
  const domains = o.allowDomains ?? [];
  const timeoutMs = o.timeoutMs ?? 3000;
  return {
    async search(query, limit) {
      const u = new URL(o.url);
      u.searchParams.set('q', query);
      u.searchParams.set('format', 'json');
      try {
        const res = await fetch(u, { signal: AbortSignal.timeout(timeoutMs), headers: { accept: 'application/json' } });
        if (!res.ok) throw new Error(`HTTP ${res.status}`);
        const body = (await res.json()) as { results?: unknown };
        if (!Array.isArray(body.results)) throw new Error('answer has no results array');
        const results: WebResult[] = [];
        const seen = new Set<string>();
        for (const r of body.results as Array<Record<string, unknown>>) {
          const url = typeof r.url === 'string' ? r.url : '';
          if (!url || seen.has(url) || !isAllowedUrl(url, domains)) continue;
          seen.add(url);
          results.push({ url, title: typeof r.title === 'string' && r.title.trim() ? r.title.trim() : url, snippet: typeof r.content === 'string' ? r.content.trim() : '' });
          if (results.length >= limit) break;
        }
        return { results };
      } catch (e) {
        const error = (e as Error).name === 'TimeoutError' ? `timeout after ${timeoutMs} ms` : (e as Error).message;
        o.log?.warn({ err: error }, 'web search failed; answering from local documents only');
        return { results: [], error };
      }
    },
  };
}
