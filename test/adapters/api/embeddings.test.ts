import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LlamaEmbedder, createApiKey, createBearerAuthenticator, createLogger, migrate, type Db } from '../../../src/index.js';
import { createLlamaEmbeddingsBackend, type ApiChatBackend } from '../../../adapters/api/index.js';
import { TEST_MODEL_PATH, hasTestModel } from '../../support/shared-assets.js';
import { startApiServer, type TestApiServer } from '../../support/start-api-server.js';
import { createTestPgliteDb } from '../../support/test-db.js';

const unusedChat: ApiChatBackend = { complete: async () => { throw new Error('not used'); } };

describe.skipIf(!hasTestModel)('POST /v1/embeddings through the openai client', () => {
  let db: Db;
  let embedder: LlamaEmbedder;
  let key: string;
  const servers: TestApiServer[] = [];
  beforeAll(async () => {
    db = await createTestPgliteDb();
    await migrate(db);
    key = (await createApiKey(db, 'embed-client')).key;
    embedder = await LlamaEmbedder.create({ modelPath: TEST_MODEL_PATH, threads: 1, log: createLogger({ level: 'silent' }) });
  });
  afterAll(async () => {
    for (const s of servers) await s.close();
    await embedder.close();
    await db.close();
  });
  const start = async (withEmbeddings: boolean) => {
    const srv = await startApiServer({
      auth: createBearerAuthenticator({ apiKeysDb: db, requiredScope: 'r1.chat' }), chat: unusedChat, modelId: 'r1',
      embeddings: withEmbeddings ? createLlamaEmbeddingsBackend(embedder, TEST_MODEL_PATH) : undefined,
    });
    servers.push(srv);
    return new OpenAI({ apiKey: key, baseURL: `${srv.baseUrl}/v1`, maxRetries: 0 });
  };

  it('returns the model\'s vectors (base64, the SDK default, and float) with token usage', async () => {
    const client = await start(true);
    const inputs = ['The pump seal leaks.', 'Replace the seal on pump P-101.'];
    const expected = await embedder.embed(inputs);
    const viaSdk = await client.embeddings.create({ model: 'stories260K-r1-test', input: inputs });
    expect(viaSdk.data).toHaveLength(2);
    expect(viaSdk.data.map((d) => d.index)).toEqual([0, 1]);
    for (const [i, d] of viaSdk.data.entries()) {
      expect(d.embedding).toHaveLength(64);
      expect(d.embedding).toEqual(Array.from(expected[i]!));
    }
    expect(viaSdk.usage.prompt_tokens).toBe(inputs.reduce((n, t) => n + embedder.countTokens(t), 0));
    expect(viaSdk.usage.prompt_tokens).toBeGreaterThan(4);
    const floats = await client.embeddings.create({ model: 'stories260K-r1-test', input: 'The pump seal leaks.', encoding_format: 'float' });
    expect(floats.data[0]!.embedding.map((x) => Math.fround(x))).toEqual(Array.from(expected[0]!));
    const models = await client.models.list();
    expect(models.data.map((m) => m.id)).toEqual(['r1', 'stories260K-r1-test']);
  });

  it('400 for token arrays and dimensions, 404 for another model', async () => {
    const client = await start(true);
    const tokens = await client.embeddings.create({ model: 'stories260K-r1-test', input: [[1, 2, 3]] }).catch((e: unknown) => e);
    expect(tokens).toBeInstanceOf(OpenAI.BadRequestError);
    expect((tokens as InstanceType<typeof OpenAI.BadRequestError>).param).toBe('input');
    const dims = await client.embeddings.create({ model: 'stories260K-r1-test', input: 'x', dimensions: 8 }).catch((e: unknown) => e);
    expect((dims as InstanceType<typeof OpenAI.BadRequestError>).param).toBe('dimensions');
    await expect(client.embeddings.create({ model: 'text-embedding-3-small', input: 'x' })).rejects.toBeInstanceOf(OpenAI.NotFoundError);
  });

  it('answers 404 in OpenAI\'s shape when no embedding model is configured', async () => {
    const client = await start(false);
    const e = await client.embeddings.create({ model: 'stories260K-r1-test', input: 'x' }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(OpenAI.NotFoundError);
    expect((e as InstanceType<typeof OpenAI.NotFoundError>).message).toMatch(/EMBEDDING_MODEL_PATH/);
  });
});
