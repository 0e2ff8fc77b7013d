import { stat } from 'node:fs/promises';
import {
  bearerAuthenticatorFromConfig, envVars, HttpServer, collectGpuUtilization, collectMemoryFragmentation, collectQueueDepth, collectVram, createRuntime,
  recordAudit, webMode as webModeOf, type Config, type Engine, InferenceEngine, type Runtime,
} from '../src/index.js';
import type { CreateRuntimeOptions } from '../src/runtime/index.js';
import { createSlackAdapter, type SlackAdapter } from '../adapters/slack/index.js';
import { createTeamsAdapter, type TeamsAdapter } from '../adapters/teams/index.js';
import { startPlatformWorkers } from './platform-workers.js';
import { startMaintenanceWorker } from './maintenance-worker.js';
import { createConsolePlatform } from '../adapters/console/console-platform.js';
import {
  apiModelId, createApiFeedbackBackend, createApiPlatform, createLlamaEmbeddingsBackend, createQueueChatBackend, registerApiRoutes,
} from '../adapters/api/index.js';


import { createWebPlatform, registerWebRoutes } from '../adapters/web/index.js';
import { knowledgeDepsFor } from './knowledge.js';
import { startInferenceWorker, type InferenceWorkerHandle } from './inference-worker.js';
import { startOcrWorker, type OcrWorkerHandle } from './ocr-worker.js';

export interface Service {
  rt: Runtime;
  http: HttpServer;
  port: number;
  slack?: SlackAdapter;
  teams?: TeamsAdapter;
  /** Whether `/v1` (the OpenAI-compatible API) is served. */
  api?: boolean;
  /** How `/admin` and `/chat` are served: behind OIDC sign-in, locally (WEB_LOCAL), or not at all. */
  web?: 'oidc' | 'local';
  inference?: InferenceWorkerHandle;
  /** The image reader (worker role). */
  ocr?: OcrWorkerHandle;
  close(): Promise<void>;
}

export interface StartServiceOptions extends CreateRuntimeOptions {
  /** Share an already-loaded engine (tests, benchmarks). The service will not close it. */
  engine?: Engine;
  /** Listen host. Defaults to 0.0.0.0. */
  host?: string;
  /** Share an already-started OCR reader (tests, benchmarks). The service will not close it. */
  ocrReader?: import('../src/index.js').OcrReader;
}

/** Waits (at most `ms`) for a connecting Redis to become ready or fail, so readiness can say which. */
function firstRedisOutcome(rt: Runtime, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      rt.redis.off('ready', done).off('error', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    rt.redis.once('ready', done).once('error', done);
  });
}

/** Logged when no platform is configured: how to talk to the bot anyway, and how to add Slack or Teams. */
export const NO_PLATFORM_HINT = 'no Slack or Teams credentials: talk to the bot with `npm run chat` in another terminal (same DATA_DIR), ' +
  'or in a browser on this machine with WEB_LOCAL=true (http://127.0.0.1:PORT/chat, no sign-in). ' +
  'For Slack set SLACK_BOT_TOKEN with SLACK_APP_TOKEN (Socket Mode) or SLACK_SIGNING_SECRET; for Teams set MicrosoftAppId and MicrosoftAppPassword (see README).';

/** Below this model file size a 4096-token answer budget mostly buys rambling: tiny models are for trying things out. */
const SMALL_MODEL_BYTES = 100 * 2 ** 20;

/** A tiny model with the default LLAMA_MAX_TOKENS makes every answer take tens of seconds: say so once. */
async function hintSmallModel(rt: Runtime, engine: InferenceEngine): Promise<void> {
  const byDefault = rt.cfg.LLAMA_MAX_TOKENS === envVars.LLAMA_MAX_TOKENS.schema.parse(undefined);
  const size = await stat(engine.modelPath).then((s) => s.size, () => Infinity);
  if (byDefault && size < SMALL_MODEL_BYTES) {
    rt.log.info({ modelMB: Math.round(size / 2 ** 20), LLAMA_MAX_TOKENS: rt.cfg.LLAMA_MAX_TOKENS }, 'small model with the default LLAMA_MAX_TOKENS: every answer runs to the limit and takes long; for trying things out set LLAMA_MAX_TOKENS=256');
  }
}

/**
 * Starts the roles named by ROLE in this process: `adapters` (HTTP, platform adapters, delivery),
 * `worker` (model + inference queue), or `all`. Every role serves /healthz, /readyz and /metrics,
 * and listens before the model loads (liveness passes during a long load; readiness waits for the
 * model when MODEL_PRELOAD is true). Shutdown runs in reverse: stop taking requests and jobs, finish
 * (or, past SHUTDOWN_TIMEOUT_MS, hand back) in-flight generations, close queues, then the database.
 */
export async function startService(cfg: Config, opts: StartServiceOptions = {}): Promise<Service> {
  const rt = await createRuntime(cfg, { closeStepTimeoutMs: cfg.SHUTDOWN_TIMEOUT_MS + 10_000, ...opts });
  const http = new HttpServer({
    metrics: rt.metrics,
    log: rt.log,
    readiness: [
      {
        name: 'redis',
        check: async () => {
          // Name the outage (e.g. `connect ECONNREFUSED 127.0.0.1:6379`) instead of a ping that times out.
          if (rt.redis.status !== 'ready' && !rt.redisUnavailable()) await firstRedisOutcome(rt, 1500);
          const down = rt.redisUnavailable();
          if (down) throw new Error(down);
          await rt.redis.ping();
        },
      },
      { name: 'database', check: async () => void (await rt.db.query('SELECT 1')) },
    ],
  });
  const service: Service = { rt, http, port: 0, close: () => rt.close() };
  collectQueueDepth(rt.metrics, () => rt.queues.all());
  collectMemoryFragmentation(rt.metrics);
  try {
    const adapters = cfg.ROLE === 'all' || cfg.ROLE === 'adapters';
    const worker = cfg.ROLE === 'all' || cfg.ROLE === 'worker';
    let loaded: InferenceWorkerHandle | undefined;
    if (worker && cfg.MODEL_PRELOAD) {
      http.addReadiness({ name: 'model', check: async () => { if (!loaded) throw new Error('model not loaded'); } });
    }
    if (adapters && cfg.SLACK_BOT_TOKEN) {
      const slack = createSlackAdapter(rt, http);
      service.slack = slack;
      await startPlatformWorkers(rt, slack.platform);
      await slack.start();
      rt.onClose(() => slack.stop());
    }
    if (adapters && (cfg.MicrosoftAppId || cfg.TEAMS_EMULATOR)) {
      const teams = createTeamsAdapter(rt, http);
      service.teams = teams;
      await startPlatformWorkers(rt, teams.platform);
    }
    // Console sessions (`npm run chat` next to this service) are served here: they need only Redis.
    if (adapters) await startPlatformWorkers(rt, createConsolePlatform(rt.redis, cfg.QUEUE_PREFIX));
    // The OpenAI-compatible API, when OIDC or API keys are configured (else /v1 is 404).
    const auth = adapters ? bearerAuthenticatorFromConfig(cfg, rt.db) : undefined;
    if (auth) {
      const api = createApiPlatform(cfg);
      await startPlatformWorkers(rt, api);
      await registerApiRoutes(http.app, {
        auth, chat: createQueueChatBackend(rt, api), feedback: createApiFeedbackBackend(rt), modelId: apiModelId(cfg), questionMaxChars: cfg.QUESTION_MAX_CHARS, log: rt.log,
        imageLimits: { maxBytes: cfg.IMAGE_MAX_BYTES, maxCount: cfg.IMAGE_MAX_COUNT },
        // Embeddings run on the worker's embedding model, so only where this process is a worker too.
        embeddings: cfg.EMBEDDING_MODEL_PATH && worker ? createLlamaEmbeddingsBackend(() => loaded?.embedder, cfg.EMBEDDING_MODEL_PATH) : undefined,
      });
      service.api = true;
    }
    // The web console and chat: behind OIDC sign-in, or WEB_LOCAL on 127.0.0.1 (else off: 404).
    const webMode = adapters ? webModeOf(cfg) : 'off';
    let webKnowledge: { embedder: unknown; deps: ReturnType<typeof knowledgeDepsFor> } | undefined;
    if (webMode !== 'off') {
      const web = createWebPlatform(rt.redis, cfg);
      await startPlatformWorkers(rt, web);
      await registerWebRoutes(http.app, {
        rt, platform: web, mode: webMode,
        embedder: () => loaded?.embedder,
        // The retriever answers use, over this process's embedding model when it has one (full-text otherwise).
        knowledge: () => {
          if (webKnowledge?.embedder !== loaded?.embedder) webKnowledge = undefined;
          return (webKnowledge ??= { embedder: loaded?.embedder, deps: knowledgeDepsFor(rt, loaded?.embedder, loaded?.engine) }).deps;
        },
        onSignIn: async (userId, isAdmin, origin) => void (await recordAudit(rt.db, { actor: userId, action: 'web.sign_in', details: { admin: isAdmin }, origin })),
      });
      service.web = webMode;
    }
    if (adapters && !cfg.SLACK_BOT_TOKEN && !cfg.MicrosoftAppId && !cfg.TEAMS_EMULATOR && !auth && webMode === 'off') rt.log.warn(NO_PLATFORM_HINT);
    // Retention runs and erasures, wherever the database is (every role has it).
    await startMaintenanceWorker(rt);
    service.port = await http.listen(cfg.PORT, opts.host);
    if (worker) {
      // Images are read here, in the worker role, on their own queue (a few seconds to start the tesseract workers).
      service.ocr = await startOcrWorker(rt, { reader: opts.ocrReader });
      loaded = await startInferenceWorker(rt, opts.engine);
      service.inference = loaded;
      const engine = loaded.engine;
      if (engine instanceof InferenceEngine) {
        // The local engine's GPU is this process's; a remote engine's is the cluster's.
        await hintSmallModel(rt, engine);
        collectVram(rt.metrics, engine.llama);
        collectGpuUtilization(rt.metrics);
      }
      const handle = loaded;
      const health = handle.engine.health;
      if (health) {
        // ROLE=worker: not ready while the engine is down (no traffic to route here anyway).
        // ROLE=all: the adapters keep queueing questions, so stay ready and name the engine.
        http.addReadiness({
          name: 'engine', critical: cfg.ROLE === 'worker',
          check: async () => { if (health.state !== 'up') throw new Error(`engine ${health.state}${health.reason ? `: ${health.reason}` : ''}`); },
        });
      }
      rt.onClose(() => handle.close(cfg.SHUTDOWN_TIMEOUT_MS));
    }
    rt.onClose(() => http.close()); // runs first: stop taking requests
    rt.log.info({ port: service.port, role: cfg.ROLE }, 'r1-chatops started');
    if (service.web === 'local') rt.log.info({ url: `http://127.0.0.1:${service.port}/chat`, admin: `http://127.0.0.1:${service.port}/admin` }, 'web chat and admin console open on this machine (WEB_LOCAL=true, no sign-in, 127.0.0.1 only)');
    return service;
  } catch (e) {
    await http.close().catch(() => {});
    await rt.close();
    throw e;
  }
}
