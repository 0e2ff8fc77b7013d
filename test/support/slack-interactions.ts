import { postSignedToSlackApp } from './slack-signing.js';

let triggerN = 0;

/** A signed slash command as Slack sends it: form-encoded, to the same events URL. */
export function postSlashCommand(url: string, secret: string, command: string, text: string, o: { channel?: string; user?: string; team?: string; responseUrl?: string } = {}): Promise<Response> {
  const form = new URLSearchParams({
    token: 'legacy', team_id: o.team ?? 'T1', team_domain: 'local', channel_id: o.channel ?? 'C42', channel_name: 'maintenance',
    user_id: o.user ?? 'U123', user_name: 'tech', command, text, api_app_id: 'A1', is_enterprise_install: 'false',
    trigger_id: `${Date.now()}.${++triggerN}.abc`, response_url: o.responseUrl ?? 'http://127.0.0.1:9/unused',
  }).toString();
  return postSignedToSlackApp(url, secret, form, { contentType: 'application/x-www-form-urlencoded' });
}

/** A signed `block_actions` interactivity payload (a button press), form-encoded as `payload=<json>`. */
export function postButtonPress(url: string, secret: string, a: { actionId: string; value: string; blockId?: string; channel: string; messageTs: string; threadTs?: string; user?: string; team?: string; responseUrl?: string; triggerId?: string; actionType?: string }): Promise<Response> {
  const payload = {
    type: 'block_actions', token: 'legacy', api_app_id: 'A1', trigger_id: a.triggerId ?? `${Date.now()}.${++triggerN}.btn`,
    user: { id: a.user ?? 'U123', username: 'tech', team_id: a.team ?? 'T1' }, team: { id: a.team ?? 'T1', domain: 'local' },
    container: { type: 'message', message_ts: a.messageTs, channel_id: a.channel, is_ephemeral: false },
    channel: { id: a.channel, name: 'maintenance' },
    message: { type: 'message', ts: a.messageTs, ...(a.threadTs ? { thread_ts: a.threadTs } : {}), text: '', user: 'UBOT' },
    response_url: a.responseUrl ?? 'http://127.0.0.1:9/unused',
    actions: [{ type: a.actionType ?? 'button', action_id: a.actionId, block_id: a.blockId ?? 'b', value: a.value, text: { type: 'plain_text', text: 'x' }, action_ts: `${Date.now() / 1000}` }],
  };
  return postSignedToSlackApp(url, secret, new URLSearchParams({ payload: JSON.stringify(payload) }).toString(), { contentType: 'application/x-www-form-urlencoded' });
}

/**
 * A signed `view_submission` (a modal's submit), form-encoded as `payload=<json>`. `values` are the
 * inputs by block id and action id, each a `plain_text_input` value.
 */
export function postViewSubmission(url: string, secret: string, v: { callbackId: string; privateMetadata: string; values: Record<string, Record<string, string>>; user?: string; team?: string }): Promise<Response> {
  const state = Object.fromEntries(Object.entries(v.values).map(([block, actions]) => [block, Object.fromEntries(Object.entries(actions).map(([id, value]) => [id, { type: 'plain_text_input', value }]))]));
  const payload = {
    type: 'view_submission', token: 'legacy', api_app_id: 'A1', trigger_id: `${Date.now()}.${++triggerN}.view`,
    team: { id: v.team ?? 'T1', domain: 'local' }, user: { id: v.user ?? 'U123', username: 'tech', name: 'tech', team_id: v.team ?? 'T1' },
    view: {
      id: `V${triggerN}`, team_id: v.team ?? 'T1', type: 'modal', callback_id: v.callbackId, private_metadata: v.privateMetadata, state: { values: state },
      hash: `${triggerN}.hash`, title: { type: 'plain_text', text: 'x' }, blocks: [], app_id: 'A1', bot_id: 'BBOT', root_view_id: `V${triggerN}`, previous_view_id: null,
    },
    response_urls: [], is_enterprise_install: false, enterprise: null,
  };
  return postSignedToSlackApp(url, secret, new URLSearchParams({ payload: JSON.stringify(payload) }).toString(), { contentType: 'application/x-www-form-urlencoded' });
}
