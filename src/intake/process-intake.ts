import type { Job } from 'bullmq';
import { UnrecoverableError } from 'bullmq';
import { handleDiagnoseCommand } from '../diagnosis/index.js';
import { enqueueInference, enqueueOcr, type HistoryMessage, type InferenceJobInput } from '../jobs/index.js';
import { collectImages } from '../images/collect-images.js';
import { IMAGE_ONLY_QUESTION } from '../images/image-text.js';
import { handleKbCommand } from '../rag/index.js';
import { enqueueLiveRelay } from '../live/index.js';
import { withText } from '../log/logger.js';
import { historyFromLog } from '../prompts/index.js';
import { checkRateLimit } from '../scheduling/index.js';
import { adapterForChannel, listConversation } from '../storage/index.js';
import type { Runtime } from '../runtime/index.js';
import type { ChatPlatform } from './chat-platform.js';
import { notifyInBackground } from './admit-question.js';
import { intakeJobSchema, type IntakeJob } from './question.js';

export type IntakeOutcome = 'enqueued' | 'duplicate' | 'rate_limited' | 'command';

/**
 * After the acknowledgement: everything admission left out of the ack path, for one intake job.
 * Each step is safe to repeat (the job is retried after a crash or an error): the rate limit is
 * counted on the first attempt only, the live status is created once and stored in the job
 * before it is used, and the inference job and live relay are keyed by the job id.
 */
export async function processIntake(rt: Runtime, platform: ChatPlatform, job: Job): Promise<IntakeOutcome> {
  const { cfg, log, metrics } = rt;
  const parsed = intakeJobSchema.safeParse(job.data);
  if (!parsed.success) throw new UnrecoverableError(`invalid intake job: ${parsed.error.issues[0]?.message}`);
  let q: IntakeJob = parsed.data;
  const logFields = { platform: platform.platform, jobId: q.jobId, attempt: job.attemptsMade + 1 };

  if (q.command) {
    await runCommand(rt, platform, q, q.command);
    return 'command';
  }
  // Platforms that answer synchronously (the HTTP API: a 429) check their limits at admission.
  if (job.attemptsMade === 0 && !platform.limitsAtAdmission) {
    const rl = await checkRateLimit(rt.redis, cfg.QUEUE_PREFIX, q.key, q.user.id, { userPerMin: cfg.RATE_LIMIT_USER_PER_MIN, channelPerMin: cfg.RATE_LIMIT_CHANNEL_PER_MIN });
    if (!rl.ok) {
      notifyInBackground(rt, platform, q, rl.message);
      log.info({ ...logFields, scope: rl.scope }, 'question rate limited');
      return 'rate_limited';
    }
  }
  // "Working on it" within a second, before any slower step; best effort (a 429 here must not delay the answer).
  platform.showWorking?.(q).catch((e: Error) => log.debug({ ...logFields, err: e.message }, 'working indicator failed'));

  const history = q.history ?? (await historyOf(rt, platform, q).catch((e: Error) => {
    log.warn({ ...logFields, err: e.message }, 'could not fetch thread history; answering without it');
    return [] as HistoryMessage[];
  }));

  const live = cfg.LIVE_UPDATES && platform.liveSurface !== undefined && (platform.wantsLive?.(q) ?? true);
  if (live) {
    if (platform.startLive && q.reply.live_started !== true) {
      const extra = await platform.startLive(q, q.jobId);
      q = { ...q, reply: { ...q.reply, ...extra, live_started: true } };
      // Stored before use: a retried intake job reuses the status message instead of posting another.
      await job.updateData(q);
    }
    // The relay first, so the final delivery always finds it (and waits for it) however fast the answer.
    await enqueueLiveRelay(rt.queues.liveFor(platform.platform), { v: 1, jobId: q.jobId, key: q.key, user: { id: q.user.id }, reply: q.reply });
  }
  // The channel's LoRA adapter travels with the job: the worker answers on that adapter's context.
  const adapter = await adapterForChannel(rt.db, q.key);
  const withImages = Boolean(q.images?.length || q.imageRefusals?.length);
  const inference: InferenceJobInput = {
    v: 1, kind: 'chat', key: q.key, user: q.user, text: q.text || IMAGE_ONLY_QUESTION, history,
    source: { eventId: q.eventId, receivedAt: q.receivedAt }, reply: q.reply, options: q.options, adapter, images: withImages || undefined,
  };
  let res;
  const images = withImages ? await collectImages({ db: rt.db, redis: rt.redis, log, limits: { maxBytes: cfg.IMAGE_MAX_BYTES, maxCount: cfg.IMAGE_MAX_COUNT } }, platform, q) : null;
  if (images && images.stored > 0) {
    // Read first (the worker role's OCR queue); the OCR job enqueues the inference job.
    res = await enqueueOcr(rt.queues.ocr, { v: 1, inference }, { attempts: cfg.JOB_ATTEMPTS });
  } else {
    res = await enqueueInference(rt.queues.inference, inference, { attempts: cfg.JOB_ATTEMPTS, fair: rt.fair });
  }
  if (res.jobId !== q.jobId) throw new UnrecoverableError(`job id mismatch: intake ${q.jobId}, inference ${res.jobId}`);
  metrics.jobs.inc({ queue: 'intake', outcome: res.duplicate ? 'duplicate' : 'enqueued' });
  log.info(withText(log, { ...logFields, duplicate: res.duplicate, historyMessages: history.length, live, adapter, images: images ?? undefined }, { text: q.text }), 'question enqueued');
  return res.duplicate ? 'duplicate' : 'enqueued';
}

async function historyOf(rt: Runtime, platform: ChatPlatform, q: IntakeJob): Promise<HistoryMessage[]> {
  if (platform.fetchHistory) return platform.fetchHistory(q);
  // No history API (Teams, console): the thread's earlier turns come from the message log.
  return historyFromLog(await listConversation(rt.db, q.key, rt.cfg.HISTORY_MAX_MESSAGES));
}

/** `/kb …` and `/diagnose …` through the platform-neutral handlers; the answer goes to the asker. */
async function runCommand(rt: Runtime, platform: ChatPlatform, q: IntakeJob, command: NonNullable<IntakeJob['command']>): Promise<void> {
  const { cfg } = rt;
  rt.metrics.eventsReceived.inc({ platform: platform.platform, kind: `${command.name}_command` });
  let text: string;
  let followsUp = false;
  if (command.name === 'kb') {
    const res = await handleKbCommand(
      { db: rt.db, adminUsers: platform.operatorSurface ? [...cfg.ADMIN_USERS, `${q.key.platform}:${q.user.id}`] : cfg.ADMIN_USERS, webSearchConfigured: Boolean(cfg.WEB_SEARCH_URL) },
      { key: { platform: q.key.platform, tenant: q.key.tenant, channel: q.key.channel }, userId: q.user.id, args: command.args },
    );
    text = res.text;
  } else {
    const res = await handleDiagnoseCommand(
      { db: rt.db, queue: rt.queues.inference, maxChars: cfg.DIAGNOSIS_MAX_CHARS, historyLimit: cfg.DIAGNOSIS_HISTORY_LIMIT, attempts: cfg.JOB_ATTEMPTS, command: '/diagnose', resultWhere: 'The result will follow here.' },
      { key: q.key, userId: q.user.id, text: command.args, eventId: q.eventId, receivedAt: q.receivedAt, reply: q.reply },
    );
    text = res.text;
    followsUp = res.kind === 'queued';
  }
  await platform.notify(q, text, { followsUp });
}
