import { afterAll, describe, expect, it } from 'vitest';
import { createRedis, followLiveAnswer, stripInvalidCitations, StoredAnswerText, type LiveEvent } from '../../src/index.js';
import { TEST_REDIS_URL, uniqueId } from '../support/test-config.js';

/** The answer as `processInference` stores it. */
const storedForm = (raw: string, citations: number | undefined) => (citations === undefined ? raw.trim() : stripInvalidCitations(raw.trim(), citations));

/** Feeds `pieces` through one StoredAnswerText; returns what it handed out, piece by piece. */
function stream(pieces: string[], citations: number | undefined): string[] {
  const s = new StoredAnswerText(citations);
  return [...pieces.map((p) => s.push(p)), s.end()];
}

const TEXTS = [
  '  Pumps fail [1] often [7].\n',
  'see [12] and [1](http://x) [3]: a[1] [2][3] end [',
  '[7] Hello [1]  ',
  'x [9]\t[1]\n\nDone [100',
  '[1][7] ok [1234] [0] [2]',
  'no markers at all, just words and  spaces ',
];

describe('StoredAnswerText: the live answer in its stored form', () => {
  it('however the text is cut into chunks, the pieces concatenate to the stored answer', () => {
    for (const text of TEXTS) {
      for (const citations of [undefined, 0, 2]) {
        const want = storedForm(text, citations);
        expect(stream([text], citations).join('')).toBe(want);
        expect(stream([...text], citations).join('')).toBe(want); // one character per chunk
        for (let i = 0; i <= text.length; i++) {
          for (let j = i; j <= text.length; j += 3) {
            expect(stream([text.slice(0, i), text.slice(i, j), text.slice(j)], citations).join(''), JSON.stringify([text, citations, i, j])).toBe(want);
          }
        }
      }
    }
  });

  it('hands out text as soon as its stored form is certain', () => {
    const s = new StoredAnswerText(1);
    expect(s.push(' The pump [')).toBe('The pump');
    expect(s.push('2] stops [1')).toBe(' stops'); // " [1" may still become a marker or not
    expect(s.push(']')).toBe(''); // "[1]" followed by "(" would be a link, kept whatever its number
    expect(s.push('(x) and')).toBe(' [1](x) and');
    expect(s.end()).toBe('');
  });
});

describe('followLiveAnswer (real Redis stream)', () => {
  const redis = createRedis(TEST_REDIS_URL);
  const conns: Array<ReturnType<typeof redis.duplicate>> = [];
  afterAll(async () => {
    for (const c of conns) c.disconnect();
    await redis.quit();
  });

  /** Writes a job's live events as the worker's publisher does (one stream entry each), then follows them. */
  async function follow(events: LiveEvent[]) {
    const prefix = uniqueId('r1follow');
    const jobId = uniqueId('j');
    for (const e of events) await redis.xadd(`${prefix}:live:${jobId}`, '*', 'e', JSON.stringify(e));
    const conn = redis.duplicate();
    conns.push(conn);
    const answer: string[] = [];
    const thought: string[] = [];
    const started: number[] = [];
    const res = await followLiveAnswer(conn, prefix, jobId, {
      started: (s) => void started.push(s.attempt),
      answer: (t) => void answer.push(t),
      thought: (t) => void thought.push(t),
    }, new AbortController().signal, 50);
    return { res, answer: answer.join(''), thought: thought.join(''), started };
  }

  it('a retried attempt repeats nothing already handed out, and the answer is in its stored form', async () => {
    const raw2 = ' The pump [3] fails [1] often.';
    const r = await follow([
      { type: 'started', at: 1, citations: 2 },
      { type: 'thought', text: 'Think' },
      { type: 'answer', text: ' The pump [' },
      { type: 'answer', text: '3] fails' },
      // The worker failed here; BullMQ retried the job, which generates from scratch.
      { type: 'started', at: 2, citations: 2 },
      { type: 'thought', text: 'Think more' },
      { type: 'answer', text: ' The pump [3' },
      { type: 'answer', text: '] fails [1] often.' },
      { type: 'end', status: 'answered' },
    ]);
    expect(r.started).toEqual([1, 2]);
    expect(r.thought).toBe('Think more');
    expect(r.answer).toBe(storedForm(raw2, 2));
    expect(r.answer).toBe('The pump fails [1] often.');
    expect(r.res).toEqual({ status: 'answered', attempts: 2, answer: r.answer, diverged: false });
  });

  it('a retry that writes something else is not appended to what was handed out', async () => {
    const r = await follow([
      { type: 'started', at: 1 },
      { type: 'answer', text: 'Once upon a time ' },
      { type: 'started', at: 2 },
      { type: 'answer', text: 'Once there was a dog.' },
      { type: 'end', status: 'answered' },
    ]);
    expect(r.answer).toBe('Once upon a time');
    expect(r.res).toMatchObject({ status: 'answered', attempts: 2, diverged: true });
  });
});
