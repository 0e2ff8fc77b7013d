import type { Platform } from '../conversation/index.js';
import type { Metrics } from '../metrics/index.js';
import { upsertCorrection, upsertVote, type Db, type FeedbackValue } from '../storage/index.js';
import { sanitizeText } from '../text/index.js';

/** A correction longer than this is refused (it is a training target, not a document). */
export const CORRECTION_MAX_CHARS = 8000;

/** Who votes on which answer, as every surface (Slack, Teams, API, web chat) knows it. */
export interface FeedbackFrom {
  /** The message log id of the answer (`OutgoingReply.messageId`). */
  messageId: string;
  platform: Platform;
  /** The workspace / tenant the vote came from: a vote only lands on an answer of that tenant. Unset = not checked. */
  tenant?: string;
  /** The channel the vote came from (the API client, a web chat group). Unset = not checked. */
  channel?: string;
  /** The platform's user id; one vote per user per answer, the last one counts. */
  userId: string;
}

export interface FeedbackDeps {
  db: Pick<Db, 'query'>;
  metrics?: Pick<Metrics, 'feedback'>;
}

/** `recorded`, or why not: no such answer for this platform/tenant/channel, or a bad correction. */
export type FeedbackResult = { ok: true } | { ok: false; reason: 'not_found' | 'empty' | 'too_long' };

/**
 * Records 👍/👎 on an answer. One vote per user per answer: a later vote replaces the earlier one
 * (and a 👍 clears that user's correction). Platform-neutral: Slack, Teams, the API and the web
 * chat call this same function.
 */
export async function recordVote(deps: FeedbackDeps, from: FeedbackFrom, value: FeedbackValue): Promise<FeedbackResult> {
  const ok = await upsertVote(deps.db, { messageId: from.messageId, platform: from.platform, tenant: from.tenant, channel: from.channel }, from.userId, value);
  if (!ok) return { ok: false, reason: 'not_found' };
  deps.metrics?.feedback.inc({ platform: from.platform, kind: value });
  return { ok: true };
}

/**
 * Stores "what would have been right?" with the user's vote on the answer. A correction counts as
 * that user's 👎; a later correction replaces the earlier one. The text is sanitised and trimmed.
 */
export async function recordCorrection(deps: FeedbackDeps, from: FeedbackFrom, text: string): Promise<FeedbackResult> {
  const correction = sanitizeText(text).trim();
  if (!correction) return { ok: false, reason: 'empty' };
  if (correction.length > CORRECTION_MAX_CHARS) return { ok: false, reason: 'too_long' };
  const ok = await upsertCorrection(deps.db, { messageId: from.messageId, platform: from.platform, tenant: from.tenant, channel: from.channel }, from.userId, correction);
  if (!ok) return { ok: false, reason: 'not_found' };
  deps.metrics?.feedback.inc({ platform: from.platform, kind: 'correction' });
  return { ok: true };
}
