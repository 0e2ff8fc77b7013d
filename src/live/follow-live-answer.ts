import type { Redis } from 'ioredis';
import { stripInvalidCitations } from '../rag/citations.js';
import { followLive } from './live-stream.js';

/**
 * Trailing text whose final form is not known yet: whitespace (the stored answer is trimmed, and a
 * removed citation marker takes the blanks before it along) and the start of what may become a
 * `[n]` marker (a complete one waits for the next character: `[1](…)` is a link, not a marker).
 */
const UNSETTLED_TAIL = /\s*(?:\[\d{0,3}\]?)?$/;

/**
 * One attempt's answer text in the form it is stored in the message log (`processInference`):
 * leading and trailing whitespace trimmed and, when the attempt's `started` event says how many
 * sources it may cite, citation markers that point at no source removed. `push` returns only text
 * whose stored form can no longer change; `end` the rest. Concatenated, the pieces equal the stored
 * answer for the same raw text.
 */
export class StoredAnswerText {
  private raw = '';
  private settled = 0;

  /** @param citations numbered sources the answer may cite; undefined: markers are kept as written. */
  constructor(private readonly citations: number | undefined) {}

  push(text: string): string {
    this.raw += text;
    const t = this.raw.trimStart();
    const hold = UNSETTLED_TAIL.exec(t)![0].length;
    return this.advance(t.slice(0, t.length - hold));
  }

  end(): string {
    return this.advance(this.raw.trim());
  }

  private advance(prefix: string): string {
    const visible = this.citations === undefined ? prefix : stripInvalidCitations(prefix, this.citations);
    const out = visible.slice(this.settled);
    this.settled = Math.max(this.settled, visible.length);
    return out;
  }
}

/**
 * Text sent to a client across a job's attempts. A retried attempt (a worker failed mid-answer)
 * generates from scratch: its text is only forwarded past what was already sent, and once it
 * departs from that, nothing more of that attempt is (the client cannot take text back).
 */
class SentText {
  text = '';
  private pos = 0;
  private departed = false;

  /** A new attempt starts from the beginning of the text. */
  restart(): void {
    this.pos = 0;
    this.departed = false;
  }

  /** The part of the attempt's next piece not sent yet ('' while it repeats sent text or after it departed). */
  push(piece: string): string {
    if (this.departed || !piece) return '';
    const p = this.pos;
    this.pos += piece.length;
    const overlap = Math.max(0, Math.min(piece.length, this.text.length - p));
    if (piece.slice(0, overlap) !== this.text.slice(p, p + overlap)) {
      this.departed = true;
      return '';
    }
    const out = piece.slice(overlap);
    this.text += out;
    return out;
  }

  get diverged(): boolean {
    return this.departed;
  }
}

export interface LiveAnswerHandlers {
  /** A worker started an attempt (the first, or a retry after a failed one). */
  started?: (e: { attempt: number; at: number }) => void | Promise<void>;
  /** New reasoning text; each piece once across attempts. */
  thought?: (text: string) => void;
  /** New answer text, in its stored form (see {@link StoredAnswerText}); each piece once across attempts. */
  answer?: (text: string) => void;
}

export interface LiveAnswer {
  /** The job's end event; undefined when following stopped first (the signal). */
  status?: 'answered' | 'stopped' | 'failed';
  /** Attempts seen (`started` events). */
  attempts: number;
  /** The answer text handed to `handlers.answer`, concatenated. */
  answer: string;
  /** A retried attempt's answer departed from the text already handed out (the rest of it was not). */
  diverged: boolean;
}

/**
 * Follows a job's live answer for a surface that shows it as appended text (the API's stream, the
 * web chat): reasoning and answer as the worker produces them, the answer already in the form the
 * message log will store, and after a retry only what the client has not had yet. Needs its own
 * Redis connection (XREAD BLOCK). The stored answer stays the authority: after a retry whose text
 * departed (`diverged`), what was handed out is not a prefix of it.
 */
export async function followLiveAnswer(redis: Redis, prefix: string, jobId: string, handlers: LiveAnswerHandlers, signal: AbortSignal, blockMs?: number): Promise<LiveAnswer> {
  const answer = new SentText();
  const thought = new SentText();
  let stored = new StoredAnswerText(undefined);
  let attempts = 0;
  let diverged = false;
  let status: LiveAnswer['status'];
  const sendAnswer = (piece: string) => {
    const out = answer.push(piece);
    diverged ||= answer.diverged;
    if (out) handlers.answer?.(out);
  };
  await followLive(redis, prefix, jobId, (e) => {
    if (e.type === 'started') {
      attempts += 1;
      answer.restart();
      thought.restart();
      stored = new StoredAnswerText(e.citations);
      return handlers.started?.({ attempt: attempts, at: e.at });
    }
    if (e.type === 'thought') {
      const out = thought.push(e.text);
      if (out) handlers.thought?.(out);
    } else if (e.type === 'answer') sendAnswer(stored.push(e.text));
    else {
      sendAnswer(stored.end());
      status = e.status;
    }
  }, signal, blockMs);
  return { status, attempts, answer: answer.text, diverged };
}
