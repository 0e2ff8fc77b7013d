import { describe, expect, it } from 'vitest';
import { channelGroupId, channelIdOf, encodeConversationKey, parseConversationKey, threadLockId, type ConversationKey } from '../../src/index.js';

const teams: ConversationKey = { platform: 'teams', tenant: 'tid', channel: '19:abc@thread.tacv2', thread: '1700000000000' };

describe('conversation key', () => {
  it('round-trips ids that contain the separator', () => {
    expect(parseConversationKey(encodeConversationKey(teams))).toEqual(teams);
  });
  it('rejects malformed keys', () => {
    expect(() => parseConversationKey('slack:T1:C1')).toThrow(/4 parts/);
    expect(() => parseConversationKey('irc:T1:C1:t')).toThrow();
  });
  it('derives channel-level and thread-level ids', () => {
    const other = { ...teams, thread: 'x' };
    expect(channelIdOf(other)).toBe(channelIdOf(teams));
    expect(channelGroupId(other)).toBe(channelGroupId(teams));
    expect(threadLockId(other)).not.toBe(threadLockId(teams));
    expect(threadLockId(teams)).not.toContain(':');
  });
});
