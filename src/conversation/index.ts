export {
  PLATFORMS, conversationKeySchema, encodeConversationKey, parseConversationKey, channelIdOf, hashId,
  threadLockId, channelGroupId,
} from './conversation-key.js';
export type { Platform, ConversationKey } from './conversation-key.js';
