import { queuedText, thinkingText } from './eta.js';
import type { LiveView } from './live-view.js';

/** Shown after the streaming text while the answer is still being written (every platform). */
export const LIVE_CURSOR = ' ▍';

/** The status line for a view that has no answer text yet: queue position and ETA, or thinking time. */
export function liveStatusText(view: LiveView): string {
  if (view.phase === 'queued') return view.position === null ? '⏳ Queued' : queuedText(view.position, view.etaS);
  return thinkingText(view.thinkingS, view.lastThought || undefined);
}

/** The part of a surface's state that notices a restarted answer. */
export interface RestartAware {
  attempt: number;
  committed: number;
  frozen?: boolean;
}

/**
 * Records the view's attempt; when a crashed worker restarted an answer that was already partly
 * shown, freezes the live text (it cannot be taken back; the final delivery rewrites it).
 * Returns true while the surface may keep showing.
 */
export function trackAttempt(st: RestartAware, view: LiveView): boolean {
  if (view.attempt > 1 && st.attempt >= 1 && view.attempt !== st.attempt && st.committed > 0) st.frozen = true;
  st.attempt = view.attempt;
  return !st.frozen;
}
