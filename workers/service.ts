import { HttpServer, createRuntime, type Config, type InferenceEngine, type Runtime } from '../src/index.js';
import type { CreateRuntimeOptions } from '../src/runtime/index.js';
import { createSlackAdapter, type SlackAdapter } from '../adapters/slack/index.js';
import { createTeamsAdapter, type TeamsAdapter } from '../adapters/teams/index.js';
import { startDeliveryWorker } from './delivery-worker.js';
import { startInferenceWorker, type InferenceWorkerHandle } from './inference-worker.js';

export interface Service {
  rt: Runtime;
  http: HttpServer;
  port: number;
  slack?: SlackAdapter;
  teams?: TeamsAdapter;
  inference?: InferenceWorkerHandle;
  close(): Promise<void>;
}

export interface StartServiceOptions extends CreateRuntimeOptions {
  /** Share an already-loaded engine (tests, benchmarks). The service will not close it. */
  engine?: InferenceEngine;
  /** Listen host. Defaults to 0.0.0.0. */
  host?: string;
}

/**
 * Starts the roles named by ROLE in this process: `adapters` (HTTP, platform adapters, delivery),
 * `worker` (model + inference queue), or `all`. Every role serves /healthz, /readyz and /metrics.
 * Shutdown runs in reverse: stop intake, finish in-flight jobs, close queues, then the database.
 */
export async function startService(cfg: Config, opts: StartServiceOptions = {}): Promise<Service> {
  const rt = await createRuntime(cfg, opts);
  const http = new HttpServer({
    metrics: rt.metrics,
    log: rt.log,
    readiness: [
      { name: 'redis', check: async () => void (await rt.redis.ping()) },
      { name: 'database', check: async () => void (await rt.db.query('SELECT 1')) },
    ],
  });
  const service: Service = { rt, http, port: 0, close: () => rt.close() };
  try {
    const adapters = cfg.ROLE === 'all' || cfg.ROLE === 'adapters';
    const worker = cfg.ROLE === 'all' || cfg.ROLE === 'worker';
    if (worker) {
      let loaded: InferenceWorkerHandle | undefined;
      http.addReadiness({ name: 'model', check: async () => { if (!loaded) throw new Error('model not loaded'); } });
      loaded = await startInferenceWorker(rt, opts.engine);
      service.inference = loaded;
      rt.onClose(() => loaded!.close());
    }
    if (adapters && cfg.SLACK_BOT_TOKEN) {
      const slack = createSlackAdapter(rt, http);
      service.slack = slack;
      await startDeliveryWorker(rt, slack.sink);
      await slack.start();
      rt.onClose(() => slack.stop());
    }
    if (adapters && (cfg.MicrosoftAppId || cfg.TEAMS_EMULATOR)) {
      const teams = createTeamsAdapter(rt, http);
      service.teams = teams;
      await startDeliveryWorker(rt, teams.sink);
    }
    if (adapters && !cfg.SLACK_BOT_TOKEN && !cfg.MicrosoftAppId && !cfg.TEAMS_EMULATOR) rt.log.warn('neither SLACK_BOT_TOKEN nor MicrosoftAppId is set: no platform adapter is on');
    service.port = await http.listen(cfg.PORT, opts.host);
    rt.onClose(() => http.close()); // runs first: stop taking requests
    rt.log.info({ port: service.port, role: cfg.ROLE }, 'r1-chatops started');
    return service;
  } catch (e) {
    await rt.close();
    throw e;
  }
}
