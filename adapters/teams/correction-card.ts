import { CARD_VERSION } from './answer-card.js';

/** `value.r1` of the correction card's submit. */
export const CORRECTION_SUBMIT_KIND = 'correction';
/** Id of the card's text input: its value arrives as `value.correction`. */
export const CORRECTION_INPUT_ID = 'correction';

/**
 * "What would have been right?" after a 👎: an Adaptive Card with a multi-line input whose
 * Action.Submit comes back as a message activity with `value: { r1: 'correction', messageId,
 * correction }` (Teams merges the inputs' values into the submit's data).
 */
export function correctionCard(messageId: string): Record<string, unknown> {
  return {
    type: 'AdaptiveCard',
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    version: CARD_VERSION,
    body: [
      { type: 'TextBlock', text: 'Thanks — your 👎 is recorded. What would have been right?', wrap: true },
      { type: 'Input.Text', id: CORRECTION_INPUT_ID, isMultiline: true, maxLength: 3000, placeholder: 'The answer you expected (kept with this answer to improve future ones)' },
    ],
    actions: [{ type: 'Action.Submit', title: 'Send', data: { r1: CORRECTION_SUBMIT_KIND, messageId } }],
  };
}
