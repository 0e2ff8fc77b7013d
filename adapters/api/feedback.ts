import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { CORRECTION_MAX_CHARS, getMessageByJobId, inferenceJobId, recordCorrection, recordVote, type FeedbackResult, type Runtime } from '../../src/index.js';
import { API_TENANT } from './api-platform.js';
import { toParam } from './chat-request.js';
import { badRequest, notFound } from './errors.js';
import type { ApiClient, ApiFeedback, ApiFeedbackBackend } from './types.js';

/**
 * `POST /v1/feedback` body (ours; OpenAI has no such route): a vote and/or a correction on an
 * answer, named by the `id` its chat completion returned. A correction counts as a 👎.
 */
export const feedbackBodySchema = z.object({
  completion_id: z.string().regex(/^chatcmpl-[A-Za-z0-9_-]{1,64}$/, 'must be the id of a chat completion (chatcmpl-…)'),
  value: z.enum(['up', 'down']).optional(),
  correction: z.string().max(CORRECTION_MAX_CHARS).optional(),
  /** OpenAI's end-user id: votes are per client and end user (one vote each, the last counts). */
  user: z.string().max(256).optional(),
}).strict().refine((b) => b.value !== undefined || b.correction !== undefined, { message: 'give value ("up" or "down") or correction', path: ['value'] })
  .refine((b) => b.value !== 'up' || b.correction === undefined, { message: 'a correction goes with "down", not "up"', path: ['correction'] });

/** Parses the body into our terms; a bad body is a 400 naming the parameter. */
export function parseFeedbackBody(body: unknown): ApiFeedback {
  const r = feedbackBodySchema.safeParse(body ?? {});
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw badRequest(`${toParam(issue.path) ?? 'body'}: ${issue.message}`, toParam(issue.path));
  }
  return { completionId: r.data.completion_id, value: r.data.value, correction: r.data.correction, user: r.data.user };
}

/** The route handler: 200 with what was stored, 404 for an answer this client cannot see. */
export async function handleFeedback(backend: ApiFeedbackBackend, client: ApiClient, req: FastifyRequest): Promise<Record<string, unknown>> {
  const f = parseFeedbackBody(req.body);
  const res = await backend.record(f, client);
  if (!res.ok) {
    if (res.reason === 'not_found') throw notFound(`No finished answer with id '${f.completionId}' for this client.`, 'completion_not_found', 'completion_id');
    throw badRequest(res.reason === 'empty' ? 'correction: is empty' : 'correction: is too long', 'correction');
  }
  return { object: 'feedback', completion_id: f.completionId, value: f.correction !== undefined ? 'down' : f.value, correction: f.correction !== undefined };
}

/**
 * The production backend: the completion id is the event id the question was admitted under
 * (see `createQueueChatBackend`), so it names the message-log row; votes land through the core's
 * `recordVote` / `recordCorrection`, only on this client's own answers.
 */
export function createApiFeedbackBackend(rt: Pick<Runtime, 'db' | 'metrics'>): ApiFeedbackBackend {
  return {
    async record(f, client): Promise<FeedbackResult> {
      const row = await getMessageByJobId(rt.db, inferenceJobId('api', API_TENANT, f.completionId));
      if (!row) return { ok: false, reason: 'not_found' };
      const from = { messageId: row.id, platform: 'api' as const, tenant: API_TENANT, channel: client.client, userId: f.user ? `${client.client}/${f.user}` : client.client };
      const deps = { db: rt.db, metrics: rt.metrics };
      if (f.correction !== undefined) return recordCorrection(deps, from, f.correction);
      return recordVote(deps, from, f.value!);
    },
  };
}
