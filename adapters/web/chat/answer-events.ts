import {
  followLiveAnswer, getMessageByJobId, getMessageKnowledge, queuePositionOf, type MessageRow, type Runtime, type SourceRef,
} from '../../../src/index.js';
import type { WebPlatform } from './web-platform.js';

/** What the browser is told while an answer is made (one server-sent event each). */
export type AnswerEvent =
  | { type: 'queued'; position: number }
  | { type: 'started' }
  /** The documents the answer draws on (known before its first token). */
  | { type: 'sources'; sources: SourceRef[]; knowledge: string | null }
  | { type: 'thought'; text: string }
  | { type: 'answer'; text: string }
  | { type: 'notice'; text: string }
  | { type: 'end'; status: 'answered' | 'stopped' | 'failed'; messageId?: string; answer?: string; sources: SourceRef[]; knowledge: string | null };

/** How often the queue position (and notices) are read while the answer has not started. */
const POLL_MS = 1000;
/** After the job's end event, how long to wait for its message-log row to be finished. */
const ROW_WAIT_MS = 10_000;

/**
 * Follows one web question from the queue to its stored answer: its place in the queue until a
 * worker starts it, then the reasoning and answer as they are generated (the job's live events),
 * then the finished row (status, sources, the message id votes refer to). Ends when the client
 * goes away (`signal`) — the job itself is not cancelled by that, only by Stop.
 */
export async function followAnswer(rt: Runtime, platform: WebPlatform, jobId: string, send: (e: AnswerEvent) => void, signal: AbortSignal): Promise<void> {
  const { cfg } = rt;
  const conn = rt.redis.duplicate();
  conn.on('error', (e) => rt.redisError(e, 'web answer stream'));
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  signal.addEventListener('abort', onAbort, { once: true });
  let started = false;
  let ended: 'answered' | 'stopped' | 'failed' | undefined;
  let answerStarted = false;
  let lastPosition = 0;
  let noticesSent = 0;
  const poll = async () => {
    while (!stop.signal.aborted && !started) {
      const notices = await platform.noticesOf(jobId);
      for (; noticesSent < notices.length; noticesSent++) send({ type: 'notice', text: notices[noticesSent]! });
      // A notice without an inference job (the intake failed for good): nothing more will come.
      if (notices.length && !(await rt.queues.inference.getJob(jobId)) && !(await getMessageByJobId(rt.db, jobId))) {
        ended = 'failed';
        stop.abort();
        return;
      }
      const position = await queuePositionOf(rt.redis, cfg.QUEUE_PREFIX, jobId);
      if (position !== null && position !== lastPosition) send({ type: 'queued', position });
      if (position !== null) lastPosition = position;
      // The abort listener goes with the wait: one per poll would pile up for as long as the question is queued.
      await new Promise<void>((r) => {
        const done = () => {
          clearTimeout(t);
          stop.signal.removeEventListener('abort', done);
          r();
        };
        const t = setTimeout(done, POLL_MS);
        stop.signal.addEventListener('abort', done, { once: true });
      });
    }
  };
  const polling = poll().catch((e: Error) => rt.log.debug({ jobId, err: e.message }, 'web: queue position poll failed'));
  try {
    const live = await followLiveAnswer(conn, cfg.QUEUE_PREFIX, jobId, {
      started: () => {
        started = true;
        send({ type: 'started' });
        // Retrieval is recorded before generation starts: show the sources while the answer streams.
        return getMessageByJobId(rt.db, jobId).then(async (row) => {
          if (!row) return;
          const kn = await getMessageKnowledge(rt.db, row.id);
          if (kn.knowledge) send({ type: 'sources', sources: kn.knowledge === 'cited' ? kn.sources : [], knowledge: kn.knowledge });
        }).catch((err: Error) => rt.log.debug({ jobId, err: err.message }, 'web: sources not read at start'));
      },
      thought: (text) => send({ type: 'thought', text }),
      // As stored (the end's answer replaces it), each piece once even when a worker retried the job.
      answer: (text) => {
        answerStarted = true;
        send({ type: 'answer', text });
      },
    }, stop.signal);
    ended = live.status ?? ended;
  } finally {
    started = true;
    stop.abort();
    signal.removeEventListener('abort', onAbort);
    await polling;
    conn.disconnect();
  }
  if (signal.aborted) return;
  const row = ended === undefined && !answerStarted ? await getMessageByJobId(rt.db, jobId) : await finishedRow(rt, jobId);
  if (!row) {
    send({ type: 'end', status: 'failed', sources: [], knowledge: null });
    return;
  }
  send(await endEvent(rt, row, ended));
}

/** The end of an answer, from its message-log row. */
export async function endEvent(rt: Pick<Runtime, 'db'>, row: MessageRow, ended?: 'answered' | 'stopped' | 'failed'): Promise<AnswerEvent> {
  const kn = await getMessageKnowledge(rt.db, row.id);
  const status = row.status === 'failed' || ended === 'failed' ? 'failed' : row.status === 'stopped' || ended === 'stopped' ? 'stopped' : 'answered';
  return { type: 'end', status, messageId: row.id, answer: row.answer ?? '', sources: kn.knowledge === 'cited' ? kn.sources : [], knowledge: kn.knowledge };
}

async function finishedRow(rt: Runtime, jobId: string): Promise<MessageRow | null> {
  const t0 = Date.now();
  for (;;) {
    const row = await getMessageByJobId(rt.db, jobId);
    if (row && row.status !== 'generating') return row;
    if (Date.now() - t0 > ROW_WAIT_MS) return row;
    await new Promise((r) => setTimeout(r, 20));
  }
}
