// 👍/👎 under every Slack chat answer, and the "What would have been right?" modal.
//
// Slack's AI feedback element is a `context_actions` block holding `feedback_buttons` (@slack/types
// 3.2.0, `FeedbackButtons`); a click arrives as `block_actions` with its `action_id` and the
// chosen button's `value`. A workspace or client that does not know the block answers
// `invalid_blocks`: then the same votes go out as two plain buttons in an `actions` block.

/** `action_id` of the feedback element; the plain buttons add `_up` / `_down`. */
export const FEEDBACK_ACTION_ID = 'r1_answer_feedback';
export const FEEDBACK_ACTION_RE = /^r1_answer_feedback(?:_up|_down)?$/;
/** `callback_id` of the correction modal. */
export const CORRECTION_CALLBACK_ID = 'r1_answer_correction';
export const CORRECTION_BLOCK_ID = 'r1_correction';
export const CORRECTION_INPUT_ID = 'r1_correction_text';
/** Slack's plain_text_input takes up to 3,000 characters. */
export const CORRECTION_INPUT_MAX_CHARS = 3000;

export type SlackBlock = Record<string, unknown>;

/** A button's value: the vote and the message log id (`up:42`). */
export const feedbackValue = (vote: 'up' | 'down', messageId: string) => `${vote}:${messageId}`;

/** The vote and message id in a feedback button's value, or null when it is not ours. */
export function parseFeedbackValue(v: string | undefined): { vote: 'up' | 'down'; messageId: string } | null {
  const m = /^(up|down):(\d+)$/.exec(v ?? '');
  return m ? { vote: m[1] as 'up' | 'down', messageId: m[2]! } : null;
}

/** Slack's AI feedback buttons for one answer. */
export function feedbackButtonsBlock(messageId: string): SlackBlock {
  return {
    type: 'context_actions',
    block_id: `r1_feedback_${messageId}`,
    elements: [{
      type: 'feedback_buttons',
      action_id: FEEDBACK_ACTION_ID,
      positive_button: { text: { type: 'plain_text', text: 'Good answer' }, value: feedbackValue('up', messageId), accessibility_label: 'Mark this answer as good' },
      negative_button: { text: { type: 'plain_text', text: 'Bad answer' }, value: feedbackValue('down', messageId), accessibility_label: 'Mark this answer as bad' },
    }],
  };
}

/** The fallback where `context_actions` is rejected: two plain buttons. */
export function plainFeedbackBlock(messageId: string): SlackBlock {
  return {
    type: 'actions',
    block_id: `r1_feedback_${messageId}`,
    elements: [
      { type: 'button', action_id: `${FEEDBACK_ACTION_ID}_up`, text: { type: 'plain_text', text: '👍', emoji: true }, value: feedbackValue('up', messageId) },
      { type: 'button', action_id: `${FEEDBACK_ACTION_ID}_down`, text: { type: 'plain_text', text: '👎', emoji: true }, value: feedbackValue('down', messageId) },
    ],
  };
}

/** Whether Slack refused a message for its blocks (the feedback element is not known there). */
export function isInvalidBlocksError(e: unknown): boolean {
  const code = (e as { data?: { error?: string } } | null)?.data?.error;
  return code === 'invalid_blocks' || code === 'invalid_blocks_format';
}

/** Where the correction belongs, carried in the modal's `private_metadata`. */
export interface CorrectionTarget {
  messageId: string;
  channel: string;
  threadTs?: string;
}

/** The "What would have been right?" modal opened after a 👎. */
export function correctionModal(t: CorrectionTarget): Record<string, unknown> {
  return {
    type: 'modal',
    callback_id: CORRECTION_CALLBACK_ID,
    private_metadata: JSON.stringify(t),
    title: { type: 'plain_text', text: 'Improve this answer' },
    submit: { type: 'plain_text', text: 'Send' },
    close: { type: 'plain_text', text: 'Skip' },
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: 'Thanks — your 👎 is recorded. If you know it, tell the assistant what the right answer would have been: it is kept with the answer to improve future ones.' } },
      {
        type: 'input',
        block_id: CORRECTION_BLOCK_ID,
        label: { type: 'plain_text', text: 'What would have been right?' },
        element: { type: 'plain_text_input', action_id: CORRECTION_INPUT_ID, multiline: true, max_length: CORRECTION_INPUT_MAX_CHARS },
      },
    ],
  };
}

/** The modal's target, or null when the metadata is not ours. */
export function parseCorrectionTarget(meta: string | undefined): CorrectionTarget | null {
  try {
    const t = JSON.parse(meta ?? '') as Partial<CorrectionTarget>;
    return typeof t.messageId === 'string' && /^\d+$/.test(t.messageId) && typeof t.channel === 'string'
      ? { messageId: t.messageId, channel: t.channel, ...(typeof t.threadTs === 'string' ? { threadTs: t.threadTs } : {}) }
      : null;
  } catch {
    return null;
  }
}
