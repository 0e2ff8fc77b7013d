import { z } from 'zod';
import { envVars, type EnvVarName } from './vars/index.js';
import { ConfigError } from '../errors.js';

type Specs = typeof envVars;
/** The parsed, typed, frozen configuration: one field per environment variable. */
export type Config = Readonly<{ [K in EnvVarName]: z.output<Specs[K]['schema']> }>;

/**
 * Parses the environment once. Throws {@link ConfigError} naming the first bad variable, so an
 * entry point can print one clear line and exit.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<Record<EnvVarName, string>> = {}): Config {
  const out: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(envVars)) {
    const raw = name in overrides ? overrides[name as EnvVarName] : env[name];
    const res = (spec.schema as z.ZodType).safeParse(raw);
    if (!res.success) {
      const why = res.error.issues[0]?.message ?? 'invalid';
      const shown = spec.secret ? '(secret)' : JSON.stringify(raw);
      throw new ConfigError(name, `${name}: ${why} (got ${shown})`);
    }
    out[name] = res.data;
  }
  const cfg = out as Config;
  crossCheck(cfg);
  return Object.freeze(cfg);
}

function crossCheck(cfg: Config): void {
  if (cfg.SLACK_BOT_TOKEN && !cfg.SLACK_APP_TOKEN && !cfg.SLACK_SIGNING_SECRET) {
    throw new ConfigError('SLACK_SIGNING_SECRET', 'SLACK_SIGNING_SECRET: required with SLACK_BOT_TOKEN in HTTP mode (or set SLACK_APP_TOKEN for Socket Mode)');
  }
  if (cfg.SLACK_APP_TOKEN && !cfg.SLACK_APP_TOKEN.startsWith('xapp-')) {
    throw new ConfigError('SLACK_APP_TOKEN', 'SLACK_APP_TOKEN: must be an app-level token starting with xapp-');
  }
  if (cfg.ENGINE === 'openai' && !cfg.ENGINE_URL) {
    throw new ConfigError('ENGINE_URL', 'ENGINE_URL: required with ENGINE=openai (the server\'s OpenAI base URL including /v1, e.g. http://vllm:8000/v1)');
  }
  if (cfg.OIDC_ISSUER && !cfg.OIDC_AUDIENCE) {
    throw new ConfigError('OIDC_AUDIENCE', 'OIDC_AUDIENCE: required with OIDC_ISSUER (the audience API tokens are issued for), else any token of that issuer would be accepted');
  }
  if (cfg.OIDC_CLIENT_ID && !cfg.OIDC_ISSUER) throw new ConfigError('OIDC_ISSUER', 'OIDC_ISSUER: required with OIDC_CLIENT_ID (the web sign-in asks that issuer)');
  if (cfg.OIDC_CLIENT_ID && !cfg.PUBLIC_URL) throw new ConfigError('PUBLIC_URL', 'PUBLIC_URL: required with OIDC_CLIENT_ID (the sign-in redirect URI is PUBLIC_URL/auth/callback)');
  if (cfg.WEB_SESSION_SECRET && cfg.WEB_SESSION_SECRET.length < 32) throw new ConfigError('WEB_SESSION_SECRET', 'WEB_SESSION_SECRET: use at least 32 characters (e.g. `openssl rand -base64 33`)');
}

/** Names of the secret variables, for log redaction. */
export const secretEnvVarNames = (): string[] => Object.entries(envVars).filter(([, s]) => s.secret).map(([n]) => n);
