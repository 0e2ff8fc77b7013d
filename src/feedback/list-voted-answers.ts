import type { Platform } from '../conversation/index.js';
import type { Db } from '../storage/index.js';

/** Which rated answers the admin console lists (every field optional). */
export interface VotedAnswerFilter {
  /** Only answers with at least one vote of this value. */
  value?: 'up' | 'down';
  platform?: Platform;
  /** Only answers with a correction. */
  corrected?: boolean;
  /** Votes at or after this time. */
  since?: Date;
  /** Substring of the question (case-insensitive). */
  text?: string;
  /** Default 50, at most 1000. */
  limit?: number;
}

/** An answer with its votes, as the Feedback page shows it. */
export interface VotedAnswer {
  messageId: string;
  platform: Platform;
  tenant: string;
  channel: string;
  userId: string;
  question: string;
  answer: string | null;
  reasoning: string | null;
  status: string;
  createdAt: Date;
  up: number;
  down: number;
  /** Corrections, with who wrote them. */
  corrections: Array<{ userId: string; text: string }>;
  lastVoteAt: Date;
}

/** Answers that got votes (any status, with or without a stored prompt: the admin console's view; the dataset export uses `listRatedAnswers`), newest vote first, with their counts and corrections. */
export async function listVotedAnswers(db: Pick<Db, 'query'>, f: VotedAnswerFilter = {}): Promise<VotedAnswer[]> {
  const limit = Math.min(Math.max(1, f.limit ?? 50), 1000);
  const { rows } = await db.query<Record<string, unknown>>(
    `SELECT m.id, m.platform, m.tenant, m.channel, m.user_id, m.question, m.answer, m.reasoning, m.status, m.created_at,
       count(*) FILTER (WHERE f.value = 'up') AS up, count(*) FILTER (WHERE f.value = 'down') AS down,
       COALESCE(json_agg(json_build_object('userId', f.user_id, 'text', f.correction)) FILTER (WHERE f.correction IS NOT NULL), '[]') AS corrections,
       max(f.created_at) AS last_vote_at
     FROM feedback f JOIN messages m ON m.id = f.message_id
     WHERE ($1::text IS NULL OR m.platform = $1) AND ($2::timestamptz IS NULL OR f.created_at >= $2)
       AND ($3::text IS NULL OR m.question ILIKE '%' || $3 || '%')
     GROUP BY m.id
     HAVING ($4::text IS NULL OR count(*) FILTER (WHERE f.value = $4) > 0) AND (NOT $5 OR count(f.correction) > 0)
     ORDER BY max(f.created_at) DESC LIMIT $6`,
    [f.platform ?? null, f.since ?? null, f.text?.trim() || null, f.value ?? null, f.corrected === true, limit],
  );
  return rows.map((r) => ({
    messageId: String(r.id), platform: r.platform as Platform, tenant: String(r.tenant), channel: String(r.channel), userId: String(r.user_id),
    question: String(r.question), answer: (r.answer as string | null) ?? null, reasoning: (r.reasoning as string | null) ?? null, status: String(r.status),
    createdAt: new Date(r.created_at as string), up: Number(r.up), down: Number(r.down),
    corrections: (typeof r.corrections === 'string' ? JSON.parse(r.corrections) : r.corrections) as VotedAnswer['corrections'],
    lastVoteAt: new Date(r.last_vote_at as string),
  }));
}
