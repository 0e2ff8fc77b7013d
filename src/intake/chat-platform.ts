import type { Platform } from '../conversation/index.js';
import type { ReplySink } from '../delivery/reply-sink.js';
import type { HistoryMessage } from '../jobs/contract.js';
import type { LiveSurfaceFactory } from '../live/index.js';
import type { RateLimits } from '../scheduling/index.js';
import type { Question } from './question.js';
import type { ImageSource } from '../images/image-ref.js';

/**
 * What the core needs from a surface (Slack, Teams, the console, the HTTP API, a web chat). The
 * surface translates its events into {@link Question}s and calls `admitQuestion`; everything else
 * — limits, dedupe, history, live answers, queueing, failure replies — happens once, in the core,
 * through these operations. Modelled on vercel/chat's `Adapter`: the core declares, adapters implement.
 *
 * `S` is the platform's live state: what its live surface posted for one answer (ids, offsets),
 * written by the `liveSurface`, kept in Redis, and handed to its `sink` as `OutgoingReply.live` —
 * one type on both sides, no casts.
 */
export interface ChatPlatform<S extends object = any> { // eslint-disable-line @typescript-eslint/no-explicit-any -- a list of platforms mixes their live states
  readonly platform: Platform;
  /**
   * Tells the asker something privately: a refusal (empty, too long, rate limited) or a failure.
   * Slack: an ephemeral message in the thread; Teams: a reply in the conversation; console: a line;
   * the HTTP API: nothing (its response carries the error).
   */
  notify(q: Question, text: string, info?: NoticeInfo): Promise<void>;
  /** Earlier turns of the question's thread, oldest first. Absent: the message log's turns are used. */
  fetchHistory?(q: Question): Promise<HistoryMessage[]>;
  /** "Working on it", right after admission (Slack: 👀 reaction; Teams: typing). Best effort. */
  showWorking?(q: Question): Promise<void>;
  /**
   * Live answers: prepares the reply target before the relay starts (Slack posts the status message
   * the answer streams into) and returns fields to add to the reply target. Called at most once
   * per question (the result is stored with the intake job before anything else happens).
   */
  startLive?(q: Question, jobId: string): Promise<Record<string, unknown>>;
  /**
   * Downloads an image attached to a question from the platform (Slack: `url_private_download`
   * with the bot token; Teams: the attachment URL, with the bot's token where Teams requires it).
   * Runs in the intake worker, which holds the credentials; at most `maxBytes` are read. Throws
   * `ImageFetchError` with a reason the asker can read.
   */
  fetchImage?(q: Question, source: Extract<ImageSource, { kind: 'slack' | 'teams' }>, o: { maxBytes: number; label: string }): Promise<Uint8Array>;
  /** Whether this question gets a live answer (platform setting and surface support). */
  wantsLive?(q: Question): boolean;
  /** Posts final answers (the delivery queue of this platform). Absent: the surface delivers itself (the HTTP API). */
  readonly sink?: ReplySink<S>;
  /** Shows live answers (the relay queue of this platform). */
  readonly liveSurface?: LiveSurfaceFactory<S>;
  /**
   * The asker is the operator of this installation (the console: whoever can run it can already
   * run `npm run kb`), so admin commands are allowed without ADMIN_USERS.
   */
  readonly operatorSurface?: boolean;
  /**
   * Rate limits checked at admission instead of after the acknowledgement, for surfaces whose
   * answer is the response itself (the HTTP API answers 429 with Retry-After). The user limit
   * applies to the asker (the API client); the channel limit to the key's channel.
   */
  readonly limitsAtAdmission?: RateLimits;
  /**
   * Members (user ids) of one of the platform's user groups, for per-command policies (Slack:
   * `usergroups.users.list`). The core caches the lists (POLICY_GROUP_CACHE_S). Absent: only the
   * groups a question carries itself (`access.groups`, e.g. from an OIDC token) count.
   */
  groupMembers?(tenant: string, groupId: string): Promise<readonly string[]>;
  /** Overrides of the core's user-facing texts, in the platform's markup. */
  readonly texts?: Partial<IntakeTexts>;
}

/** What a notice means for what comes next. */
export interface NoticeInfo {
  /** An answer will follow in this thread (a `/diagnose` was queued). */
  followsUp?: boolean;
}

/** User-facing texts of the admission path. */
export interface IntakeTexts {
  empty: string;
  tooLong: (maxChars: number) => string;
}

export const DEFAULT_INTAKE_TEXTS: IntakeTexts = {
  empty: 'Ask me something after the mention, e.g. “@R1 why does pump P-101 cavitate at low flow?”',
  tooLong: (max) => `That message is too long for me (over ${max} characters). Please shorten it or split it into several questions.`,
};
