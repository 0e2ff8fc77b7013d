import type { types as SlackTypes } from '@slack/bolt';
import { LIKELIHOOD_LABEL, faultLine, type DiagnosisView } from '../../../src/index.js';
import { sourceLine } from '../knowledge-blocks.js';

/** Slack limits a section's text to 3,000 characters. */
const SECTION_MAX_CHARS = 3000;

/** Action ids of the diagnosis buttons; the button value is the diagnosis id. */
export const DIAGNOSIS_ACTIONS = {
  resolved: 'diagnosis_resolved',
  escalate: 'diagnosis_escalate',
  up: 'diagnosis_feedback_up',
  down: 'diagnosis_feedback_down',
} as const;
export const DIAGNOSIS_ACTION_RE = /^diagnosis_(resolved|escalate|feedback_up|feedback_down)$/;

/** Escapes the three characters Slack's mrkdwn treats as control characters. */
export const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const cut = (s: string) => (s.length > SECTION_MAX_CHARS ? `${s.slice(0, SECTION_MAX_CHARS - 1)}…` : s);
const section = (text: string): SlackTypes.SectionBlock => ({ type: 'section', text: { type: 'mrkdwn', text: cut(text) } });
const LIKELIHOOD_EMOJI = { high: ':red_circle:', medium: ':large_orange_circle:', low: ':white_circle:' } as const;

/**
 * The diagnosis as Block Kit, in the order a technician needs it: what machine and fault, safety
 * first, ranked causes with likelihood and cited manual sections, checks in order with the
 * expected observation, parts, whether to escalate, sources, then the outcome buttons.
 * @see https://api.slack.com/reference/block-kit/blocks
 */
export function diagnosisBlocks(view: DiagnosisView): SlackTypes.KnownBlock[] {
  const r = view.result;
  if (!r) return [section(esc(view.title))];
  const a = r.asset;
  const blocks: SlackTypes.KnownBlock[] = [];
  const fault = faultLine(r);
  blocks.push(section(`*${esc(a.id)}* ${esc(a.name)} · model ${esc(a.model)}${a.location ? ` · ${esc(a.location)}` : ''}${fault ? `\n*Fault:* ${esc(fault)}` : ''}`));
  if (r.safety.length) blocks.push(section(`:warning: *Safety first*\n${r.safety.map((s) => `• ${esc(s)}`).join('\n')}`));
  blocks.push({ type: 'divider' });
  blocks.push(section(`*Probable causes*\n${r.causes.map((c, i) => `${i + 1}. ${esc(c.cause)} — ${LIKELIHOOD_EMOJI[c.likelihood]} ${LIKELIHOOD_LABEL[c.likelihood]} likelihood${c.evidence.length ? ` ${c.evidence.map((n) => `[${n}]`).join('')}` : ''}`).join('\n')}`));
  blocks.push(section(`*Checks, in order*\n${r.checks.map((c, i) => `${i + 1}. ${esc(c.step)}\n      → _expect:_ ${esc(c.expect)}`).join('\n')}`));
  if (r.parts.length) blocks.push(section(`*Parts that may be needed*\n${r.parts.map((p) => `• ${esc(p)}`).join('\n')}`));
  const reason = r.escalate.reason ? ` — ${esc(r.escalate.reason)}` : '';
  blocks.push(section(r.escalate.needed ? `:rotating_light: *Escalate:* yes${reason}` : `*Escalate:* not needed${reason}`));
  if (r.sources.length) blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: cut(`*Sources*\n${r.sources.map(sourceLine).join('\n')}`) }] });
  else blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: '_No manual section matched: this diagnosis is from the model alone and cites nothing._' }] });
  const id = view.diagnosisId;
  blocks.push({
    type: 'actions',
    block_id: `diagnosis_actions_${id}`,
    elements: [
      { type: 'button', action_id: DIAGNOSIS_ACTIONS.resolved, text: { type: 'plain_text', text: 'Resolved', emoji: true }, style: 'primary', value: id },
      { type: 'button', action_id: DIAGNOSIS_ACTIONS.escalate, text: { type: 'plain_text', text: 'Not resolved — escalate', emoji: true }, style: 'danger', value: id },
      { type: 'button', action_id: DIAGNOSIS_ACTIONS.up, text: { type: 'plain_text', text: '👍', emoji: true }, value: id },
      { type: 'button', action_id: DIAGNOSIS_ACTIONS.down, text: { type: 'plain_text', text: '👎', emoji: true }, value: id },
    ],
  });
  if (view.outcome) {
    const text = view.outcome.value === 'resolved' ? `:white_check_mark: Resolved — marked by <@${view.outcome.by}>` : `:rotating_light: Not resolved — escalated by <@${view.outcome.by}>`;
    blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text }] });
  }
  return blocks;
}

/** The channel message that opens the diagnosis thread. */
export function diagnosisRootBlocks(view: DiagnosisView): SlackTypes.KnownBlock[] {
  return [
    section(`*${esc(view.title)}*`),
    { type: 'context', elements: [{ type: 'mrkdwn', text: `Requested by <@${view.requestedBy}> · diagnosis #${view.diagnosisId} · details in the thread` }] },
  ];
}

/** How the on-call group is mentioned: a user group `<!subteam^S…>`, a user `<@U…>`, else the name as written. */
export function slackOncallMention(oncall: string | null): string | null {
  if (!oncall) return null;
  const o = oncall.trim();
  if (/^S[A-Z0-9]{2,}$/.test(o)) return `<!subteam^${o}>`;
  if (/^[UW][A-Z0-9]{2,}$/.test(o)) return `<@${o}>`;
  if (/^(here|channel)$/.test(o.replace(/^[@!]/, ''))) return `<!${o.replace(/^[@!]/, '')}>`;
  return esc(o.startsWith('@') ? o : `@${o}`);
}
