import type { WebClient } from '@slack/web-api';
import { trackAttempt, type LiveRelayJob, type LiveStateStore, type LiveSurface, type LiveSurfaceFactory, type LiveView, type Logger } from '../../../src/index.js';
import { SLACK_PART_MAX_CHARS } from '../slack-reply-sink.js';
import { postStatus } from '../live-status.js';
import { showByEditing, type SlackTarget } from './edit-surface.js';
import { finishStreaming, showByStreaming, slackErrorCode, STREAM_UNSUPPORTED, type StreamTarget } from './stream-surface.js';
import type { SlackLiveState } from './slack-live-state.js';
import { withCoreErrors } from '../slack-errors.js';

/** Slack allows about one chat.update per second per message; streams are appended at the same pace. */
export const SLACK_LIVE_INTERVAL_MS = 1000;

export interface SlackLiveOptions {
  /** `native`: Slack streams; `edit`: edit a posted message; `auto`: native, else edit. */
  streaming: 'auto' | 'native' | 'edit';
  maxStreamMs: number;
  log: Logger;
}

/**
 * The Slack live surface for one job: loads (or starts) its state, shows each view by streaming or
 * editing, and saves the state after every step, so a relay resumed elsewhere continues the same
 * messages and stream.
 */
export function createSlackLiveSurface(rawClient: WebClient, opts: SlackLiveOptions): LiveSurfaceFactory<SlackLiveState> {
  // 429s surface as PlatformRateLimitError: the relay waits out Retry-After for this job only.
  const client = withCoreErrors(rawClient);
  return (job: LiveRelayJob, store: LiveStateStore<SlackLiveState>) => {
    const channel = String(job.reply.channel);
    const threadTs = String(job.reply.thread_ts);
    let st: SlackLiveState | undefined;
    const save = async () => (st ? store.set(st) : undefined);
    const target: StreamTarget = {
      client, channel, threadTs, jobId: job.jobId, maxChars: SLACK_PART_MAX_CHARS, save,
      recipientUserId: job.user.id, recipientTeamId: job.key.tenant, maxStreamMs: opts.maxStreamMs,
    };
    const load = async (): Promise<SlackLiveState> => {
      if (st) return st;
      const saved = await store.get();
      if (saved) return (st = saved);
      // The adapter posted the status message when it enqueued; post one if it could not.
      const statusTs = job.reply.status_ts ? String(job.reply.status_ts) : await postStatus(client, channel, threadTs, job.jobId);
      st = { mode: opts.streaming === 'edit' ? 'edit' : 'stream', statusTs, segments: [], committed: 0, streamOpen: false, attempt: 0 };
      await save();
      return st;
    };
    const step = async (view: LiveView, finishing: boolean) => {
      const s = await load();
      if (!trackAttempt(s, view)) return save();
      if (s.mode === 'stream') {
        try {
          await (finishing ? finishStreaming(target, s, view) : showByStreaming(target, s, view));
          return await save();
        } catch (e) {
          const code = slackErrorCode(e);
          if (opts.streaming !== 'auto' || !code || !STREAM_UNSUPPORTED.has(code) || s.segments.length > 0) throw e;
          opts.log.info({ code }, 'slack streams unavailable here: showing the answer by editing a message');
          s.mode = 'edit';
        }
      }
      // Finishing: the final delivery rewrites the text, but a post left unanswered is settled first
      // (adopted when Slack stored it), so the delivery knows every live message.
      if (!finishing || s.pendingPost) await showByEditing(target, s, view);
      await save();
    };
    const surface: LiveSurface = {
      minIntervalMs: SLACK_LIVE_INTERVAL_MS,
      show: (view) => step(view, false),
      finish: (view) => step(view, true),
    };
    return surface;
  };
}
