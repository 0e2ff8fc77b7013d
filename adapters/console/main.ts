// `npm run chat`: a terminal REPL that goes through the same queue and worker as Slack and Teams
// (Hubot's shell adapter convention). If no inference worker is listening on the queue (or the
// database is the embedded one, which one process owns), it starts one in this process.
import { randomUUID } from 'node:crypto';
import readline from 'node:readline';
import { createRuntime, enqueueInference, enqueueLiveRelay, inferenceJobId, historyFromLog, listConversation, type HistoryMessage, type Runtime } from '../../src/index.js';
import { loadConfigOrExit } from '../../workers/load-config-or-exit.js';
import { startDeliveryWorker } from '../../workers/delivery-worker.js';
import { startInferenceWorker } from '../../workers/inference-worker.js';
import { startLiveRelayWorker } from '../../workers/live-relay-worker.js';
import { createConsoleLiveSurface } from './console-live-surface.js';
import { ConsoleReplySink } from './console-reply-sink.js';

const cfg = loadConfigOrExit();
const rt: Runtime = await createRuntime(cfg);
const out = (s: string) => process.stdout.write(s);
let thread = randomUUID();
const key = () => ({ platform: 'console' as const, tenant: 'local', channel: 'console', thread });

const rl = readline.createInterface({ input: process.stdin, output: process.stdout, prompt: 'you> ', terminal: process.stdin.isTTY === true });
let pending = 0;
let inputClosed = false;
const maybeExit = () => {
  if (inputClosed && pending === 0) void quit();
};
await startDeliveryWorker(rt, new ConsoleReplySink(out, () => {
  pending = Math.max(0, pending - 1);
  rl.prompt();
  maybeExit();
}), 1);
// Live answers: the answer prints as it streams (the relay queue of this platform, in this process).
if (cfg.LIVE_UPDATES) await startLiveRelayWorker(rt, 'console', createConsoleLiveSurface(out));

const workers = await rt.queues.inference.getWorkers();
if (workers.length === 0 || !cfg.DATABASE_URL) {
  out('(starting a local inference worker…)\n');
  const w = await startInferenceWorker(rt);
  rt.onClose(() => w.close());
}
out(`r1 console — ask a question; /new starts a new thread, /quit exits. Thread ${thread}\n`);
rl.prompt();

async function historyFor(): Promise<HistoryMessage[]> {
  return historyFromLog(await listConversation(rt.db, key(), cfg.HISTORY_MAX_MESSAGES));
}

rl.on('line', (line) => {
  const text = line.trim();
  if (!text) return rl.prompt();
  if (text === '/quit') return void quit();
  if (text === '/new') {
    thread = randomUUID();
    out(`(new thread ${thread})\n`);
    return rl.prompt();
  }
  if (text.length > cfg.QUESTION_MAX_CHARS) {
    out(`(too long: over ${cfg.QUESTION_MAX_CHARS} characters)\n`);
    return rl.prompt();
  }
  pending++;
  void (async () => {
    const history = await historyFor();
    const user = { id: process.env.USER ?? 'console' };
    const eventId = randomUUID();
    // The relay first, so the final delivery always finds it (and waits for it).
    if (cfg.LIVE_UPDATES) await enqueueLiveRelay(rt.queues.liveFor('console'), { v: 1, jobId: inferenceJobId('console', 'local', eventId), key: key(), user, reply: {} });
    else out('(thinking…)\n');
    await enqueueInference(rt.queues.inference, {
      v: 1, kind: 'chat', key: key(), user, text, history, source: { eventId, receivedAt: Date.now() }, reply: {},
    }, { attempts: cfg.JOB_ATTEMPTS, fair: rt.fair });
  })().catch((e) => {
    pending--;
    out(`(error: ${(e as Error).message})\n`);
    rl.prompt();
  });
});
rl.on('close', () => {
  inputClosed = true;
  maybeExit();
});

async function quit(): Promise<void> {
  rl.close();
  await rt.close();
  process.exit(0);
}
