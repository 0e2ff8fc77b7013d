// `npm run chat`: a terminal REPL on the same admission path, queue and worker as Slack and Teams
// (Hubot's shell adapter convention). Next to a running `npm start` (which serves console
// sessions through Redis) it only talks to that service; alone, it runs the console's workers and
// an inference worker in this process. Each run is its own conversation.
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { parseArgs } from 'node:util';
import { Queue } from 'bullmq';
import pino from 'pino';
import {
  DatabaseUnavailableError, ModelUnavailableError, admitQuestion, createLogger, createRedis, createRuntime, intakeQueueName, liveStateStore, runLiveRelay,
  type Runtime,
} from '../src/index.js';
import { readConsole, type ConsoleMessage } from '../adapters/console/console-channel.js';
import { createConsoleLiveSurface, consolePrefix, type ConsoleLiveState } from '../adapters/console/console-live-surface.js';
import { consoleQuestion, createConsolePlatform } from '../adapters/console/console-platform.js';
import { loadConfigOrExit } from './load-config-or-exit.js';
import { startInferenceWorker } from './inference-worker.js';
import { startPlatformWorkers } from './platform-workers.js';
import { installProcessSafetyNet } from './process-safety-net.js';
import { resolveRedisOrExit } from './redis-or-exit.js';

const USAGE = `usage: npm run chat [-- --help]
  A terminal chat with the bot, through the same queue and worker as Slack and Teams.
  Reads questions line by line (typed, or piped: \`printf 'q1\\nq2\\n' | npm run chat\` answers each and exits 0).
  Commands: /help  /new (a new conversation)  /kb <list|attach|detach|web> …  /diagnose <asset> <code or symptom>  /quit (or exit)
  Knowledge for the console: npm run kb -- attach --scope <scope> --platform console --team local --channel console
  Next to a running \`npm start\` on the same DATA_DIR and Redis it talks to that service; alone it answers in this process.
  Logs go to DATA_DIR/logs/console.log (warnings also to stderr).`;

const HELP = `commands:
  /new                      start a new conversation
  /kb list | attach <scope> | detach <scope>   knowledge scopes of the console channel
  /diagnose <asset> <code or symptom…>   equipment fault diagnosis
  /help                     this list
  /quit or exit             leave`;

const { values: flags } = (() => {
  try {
    return parseArgs({ options: { help: { type: 'boolean', short: 'h' } } });
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n${USAGE}\n`);
    process.exit(2);
  }
})();
if (flags.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}

const { cfg, redis: redisEndpoint } = await resolveRedisOrExit(loadConfigOrExit());
const out = (s: string) => process.stdout.write(s);
const logDir = path.resolve(cfg.DATA_DIR, 'logs');
mkdirSync(logDir, { recursive: true });
// Logs never land in the middle of an answer: a file, and warnings on stderr. The logger's own level
// is LOG_LEVEL (warn at the least, for stderr), so message text is logged only at debug, as elsewhere.
const silent = cfg.LOG_LEVEL === 'silent';
const fileLevel = (silent ? 'fatal' : cfg.LOG_LEVEL) as pino.Level;
const log = createLogger({
  level: silent ? 'silent' : pino.levels.values[fileLevel]! < pino.levels.values.warn! ? fileLevel : 'warn',
  destination: pino.multistream([
    { level: fileLevel, stream: pino.destination({ dest: path.join(logDir, 'console.log'), sync: true }) },
    { level: 'warn', stream: process.stderr },
  ]),
});
installProcessSafetyNet(log);

/** Leaves with one line on stderr (nothing started yet needs closing but the Redis this process uses). */
async function fail(line: string): Promise<never> {
  process.stderr.write(`${line}\n`);
  await redisEndpoint.close();
  process.exit(1);
}

// Is a service serving console sessions (its console intake worker is listening)?
const probe = createRedis(cfg.REDIS_URL);
probe.on('error', () => {});
const reachable = await Promise.race([
  probe.ping().then(() => true, () => false),
  new Promise<boolean>((r) => setTimeout(() => r(false), 5000).unref()),
]);
if (!reachable) {
  probe.disconnect();
  await fail(`cannot reach Redis at ${redactUrl(cfg.REDIS_URL)}: start it (e.g. \`redis-server\`, or \`docker compose -f deploy/docker-compose.yml up -d redis\`) or set REDIS_URL`);
}
const intakeProbe = new Queue(intakeQueueName('console'), { connection: probe, prefix: cfg.QUEUE_PREFIX });
const remote = (await intakeProbe.getWorkers()).length > 0;
await intakeProbe.close();
probe.disconnect();

let rt: Runtime;
try {
  rt = await createRuntime(cfg, { log, ...(remote ? { noDatabase: 'the running service owns it; the console talks to it through Redis' } : {}) });
} catch (e) {
  if (e instanceof DatabaseUnavailableError) await fail(`database error: ${cfg.DATABASE_URL ? 'DATABASE_URL: ' : ''}${e.message}`);
  throw e;
}
// Admission refuses while Redis is still connecting (a surface must not hold a question in a queue
// that may never send it). Talking to a service, nothing else here waited for the connection.
if (rt.redis.status !== 'ready') {
  const bound = new AbortController();
  const timer = setTimeout(() => bound.abort(), 10_000);
  await once(rt.redis, 'ready', { signal: bound.signal }).catch(() => undefined); // past the bound, admission says what is wrong
  clearTimeout(timer);
}
const platform = createConsolePlatform(rt.redis, cfg.QUEUE_PREFIX);
if (!remote) {
  try {
    await startPlatformWorkers(rt, platform);
    const workers = await rt.queues.inference.getWorkers();
    // The embedded database belongs to this process: its answers must be written here.
    if (workers.length === 0 || !cfg.DATABASE_URL) {
      out('(starting a local inference worker…)\n');
      const w = await startInferenceWorker(rt);
      // Leaving mid-answer (Ctrl-C) hands the job back after a moment instead of waiting for the rest of it.
      rt.onClose(() => w.close(2000));
    }
  } catch (e) {
    if (e instanceof ModelUnavailableError) {
      await rt.close().catch(() => {});
      await fail(`model error: ${e.message}`);
    }
    throw e;
  }
}

let session = randomUUID();
const user = (() => {
  try {
    return os.userInfo().username || 'console';
  } catch {
    return 'console';
  }
})();
const reader = rt.redis.duplicate();
reader.on('error', () => {});
let readerStop = new AbortController();
let waiting: ((m: ConsoleMessage) => void) | null = null;
const inbox: ConsoleMessage[] = [];
const follow = (s: string) => {
  readerStop.abort();
  readerStop = new AbortController();
  const signal = readerStop.signal;
  void (async () => {
    for await (const m of readConsole(reader, cfg.QUEUE_PREFIX, s, signal)) {
      if (waiting) waiting(m);
      else inbox.push(m);
    }
  })().catch((e: Error) => {
    if (!signal.aborted) log.warn({ err: e.message }, 'console stream read failed');
  });
};
/** How often a console talking to a running service checks that the service is still there. */
const SERVICE_CHECK_MS = 5000;
const SERVICE_GONE_TEXT = 'The service answering this console stopped (no worker serves console questions any more); start it again, or run `npm run chat` alone.';

const next = () => new Promise<ConsoleMessage>((resolve) => {
  const m = inbox.shift();
  if (m) return resolve(m);
  let watchdog: NodeJS.Timeout | undefined;
  waiting = (msg) => {
    waiting = null;
    clearInterval(watchdog);
    resolve(msg);
  };
  // Talking to another process: if it goes away, say so instead of waiting forever.
  if (remote) {
    watchdog = setInterval(() => {
      void rt.queues.intakeFor('console').getWorkers().then((ws) => {
        if (ws.length === 0 && waiting) waiting({ kind: 'notice', text: SERVICE_GONE_TEXT });
      }, () => undefined);
    }, SERVICE_CHECK_MS);
  }
});
follow(session);

let closing: Promise<never> | undefined;
/** Stops reading, closes the runtime (workers, queues, database), then releases Redis: once. */
function shutdown(code: number): Promise<never> {
  return (closing ??= (async () => {
    readerStop.abort();
    reader.disconnect();
    await rt.close().catch((e: Error) => log.warn({ err: e.message }, 'console shutdown failed'));
    await redisEndpoint.close(); // after the runtime's connections: the last user stops an embedded Redis
    process.exit(code);
  })());
}
process.once('SIGTERM', () => void shutdown(0));
process.once('SIGINT', () => void shutdown(0));

out(`r1 console — ${remote ? 'talking to the running service' : 'answering in this process'}; ask a question, /help for commands. Thread ${session}\n`);

/** Shows what comes back for one admitted question or command: notices, the live answer, then the rest of it and its sources. */
async function answer(jobId: string, key: ReturnType<typeof consoleQuestion>['key'], live: boolean): Promise<void> {
  const store = liveStateStore<ConsoleLiveState>(rt.redis, cfg.QUEUE_PREFIX, jobId);
  const relayStop = new AbortController();
  let relay: Promise<unknown> = Promise.resolve();
  if (live && cfg.LIVE_UPDATES) {
    const surface = createConsoleLiveSurface(out)({ v: 1, jobId, key, user: { id: user }, reply: {} }, store);
    const followConn = rt.redis.duplicate();
    followConn.on('error', () => {});
    relay = runLiveRelay({ redis: rt.redis, follow: followConn, prefix: cfg.QUEUE_PREFIX, log }, jobId, surface, relayStop.signal)
      .catch((e: Error) => log.warn({ err: e.message }, 'live display failed'))
      .finally(() => followConn.disconnect());
  } else if (live) out('(thinking…)\n');
  try {
    for (;;) {
      const m = await next();
      if (m.kind === 'notice') {
        out(`r1> ${consolePrefix(m.text)}\n`);
        if (m.followsUp) continue;
        return;
      }
      // The final answer: let the live display finish (it ends with the job), then print what it has not.
      if (live) await Promise.race([relay, new Promise((r) => setTimeout(r, 5000).unref())]);
      relayStop.abort();
      const printed = live ? ((await store.get())?.printed ?? 0) : 0;
      if (printed > 0 && m.status !== 'failed' && printed <= m.answerChars) out(`${consolePrefix(m.body.slice(printed))}\n`);
      else out(`\nr1> ${consolePrefix(m.body)}\n`);
      if (m.knowledge) out(`r1> ${consolePrefix(m.knowledge)}\n`);
      return;
    }
  } finally {
    // A notice ends the question too (a rate limit, a command's answer): the live display stops with it.
    relayStop.abort();
  }
}

async function handle(line: string): Promise<'quit' | void> {
  const text = line.trim();
  if (!text) return;
  if (text === '/quit' || text === 'exit' || text === 'quit') return 'quit';
  if (text === '/help') return void out(`${HELP}\n`);
  if (text === '/new') {
    session = randomUUID();
    follow(session);
    return void out(`(new thread ${session})\n`);
  }
  const cmd = /^\/(kb|diagnose)(?:\s+([\s\S]*))?$/.exec(text);
  if (text.startsWith('/') && !cmd) return void out(`(unknown command ${text.split(/\s/)[0]}; /help lists them)\n`);
  const q = consoleQuestion(session, user, randomUUID(), cmd ? '' : text, cmd ? { name: cmd[1] as 'kb' | 'diagnose', args: cmd[2] ?? '' } : undefined);
  try {
    const res = await admitQuestion(rt, platform, q);
    if (res.kind === 'rejected') {
      await next(); // the notice (printed below)
      return void out(`r1> ${res.text}\n`);
    }
    // A command's answer is a notice (and, for /diagnose, the diagnosis as a reply of its own job): nothing to show live.
    await answer(res.jobId, q.key, !cmd);
  } catch (e) {
    out(`(error: ${(e as Error).message})\n`);
  }
}

const interactive = process.stdin.isTTY === true;
const rl = readline.createInterface({ input: process.stdin, output: process.stdout, prompt: 'you> ', terminal: interactive });
// Piped input gets no prompts: stdout holds the answers only.
const prompt = () => {
  if (interactive) rl.prompt();
};
// One question at a time, in input order: piped input is answered line by line, then the REPL exits.
const lines: string[] = [];
let inputClosed = false;
let wake: (() => void) | null = null;
rl.on('line', (l) => {
  lines.push(l);
  wake?.();
});
rl.on('close', () => {
  inputClosed = true;
  wake?.();
});
// Ctrl-C at the prompt leaves (readline would otherwise only pause the input).
rl.on('SIGINT', () => {
  out('\n');
  void shutdown(0);
});
prompt();
for (;;) {
  if (lines.length === 0) {
    if (inputClosed) break;
    await new Promise<void>((r) => (wake = r));
    wake = null;
    continue;
  }
  const res = await handle(lines.shift()!);
  if (res === 'quit') break;
  if (!inputClosed) prompt();
}
rl.close();
await shutdown(0);

function redactUrl(u: string): string {
  try {
    const url = new URL(u);
    if (url.password) url.password = '***';
    return url.toString();
  } catch {
    return '(invalid URL)';
  }
}
