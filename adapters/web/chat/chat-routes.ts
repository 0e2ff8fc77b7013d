import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  IntakeUnavailableError, admitQuestion, chatGroupFor, createWebChat, deleteWebChat, diagnosisJobId, getDiagnosisByMessageId, getMessage, getMessagesKnowledge, getWebChat, listConversation,
  listImages, listImagesOfJobs, listWebChats, recordCorrection, recordDiagnosisFeedback, recordVote, requestCancel, toImageReading, touchWebChat, type MessageRow, type Runtime, type WebChat,
} from '../../../src/index.js';
import { SseWriter } from '../../shared/sse-writer.js';
import type { WebUser } from '../web-auth.js';
import { followAnswer } from './answer-events.js';
import { imageReadings, knowledgeNote, sourcesList } from '../answer-parts.js';
import { readAskForm } from './ask-form.js';
import { answerBody, chatPage, correctionForm, voteForm, type ChatTurn } from './chat-page.js';
import { answerDiagnosis, diagnoseArgs, diagnoseOfferForms } from './diagnosis-html.js';
import { precheckDiagnose } from './precheck-diagnose.js';
import { registerDiagnosisRoutes } from './diagnosis-routes.js';
import type { WebPlatform } from './web-platform.js';

/** Which chat a job belongs to, so only its asker can follow or stop it (kept as long as a BullMQ dedupe id). */
const JOB_OWNER_TTL_S = 86_400;
const ownerKey = (prefix: string, jobId: string) => `${prefix}:web:job:${jobId}`;
/** The chat's last question until its message-log row exists (a worker started it): the page shows it as waiting. */
const pendingKey = (prefix: string, chatId: string) => `${prefix}:web:pending:${chatId}`;

/** `/diagnose` with pictures attached: the diagnosis runs on the registry and manuals, not on the pictures. */
const DIAGNOSE_IGNORES_IMAGES = '⚠️ /diagnose does not read pictures: the diagnosis uses the asset registry and its manuals. Ask without /diagnose to have a picture read.';

const userOf = (req: FastifyRequest): WebUser => (req as FastifyRequest & { webUser: WebUser }).webUser;
const wantsJson = (req: FastifyRequest) => (req.headers.accept ?? '').includes('application/json');

/** The chat's turns (at most 100) with their sources, images and this user's votes: four queries, plus one or two per diagnosis or answer to a picture. */
async function turnsOf(rt: Runtime, user: WebUser, chat: WebChat): Promise<ChatTurn[]> {
  const rows = await listConversation(rt.db, { platform: 'web', tenant: chat.tenant, channel: chat.group, thread: chat.id }, 100);
  const ids = rows.map((r) => r.id);
  const [feedback, knowledge, images] = await Promise.all([
    rt.db.query<{ message_id: string; value: 'up' | 'down'; correction: string | null }>(
      'SELECT message_id, value, correction FROM feedback WHERE user_id = $1 AND message_id = ANY($2::bigint[])', [user.userId, ids]),
    getMessagesKnowledge(rt.db, ids),
    listImagesOfJobs(rt.db, rows.map((r) => r.jobId)),
  ]);
  const votes = new Map(feedback.rows.map((v) => [String(v.message_id), v]));
  return Promise.all(rows.map(async (row) => {
    const kn = knowledge.get(row.id) ?? { knowledge: null, sources: [] };
    const v = votes.get(row.id);
    const read = (images.get(row.jobId) ?? []).map(toImageReading);
    // Diagnose offers as Slack's delivery makes them: under any finished answer but a failed one ('delivered' included).
    const diagnosis = await answerDiagnosis(rt.db, row, read, row.status !== 'failed' && row.status !== 'generating');
    return { row, sources: kn.knowledge === 'cited' ? kn.sources : [], knowledge: kn.knowledge, vote: v?.value ?? null, correction: v?.correction ?? null, images: read, diagnosis };
  }));
}

/**
 * `/chat`: the web chat. A question is admitted like a Slack mention (platform `web`, tenant = the
 * issuer, channel = the chat's group, thread = the chat id); the page follows the answer over
 * server-sent events (`/chat/events/:job`), can stop it, and votes on it. Without JavaScript the
 * form posts and the page refreshes until the answer is there.
 */
export function registerChatRoutes(web: FastifyInstance, rt: Runtime, platform: WebPlatform): void {
  const { cfg } = rt;
  const userRoute = { config: { access: 'user' as const } };

  const imageLimits = { maxBytes: cfg.IMAGE_MAX_BYTES, maxCount: cfg.IMAGE_MAX_COUNT };
  const ownChat = async (user: WebUser, id: string) => getWebChat(rt.db, user.userId, id);
  /** An answer in one of this user's chats, with its chat: only the asker votes on (and corrects) it. */
  const ownAnswer = async (user: WebUser, messageId: unknown): Promise<{ row: MessageRow; chat: WebChat } | null> => {
    const row = typeof messageId === 'string' && /^\d+$/.test(messageId) ? await getMessage(rt.db, messageId) : null;
    const chat = row && row.key.platform === 'web' && row.userId === user.userId ? await ownChat(user, row.key.thread) : null;
    return row && chat ? { row, chat } : null;
  };
  /** The chat of a job, when it is this user's. */
  const ownJob = async (user: WebUser, jobId: string): Promise<WebChat | null> => {
    const chatId = await rt.redis.get(ownerKey(cfg.QUEUE_PREFIX, jobId));
    return chatId ? ownChat(user, chatId) : null;
  };

  const show = async (req: FastifyRequest, reply: FastifyReply, chat?: WebChat, notice?: string, info?: string) => {
    const user = userOf(req);
    const [chats, turns] = await Promise.all([listWebChats(rt.db, user.userId), chat ? turnsOf(rt, user, chat) : Promise.resolve([])]);
    const pending = chat ? await rt.redis.get(pendingKey(cfg.QUEUE_PREFIX, chat.id)) : null;
    if (chat && pending) {
      const p = JSON.parse(pending) as { jobId: string; question: string; at: number; kind?: 'chat' | 'diagnose' };
      if (!turns.some((t) => t.row.jobId === p.jobId)) {
        // Admitted, not started yet: shown as waiting (the page follows it, or refreshes without JavaScript).
        turns.push({
          row: { id: '', jobId: p.jobId, key: { platform: 'web', tenant: chat.tenant, channel: chat.group, thread: chat.id }, userId: user.userId, kind: p.kind ?? 'chat', question: p.question,
            answer: null, reasoning: null, status: 'generating', error: null, modelSha256: null, promptTokens: null, completionTokens: null, timings: {}, replyRef: null, attempts: 0, deliveredAt: null } as MessageRow,
          sources: [], knowledge: null, vote: null, correction: null, images: [],
        });
      }
    }
    return reply.type('text/html; charset=utf-8').send(chatPage({ user, chats, chat, turns, notice, info, imageLimits }).value);
  };

  web.get('/chat', userRoute, (req, reply) => show(req, reply));
  web.get<{ Params: { id: string } }>('/chat/c/:id', userRoute, async (req, reply) => {
    const chat = await ownChat(userOf(req), req.params.id);
    if (!chat) return reply.code(404).type('text/html; charset=utf-8').send((await import('../layout.js')).messagePage('Not found', 'No such conversation.', userOf(req)).value);
    return show(req, reply, chat);
  });

  web.post('/chat/ask', { config: { access: 'user' as const, multipartCsrf: true } }, async (req, reply) => {
    const user = userOf(req);
    // With images the form is multipart: its CSRF token is checked while it is read.
    const form = await readAskForm(req, user, imageLimits);
    if (!form) return reply.code(403).send({ error: 'missing or invalid CSRF token; reload the page and try again' });
    const text = form.text;
    let chat = form.chat ? await ownChat(user, form.chat) : null;
    if (form.chat && !chat) return reply.code(404).send({ error: 'no such conversation' });
    const eventId = randomUUID();
    const group = chat?.group ?? chatGroupFor(user.groups, form.group);
    const chatId = chat?.id ?? randomUUID();
    const key = { platform: 'web' as const, tenant: user.tenant, channel: group, thread: chatId };
    // `/diagnose <asset> <fault code or symptom>`: checked here (a bad request is answered at once,
    // nothing queued), then admitted as the command; the page follows the diagnosis job it enqueues.
    const diagnose = diagnoseArgs(text);
    if (diagnose !== null) {
      const pre = await precheckDiagnose(rt, platform, user, key, diagnose, eventId);
      if (pre.kind !== 'admit') {
        const code = pre.kind === 'history' ? 200 : pre.status;
        if (wantsJson(req)) return reply.code(code).send(pre.kind === 'history' ? { info: pre.text } : { error: pre.text });
        reply.code(code);
        return pre.kind === 'history' ? show(req, reply, chat ?? undefined, undefined, pre.text) : show(req, reply, chat ?? undefined, pre.text);
      }
    }
    let res;
    try {
      res = await admitQuestion(rt, platform, {
        v: 1,
        key,
        user: { id: user.userId, ...(user.userName ? { name: user.userName } : {}) },
        text: diagnose === null ? text : '', eventId, receivedAt: Date.now(), reply: {},
        // The access policy's group rules see the OIDC groups the session carries.
        access: { groups: user.groups },
        ...(diagnose === null ? {} : { command: { name: 'diagnose' as const, args: diagnose } }),
        // Uploaded pictures, as the API's data: URLs: bytes admission checks and parks for the intake worker.
        // A diagnosis reads no pictures (it is said below), so none are parked for it.
        ...(form.images.length && diagnose === null ? { images: form.images } : {}),
      }, { kind: diagnose === null ? 'web_chat' : 'web_diagnose' });
    } catch (e) {
      if (!(e instanceof IntakeUnavailableError)) throw e;
      const msg = 'The queue is not reachable right now; please try again in a moment.';
      return wantsJson(req) ? reply.code(503).send({ error: msg }) : reply.code(503).type('text/html; charset=utf-8').send(msg);
    }
    if (res.kind === 'rejected') {
      if (res.reason === 'rate_limited') reply.header('retry-after', String(res.retryAfterS));
      const code = res.reason === 'rate_limited' ? 429 : res.reason === 'too_long' ? 413 : res.reason === 'not_allowed' ? 403 : 400;
      if (wantsJson(req)) return reply.code(code).send({ error: res.text });
      reply.code(code);
      return show(req, reply, chat ?? undefined, res.text);
    }
    // A diagnosis is followed under its own job id (the intake job only runs the command).
    const jobId = diagnose === null ? res.jobId : diagnosisJobId('web', user.tenant, eventId);
    const title = text.trim().replace(/\s+/g, ' ').slice(0, 80) || form.images.map((i) => i.name ?? 'image').join(', ').slice(0, 80);
    chat ??= await createWebChat(rt.db, { id: chatId, userId: user.userId, tenant: user.tenant, group, title });
    await touchWebChat(rt.db, chat.id);
    await rt.redis.multi()
      .set(ownerKey(cfg.QUEUE_PREFIX, jobId), chat.id, 'EX', JOB_OWNER_TTL_S)
      .set(pendingKey(cfg.QUEUE_PREFIX, chat.id), JSON.stringify({ jobId, at: Date.now(), ...(diagnose === null ? { question: text.trim() } : { question: diagnose, kind: 'diagnose' }) }), 'EX', JOB_OWNER_TTL_S)
      .exec();
    rt.log.info({ user: user.userId, jobId, group, images: form.images.length, diagnose: diagnose !== null }, 'web question admitted');
    // Images left out are told at once (the text is answered anyway); the answer lists them again.
    const refused = diagnose !== null && form.images.length ? [DIAGNOSE_IGNORES_IMAGES] : (res.imageRefusals ?? []).map((r) => `⚠️ ${r.reason}.`);
    // A diagnosis cannot be stopped (its worker takes no cancel): the page offers no Stop for it.
    if (wantsJson(req)) return reply.send({ chat: chat.id, job: jobId, url: `/chat/c/${chat.id}`, refused, stoppable: diagnose === null });
    return reply.redirect(`/chat/c/${chat.id}`, 303);
  });

  web.get<{ Params: { job: string } }>('/chat/events/:job', userRoute, async (req, reply) => {
    const user = userOf(req);
    const chat = await ownJob(user, req.params.job);
    if (!chat) return reply.code(404).send({ error: 'no such answer' });
    reply.hijack();
    const sse = new SseWriter(reply.raw);
    sse.open();
    const gone = new AbortController();
    reply.raw.on('close', () => gone.abort());
    try {
      const readingsOf = () => listImages(rt.db, req.params.job).then((rows) => rows.map(toImageReading), (err: Error) => {
        rt.log.warn({ jobId: req.params.job, err: err.message }, 'web: image readings not read');
        return [];
      });
      const readings = () => readingsOf().then((r) => imageReadings(r).value);
      let ending = Promise.resolve();
      await followAnswer(rt, platform, req.params.job, (e) => {
        if (e.type === 'end' && e.messageId) {
          // The finished answer as the page renders it, so the browser swaps its plain text for it.
          const messageId = e.messageId;
          ending = readingsOf().then(async (images) => {
            // A diagnosis is shown structured; an answer to a picture may offer Diagnose buttons.
            const d = await answerDiagnosis(rt.db, { id: messageId }, images, e.status !== 'failed');
            const parts = [answerBody(user, e.answer ?? '', d).value, e.status === 'stopped' ? '<p class="note">Stopped.</p>' : '', imageReadings(images).value,
              diagnoseOfferForms(user, chat.id, d.offers).value, sourcesList(e.sources).value, knowledgeNote(e.knowledge).value];
            sse.send({ ...e, html: parts.join(''), vote: voteForm(user, messageId, null).value });
          });
        } else if (e.type === 'started') {
          sse.send(e);
          // Images are read before generation starts: show what was read while the answer streams.
          void readings().then((html) => html && sse.send({ type: 'images', html }));
        } else if (e.type === 'sources') sse.send({ ...e, html: sourcesList(e.sources).value + knowledgeNote(e.knowledge).value });
        else sse.send(e);
      }, gone.signal);
      await ending;
    } catch (e) {
      rt.log.warn({ jobId: req.params.job, err: (e as Error).message }, 'web answer stream failed');
      sse.send({ type: 'end', status: 'failed', sources: [], knowledge: null });
    } finally {
      sse.end();
    }
  });

  web.post<{ Params: { job: string } }>('/chat/stop/:job', userRoute, async (req, reply) => {
    const chat = await ownJob(userOf(req), req.params.job);
    if (!chat) return reply.code(404).send({ error: 'no such answer' });
    await requestCancel(rt.redis, cfg.QUEUE_PREFIX, req.params.job);
    rt.log.info({ jobId: req.params.job }, 'web answer stopped by its asker');
    return wantsJson(req) ? reply.send({ ok: true }) : reply.redirect(`/chat/c/${chat.id}`, 303);
  });

  web.post<{ Body: { message?: string; value?: string } }>('/chat/feedback', userRoute, async (req, reply) => {
    const user = userOf(req);
    const value = req.body?.value;
    const own = await ownAnswer(user, req.body?.message);
    if (!own || (value !== 'up' && value !== 'down')) return reply.code(400).send({ error: 'not a vote on one of your answers' });
    const { row, chat } = own;
    const res = await recordVote({ db: rt.db, metrics: rt.metrics }, { messageId: row.id, platform: 'web', tenant: user.tenant, channel: chat.group, userId: user.userId }, value);
    if (!res.ok) return reply.code(404).send({ error: 'no such answer' });
    // On a diagnosis the vote is also the diagnosis' 👍/👎, as Slack's and Teams' buttons record it.
    const diagnosis = row.kind === 'diagnose' ? await getDiagnosisByMessageId(rt.db, row.id) : null;
    if (diagnosis) await recordDiagnosisFeedback(rt.db, diagnosis.id, value, user.userId);
    if (!wantsJson(req)) return reply.redirect(`/chat/c/${chat.id}`, 303);
    if (value === 'up') return reply.send({ ok: true, value });
    // After a 👎: "What would have been right?" under the answer (with this user's earlier correction, if any).
    const prior = await rt.db.query<{ correction: string | null }>('SELECT correction FROM feedback WHERE message_id = $1 AND user_id = $2', [row.id, user.userId]);
    return reply.send({ ok: true, value, correction: correctionForm(user, row.id, prior.rows[0]?.correction ?? null).value });
  });

  web.post<{ Body: { message?: string; text?: string } }>('/chat/correction', userRoute, async (req, reply) => {
    const user = userOf(req);
    const own = await ownAnswer(user, req.body?.message);
    if (!own) return reply.code(400).send({ error: 'not one of your answers' });
    const { row, chat } = own;
    const res = await recordCorrection({ db: rt.db, metrics: rt.metrics }, { messageId: row.id, platform: 'web', tenant: user.tenant, channel: chat.group, userId: user.userId }, String(req.body?.text ?? ''));
    if (!res.ok) {
      const error = res.reason === 'empty' ? 'Please write what the right answer would have been.'
        : res.reason === 'too_long' ? 'That is too long; please shorten it.' : 'This answer cannot be found any more, so the correction was not saved.';
      if (wantsJson(req)) return reply.code(res.reason === 'not_found' ? 404 : 400).send({ error });
      reply.code(400);
      return show(req, reply, chat, error);
    }
    rt.log.info({ user: user.userId, messageId: row.id }, 'web correction recorded');
    return wantsJson(req) ? reply.send({ ok: true, message: 'Thanks — your correction is saved with the answer.' }) : reply.redirect(`/chat/c/${chat.id}`, 303);
  });

  registerDiagnosisRoutes(web, rt);

  web.post<{ Params: { id: string } }>('/chat/c/:id/delete', userRoute, async (req, reply) => {
    await deleteWebChat(rt.db, userOf(req).userId, req.params.id);
    return reply.redirect('/chat', 303);
  });
}
