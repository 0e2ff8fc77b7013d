import { App, HTTPReceiver } from '@slack/bolt';
import type { App as BoltApp } from '@slack/bolt';
import type { ChatPlatform, HttpServer, LiveSurfaceFactory, Runtime } from '../../src/index.js';
import { createSlackLiveSurface } from './live/create-slack-live-surface.js';
import { toBoltLogger } from './bolt-logger.js';
import { registerSlackListeners } from './register-listeners.js';
import { registerKbCommand } from './register-kb-command.js';
import { registerDiagnoseCommand } from './diagnosis/register-diagnose-command.js';
import { registerDiagnosisActions } from './diagnosis/register-diagnosis-actions.js';
import { registerLiveActions } from './live-status.js';
import { registerFeedbackActions } from './feedback/register-feedback-actions.js';
import { registerImageActions } from './register-image-actions.js';
import { SlackReplySink } from './slack-reply-sink.js';
import { createSlackPlatform } from './slack-platform.js';
import type { SlackLiveState } from './live/slack-live-state.js';
import { withCoreErrors } from './slack-errors.js';
import { guardSlackRequests } from './request-guard.js';
import { slackClientOptions } from './slack-client-options.js';

/** Bolt's single endpoint for events, slash commands and interactivity. */
export const SLACK_EVENTS_PATH = '/slack/events';
/** First retry of a failed start-up auth.test, then doubling up to the maximum. */
const INIT_RETRY_MS = 1000;
const INIT_RETRY_MAX_MS = 30_000;

export interface SlackAdapter {
  app: BoltApp;
  sink: SlackReplySink;
  /** Live answers: position, thinking, and the answer streamed or edited into the thread. */
  liveSurface: LiveSurfaceFactory<SlackLiveState>;
  /** Slack as the core's admission path and workers see it. */
  platform: ChatPlatform<SlackLiveState>;
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
  /**
   * Bolt runs auth.test once (the bot's user and bot ids) and, when that fails, keeps the failure:
   * every later event would be acknowledged and dropped before any listener ran. So the app is
   * initialized here (deferInitialization), retried until auth.test succeeds; until then HTTP events
   * get 503 (Slack retries them) and Socket Mode does not connect (Slack keeps the events).
   */
  let initialized = false;
  let stopped = false;
  let initializing: Promise<void> | undefined;
  const initApp = async (): Promise<void> => {
    for (let attempt = 1, delayMs = INIT_RETRY_MS; !stopped; attempt++, delayMs = Math.min(delayMs * 2, INIT_RETRY_MAX_MS)) {
      try {
        await app.init();
        initialized = true;
        return;
      } catch (e) {
        rt.log.warn({ err: (e as Error).message, attempt, retryInMs: delayMs }, 'slack: auth.test failed; Slack events wait until it succeeds');
        await new Promise((r) => setTimeout(r, delayMs).unref());
      }
    }
  };
  if (cfg.SLACK_APP_TOKEN) {
    mode = 'socket';
    app = new App({ token: cfg.SLACK_BOT_TOKEN, appToken: cfg.SLACK_APP_TOKEN, socketMode: true, logger, clientOptions, deferInitialization: true });
  } else {
    mode = 'http';
    // processBeforeResponse: the 200 goes out after the listeners finish, i.e. after the question is
    // durably queued (admission takes milliseconds; listeners never do slow work before returning).
    // Socket Mode has no such choice: Bolt acks the envelope before listeners run (see README, Guarantees).
    const receiver = new HTTPReceiver({ signingSecret: cfg.SLACK_SIGNING_SECRET!, endpoints: SLACK_EVENTS_PATH, processBeforeResponse: true, logger });
    app = new App({ token: cfg.SLACK_BOT_TOKEN, receiver, logger, clientOptions, deferInitialization: true });
    if (!http) throw new Error('createSlackAdapter: HTTP mode needs the HTTP server');
    // Only bodies of the shape Slack sends reach Bolt (a signed `null` body used to crash it).
    const guarded = guardSlackRequests(receiver.requestListener, {
      onReject: (status, reason) => rt.logRepeated('warn', `slack-request:${status}:${reason}`, { status, reason }, 'slack request rejected'),
    });
    // Until Bolt knows its bot (auth.test), it would acknowledge every event and drop it: 503, Slack retries.
    http.mountRaw(SLACK_EVENTS_PATH, (req, res) => {
      if (initialized) return guarded(req, res);
      req.resume();
      res.writeHead(503, { 'content-length': 0, 'retry-after': '5' });
      res.end();
    });
  }
  app.error(async (e) => {
    rt.metrics.errors.inc({ kind: 'slack' });
    const code = (e as { code?: string }).code;
    rt.log.error({ err: e.message, code }, 'slack listener error');
    // Not queued: rethrown, so the HTTP receiver answers 500 and Slack retries the event.
    if (code === 'intake_unavailable') throw e;
  });
  const sink = new SlackReplySink(app.client, rt.log);
  const liveSurface = createSlackLiveSurface(app.client, { streaming: cfg.SLACK_STREAMING, maxStreamMs: cfg.SLACK_STREAM_MAX_S * 1000, log: rt.log });
  const platform = createSlackPlatform({
    client: withCoreErrors(app.client), sink, liveSurface, historyMaxMessages: cfg.HISTORY_MAX_MESSAGES,
    botToken: cfg.SLACK_BOT_TOKEN, apiUrl: cfg.SLACK_API_URL, fetchTimeoutMs: cfg.IMAGE_FETCH_TIMEOUT_MS,
  });
  registerSlackListeners(app, rt, platform);
  registerKbCommand(app, rt, platform);
  registerDiagnoseCommand(app, rt, platform);
  registerDiagnosisActions(app, rt);
  registerLiveActions(app, rt);
  registerFeedbackActions(app, rt);
  registerImageActions(app, rt, platform);
  return {
    app,
    sink,
    liveSurface,
    platform,
    mode,
    start: async () => {
      // One attempt before the service is up; if it failed, the retries go on in the background.
      const first = app.init().then(() => (initialized = true), () => undefined);
      await first;
      const ready = initialized ? Promise.resolve() : (initializing ??= initApp());
      if (mode === 'socket') {
        if (initialized) await app.start();
        else void ready.then(() => (stopped ? undefined : app.start())).catch((e: Error) => rt.log.error({ err: e.message }, 'slack: socket mode did not start'));
      }
    },
    stop: async () => {
      stopped = true;
      if (mode === 'socket' && initialized) await app.stop();
    },
  };
}
