import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { toParam } from './chat-request.js';
import { badRequest, notFound } from './errors.js';
import type { ApiClient, ApiEmbeddingsBackend } from './types.js';

/** Inputs per request, as OpenAI allows. */
const MAX_INPUTS = 2048;

/** @see https://platform.openai.com/docs/api-reference/embeddings/create */
const embeddingsBodySchema = z.object({
  model: z.string().min(1),
  input: z.union([z.string(), z.array(z.string()).min(1).max(MAX_INPUTS)]),
  encoding_format: z.enum(['float', 'base64']).nullish(),
  user: z.string().max(256).nullish(),
}).loose();

/** Float32 little-endian bytes, base64: what the openai SDK asks for by default and decodes. */
const toBase64 = (v: ArrayLike<number>) => Buffer.from(Float32Array.from(v).buffer).toString('base64');

/** `POST /v1/embeddings`: 404 unless an embedding model is configured. */
export async function handleEmbeddings(backend: ApiEmbeddingsBackend | undefined, client: ApiClient, req: FastifyRequest, reply: FastifyReply): Promise<unknown> {
  if (!backend) throw notFound('Embeddings are not enabled on this server (EMBEDDING_MODEL_PATH is not set).', 'embeddings_disabled');
  const raw = req.body as Record<string, unknown> | null;
  if (raw && typeof raw === 'object') {
    if (raw.dimensions != null) throw badRequest('Unsupported parameter: \'dimensions\': the embedding size is fixed by the model.', 'dimensions', 'unsupported_parameter');
    const inp = raw.input;
    if (Array.isArray(inp) && inp.some((x) => typeof x !== 'string')) throw badRequest('token-array inputs are not supported; send strings', 'input', 'unsupported_parameter');
  }
  const res = embeddingsBodySchema.safeParse(raw);
  if (!res.success) {
    const issue = res.error.issues[0]!;
    const param = toParam(issue.path);
    throw badRequest(`Invalid value for ${param ? `'${param}'` : 'the request'}: ${issue.message}`, param);
  }
  const b = res.data;
  if (b.model !== backend.model) throw notFound(`The model '${b.model}' does not exist; embeddings use '${backend.model}'.`, 'model_not_found', 'model');
  const inputs = typeof b.input === 'string' ? [b.input] : b.input;
  const ac = new AbortController();
  reply.raw.on('close', () => {
    if (!reply.raw.writableFinished) ac.abort(new Error('client disconnected'));
  });
  const { vectors, promptTokens } = await backend.embed(inputs, client, ac.signal);
  const base64 = b.encoding_format === 'base64';
  return {
    object: 'list',
    data: vectors.map((v, index) => ({ object: 'embedding', index, embedding: base64 ? toBase64(v) : Array.from(v) })),
    model: backend.model,
    usage: { prompt_tokens: promptTokens, total_tokens: promptTokens },
  };
}
