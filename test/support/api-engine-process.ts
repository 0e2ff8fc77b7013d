// A second process serving this project's own OpenAI-compatible `/v1` over the tiny model (real
// HTTP, SSE and inference), for ENGINE=openai tests and the engine benchmark. Prints
// `READY <apiPort> <statePort>`; GET http://127.0.0.1:<statePort>/ returns what the engine is doing.
// Env: API_KEY (the bearer key to accept), SEQUENCES (default 2), MODEL_PATH (default: the test model).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { AuthError, createLogger, InferenceEngine } from '../../src/index.js';
import { createEngineChatBackend } from './engine-chat-backend.js';
import { TEST_MODEL_PATH } from './shared-assets.js';
import { startApiServer } from './start-api-server.js';

const sequences = Number(process.env.SEQUENCES ?? 2);
const key = process.env.API_KEY ?? 'sk-test';
const engine = await InferenceEngine.create({
  modelPath: process.env.MODEL_PATH ?? TEST_MODEL_PATH, modelUri: 'unused', downloadDir: '/tmp', threads: Number(process.env.THREADS ?? 1), sequences, contextSize: sequences * 2048, gpu: 'false',
}, createLogger({ level: 'silent' }));
const backend = createEngineChatBackend({ engine, maxTokens: 4096 });
const api = await startApiServer({
  chat: backend, modelId: 'stories260K-r1-test', sourcesInContent: false,
  auth: {
    requiredScope: 'r1.chat',
    authenticate: async (h) => {
      if (h !== `Bearer ${key}`) throw new AuthError(401, 'unknown API key');
      return { client: 'bot', via: 'api_key', scopes: ['r1.chat'] };
    },
  },
});
const state = http.createServer((_req, res) => {
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({
    inUse: engine.pool.inUse,
    requests: backend.signals.length,
    aborted: backend.signals.filter((s) => s.aborted).length,
    results: backend.results.map((r) => ({ stopped: r.stopped, completionTokens: r.completionTokens })),
  }));
});
await new Promise<void>((r) => state.listen(0, '127.0.0.1', r));
console.log(`READY ${new URL(api.baseUrl).port} ${(state.address() as AddressInfo).port}`);
process.on('SIGTERM', () => void api.close().then(() => engine.close()).finally(() => process.exit(0)));
