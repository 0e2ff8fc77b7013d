/**
 * What a Slack live answer has posted, kept in the job's live state store so a resumed relay
 * continues and the final delivery replaces instead of copying. `segments` are the messages that
 * hold answer text, in order, each from character `start` of the answer.
 */
export interface SlackLiveState {
  mode: 'edit' | 'stream';
  /** The status message (queue position, thinking); in edit mode also the first segment. */
  statusTs: string;
  segments: Array<{ ts: string; start: number }>;
  /** Answer characters shown so far. */
  committed: number;
  /** Stream mode: the last segment is an open Slack stream, started at `streamStartedAt`. */
  streamOpen: boolean;
  streamStartedAt?: number;
  /** What the status message shows now, to skip identical edits. */
  statusShown?: string;
  /** Set when a crashed worker restarted the answer: live text stops, the final delivery rewrites it. */
  frozen?: boolean;
  attempt: number;
  /**
   * A segment post (`chat.startStream`, or `chat.postMessage` in edit mode) that failed without an
   * answer: Slack may have stored it. Looked up in the thread before posting again (see
   * `adoptPendingPost`), so a 5xx after the store never leaves a second copy.
   */
  pendingPost?: { start: number; text: string };
}

export const isSlackLiveState = (v: unknown): v is SlackLiveState =>
  typeof v === 'object' && v !== null && Array.isArray((v as SlackLiveState).segments) && typeof (v as SlackLiveState).statusTs === 'string';
