import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SearxngResultFixture {
  url: string;
  title: string;
  content: string;
  engine?: string;
}

/**
 * A local HTTP server answering like SearXNG's JSON API: `GET /search?q=…&format=json` →
 * `{query, number_of_results, results: [{url, title, content, engine, score, category}], answers,
 * suggestions, infoboxes, unresponsive_engines}`. `mode` switches it to failing answers.
 */
export class FakeSearxng {
  readonly queries: string[] = [];
  results: SearxngResultFixture[] = [];
  mode: 'ok' | 'http500' | 'badjson' | 'hang' = 'ok';
  url = '';
  private server?: http.Server;

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => {
      const u = new URL(req.url ?? '/', 'http://x');
      if (u.pathname !== '/search' || u.searchParams.get('format') !== 'json') {
        res.writeHead(403).end('format not allowed'); // SearXNG's answer when JSON is disabled
        return;
      }
      this.queries.push(u.searchParams.get('q') ?? '');
      if (this.mode === 'hang') return; // never answers: the client's timeout must fire
      if (this.mode === 'http500') {
        res.writeHead(500, { 'content-type': 'text/html' }).end('<h1>Internal Server Error</h1>');
        return;
      }
      if (this.mode === 'badjson') {
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"results": [');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({
        query: u.searchParams.get('q'), number_of_results: this.results.length,
        results: this.results.map((r, i) => ({ ...r, engine: r.engine ?? 'duckduckgo', engines: [r.engine ?? 'duckduckgo'], score: 1 / (i + 1), category: 'general', positions: [i + 1] })),
        answers: [], corrections: [], infoboxes: [], suggestions: [], unresponsive_engines: [],
      }));
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/search`;
    return this;
  }

  async close(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server!.close(() => r()));
  }
}
