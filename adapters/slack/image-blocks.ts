import type { types as SlackTypes } from '@slack/bolt';
import { shownReadText, type DiagnoseOffer, type OutgoingReply } from '../../src/index.js';

/** `image_diagnose_<n>`: the Diagnose buttons under an answer to a question with a picture. */
export const IMAGE_DIAGNOSE_ACTION_RE = /^image_diagnose_\d+$/;
export const imageDiagnoseActionId = (i: number) => `image_diagnose_${i}`;

/** Slack limits a section's text to 3,000 characters. */
const SECTION_MAX_CHARS = 3000;
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** The Diagnose button's label: `🔧 Diagnose P-101 (E-214)`. */
export const diagnoseButtonText = (o: DiagnoseOffer) => `🔧 Diagnose ${o.assetId}${o.faultCode ? ` (${o.faultCode})` : ''}`;

/**
 * Blocks under an answer to a question with images: per image, the text read from it (in a code
 * block, exactly as OCR read it, so the asker can check it) and the image model's description, or
 * why the image was left out; then a Diagnose button per registered asset the text points at.
 */
export function imageBlocks(r: OutgoingReply): SlackTypes.KnownBlock[] {
  if (!r.images?.length) return [];
  const blocks: SlackTypes.KnownBlock[] = [{ type: 'divider' }];
  for (const i of r.images) {
    const name = esc(i.name || `image ${i.n}`);
    let text: string;
    if (i.status === 'read') {
      const read = i.text.trim() ? `\`\`\`${esc(shownReadText(i.text.trim())).replace(/```/g, 'ˋˋˋ')}\`\`\`` : '_no legible text_';
      text = `:frame_with_picture: *Text read from ${name}*\n${read}${i.description ? `\n_Image model:_ ${esc(i.description)}` : ''}`;
    } else {
      text = `:warning: ${esc(i.note ?? `${name} could not be read`)}.`;
    }
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: text.length > SECTION_MAX_CHARS ? `${text.slice(0, SECTION_MAX_CHARS - 5)}…\`\`\`` : text } });
  }
  const offers = r.status === 'failed' ? [] : r.diagnoseOffers ?? [];
  if (offers.length) {
    blocks.push({
      type: 'actions',
      block_id: 'image_diagnose',
      elements: offers.map((o, i) => ({ type: 'button', action_id: imageDiagnoseActionId(i), text: { type: 'plain_text', text: diagnoseButtonText(o), emoji: true }, value: o.args })),
    });
  }
  return blocks;
}
