import { shownReadText, type OutgoingReply } from '../../src/index.js';

/** `value.r1` of the Diagnose card action under an answer to a question with a picture. */
export const IMAGE_DIAGNOSE_SUBMIT = 'image_diagnose';

/** Adaptive Card schema version Teams renders (desktop, web and mobile). */
export const CARD_VERSION = '1.5';
export const REASONING_ID = 'r1-reasoning';

/** Teams' "AI generated" label on a bot message. https://learn.microsoft.com/microsoftteams/platform/bots/how-to/bot-messages-ai-generated-content */
export const AI_GENERATED_ENTITY = {
  type: 'https://schema.org/Message',
  '@type': 'Message',
  '@context': 'https://schema.org',
  additionalType: ['AIGeneratedContent'],
};

export interface AnswerCardOptions {
  /** Text of this part (long answers are split over several cards). */
  text: string;
  /** Only the first part carries reasoning, sources and feedback. */
  first: boolean;
}

/**
 * The answer as an Adaptive Card: markdown text, numbered sources, the model's reasoning collapsed
 * behind "Show reasoning", and 👍/👎 feedback actions that come back as message activities with a value.
 */
export function answerCard(r: OutgoingReply, o: AnswerCardOptions): Record<string, unknown> {
  const body: Record<string, unknown>[] = [{ type: 'TextBlock', text: o.text, wrap: true }];
  // What was read from the attached pictures, exactly as read, so the asker can check it.
  for (const i of o.first ? r.images ?? [] : []) {
    const name = i.name || `image ${i.n}`;
    if (i.status === 'read') {
      body.push({ type: 'TextBlock', text: `🖼️ Text read from ${name}`, weight: 'Bolder', spacing: 'Medium', wrap: true });
      body.push({ type: 'TextBlock', text: i.text.trim() ? shownReadText(i.text.trim()) : '(no legible text)', fontType: 'Monospace', wrap: true, spacing: 'Small' });
      if (i.description) body.push({ type: 'TextBlock', text: `Image model: ${i.description}`, isSubtle: true, wrap: true, spacing: 'Small' });
    } else {
      body.push({ type: 'TextBlock', text: `⚠️ ${i.note ?? `${name} could not be read`}.`, wrap: true, spacing: 'Medium' });
    }
  }
  if (o.first && r.sources && r.sources.length > 0) {
    body.push({ type: 'TextBlock', text: 'Sources', weight: 'Bolder', spacing: 'Medium', wrap: true });
    for (const s of r.sources) {
      body.push({ type: 'TextBlock', wrap: true, isSubtle: true, spacing: 'None', text: `[${s.n}] ${s.web ? '🌐 ' : ''}${s.title}${s.section ? ` — ${s.section}` : ''} (${s.source})` });
    }
  }
  if (o.first && r.modelOnly) body.push({ type: 'TextBlock', text: '_Answered from the model alone: no knowledge scope is attached to this channel._', isSubtle: true, wrap: true });
  const actions: Record<string, unknown>[] = [];
  if (o.first && r.reasoning.trim()) {
    body.push({ type: 'ActionSet', actions: [{ type: 'Action.ToggleVisibility', title: 'Show reasoning', targetElements: [REASONING_ID] }] });
    body.push({ type: 'Container', id: REASONING_ID, isVisible: false, items: [{ type: 'TextBlock', text: r.reasoning, wrap: true, isSubtle: true, size: 'Small' }] });
  }
  if (o.first && r.status !== 'failed') {
    for (const d of r.diagnoseOffers ?? []) {
      actions.push({ type: 'Action.Submit', title: `🔧 Diagnose ${d.assetId}${d.faultCode ? ` (${d.faultCode})` : ''}`, data: { r1: IMAGE_DIAGNOSE_SUBMIT, args: d.args } });
    }
    actions.push({ type: 'Action.Submit', title: '👍', data: { r1: 'feedback', messageId: r.messageId, value: 'up' } });
    actions.push({ type: 'Action.Submit', title: '👎', data: { r1: 'feedback', messageId: r.messageId, value: 'down' } });
  }
  return {
    type: 'AdaptiveCard',
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    version: CARD_VERSION,
    body,
    ...(actions.length ? { actions } : {}),
  };
}
