import { CloudAdapter } from 'botbuilder';
import { liveStateStore, requestCancel, type ChatPlatform, type HttpServer, type LiveSurfaceFactory, type Runtime } from '../../src/index.js';
import { handleTeamsTurn } from './teams-turn.js';
import { TeamsReplySink } from './teams-reply-sink.js';
import { createTeamsPlatform } from './teams-platform.js';
import type { TeamsLiveState } from './live/teams-live-state.js';
import { createMsalApp, createTeamsAuthentication } from './teams-auth.js';
import { withQuietConsole } from './quiet-console.js';
import { shortAuthReason, teamsBodyProblem } from './teams-request-checks.js';
import { allowAiLabelEntityFields } from './ai-label-serialization.js';
import { createTeamsLiveSurface } from './live/create-teams-live-surface.js';
import { allowStreamInfoEntityFields } from './live/stream-entity-serialization.js';

/** Bot Framework's messaging endpoint. */
export const TEAMS_MESSAGES_PATH = '/api/messages';

export interface TeamsAdapter {
  adapter: CloudAdapter;
  sink: TeamsReplySink;
  /** Live answers: queue position, thinking, then the answer streaming (1:1 chats) or in an updated card. */
  liveSurface?: LiveSurfaceFactory<TeamsLiveState>;
  /** Teams as the core's admission path and workers see it. */
  platform: ChatPlatform<TeamsLiveState>;
}

/**
 * Mounts the Teams endpoint on the shared server. Every inbound activity is JWT-validated by
 * botbuilder against the configured OpenID metadata; an invalid token gets 401 and enqueues nothing.
 */
/**
 * The bot's outbound access token (MSAL client credentials, cached by MSAL until it expires), for
 * downloading pictures pasted into Teams messages. Undefined without a client secret.
 */
function createBotTokenSource(cfg: Runtime['cfg']): (() => Promise<string>) | undefined {
  const msal = createMsalApp(cfg);
  if (!msal) return undefined;
  const scope = `${cfg.ToChannelFromBotOAuthScope ?? 'https://api.botframework.com'}/.default`;
  return async () => {
    const res = await msal.acquireTokenByClientCredential({ scopes: [scope] });
    if (!res?.accessToken) throw new Error('no access token from the authority');
    return res.accessToken;
  };
}

export function createTeamsAdapter(rt: Runtime, http: HttpServer): TeamsAdapter {
  const { cfg, log, metrics } = rt;
  if (!cfg.MicrosoftAppId) {
    log.warn('TEAMS_EMULATOR: MicrosoftAppId is not set — inbound Teams activities are NOT authenticated. Use this only with the local Bot Framework Emulator.');
  }
  allowAiLabelEntityFields();
  allowStreamInfoEntityFields();
  const adapter = new CloudAdapter(createTeamsAuthentication(cfg));
  const appId = cfg.MicrosoftAppId ?? '';
  // Declared before the route: the turn handler admits questions through it.
  let platform!: ChatPlatform<TeamsLiveState>;
  adapter.onTurnError = async (_ctx, err) => {
    metrics.errors.inc({ kind: 'teams' });
    log.error({ err: (err as Error).message }, 'teams turn failed');
    throw err; // let process() answer 500 so the channel retries
  };
  http.app.post(TEAMS_MESSAGES_PATH, async (request, reply) => {
    // Bodies botbuilder cannot take stop here (it would answer them as auth failures or throw).
    const problem = teamsBodyProblem(request.body);
    if (problem) {
      rt.logRepeated('warn', `teams-request:400:${problem}`, { status: 400, reason: problem }, 'teams request rejected');
      return reply.code(400).send('');
    }
    let status = 200;
    let body: unknown;
    let logicRan = false;
    // botbuilder's Response interface over Fastify's reply.
    const res = {
      socket: reply.raw.socket,
      status: (c: number) => {
        status = c;
      },
      header: (n: string, v: unknown) => {
        reply.header(n, v);
      },
      send: (b: unknown) => {
        body = b;
      },
      end: () => {},
    };
    let thrown: unknown;
    try {
      // botbuilder prints its own stacks (and the signing keys' PEM) to console on a rejected token.
      await withQuietConsole(() =>
        adapter.process(
          { body: request.body as Record<string, unknown>, headers: request.headers as Record<string, string>, method: request.method },
          res,
          async (ctx) => {
            logicRan = true;
            await handleTeamsTurn(rt, ctx, platform);
          },
        ),
      );
    } catch (e) {
      thrown = e;
      status = logicRan ? 500 : (e as Error).name === 'ZodError' ? 400 : 401;
    }
    // botbuilder answers 500 for a token with a known key id but a bad signature; no turn ran, so it is an auth failure.
    if (status >= 500 && !logicRan) status = 401;
    if (status === 401) {
      metrics.eventsAcked.inc({ platform: 'teams', kind: 'activity', outcome: 'unauthorized' });
      // botbuilder puts the reason in the response body; one short line, no stack, no key material.
      const reason = shortAuthReason(thrown ?? body);
      rt.logRepeated('warn', `teams-auth:${reason}`, { status, reason }, 'teams request unauthorized');
      return reply.code(401).send('');
    }
    if (status === 400 && !logicRan) {
      const reason = thrown ? 'activity does not match the Bot Framework schema' : shortAuthReason(body);
      rt.logRepeated('warn', `teams-request:400:${reason}`, { status, reason }, 'teams request rejected');
    } else if (thrown) log.warn({ err: shortAuthReason(thrown) }, 'teams request failed');
    return reply.code(status).send(body ?? '');
  });
  const liveStore = (jobId: string) => liveStateStore<TeamsLiveState>(rt.redis, cfg.QUEUE_PREFIX, jobId);
  const liveSurface = createTeamsLiveSurface({
    adapter, appId, log, maxStreamMs: cfg.TEAMS_STREAM_MAX_S * 1000,
    cancel: async (jobId) => {
      metrics.eventsReceived.inc({ platform: 'teams', kind: 'stop' });
      await requestCancel(rt.redis, cfg.QUEUE_PREFIX, jobId);
    },
  });
  const sink = new TeamsReplySink(adapter, appId, liveStore, log);
  platform = createTeamsPlatform({ adapter, appId, sink, liveSurface, botToken: createBotTokenSource(cfg), fetchTimeoutMs: cfg.IMAGE_FETCH_TIMEOUT_MS });
  return { adapter, sink, liveSurface, platform };
}
