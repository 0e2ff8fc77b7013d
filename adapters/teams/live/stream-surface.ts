import { liveStatusText, type LiveView } from '../../../src/index.js';
import { AI_GENERATED_ENTITY } from '../answer-card.js';
import { streamRefusal, type StreamRefusal, type TeamsConnector } from './connector.js';
import { cutPoint } from '../../shared/segment-parts.js';
import type { TeamsLiveState } from './teams-live-state.js';

/** Teams throttles streaming to about one request a second. */
export const TEAMS_STREAM_INTERVAL_MS = 1000;
/** Informative updates may hold at most 1,000 characters. */
const INFORMATIVE_MAX = 1000;

export interface StreamTarget {
  connector: TeamsConnector;
  jobId: string;
  maxChars: number;
  /** A stream older than this is closed and the answer continues in a follow-up stream. */
  maxStreamMs: number;
  save(): Promise<void>;
  /** The user pressed Teams' Stop button on the stream. */
  onUserCancel(): Promise<void>;
  /** Teams refuses streams here (feature off): the caller switches to card mode. */
  onNotAllowed(): Promise<void>;
}

export const streamInfo = (streamType: 'informative' | 'streaming' | 'final', streamId: string | undefined, streamSequence?: number) => ({
  type: 'streaminfo', ...(streamId ? { streamId } : {}), streamType, ...(streamSequence !== undefined ? { streamSequence } : {}),
});

/** A message that ends stream `streamId` holding `text` (a final message carries no sequence number). */
export const finalStreamMessage = (streamId: string, text: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  type: 'message', text, textFormat: 'markdown', entities: [streamInfo('final', streamId), AI_GENERATED_ENTITY], channelData: { feedbackLoopEnabled: false }, ...extra,
});

/**
 * Stream mode (1:1 chats): queue position and thinking time as informative updates, then the
 * answer as cumulative streaming updates of one stream (streamId from the first post, increasing
 * streamSequence). A stream older than `maxStreamMs`, refused by Teams (expired: the 2-minute
 * limit), or full is closed holding the text it showed, and the rest continues in a new stream:
 * nothing is sent twice and nothing is lost. The last stream's final message is the delivery's.
 */
export async function showByStreaming(t: StreamTarget, st: TeamsLiveState, view: LiveView, finishing: boolean): Promise<void> {
  if (st.cancelled) return;
  if (!view.answer) {
    if (!finishing) await informative(t, st, liveStatusText(view).slice(0, INFORMATIVE_MAX));
    return;
  }
  let refusals = 0;
  while (st.committed < view.answer.length && !st.cancelled && st.mode === 'stream') {
    const s = st.stream;
    const age = s ? Date.now() - s.startedAt : 0;
    const seg = s?.hasText ? st.segments.at(-1)! : undefined;
    const used = seg ? st.committed - seg.start : 0;
    if (s && age > t.maxStreamMs) {
      if (seg) await closeStream(t, st, view.answer);
      else st.stream = undefined; // only informative updates: nothing shown to keep
      continue;
    }
    if (seg && used >= t.maxChars) {
      await closeStream(t, st, view.answer);
      continue;
    }
    const pending = view.answer.slice(st.committed);
    const chunk = pending.slice(0, cutPoint(pending, t.maxChars - used));
    const start = seg ? seg.start : st.committed;
    const seq = (s?.seq ?? 0) + 1;
    try {
      // Cumulative text of this stream; trailing blanks wait for the next update (the final answer is trimmed).
      const text = view.answer.slice(start, st.committed + chunk.length).trimEnd();
      if (!text) break;
      const id = await t.connector.post({ type: 'typing', text, entities: [streamInfo('streaming', s?.id, seq)] });
      if (!s) st.stream = { id, seq, startedAt: Date.now(), hasText: true };
      else Object.assign(s, { seq, hasText: true });
      if (!seg) st.segments.push({ id: st.stream!.id, start: st.committed });
      st.committed += chunk.length;
      await t.save();
    } catch (e) {
      const r = streamRefusal(e);
      if (!r || ++refusals > 3) throw e;
      await onRefusal(t, st, r, view.answer);
    }
  }
  // Ending close to the limit: close now rather than let Teams expire it before the delivery.
  if (finishing && st.stream?.hasText && Date.now() - st.stream.startedAt > t.maxStreamMs * 0.9) await closeStream(t, st, view.answer);
}

async function informative(t: StreamTarget, st: TeamsLiveState, text: string): Promise<void> {
  if (st.statusShown === text) return;
  // An informative-only stream shows no message: past its age it is simply replaced by a new one.
  if (st.stream && Date.now() - st.stream.startedAt > t.maxStreamMs) st.stream = undefined;
  const seq = (st.stream?.seq ?? 0) + 1;
  try {
    const id = await t.connector.post({ type: 'typing', text, entities: [streamInfo('informative', st.stream?.id, seq)] });
    if (st.stream) st.stream.seq = seq;
    else st.stream = { id, seq, startedAt: Date.now(), hasText: false };
    st.statusShown = text;
    await t.save();
  } catch (e) {
    const r = streamRefusal(e);
    if (!r) throw e;
    await onRefusal(t, st, r, '');
  }
}

async function onRefusal(t: StreamTarget, st: TeamsLiveState, r: StreamRefusal, answer: string): Promise<void> {
  if (r === 'cancelled') {
    st.cancelled = true;
    await t.save();
    await t.onUserCancel();
    return;
  }
  if (r === 'not_allowed' && st.segments.length === 0) {
    st.stream = undefined;
    await t.onNotAllowed();
    return;
  }
  // Expired (2 minutes), completed or otherwise over: keep what it showed, continue in a new stream.
  if (st.stream?.hasText) await closeInPlace(t, st, answer);
  st.stream = undefined;
  await t.save();
}

/** Ends the open stream with a final message holding its text (or, if Teams refuses, an in-place update). */
async function closeStream(t: StreamTarget, st: TeamsLiveState, answer: string): Promise<void> {
  const seg = st.segments.at(-1)!;
  const text = answer.slice(seg.start, st.committed);
  try {
    await t.connector.post(finalStreamMessage(st.stream!.id, text));
    seg.closedText = text;
  } catch (e) {
    const r = streamRefusal(e);
    if (!r) throw e;
    if (r === 'cancelled') return onRefusal(t, st, r, answer);
    await closeInPlace(t, st, answer);
  }
  st.stream = undefined;
  await t.save();
}

/** A stream Teams no longer accepts posts for keeps its text as a plain message, updated in place. */
async function closeInPlace(t: StreamTarget, st: TeamsLiveState, answer: string): Promise<void> {
  const seg = st.segments.at(-1)!;
  const text = answer.slice(seg.start, st.committed);
  await t.connector.update(seg.id, { type: 'message', text, textFormat: 'markdown', entities: [AI_GENERATED_ENTITY] });
  seg.closedText = text;
}
