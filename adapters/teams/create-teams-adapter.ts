import { CloudAdapter } from 'botbuilder';
import { liveStateStore, requestCancel, type HttpServer, type LiveSurfaceFactory, type Runtime } from '../../src/index.js';
import { handleTeamsTurn } from './teams-turn.js';
import { TeamsReplySink } from './teams-reply-sink.js';
import { createTeamsAuthentication } from './teams-auth.js';
import { allowAiLabelEntityFields } from './ai-label-serialization.js';
import { createTeamsLiveSurface } from './live/create-teams-live-surface.js';
import { allowStreamInfoEntityFields } from './live/stream-entity-serialization.js';

/** Bot Framework's messaging endpoint. */
export const TEAMS_MESSAGES_PATH = '/api/messages';

export interface TeamsAdapter {
  adapter: CloudAdapter;
  sink: TeamsReplySink;
  /** Live answers: queue position, thinking, then the answer streaming (1:1 chats) or in an updated card. */
  liveSurface?: LiveSurfaceFactory;
}

/**
 * Mounts the Teams endpoint on the shared server. Every inbound activity is JWT-validated by
 * botbuilder against the configured OpenID metadata; an invalid token gets 401 and enqueues nothing.
 */
export function createTeamsAdapter(rt: Runtime, http: HttpServer): TeamsAdapter {
  const { cfg, log, metrics } = rt;
  if (!cfg.MicrosoftAppId) {
    log.warn('TEAMS_EMULATOR: MicrosoftAppId is not set — inbound Teams activities are NOT authenticated. Use this only with the local Bot Framework Emulator.');
  }
  allowAiLabelEntityFields();
  allowStreamInfoEntityFields();
  const adapter = new CloudAdapter(createTeamsAuthentication(cfg));
  adapter.onTurnError = async (_ctx, err) => {
    metrics.errors.inc({ kind: 'teams' });
    log.error({ err: (err as Error).message }, 'teams turn failed');
    throw err; // let process() answer 500 so the channel retries
  };
  http.app.post(TEAMS_MESSAGES_PATH, async (request, reply) => {
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
    try {
      await adapter.process(
        { body: request.body as Record<string, unknown>, headers: request.headers as Record<string, string>, method: request.method },
        res,
        async (ctx) => {
          logicRan = true;
          await handleTeamsTurn(rt, ctx);
        },
      );
    } catch (e) {
      status = logicRan ? 500 : 401;
      log.warn({ err: (e as Error).message }, 'teams request rejected');
    }
    // botbuilder answers 500 for a token with a known key id but a bad signature; no turn ran, so it is an auth failure.
    if (status >= 500 && !logicRan) status = 401;
    if (status === 401) metrics.eventsAcked.inc({ platform: 'teams', kind: 'activity', outcome: 'unauthorized' });
    return reply.code(status).send(body ?? '');
  });
  const appId = cfg.MicrosoftAppId ?? '';
  const liveStore = (jobId: string) => liveStateStore(rt.redis, cfg.QUEUE_PREFIX, jobId);
  const liveSurface = createTeamsLiveSurface({
    adapter, appId, log, maxStreamMs: cfg.TEAMS_STREAM_MAX_S * 1000,
    cancel: async (jobId) => {
      metrics.eventsReceived.inc({ platform: 'teams', kind: 'stop' });
      await requestCancel(rt.redis, cfg.QUEUE_PREFIX, jobId);
    },
  });
  return { adapter, sink: new TeamsReplySink(adapter, appId, liveStore, log), liveSurface };
}
