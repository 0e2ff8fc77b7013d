import { CARD_VERSION } from '../answer-card.js';

/** `data.r1` of the live card's Stop button (an Action.Submit that comes back as a message activity). */
export const STOP_SUBMIT_KIND = 'stop';

/** The live Adaptive Card: the status or the answer so far, with a Stop button while it runs. */
export function liveCard(text: string, jobId?: string): Record<string, unknown> {
  return {
    type: 'AdaptiveCard',
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    version: CARD_VERSION,
    body: [{ type: 'TextBlock', text, wrap: true }],
    ...(jobId ? { actions: [{ type: 'Action.Submit', title: '⏹ Stop', data: { r1: STOP_SUBMIT_KIND, jobId } }] } : {}),
  };
}

export const cardActivity = (card: Record<string, unknown>, entities: unknown[] = []): Record<string, unknown> => ({
  type: 'message',
  attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', content: card }],
  ...(entities.length ? { entities } : {}),
});
