import { z } from 'zod';
import { envVar } from './define.js';

/** A JSON array of regular expressions (JavaScript syntax), each checked to compile. */
const regexList = () => z.preprocess(
  (v) => (v === '' || v === undefined ? undefined : v),
  z.string().transform((s, ctx) => {
    let list: unknown;
    try {
      list = JSON.parse(s);
    } catch {
      ctx.addIssue({ code: 'custom', message: 'must be a JSON array of regular expressions, e.g. ["SN-\\\\d{6}"]' });
      return z.NEVER;
    }
    if (!Array.isArray(list) || !list.every((x) => typeof x === 'string' && x.length > 0)) {
      ctx.addIssue({ code: 'custom', message: 'must be a JSON array of non-empty strings' });
      return z.NEVER;
    }
    for (const p of list as string[]) {
      try {
        new RegExp(p, 'gu');
      } catch (e) {
        ctx.addIssue({ code: 'custom', message: `pattern ${JSON.stringify(p)} does not compile: ${(e as Error).message}` });
        return z.NEVER;
      }
    }
    return list as string[];
  }).optional(),
);

/** Continuous learning (#16): dataset export. */
export const feedbackVars = {
  FEEDBACK_PSEUDONYM_SECRET: envVar(
    z.preprocess((v) => (v === '' ? undefined : v), z.string().min(16, 'must be at least 16 characters (e.g. `openssl rand -hex 32`)').optional()),
    'Key for the pseudonyms of user ids in exported datasets (HMAC-SHA256; the same secret gives the same pseudonym). Required by `npm run feedback -- export`. Keep it: a new one gives everyone new pseudonyms.',
    true,
  ),
  FEEDBACK_REDACT_PATTERNS: envVar(regexList(), 'Extra patterns `--redact` masks in exported datasets (besides e-mail addresses and phone numbers), as a JSON array of regular expressions, e.g. `["SN-\\\\d{6}"]`.'),
};
