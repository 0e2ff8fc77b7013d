import { PLATFORMS, webTenant, type ChannelRef, type Config, type Platform } from '../../../src/index.js';
import { html, type SafeHtml } from '../html.js';

/** The channel a form names: platform + workspace/tenant + channel, as the kb CLI takes them. */
export function channelFromForm(cfg: Config, b: Record<string, unknown>): ChannelRef | string {
  const platform = String(b.platform ?? '') as Platform;
  if (!(PLATFORMS as readonly string[]).includes(platform)) return 'Choose a platform.';
  const channel = String(b.channel ?? '').trim();
  const team = String(b.team ?? '').trim();
  if (!channel) return platform === 'api' ? 'Name the API client.' : platform === 'web' ? 'Name the web group (* for everyone).' : 'Name the channel.';
  if (platform === 'api') return { platform, tenant: 'api', channel };
  if (platform === 'web') return { platform, tenant: team || webTenant(cfg), channel };
  if (platform === 'console') return { platform, tenant: team || 'local', channel };
  if (!team) return platform === 'slack' ? 'Slack needs the workspace id (T…).' : 'Teams needs the tenant id.';
  return { platform, tenant: team, channel };
}

/** The fields naming a channel (platform, workspace/tenant, channel / client / group). */
export function channelFields(values: Record<string, unknown> = {}, idPrefix = 'ch'): SafeHtml {
  const v = (k: string) => String(values[k] ?? '');
  return html`<div class="field"><label for="${idPrefix}-platform">Platform</label>
      <select id="${idPrefix}-platform" name="platform">${PLATFORMS.map((p) => html`<option value="${p}" ${v('platform') === p ? html`selected` : ''}>${p}</option>`)}</select></div>
    <div class="field"><label for="${idPrefix}-team">Workspace / tenant</label>
      <input id="${idPrefix}-team" name="team" type="text" value="${v('team')}" placeholder="T024BE7LD · tenant id" aria-describedby="${idPrefix}-help"></div>
    <div class="field"><label for="${idPrefix}-channel">Channel, API client or web group</label>
      <input id="${idPrefix}-channel" name="channel" type="text" value="${v('channel')}" placeholder="C0123ABCD · client · maintenance" aria-describedby="${idPrefix}-help"></div>`;
}

export const CHANNEL_HELP = html`Slack: workspace id (T…) and channel id (C…). Teams: tenant id and conversation id. API: the client (no workspace).
  Web chat: a user group, <code>*</code> for every signed-in user (the workspace defaults to the issuer). Console: leave the workspace empty, channel <code>console</code>.`;

export const showChannel = (c: Pick<ChannelRef, 'platform' | 'tenant' | 'channel'>): string =>
  c.platform === 'api' ? `api · ${c.channel}` : c.platform === 'web' ? `web · ${c.channel === '*' ? 'everyone' : c.channel}` : `${c.platform} · ${c.tenant} · ${c.channel}`;
