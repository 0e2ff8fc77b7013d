import { z } from 'zod';
import { envVar } from './define.js';
import { bool, positiveInt } from './shared-schemas.js';

/** Live answers: fairness, rate limits and the reasoning budget. */
export const liveVars = {
  LIVE_UPDATES: envVar(bool(true), 'Show queue position/ETA, "Thinking… N s" and the streaming answer in a status message that the final answer replaces (Slack), with a Stop button.'),
  SLACK_STREAMING: envVar(
    z.preprocess((v) => (v === '' ? undefined : v), z.enum(['auto', 'native', 'edit']).default('auto')),
    '`native`: answers stream with chat.startStream/appendStream/stopStream; `edit`: a posted message edited about once a second; `auto`: native, falling back to edit where the workspace refuses streams.',
  ),
  SLACK_STREAM_MAX_S: envVar(positiveInt(270), 'Seconds after which a Slack stream is closed and the answer continues in a follow-up stream (Slack expires streams after about 5 minutes).'),
  TEAMS_STREAM_MAX_S: envVar(positiveInt(100), 'Seconds after which a Teams stream (1:1 chats) is closed and the answer continues in a follow-up message (Teams ends streams after 2 minutes).'),
  LIVE_RELAY_CONCURRENCY: envVar(positiveInt(200), 'Live answers one adapter process shows at once (each follows its job\'s event stream).'),
  RATE_LIMIT_USER_PER_MIN: envVar(positiveInt(10), 'Questions one user may ask per minute (per platform and workspace/tenant); more get a clear reply and no job.'),
  RATE_LIMIT_CHANNEL_PER_MIN: envVar(positiveInt(60), 'Questions one channel may ask per minute.'),
  REASONING_BUDGET_TOKENS: envVar(z.preprocess((v) => (v === '' ? undefined : v), z.coerce.number().int().nonnegative().optional()), 'Maximum R1 thinking tokens per answer; when spent the model is made to answer. Unset: no budget.'),
  REASONING_BUDGET_CHANNELS: envVar(
    z.preprocess((v) => (v === '' || v === undefined ? undefined : v), z.string().regex(/^([a-z]+:[^=,]+=\d+)(,[a-z]+:[^=,]+=\d+)*$/, 'comma-separated platform:channelId=tokens').optional()),
    'Per-channel reasoning budgets overriding REASONING_BUDGET_TOKENS, e.g. `slack:C024BE91L=512,teams:19:abc@thread.tacv2=0`.',
  ),
};
