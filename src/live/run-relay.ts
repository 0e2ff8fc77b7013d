import type { Redis } from 'ioredis';
import { PlatformRateLimitError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import { estimateWaitSeconds } from './eta.js';
import { markLiveDone } from './live-state.js';
import { followLive, type LiveEvent } from './live-stream.js';
import { emptyView, type LiveSurface, type LiveView } from './live-view.js';
import { queuePositionOf } from './queue-position.js';

export interface RelayDeps {
  /** Shared connection for short commands. */
  redis: Redis;
  /** A connection of this relay's own, for the blocking stream read. */
  follow: Redis;
  prefix: string;
  log: Logger;
  /** How often the queue position is re-read while queued. */
  positionPollMs?: number;
  /** A relay gives up after this long (the final delivery still posts the answer). */
  maxMs?: number;
}

export type RelayOutcome = 'ended' | 'aborted' | 'timeout';

const TICK_MS = 100;

/**
 * Shows one job live: its queue position and ETA while it waits, the thinking time while R1
 * reasons, then the answer as it streams, through `surface` at the surface's rate. Events are read
 * from the start of the job's stream, so a relay resumed elsewhere rebuilds the same view. On the
 * job's end event the surface closes its stream and the relay marks the job done, which lets the
 * final delivery replace the live text. Aborting (shutdown) hands the job back unfinished.
 */
export async function runLiveRelay(deps: RelayDeps, jobId: string, surface: LiveSurface, signal: AbortSignal): Promise<RelayOutcome> {
  const { log } = deps;
  const view: LiveView = emptyView();
  const stop = new AbortController();
  const timeout = setTimeout(() => stop.abort(), deps.maxMs ?? 30 * 60_000);
  const onAbort = () => stop.abort();
  signal.addEventListener('abort', onAbort, { once: true });
  let startedAt = 0;
  let thought = '';
  let rawAnswer = '';
  let dirty = true;
  let lastShow = 0;
  let showing: Promise<void> | null = null;
  const pump = () => {
    if (showing || !dirty || view.phase === 'ended' || Date.now() - lastShow < surface.minIntervalMs) return;
    dirty = false;
    lastShow = Date.now();
    showing = surface.show({ ...view })
      .catch((e) => {
        if (e instanceof PlatformRateLimitError) {
          // Rate-limited: this relay alone waits out Retry-After, then shows the latest view.
          lastShow = Date.now() + e.retryAfterMs - surface.minIntervalMs;
          dirty = true;
          log.debug({ jobId, method: e.method, retryAfterMs: e.retryAfterMs }, 'live update rate-limited');
          return;
        }
        // Shown again at the next tick (at the surface's pace), with whatever is newest by then.
        dirty = true;
        log.warn({ jobId, err: (e as Error).message }, 'live update failed');
      })
      .finally(() => {
        showing = null;
        // Paced from when the platform had it: a slow post (a token fetch, a loaded host) must not
        // let the next update arrive sooner than the surface's interval after it (a rate limit may
        // already have pushed it further out).
        lastShow = Math.max(lastShow, Date.now());
      });
  };
  const ticker = setInterval(() => {
    if (view.phase === 'thinking' && startedAt) {
      const s = Math.max(0, Math.floor((Date.now() - startedAt) / 1000));
      if (s !== view.thinkingS) {
        view.thinkingS = s;
        dirty = true;
      }
    }
    pump();
  }, TICK_MS);
  const positions = (async () => {
    while (view.attempt === 0 && !stop.signal.aborted) {
      const pos = await queuePositionOf(deps.redis, deps.prefix, jobId).catch(() => null);
      if (pos !== null && view.attempt === 0) {
        const eta = await estimateWaitSeconds(deps.redis, deps.prefix, pos).catch(() => null);
        if (pos !== view.position || eta !== view.etaS) {
          view.position = pos;
          view.etaS = eta;
          dirty = true;
        }
      }
      await sleep(deps.positionPollMs ?? 2000, stop.signal);
    }
  })();
  const onEvent = (e: LiveEvent) => {
    dirty = true;
    if (e.type === 'started') {
      // A new attempt (a worker crashed mid-answer) generates from scratch.
      view.attempt += 1;
      startedAt = e.at;
      thought = '';
      rawAnswer = '';
      Object.assign(view, { phase: 'thinking', thinkingS: 0, lastThought: '', answer: '', position: null });
    } else if (e.type === 'thought') {
      thought += e.text;
      view.lastThought = thought.trim().split('\n').at(-1) ?? '';
    } else if (e.type === 'answer') {
      rawAnswer += e.text;
      // The stored answer is trimmed: leading whitespace never counts, so offsets agree with it.
      view.answer = rawAnswer.trimStart();
      if (view.answer) view.phase = 'answering';
    } else {
      view.phase = 'ended';
      view.status = e.status;
    }
  };
  try {
    await followLive(deps.follow, deps.prefix, jobId, onEvent, stop.signal);
  } finally {
    clearInterval(ticker);
    clearTimeout(timeout);
    signal.removeEventListener('abort', onAbort);
    stop.abort();
    await positions.catch(() => {});
    await showing;
  }
  if (view.phase !== 'ended') return signal.aborted ? 'aborted' : (await markLiveDone(deps.redis, deps.prefix, jobId), 'timeout');
  // The last update keeps the platform's pace too (the final delivery's edit follows it).
  await new Promise((r) => setTimeout(r, Math.max(0, lastShow + surface.minIntervalMs - Date.now())));
  await surface.finish({ ...view }).catch((e) => log.warn({ jobId, err: (e as Error).message }, 'closing the live answer failed'));
  await markLiveDone(deps.redis, deps.prefix, jobId);
  return 'ended';
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
