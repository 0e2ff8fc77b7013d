import { LIVE_CURSOR as CURSOR, liveStatusText, type LiveView } from '../../../src/index.js';
import type { TeamsConnector } from './connector.js';
import { cutPoint } from '../../shared/segment-parts.js';
import { cardActivity, liveCard } from './live-card.js';
import type { TeamsLiveState } from './teams-live-state.js';

/** Teams allows a bot a few updates a second per conversation; one card is updated at most every 1.5 s. */
export const TEAMS_CARD_INTERVAL_MS = 1500;

export interface CardTarget {
  connector: TeamsConnector;
  jobId: string;
  /** Most answer characters one card holds. */
  maxChars: number;
  /** Persists the live state; called right after every post, so a resumed relay never posts again. */
  save(): Promise<void>;
}

/** Posts the status card, or updates it when the status changed. */
async function showStatus(t: CardTarget, st: TeamsLiveState, text: string): Promise<void> {
  if (!st.cardId) {
    st.cardId = await t.connector.post(cardActivity(liveCard(text, t.jobId)));
    st.statusShown = text;
    await t.save();
    return;
  }
  if (st.statusShown === text) return;
  await t.connector.update(st.cardId, cardActivity(liveCard(text, t.jobId)));
  st.statusShown = text;
}

/**
 * Card mode (channels, group chats): one Adaptive Card in the reply chain shows queue position,
 * thinking time, then the answer as it streams, with a Stop button. An answer longer than one
 * card is closed at a line or word break and continues in a follow-up card. `finishing` writes
 * the last text without cursor or Stop button.
 */
export async function showByCard(t: CardTarget, st: TeamsLiveState, view: LiveView, finishing: boolean): Promise<void> {
  if (!view.answer) {
    if (!finishing) await showStatus(t, st, liveStatusText(view));
    return;
  }
  if (!st.cardId) await showStatus(t, st, '✍️ Answering…');
  if (st.segments.length === 0) st.segments.push({ id: st.cardId!, start: 0 });
  const tail = finishing ? '' : CURSOR;
  const stop = finishing ? undefined : t.jobId;
  for (;;) {
    const seg = st.segments.at(-1)!;
    const text = view.answer.slice(seg.start);
    if (text.length + tail.length <= t.maxChars) {
      await t.connector.update(seg.id, cardActivity(liveCard(`${text}${tail}`, stop)));
      st.committed = view.answer.length;
      return;
    }
    // Full: close this card (no cursor, no button) and continue in a new one.
    const cut = cutPoint(text, t.maxChars - CURSOR.length);
    await t.connector.update(seg.id, cardActivity(liveCard(text.slice(0, cut))));
    const rest = view.answer.slice(seg.start + cut);
    const id = await t.connector.post(cardActivity(liveCard(`${rest.slice(0, t.maxChars - CURSOR.length)}${tail}`, stop)));
    st.segments.push({ id, start: seg.start + cut });
    st.committed = seg.start + cut;
    await t.save();
  }
}
