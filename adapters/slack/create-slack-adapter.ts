import { App, HTTPReceiver } from '@slack/bolt';
import type { App as BoltApp } from '@slack/bolt';
import type { HttpServer, LiveSurfaceFactory, Runtime } from '../../src/index.js';
import { createSlackLiveSurface } from './live/create-slack-live-surface.js';
import { toBoltLogger } from './bolt-logger.js';
import { registerSlackListeners } from './register-listeners.js';
import { registerKbCommand } from './register-kb-command.js';
import { registerDiagnoseCommand } from './diagnosis/register-diagnose-command.js';
import { registerDiagnosisActions } from './diagnosis/register-diagnosis-actions.js';
import { registerLiveActions } from './live-status.js';
import { SlackReplySink } from './slack-reply-sink.js';
import { slackClientOptions } from './slack-client-options.js';

/** Bolt's single endpoint for events, slash commands and interactivity. */
export const SLACK_EVENTS_PATH = '/slack/events';

export interface SlackAdapter {
  app: BoltApp;
  sink: SlackReplySink;
  /** Live answers: position, thinking, and the answer streamed or edited into the thread. */
  liveSurface: LiveSurfaceFactory;
  mode: 'http' | 'socket';
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Builds the Slack side: a Bolt app in HTTP mode (mounted on the shared HTTP server at
 * `/slack/events`, signature-verified by Bolt) or in Socket Mode when SLACK_APP_TOKEN is set.
 */
export function createSlackAdapter(rt: Runtime, http: HttpServer | undefined): SlackAdapter {
  const { cfg } = rt;
  if (!cfg.SLACK_BOT_TOKEN) throw new Error('createSlackAdapter: SLACK_BOT_TOKEN is not set');
  // No retries and no shared rate-limit pause inside the client: see slackClientOptions.
  const clientOptions = slackClientOptions(cfg.SLACK_API_URL);
  const logger = toBoltLogger(rt.log);
  let app: BoltApp;
  let mode: SlackAdapter['mode'];
  if (cfg.SLACK_APP_TOKEN) {
    mode = 'socket';
    app = new App({ token: cfg.SLACK_BOT_TOKEN, appToken: cfg.SLACK_APP_TOKEN, socketMode: true, logger, clientOptions });
  } else {
    mode = 'http';
    const receiver = new HTTPReceiver({ signingSecret: cfg.SLACK_SIGNING_SECRET!, endpoints: SLACK_EVENTS_PATH, processBeforeResponse: false, logger });
    app = new App({ token: cfg.SLACK_BOT_TOKEN, receiver, logger, clientOptions });
    if (!http) throw new Error('createSlackAdapter: HTTP mode needs the HTTP server');
    http.mountRaw(SLACK_EVENTS_PATH, receiver.requestListener);
  }
  app.error(async (e) => {
    rt.metrics.errors.inc({ kind: 'slack' });
    rt.log.error({ err: e.message, code: (e as { code?: string }).code }, 'slack listener error');
  });
  registerSlackListeners(app, rt);
  registerKbCommand(app, rt);
  registerDiagnoseCommand(app, rt);
  registerDiagnosisActions(app, rt);
  registerLiveActions(app, rt);
  return {
    app,
    sink: new SlackReplySink(app.client, rt.log),
    liveSurface: createSlackLiveSurface(app.client, { streaming: cfg.SLACK_STREAMING, maxStreamMs: cfg.SLACK_STREAM_MAX_S * 1000, log: rt.log }),
    mode,
    start: async () => {
      if (mode === 'socket') await app.start();
    },
    stop: async () => {
      if (mode === 'socket') await app.stop();
    },
  };
}
