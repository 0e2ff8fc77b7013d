import type { PolicyCommand, RefusalReason } from './types.js';

const ask = (contact?: string) => (contact ? `To get access, ask ${contact}.` : 'To get access, ask the administrators of this assistant.');

/** What the asker is told, privately, when the policy refuses (names POLICY_CONTACT when set). */
export function refusalText(reason: RefusalReason, contact?: string, command?: PolicyCommand): string {
  switch (reason) {
    case 'tenant':
      return `Sorry, this assistant is not enabled for your workspace or organisation. ${ask(contact)}`;
    case 'channel':
      return `Sorry, I don't answer in this channel. ${ask(contact)}`;
    case 'dm':
      return `Sorry, I don't answer direct messages; please ask in a channel where I'm available. ${ask(contact)}`;
    case 'command':
      return `Sorry, you are not allowed to use ${command === 'chat' ? 'this assistant' : `\`${command}\``}. ${ask(contact)}`;
    default:
      return reason satisfies never;
  }
}
