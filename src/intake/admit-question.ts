import type { Runtime } from '../runtime/index.js';
import { IntakeUnavailableError } from '../errors.js';
import { DEDUPE_TTL_MS, JOB_INTAKE, inferenceJobId } from '../jobs/index.js';
import { checkRateLimit } from '../scheduling/index.js';
import { sanitizeText } from '../text/index.js';
import { admitImages, parkImageBlobs, refusalNotice } from '../images/admit-images.js';
import type { ImageRefusal } from '../images/image-ref.js';
import { DEFAULT_INTAKE_TEXTS, type ChatPlatform } from './chat-platform.js';
import { intakeJobSchema, type IntakeJob, type QuestionInput } from './question.js';
import { checkAccess } from './check-access.js';
import type { RefusalReason } from '../policy/index.js';

/** The part of the runtime admission uses. */
export type IntakeRuntime = Pick<Runtime, 'cfg' | 'log' | 'metrics' | 'queues' | 'redis' | 'policy'>;

export type AdmitResult =
  /**
   * Durably queued (or already queued: a platform retry). Safe to acknowledge. `imageRefusals`: the
   * images left out (each with why), for a surface that answers the asker at once (the web chat);
   * they also reach the reply through the intake job.
   */
  | { kind: 'accepted'; jobId: string; duplicate: boolean; imageRefusals?: ImageRefusal[] }
  /** Not a question the bot can take; the asker was told why (through `notify`). Acknowledge too: a retry would not change it. */
  | { kind: 'rejected'; reason: 'empty' | 'too_long'; text: string }
  /** Refused by the access policy (workspace, channel, DMs, or the command's users); nothing was queued. */
  | { kind: 'rejected'; reason: 'not_allowed'; why: RefusalReason; text: string }
  /** Over the platform's admission-time rate limit (`limitsAtAdmission`); nothing was queued. */
  | { kind: 'rejected'; reason: 'rate_limited'; text: string; retryAfterS: number };

export interface AdmitOptions {
  /** The platform's name for the event, as a metrics label (`app_mention`, `message_im`, `personal`…). Defaults to `question`. */
  kind?: string;
}

/** Intake jobs are cheap to retry (every step is idempotent); a few attempts ride out a short outage. */
const INTAKE_ATTEMPTS = 8;

/**
 * The one admission path of every surface. It sanitises the text (NUL and other C0 controls
 * removed, lone surrogates replaced: PostgreSQL and the tokenizer reject them), checks the length,
 * derives the job id once from the platform's event id, and puts the question durably on the
 * platform's intake queue under that id — the only dedupe key, so a platform retry of an event
 * whose job does not exist is queued, and one whose job exists is a no-op. It resolves only once
 * the job is in Redis: the surface acknowledges after it, and answers non-2xx when it throws
 * {@link IntakeUnavailableError} (Redis down, or slower than INTAKE_TIMEOUT_MS), so the platform
 * retries. Everything slow (rate limits, 👀, history, live answers, inference enqueue) happens after
 * the acknowledgement, in `processIntake`.
 */
export async function admitQuestion(rt: IntakeRuntime, platform: ChatPlatform, input: QuestionInput, opts: AdmitOptions = {}): Promise<AdmitResult> {
  const t0 = performance.now();
  const { cfg, metrics } = rt;
  const kind = opts.kind ?? (input.command ? `${input.command.name}_command` : 'question');
  metrics.eventsReceived.inc({ platform: platform.platform, kind });
  const text = sanitizeText(input.text).trim();
  const texts = { ...DEFAULT_INTAKE_TEXTS, ...platform.texts };
  const jobId = inferenceJobId(input.key.platform, input.key.tenant, input.eventId);
  const images = admitImages(cfg.QUEUE_PREFIX, jobId, input.images ?? [], { maxBytes: cfg.IMAGE_MAX_BYTES, maxCount: cfg.IMAGE_MAX_COUNT });
  const job: IntakeJob = intakeJobSchema.parse({
    ...input, text, jobId,
    images: images.refs.length ? images.refs : undefined,
    imageRefusals: images.refusals.length ? images.refusals : undefined,
    history: input.history?.map((h) => ({ ...h, text: sanitizeText(h.text) })),
    command: input.command ? { name: input.command.name, args: sanitizeText(input.command.args) } : undefined,
  });
  const reject = (reason: 'empty' | 'too_long', message: string): AdmitResult => {
    metrics.eventsAcked.inc({ platform: platform.platform, kind, outcome: 'rejected' });
    notifyInBackground(rt, platform, job, message);
    return { kind: 'rejected', reason, text: message };
  };
  // Who may ask what, where: before anything else is said or stored (a refused place hears it once per conversation).
  const access = await checkAccess(rt, platform, {
    platform: job.key.platform, tenant: job.key.tenant, channel: job.key.channel, userId: job.user.id, dm: job.access?.dm === true,
    enterprise: job.access?.enterprise, userGroups: job.access?.groups, command: job.command?.name ?? (platform.platform === 'api' ? 'api' : 'chat'),
  }, job.key).catch((e: Error) => {
    throw unavailable(rt, platform, kind, `access policy unavailable: ${e.message}`, e);
  });
  if (!access.ok) {
    metrics.eventsAcked.inc({ platform: platform.platform, kind, outcome: 'refused' });
    if (access.notify) notifyInBackground(rt, platform, job, access.text);
    return { kind: 'rejected', reason: 'not_allowed', why: access.reason, text: access.text };
  }
  // A picture alone is a question; a refused picture alone is not, and the refusal says why.
  if (!text && !job.command && images.refs.length === 0) return reject('empty', images.refusals.length ? refusalNotice(images.refusals) : texts.empty);
  if (text.length > cfg.QUESTION_MAX_CHARS) return reject('too_long', texts.tooLong(cfg.QUESTION_MAX_CHARS));

  // A dead Redis would hold the command in ioredis' offline queue; fail fast so the platform retries.
  if (rt.redis.status !== 'ready') throw unavailable(rt, platform, kind, `redis is ${rt.redis.status}`);
  if (platform.limitsAtAdmission) {
    const rl = await checkRateLimit(rt.redis, cfg.QUEUE_PREFIX, job.key, job.user.id, platform.limitsAtAdmission);
    if (!rl.ok) {
      metrics.eventsAcked.inc({ platform: platform.platform, kind, outcome: 'rate_limited' });
      return { kind: 'rejected', reason: 'rate_limited', text: rl.message, retryAfterS: rl.retryAfterS };
    }
  }
  const queue = rt.queues.intakeFor(platform.platform);
  let timer: NodeJS.Timeout | undefined;
  try {
    const queued = (async () => {
      // A retry of an event already queued (Slack's X-Slack-Retry-Num, Teams' redelivery): nothing to add.
      if (await queue.getDeduplicationJobId(jobId)) return true;
      // Bytes a surface handed over (an API data: URL) wait in Redis under a TTL, not in the job.
      await parkImageBlobs(rt.redis, images.blobs);
      await queue.add(JOB_INTAKE, job, {
        jobId,
        // The id stays reserved for the platform's retry window even after the job is removed.
        deduplication: { id: jobId, ttl: DEDUPE_TTL_MS },
        attempts: INTAKE_ATTEMPTS,
        backoff: { type: 'exponential', delay: 500 },
        removeOnComplete: { age: 3600, count: 10_000 },
        removeOnFail: { age: 7 * 86_400 },
      });
      return false;
    })();
    queued.catch(() => undefined); // a late failure after the timeout below is already reported
    // BullMQ's add takes no timeout or signal, and ioredis' commandTimeout would also cut the
    // workers' blocking commands: the bound is set here, around the one call that needs it.
    const duplicate = await Promise.race([
      queued,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`not queued within ${cfg.INTAKE_TIMEOUT_MS} ms`)), cfg.INTAKE_TIMEOUT_MS);
      }),
    ]);
    metrics.ackSeconds.observe({ platform: platform.platform }, (performance.now() - t0) / 1000);
    metrics.eventsAcked.inc({ platform: platform.platform, kind, outcome: duplicate ? 'duplicate' : 'enqueued' });
    return { kind: 'accepted', jobId, duplicate, ...(images.refusals.length ? { imageRefusals: images.refusals } : {}) };
  } catch (e) {
    throw unavailable(rt, platform, kind, (e as Error).message, e);
  } finally {
    clearTimeout(timer);
  }
}

function unavailable(rt: IntakeRuntime, platform: ChatPlatform, kind: string, why: string, cause?: unknown): IntakeUnavailableError {
  rt.metrics.eventsAcked.inc({ platform: platform.platform, kind, outcome: 'unavailable' });
  return new IntakeUnavailableError(`question not queued: ${why}`, { cause });
}

/** Refusals are told to the asker after the acknowledgement; a failure to tell is logged, not thrown. */
export function notifyInBackground(rt: Pick<IntakeRuntime, 'log'>, platform: ChatPlatform, q: IntakeJob, text: string): void {
  platform.notify(q, text).catch((e: Error) => rt.log.warn({ platform: platform.platform, jobId: q.jobId, err: e.message }, 'could not notify the asker'));
}
