import type { LiveStateStore } from './live-state.js';
import type { LiveRelayJob } from './relay-job.js';

/** Where an answer is, as a person in the thread should see it. */
export type LivePhase = 'queued' | 'thinking' | 'answering' | 'ended';

/** A snapshot of one job's progress, rendered by a platform's {@link LiveSurface}. */
export interface LiveView {
  phase: LivePhase;
  /** Place in the queue (1 = next to start) while queued; null when unknown. */
  position: number | null;
  /** Seconds until it starts, from measured service times; null until one was measured. */
  etaS: number | null;
  /** Seconds R1 has been reasoning (phase `thinking`). */
  thinkingS: number;
  /** The newest line of reasoning, for an optional one-line preview. Never part of the answer. */
  lastThought: string;
  /** The answer so far (no reasoning in it). */
  answer: string;
  /** Generation attempts seen (a worker crash restarts the answer from scratch). */
  attempt: number;
  /** Set when phase is `ended`. */
  status?: 'answered' | 'stopped' | 'failed';
}

/**
 * One platform's way of showing a job live (a Slack message or stream, a Teams stream or card).
 * The relay calls it serially, at most every `minIntervalMs`, always with the newest view, so a
 * surface stays inside its platform's rate limits. It keeps what it has posted in its
 * {@link LiveStateStore}, so a relay resumed on another process continues instead of duplicating.
 * The final delivery, not the surface, writes the authoritative answer.
 */
export interface LiveSurface {
  readonly minIntervalMs: number;
  show(view: LiveView): Promise<void>;
  /** Generation ended: close any open platform stream. */
  finish(view: LiveView): Promise<void>;
}

/** Builds a platform's surface for one relay job, with the store it keeps its posted ids in. */
/**
 * Builds the surface for one relay job. `S` is the platform's own live state (what it posted: ids,
 * offsets), kept in Redis between relays and handed to the final delivery as `OutgoingReply.live`.
 */
export type LiveSurfaceFactory<S extends object = object> = (job: LiveRelayJob, state: LiveStateStore<S>) => LiveSurface;

export const emptyView = (): LiveView => ({ phase: 'queued', position: null, etaS: null, thinkingS: 0, lastThought: '', answer: '', attempt: 0 });
