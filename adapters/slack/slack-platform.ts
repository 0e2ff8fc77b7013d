import type { WebClient } from '@slack/web-api';
import { fetchCapped, ImageFetchError, type ChatPlatform, type HistoryMessage, type LiveSurfaceFactory, type Question } from '../../src/index.js';
import { fetchThreadHistory } from './fetch-thread-history.js';
import { postStatus } from './live-status.js';
import type { SlackReplySink } from './slack-reply-sink.js';
import type { SlackLiveState } from './live/slack-live-state.js';

/** The Slack reply target carried in a question (opaque to the core). */
export interface SlackReplyTarget {
  channel: string;
  thread_ts: string;
  /** The question's ts, for the "working" reaction. */
  message_ts: string;
  /** The bot's own user / bot ids, to tell its turns apart in the thread history. */
  bot_user_id?: string;
  bot_id?: string;
  /** The live status message the answer streams into (set by `startLive`). */
  status_ts?: string;
  [k: string]: unknown;
}

export const SLACK_EMPTY_QUESTION = 'Ask me something after the mention, e.g. `@R1 why does pump P-101 cavitate at low flow?`';

export interface SlackPlatformOptions {
  client: WebClient;
  sink: SlackReplySink;
  liveSurface: LiveSurfaceFactory<SlackLiveState>;
  /** HISTORY_MAX_MESSAGES. */
  historyMaxMessages: number;
  /** The bot token: Slack serves `url_private_download` only with it (scope `files:read`). */
  botToken: string;
  /** SLACK_API_URL when set: its host serves files too (a proxy, the local Slack of the tests). */
  apiUrl?: string;
  /** IMAGE_FETCH_TIMEOUT_MS. */
  fetchTimeoutMs: number;
}

/**
 * Whether a file URL is Slack's own (`files.slack.com`, a workspace's `*.slack.com`, or the
 * SLACK_API_URL host): the bot token is sent nowhere else.
 */
export function isSlackFileUrl(url: string, apiUrl?: string): boolean {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  if (apiUrl && u.origin === new URL(apiUrl).origin) return true;
  return u.protocol === 'https:' && (u.hostname === 'slack.com' || u.hostname.endsWith('.slack.com'));
}

const target = (q: Question) => q.reply as SlackReplyTarget;

/** Slack as the core sees it: ephemeral notices in the thread, 👀, thread history, a live status message. */
export function createSlackPlatform(o: SlackPlatformOptions): ChatPlatform<SlackLiveState> {
  const { client } = o;
  return {
    platform: 'slack',
    sink: o.sink,
    liveSurface: o.liveSurface,
    texts: { empty: SLACK_EMPTY_QUESTION },
    async notify(q, text) {
      const t = target(q);
      await client.chat.postEphemeral({ channel: t.channel, user: q.user.id, thread_ts: t.thread_ts !== t.message_ts ? t.thread_ts : undefined, text });
    },
    async fetchHistory(q): Promise<HistoryMessage[]> {
      const t = target(q);
      // A new thread has no earlier turns; only replies fetch the thread.
      if (t.thread_ts === t.message_ts) return [];
      return fetchThreadHistory(client, { channel: t.channel, threadTs: t.thread_ts, currentTs: t.message_ts, botUserId: t.bot_user_id, botId: t.bot_id, maxMessages: o.historyMaxMessages });
    },
    async showWorking(q) {
      const t = target(q);
      await client.reactions.add({ channel: t.channel, timestamp: t.message_ts, name: 'eyes' });
    },
    async fetchImage(_q, source, { maxBytes, label }) {
      if (source.kind !== 'slack' || !isSlackFileUrl(source.url, o.apiUrl)) {
        throw new ImageFetchError(`not a Slack file URL: ${source.url}`, `${label} is not a Slack file`);
      }
      return fetchCapped(source.url, {
        headers: { authorization: `Bearer ${o.botToken}` }, maxBytes, timeoutMs: o.fetchTimeoutMs, label, refusedHint: 'the bot may be missing the files:read permission',
      });
    },
    async groupMembers(tenant, groupId) {
      // Per-command policies by user group (S…); the core caches the list (POLICY_GROUP_CACHE_S).
      const res = await client.usergroups.users.list({ usergroup: groupId, team_id: tenant });
      return res.users ?? [];
    },
    async startLive(q, jobId) {
      const t = target(q);
      return { status_ts: await postStatus(client, t.channel, t.thread_ts, jobId) };
    },
  };
}
