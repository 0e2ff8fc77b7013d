import { createHmac } from 'node:crypto';

/** Slack request signing: `v0=` + HMAC-SHA256(secret, `v0:{ts}:{rawBody}`). https://api.slack.com/authentication/verifying-requests-from-slack */
export function slackSignature(signingSecret: string, ts: number, rawBody: string): string {
  return 'v0=' + createHmac('sha256', signingSecret).update(`v0:${ts}:${rawBody}`).digest('hex');
}

export interface PostSignedOptions {
  contentType?: string;
  /** Request timestamp (seconds); defaults to now. */
  ts?: number;
  /** Adds Slack's retry headers (`X-Slack-Retry-Num`, `X-Slack-Retry-Reason`). */
  retryNum?: number;
  /** Sign with this secret instead (bad-signature tests). */
  signWith?: string;
}

export function postSignedToSlackApp(url: string, signingSecret: string, body: string, o: PostSignedOptions = {}): Promise<Response> {
  const ts = o.ts ?? Math.floor(Date.now() / 1000);
  const headers: Record<string, string> = {
    'content-type': o.contentType ?? 'application/json',
    'x-slack-request-timestamp': String(ts),
    'x-slack-signature': slackSignature(o.signWith ?? signingSecret, ts, body),
  };
  if (o.retryNum !== undefined) {
    headers['x-slack-retry-num'] = String(o.retryNum);
    headers['x-slack-retry-reason'] = 'http_timeout';
  }
  return fetch(url, { method: 'POST', headers, body });
}

let evCounter = 0;
/** An Events API `event_callback` envelope around a message-like event. */
export function slackEventEnvelope(event: Record<string, unknown>, opts: { teamId?: string; eventId?: string } = {}): string {
  return JSON.stringify({
    token: 'legacy', team_id: opts.teamId ?? 'T1', api_app_id: 'A1', type: 'event_callback',
    event_id: opts.eventId ?? `Ev${Date.now()}${evCounter++}`, event_time: Math.floor(Date.now() / 1000),
    authorizations: [{ team_id: opts.teamId ?? 'T1', user_id: 'UBOT', is_bot: true, is_enterprise_install: false }],
    event,
  });
}
