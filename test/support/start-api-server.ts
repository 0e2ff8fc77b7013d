import { HttpServer, createLogger, createMetrics, type BearerAuthenticator } from '../../src/index.js';
import { registerApiRoutes, type ApiChatBackend, type ApiEmbeddingsBackend } from '../../adapters/api/index.js';

export interface TestApiServer {
  baseUrl: string;
  close: () => Promise<void>;
}

/** The API routes on a real `HttpServer` (the shared server the adapters use), on a free port. */
export async function startApiServer(o: { auth?: BearerAuthenticator; chat: ApiChatBackend; embeddings?: ApiEmbeddingsBackend; modelId?: string; questionMaxChars?: number; bodyLimitBytes?: number; imageLimits?: { maxBytes: number; maxCount: number }; sourcesInContent?: boolean }): Promise<TestApiServer> {
  const server = new HttpServer({ metrics: createMetrics(), log: createLogger({ level: 'silent' }), readiness: [] });
  if (o.auth) {
    await registerApiRoutes(server.app, {
      auth: o.auth, chat: o.chat, embeddings: o.embeddings, modelId: o.modelId ?? 'stories260K-r1-test', questionMaxChars: o.questionMaxChars ?? 8000,
      bodyLimitBytes: o.bodyLimitBytes, imageLimits: o.imageLimits, sourcesInContent: o.sourcesInContent, log: createLogger({ level: 'silent' }),
    });
  }
  const port = await server.listen(0, '127.0.0.1');
  return { baseUrl: `http://127.0.0.1:${port}`, close: () => server.close() };
}
