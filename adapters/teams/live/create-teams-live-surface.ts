import type { CloudAdapter, ConversationReference } from 'botbuilder';
import { trackAttempt, type LiveRelayJob, type LiveStateStore, type LiveSurface, type LiveSurfaceFactory, type LiveView, type Logger } from '../../../src/index.js';
import { TEAMS_PART_MAX_CHARS } from '../teams-reply-sink.js';
import { showByCard, TEAMS_CARD_INTERVAL_MS } from './card-surface.js';
import { teamsConnector } from './connector.js';
import { showByStreaming, TEAMS_STREAM_INTERVAL_MS } from './stream-surface.js';
import type { TeamsLiveState } from './teams-live-state.js';

export interface TeamsLiveOptions {
  adapter: CloudAdapter;
  appId: string;
  /** TEAMS_STREAM_MAX_S in ms: streams are closed before Teams' 2-minute limit. */
  maxStreamMs: number;
  /** Stops the job (the user pressed Teams' own Stop button on the stream). */
  cancel(jobId: string): Promise<void>;
  log: Logger;
  /** Most characters one message holds (tests lower it). */
  maxChars?: number;
}

/**
 * The Teams live surface for one job: streaming in personal (1:1) chats, where Teams supports
 * it; an Adaptive Card updated in place elsewhere (channels, group chats) and where Teams refuses
 * streams. The state is loaded (or started) once and saved after every post, so a relay resumed
 * on another process continues the same stream or card.
 */
export function createTeamsLiveSurface(o: TeamsLiveOptions): LiveSurfaceFactory<TeamsLiveState> {
  return (job: LiveRelayJob, store: LiveStateStore<TeamsLiveState>) => {
    const reference = job.reply.reference as Partial<ConversationReference>;
    const connector = teamsConnector(o.adapter, o.appId, reference);
    const personal = reference?.conversation?.conversationType === 'personal';
    const maxChars = o.maxChars ?? TEAMS_PART_MAX_CHARS;
    let st: TeamsLiveState | undefined;
    const save = async () => (st ? store.set(st) : undefined);
    const load = async (): Promise<TeamsLiveState> => {
      if (st) return st;
      const saved = await store.get();
      st = saved ?? { v: 1, jobId: job.jobId, mode: personal ? 'stream' : 'card', segments: [], committed: 0, attempt: 0 };
      return st;
    };
    const card = { connector, jobId: job.jobId, maxChars, save };
    const stream = {
      ...card,
      maxStreamMs: o.maxStreamMs,
      onUserCancel: async () => {
        o.log.info({ jobId: job.jobId }, 'teams stream stopped by the user: cancelling the job');
        await o.cancel(job.jobId);
      },
      onNotAllowed: async () => {
        o.log.info({ jobId: job.jobId }, 'teams refuses streams here: showing the answer in a card');
        st!.mode = 'card';
        await save();
      },
    };
    // The relay's view already starts at the first visible character, as the stored (trimmed) answer does.
    const step = async (view: LiveView, finishing: boolean) => {
      const s = await load();
      if (trackAttempt(s, view)) {
        if (s.mode === 'stream') await showByStreaming(stream, s, view, finishing);
        // A stream refused before any text falls back to the card, in the same step.
        if (s.mode === 'card') await showByCard(card, s, view, finishing);
      }
      await save();
    };
    const surface: LiveSurface = {
      get minIntervalMs() {
        return st?.mode === 'card' || (!st && !personal) ? TEAMS_CARD_INTERVAL_MS : TEAMS_STREAM_INTERVAL_MS;
      },
      show: (view) => step(view, false),
      finish: (view) => step(view, true),
    };
    return surface;
  };
}
