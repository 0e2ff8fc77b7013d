import type { Config } from '../config/index.js';

/** The web chat's "channel" that every signed-in user draws knowledge from (`kb attach --group '*'`). */
export const WEB_ALL_GROUP = '*';
/** The tenant of web conversation keys under WEB_LOCAL (no issuer). */
export const WEB_LOCAL_TENANT = 'local';
/** The user id of the operator under WEB_LOCAL. */
export const WEB_LOCAL_USER = 'web:local';

/** Whether OIDC sign-in to the web surfaces is configured. */
export const isWebSignInConfigured = (cfg: Pick<Config, 'OIDC_ISSUER' | 'OIDC_CLIENT_ID' | 'PUBLIC_URL'>): boolean =>
  Boolean(cfg.OIDC_ISSUER && cfg.OIDC_CLIENT_ID && cfg.PUBLIC_URL);

/** How the web surfaces are served: behind OIDC sign-in, locally without it, or not at all. */
export function webMode(cfg: Pick<Config, 'OIDC_ISSUER' | 'OIDC_CLIENT_ID' | 'PUBLIC_URL' | 'WEB_LOCAL'>): 'oidc' | 'local' | 'off' {
  if (isWebSignInConfigured(cfg)) return 'oidc';
  return cfg.WEB_LOCAL ? 'local' : 'off';
}

/**
 * The tenant of web conversation keys and bindings: the issuer when sign-in is configured, else
 * `local`. `npm run kb -- attach --platform web --group G` binds under it.
 */
export const webTenant = (cfg: Pick<Config, 'OIDC_ISSUER' | 'OIDC_CLIENT_ID' | 'PUBLIC_URL' | 'WEB_LOCAL'>): string =>
  webMode(cfg) === 'oidc' ? cfg.OIDC_ISSUER! : WEB_LOCAL_TENANT;

/** Group names from an ID token's claims: `groups` and `roles` (strings or arrays of strings). */
export function groupsFromClaims(claims: Record<string, unknown>): string[] {
  const out = new Set<string>();
  for (const c of [claims.groups, claims.roles]) {
    if (typeof c === 'string') for (const g of c.split(/[\s,]+/)) { if (g) out.add(g); }
    else if (Array.isArray(c)) for (const g of c) if (typeof g === 'string' && g) out.add(g);
  }
  return [...out].sort();
}

/** Whether a signed-in web user is an admin: `ADMIN_USERS` has `web:<sub>`, or they are in `OIDC_ADMIN_GROUP`. */
export function isWebAdmin(cfg: Pick<Config, 'ADMIN_USERS' | 'OIDC_ADMIN_GROUP'>, sub: string, groups: readonly string[]): boolean {
  return cfg.ADMIN_USERS.includes(`web:${sub}`) || (Boolean(cfg.OIDC_ADMIN_GROUP) && groups.includes(cfg.OIDC_ADMIN_GROUP!));
}

/**
 * The group a new chat draws knowledge from: the one asked for when the user is in it, else the
 * user's first group, else `*`. A chat never gets a group its user is not in.
 */
export function chatGroupFor(groups: readonly string[], wanted?: string): string {
  if (wanted && (wanted === WEB_ALL_GROUP || groups.includes(wanted))) return wanted;
  return groups[0] ?? WEB_ALL_GROUP;
}
