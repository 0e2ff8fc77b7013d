import type { ConversationKey, Platform } from '../conversation/index.js';
import type { SourceRef } from '../rag/types.js';
import type { ImageReading } from '../images/image-text.js';
import type { DiagnoseOffer } from '../diagnosis/offers-from-text.js';

/** What the core hands an adapter to post: markdown plus structured data; the adapter renders it. */
export interface OutgoingReply<S extends object = object> {
  /** Message log id: adapters tag their post with it so a retried delivery can find it. */
  messageId: string;
  key: ConversationKey;
  status: 'answered' | 'stopped' | 'failed';
  /** Markdown answer (no reasoning in it). */
  answer: string;
  /** The model's reasoning, for platforms that show it collapsed. */
  reasoning: string;
  /** Set when status is `failed`: safe to show the user. */
  error?: string;
  /** Numbered sources cited by the answer (empty when none). */
  sources?: SourceRef[];
  /** Set when the answer came from the model alone (no knowledge scope bound to the channel). */
  modelOnly?: boolean;
  /** Set when the channel has knowledge attached but nothing relevant was found: the adapter says so. */
  noMatch?: boolean;
  /**
   * The images attached to the question: what was read from each (shown so the asker can check
   * it), or why one was left out. Absent when the question had none.
   */
  images?: ImageReading[];
  /** `/diagnose` runs to offer as buttons: the read text names a registered asset or one of its models' fault codes. */
  diagnoseOffers?: DiagnoseOffer[];
  /** Structured result for kinds other than chat (e.g. a diagnosis), rendered by the adapter. */
  structured?: { kind: string; data: unknown };
  /**
   * Earlier delivery attempts that did not record a result: >0 means a crashed attempt may have
   * posted part of this reply (adapters that post in several steps look for those first).
   */
  previousAttempts?: number;
  /**
   * What the live relay posted while the answer streamed (the platform surface's own state), or
   * null: the sink replaces that live text with the final answer instead of posting a copy.
   */
  live?: S | null;
  /** The platform reply target the adapter put in the job. */
  reply: Record<string, unknown>;
  /**
   * What earlier attempts recorded through `recordProgress` (null when none): a sink that posts in
   * several steps continues after the parts already posted instead of posting them again.
   */
  progress?: ReplyRef | null;
  /**
   * Records how far this delivery got, durably (the message log), right after each post and before
   * anything can retry it. Absent where there is nowhere to record it.
   */
  recordProgress?: (ref: ReplyRef) => Promise<void>;
}

/** Where a reply went (e.g. Slack channel + ts); stored in the message log. */
export type ReplyRef = Record<string, unknown>;

/** Implemented by each platform adapter; the delivery worker calls it. */
export interface ReplySink<S extends object = object> {
  readonly platform: Platform;
  deliver(reply: OutgoingReply<S>): Promise<ReplyRef>;
  /**
   * Looks for a reply an earlier, crashed attempt already posted for this message. Called only
   * when a previous attempt started and did not record its result.
   */
  findExisting?(reply: OutgoingReply<S>): Promise<ReplyRef | null>;
}
