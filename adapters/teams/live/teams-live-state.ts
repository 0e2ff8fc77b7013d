/**
 * What a Teams live answer has posted, kept in the job's live state store so a relay resumed on
 * another process continues the same stream or card, and the final delivery replaces instead of
 * copying. `segments` are the activities that hold answer text, in order, each from character
 * `start` of the answer.
 */
export interface TeamsLiveSegment {
  /** Stream id (stream mode) or card activity id (card mode). */
  id: string;
  start: number;
  /** Stream mode: the stream was closed (final message or in-place update) holding `text`. */
  closedText?: string;
}

export interface TeamsLiveState {
  v: 1;
  jobId: string;
  /** `stream`: Teams streaming (1:1 chats); `card`: an Adaptive Card updated in place. */
  mode: 'stream' | 'card';
  segments: TeamsLiveSegment[];
  /** Answer characters shown so far. */
  committed: number;
  /** Stream mode: the open stream (also before any answer text, for informative updates). */
  stream?: { id: string; seq: number; startedAt: number; hasText: boolean };
  /** Card mode: the status card (queue position, thinking), the first segment once text arrives. */
  cardId?: string;
  /** What was last shown as status, to skip identical updates. */
  statusShown?: string;
  /** The user stopped the stream with Teams' own Stop button. */
  cancelled?: boolean;
  /** A crashed worker restarted the answer: live text stops, the final delivery rewrites it. */
  frozen?: boolean;
  attempt: number;
  /** Final delivery: follow-up parts it posted, by part index (a retried delivery edits them). */
  delivered?: Record<string, string>;
}

export const isTeamsLiveState = (v: unknown): v is TeamsLiveState =>
  typeof v === 'object' && v !== null && (v as TeamsLiveState).v === 1 && Array.isArray((v as TeamsLiveState).segments) && typeof (v as TeamsLiveState).jobId === 'string';
