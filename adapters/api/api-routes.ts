import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { BearerAuthenticator, Logger } from '../../src/index.js';
import { handleChatCompletion } from './chat-completions.js';
import { handleEmbeddings } from './embeddings.js';
import { handleFeedback } from './feedback.js';
import { notFound, toOpenAiError } from './errors.js';
import type { ApiImageLimits } from './chat-request.js';
import type { ApiChatBackend, ApiClient, ApiEmbeddingsBackend, ApiFeedbackBackend } from './types.js';

export interface ApiRoutesOptions {
  /** Checks `Authorization` on every `/v1` request (`bearerAuthenticatorFromConfig`). */
  auth: BearerAuthenticator;
  /** Answers chat completions (production: the queue-backed admission path). */
  chat: ApiChatBackend;
  /** `POST /v1/embeddings`; unset (no `EMBEDDING_MODEL_PATH`) = 404. */
  embeddings?: ApiEmbeddingsBackend;
  /** `POST /v1/feedback` (votes and corrections on answers by completion id); unset = 404. */
  feedback?: ApiFeedbackBackend;
  /** The served model's id (`apiModelId(cfg)`). */
  modelId: string;
  /** Longest question in characters (`QUESTION_MAX_CHARS`); longer → 413. */
  questionMaxChars: number;
  /** Largest request body, in bytes; larger → 413. Defaults to 1 MiB (chat completions: plus room for the images below). */
  bodyLimitBytes?: number;
  /** `image_url` parts (data: URLs) of chat completions: IMAGE_MAX_BYTES, IMAGE_MAX_COUNT. Defaults to 10 MB, 4. */
  imageLimits?: ApiImageLimits;
  /** Append the sources list (or the model-only note) to `content`, as Slack shows it. Defaults to true. */
  sourcesInContent?: boolean;
  log: Logger;
  /** Route prefix. Defaults to `/v1`. */
  prefix?: string;
}

/** When `/v1/models` says the model was made: fixed, as there is one served model. */
const MODEL_CREATED_S = 1_737_331_200; // 2025-01-20, DeepSeek-R1's release

/**
 * The OpenAI-compatible API as a Fastify plugin on the shared HTTP server. Every route needs a
 * bearer credential; errors use OpenAI's shape. Register it only when `isApiEnabled(cfg)`: with no
 * authentication configured, `/v1` is not mounted and answers 404.
 */
export async function registerApiRoutes(app: FastifyInstance, o: ApiRoutesOptions): Promise<void> {
  const clients = new WeakMap<FastifyRequest, ApiClient>();
  const clientOf = (req: FastifyRequest): ApiClient => {
    const c = clients.get(req);
    if (!c) throw new Error('unauthenticated request reached an API route');
    return c;
  };
  const ids = [...new Set([o.modelId, ...(o.embeddings ? [o.embeddings.model] : [])])];
  const models = () => ids.map((id) => ({ id, object: 'model' as const, created: MODEL_CREATED_S, owned_by: 'r1-chatops' }));

  await app.register(
    async (api) => {
      // Before the body is read: an unauthenticated caller never gets its body parsed.
      api.addHook('onRequest', async (req) => {
        clients.set(req, await o.auth.authenticate(req.headers.authorization));
      });
      api.setErrorHandler((err, req, reply: FastifyReply) => {
        const e = toOpenAiError(err, o.auth.requiredScope);
        if (e.status >= 500) o.log.error({ err, route: req.routeOptions.url }, 'API request failed');
        else o.log.info({ status: e.status, code: e.code, route: req.routeOptions.url, client: clients.get(req)?.client }, 'API request refused');
        return reply.code(e.status).headers(e.headers).send(e.toBody());
      });
      api.setNotFoundHandler(async (req, reply) => {
        const e = notFound(`Unknown request URL: ${req.method} ${req.url.split('?')[0]}.`, 'unknown_url');
        return reply.code(404).send(e.toBody());
      });

      api.get('/models', async () => ({ object: 'list', data: models() }));
      api.get<{ Params: { model: string } }>('/models/:model', async (req) => {
        const m = models().find((x) => x.id === req.params.model);
        if (!m) throw notFound(`The model '${req.params.model}' does not exist.`, 'model_not_found', 'model');
        return m;
      });
      const images = o.imageLimits ?? { maxBytes: 10 * 1024 * 1024, maxCount: 4 };
      // Base64 is 4/3 of the bytes: room for every image at its limit, plus the text.
      const chatBodyLimit = (o.bodyLimitBytes ?? 1 << 20) + Math.ceil((images.maxBytes * images.maxCount * 4) / 3);
      api.post('/chat/completions', { bodyLimit: chatBodyLimit }, (req, reply) =>
        handleChatCompletion(
          { chat: o.chat, modelId: o.modelId, questionMaxChars: o.questionMaxChars, sourcesInContent: o.sourcesInContent ?? true, requiredScope: o.auth.requiredScope, log: o.log, imageLimits: images },
          clientOf(req), req, reply,
        ));
      if (o.feedback) {
        const feedback = o.feedback;
        api.post('/feedback', { bodyLimit: 64 * 1024 }, (req) => handleFeedback(feedback, clientOf(req), req));
      }
      api.post('/embeddings', { bodyLimit: o.bodyLimitBytes ?? 1 << 20 }, (req, reply) => handleEmbeddings(o.embeddings, clientOf(req), req, reply));
    },
    { prefix: o.prefix ?? '/v1' },
  );
}
