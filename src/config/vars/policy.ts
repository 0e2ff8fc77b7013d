import { z } from 'zod';
import { envVar } from './define.js';
import { bool, optionalString, positiveInt } from './shared-schemas.js';

/** A comma-separated list of ids; unset or empty = undefined (no restriction). */
const idList = (what: string) => z.preprocess(
  (v) => (v === '' || v === undefined ? undefined : v),
  z.string().transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean))
    .pipe(z.array(z.string().regex(/^[A-Za-z0-9._:-]+$/, `comma-separated ${what}`)).min(1, `at least one ${what}`))
    .optional(),
);

/** Who may ask what, where; how long texts are kept; erasure (issue #19, README "Data and access"). */
export const policyVars = {
  SLACK_ALLOWED_TEAMS: envVar(idList('Slack team ids'), 'Slack workspaces (team ids `T…`, or Enterprise Grid org ids `E…`) the bot answers in. Unset: any workspace that installed the app. Others get one polite refusal per conversation and nothing is queued.'),
  TEAMS_ALLOWED_TENANTS: envVar(idList('tenant ids'), 'Microsoft Entra tenant ids the bot answers in (Teams multi-tenant bots otherwise accept any tenant). Unset: any.'),
  CHANNEL_POLICY: envVar(z.preprocess((v) => (v === '' ? undefined : v), z.enum(['open', 'allowlist']).default('open')), '`open`: every channel the bot is in gets answers; `allowlist`: only channels allowed with `npm run policy -- allow …`.'),
  ALLOW_DMS: envVar(bool(true), 'Whether the bot answers direct messages (Slack DMs, Teams personal chats).'),
  POLICY_CONTACT: envVar(optionalString(), 'Who to ask for access, named in refusals (e.g. `#it-help` or `the IT service desk`).'),
  POLICY_CACHE_S: envVar(positiveInt(30), 'Seconds the channel and command rules are cached per process (changes with `npm run policy` apply within this time).'),
  POLICY_GROUP_CACHE_S: envVar(positiveInt(300), 'Seconds a group\'s member list (Slack `usergroups.users.list`) is cached before it is fetched again.'),
  RETENTION_DAYS: envVar(z.preprocess((v) => (v === '' ? undefined : v), z.coerce.number().int().positive().optional()), 'Question, answer, reasoning and correction texts older than this many days are removed daily (rows keep timings, token counts, model and sources). Unset: kept.'),
  RETENTION_CRON: envVar(z.preprocess((v) => (v === '' ? undefined : v), z.string().regex(/^\S+( \S+){4,5}$/, 'a cron pattern (5 or 6 fields)').default('17 3 * * *')), 'When the retention job runs (cron, server time zone; BullMQ job scheduler, one run per installation).'),
  FORGET_ON_DELETE: envVar(bool(false), 'true: a platform\'s user-deletion event (Slack `user_change` with `deleted: true`) erases that person\'s data as `npm run forget` does.'),
};
