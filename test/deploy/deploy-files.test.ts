import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Secret } from 'kubernetes-models/v1';
import { describe, expect, it } from 'vitest';
import { SLACK_EVENTS_PATH } from '../../adapters/slack/index.js';
import { TEAMS_MESSAGES_PATH } from '../../adapters/teams/index.js';
import { REPO_ROOT } from '../support/child-service.js';
import { readYamlDocuments } from '../support/kustomize.js';

const DEPLOY = path.join(REPO_ROOT, 'deploy');
const walk = (dir: string): string[] => readdirSync(dir).flatMap((f) => {
  const p = path.join(dir, f);
  return statSync(p).isDirectory() ? walk(p) : [p];
});
const files = walk(DEPLOY);
const rel = (f: string) => path.relative(REPO_ROOT, f);

describe('deploy/ files', () => {
  const yamls = files.filter((f) => /\.ya?ml$/.test(f));
  const jsons = files.filter((f) => f.endsWith('.json'));

  it('finds the files it checks', () => {
    expect(yamls.length).toBeGreaterThanOrEqual(20);
    expect(jsons.map(rel)).toContain('deploy/grafana/dashboards/r1-chatops.json');
  });

  it.each(yamls.map(rel))('%s parses as YAML', (f) => {
    const docs = readYamlDocuments(path.join(REPO_ROOT, f));
    expect(docs.length).toBeGreaterThan(0);
    for (const d of docs) expect(typeof d).toBe('object');
  });

  it.each(jsons.map(rel))('%s parses as JSON', (f) => {
    expect(() => JSON.parse(readFileSync(path.join(REPO_ROOT, f), 'utf8'))).not.toThrow();
  });

  it('the YAML check rejects broken YAML (it can fail)', () => {
    const tmp = path.join(tmpdir(), `r1-broken-${process.pid}.yaml`);
    writeFileSync(tmp, 'a: [1, 2\nb: : c\n');
    try {
      expect(() => readYamlDocuments(tmp)).toThrow();
    } finally {
      rmSync(tmp);
    }
  });
});

describe('deploy/Dockerfile', () => {
  const text = readFileSync(path.join(DEPLOY, 'Dockerfile'), 'utf8');
  const stages = [...text.matchAll(/^FROM\s+(\S+)(?:\s+AS\s+(\S+))?/gim)].map((m) => ({ from: m[1]!, name: m[2] }));
  /** Instructions of one stage, from its FROM to the next. */
  const stage = (name: string) => text.split(/^FROM\s/m).find((s) => new RegExp(`\\sAS\\s+${name}\\s*$`, 'im').test(s.split('\n')[0]!)) ?? '';

  it('is multi-stage with a CPU and a CUDA runtime target, CPU last (the default)', () => {
    expect(stages.map((s) => s.name)).toEqual(expect.arrayContaining(['deps', 'cpu', 'cuda']));
    expect(stages.at(-1)!.name).toBe('cpu');
    expect(text).toMatch(/ARG CUDA_IMAGE=nvidia\/cuda:13[.\d]*-runtime/);
    expect(stage('cuda')).toMatch(/^\$\{CUDA_IMAGE\}/);
  });

  it.each(['cpu', 'cuda'])('the %s image runs as a non-root user, with a health check and the service entry point', (name) => {
    const s = stage(name);
    const user = /^USER\s+(\S+)/m.exec(s)?.[1];
    expect(user).toBeDefined();
    expect(user).not.toMatch(/^(root|0)(:|$)/);
    expect(s).toMatch(/^HEALTHCHECK [^\n]*\\\n\s+CMD \[[^\n]*\/healthz/m);
    expect(s).toContain('CMD ["node", "--import", "tsx", "workers/main.ts"]');
    expect(s).toContain('COPY --from=deps');
    expect(s).not.toMatch(/\.gguf/); // models are mounted, never baked in
  });

  it('.dockerignore keeps node_modules, git, data and models out of the build context', () => {
    const ignore = readFileSync(path.join(REPO_ROOT, '.dockerignore'), 'utf8').split('\n');
    for (const p of ['**/node_modules', '.git', 'data', '**/*.gguf', '.env']) expect(ignore).toContain(p);
  });
});

describe('deploy/slack/manifest.yaml', () => {
  const m = readYamlDocuments(path.join(DEPLOY, 'slack/manifest.yaml'))[0] as any; // eslint-disable-line @typescript-eslint/no-explicit-any -- asserted field by field

  it('asks for exactly the bot scopes and events the adapter uses, in Socket Mode with interactivity', () => {
    expect(m.features.bot_user.display_name).toBeTruthy();
    expect([...m.oauth_config.scopes.bot].sort()).toEqual(['app_mentions:read', 'channels:history', 'chat:write', 'commands', 'files:read', 'groups:history', 'im:history', 'reactions:write', 'usergroups:read', 'users:read']);
    expect(m.settings.event_subscriptions.bot_events).toEqual(['app_mention', 'message.im', 'user_change']);
    expect(m.settings.socket_mode_enabled).toBe(true);
    expect(m.settings.interactivity.is_enabled).toBe(true);
    expect(m.features.app_home.messages_tab_enabled).toBe(true); // DMs (message.im) need the Messages tab
  });

  it('points slash commands, events and interactivity at the one Bolt endpoint', () => {
    expect(m.features.slash_commands.map((c: { command: string }) => c.command)).toEqual(['/diagnose', '/kb']);
    const urls = [...m.features.slash_commands.map((c: { url: string }) => c.url), m.settings.event_subscriptions.request_url, m.settings.interactivity.request_url];
    for (const u of urls) expect(new URL(u).pathname).toBe(SLACK_EVENTS_PATH);
    expect(new Set(urls).size).toBe(1);
  });
});

describe('secrets', () => {
  it('no secret value is written in any deploy file (the example Secret holds placeholders only)', () => {
    for (const f of files.filter((x) => /\.(ya?ml|conf|json|example)$/.test(x) || x.endsWith('Dockerfile'))) {
      const text = readFileSync(f, 'utf8');
      expect(text, rel(f)).not.toMatch(/xox[bap]-(?!CHANGE-ME)[A-Za-z0-9-]{6,}/);
      expect(text, rel(f)).not.toMatch(/(PASSWORD|SECRET|TOKEN)\s*[:=]\s*["']?(?!CHANGE-ME)[A-Za-z0-9+/]{8,}/);
    }
  });

  it('the example Secret is a valid Secret, lists the keys the manifests reference, and is not deployed', () => {
    const [secret] = readYamlDocuments(path.join(DEPLOY, 'k8s/base/secret.example.yaml')) as any[]; // eslint-disable-line @typescript-eslint/no-explicit-any -- asserted below
    expect(() => new Secret(secret).validate()).not.toThrow();
    const kustomization = readYamlDocuments(path.join(DEPLOY, 'k8s/base/kustomization.yaml'))[0] as { resources: string[] };
    expect(kustomization.resources).not.toContain('secret.example.yaml');
    const keda = readYamlDocuments(path.join(DEPLOY, 'k8s/base/worker-scaledobject.yaml')) as any[]; // eslint-disable-line @typescript-eslint/no-explicit-any -- asserted below
    const refs = keda.find((d) => d.kind === 'TriggerAuthentication').spec.secretTargetRef.map((r: { key: string }) => r.key);
    for (const key of [...refs, 'REDIS_URL', 'DATABASE_URL', 'SLACK_BOT_TOKEN']) expect(Object.keys(secret.stringData)).toContain(key);
  });
});

describe('deploy/nginx/r1-chatops.conf', () => {
  const conf = readFileSync(path.join(DEPLOY, 'nginx/r1-chatops.conf'), 'utf8');
  /** The body of `location = PATH { … }` (no nested blocks in ours). */
  const block = (loc: string) => new RegExp(`location = ${loc.replace(/\//g, '\\/')} \\{([^}]*)\\}`).exec(conf)?.[1];

  it('terminates TLS and passes the real client address on', () => {
    expect(conf).toMatch(/listen 443 ssl;/);
    expect(conf).toMatch(/ssl_certificate\s+\S+;/);
    expect(conf).toMatch(/ssl_certificate_key\s+\S+;/);
    for (const h of ['X-Real-IP', 'X-Forwarded-For', 'X-Forwarded-Proto']) expect(conf).toContain(`proxy_set_header ${h}`);
    expect(conf).toMatch(/real_ip_header\s+X-Forwarded-For;/);
  });

  it('puts oauth2-proxy (auth_request) in front of everything but the platform webhooks', () => {
    expect(/location \/ \{([^}]*)\}/.exec(conf)?.[1]).toMatch(/auth_request \/oauth2\/auth;/);
    expect(block('/oauth2/auth')).toContain('internal;');
    for (const loc of [SLACK_EVENTS_PATH, TEAMS_MESSAGES_PATH]) {
      expect(block(loc), loc).toContain('proxy_pass http://r1_adapters;');
      expect(block(loc), loc).not.toContain('auth_request');
    }
  });

  it('passes /v1 (the API) through without SSO and without buffering, for SSE', () => {
    const v1 = /location \/v1\/ \{([^}]*)\}/.exec(conf)?.[1];
    expect(v1).toContain('proxy_buffering off;');
    expect(v1).toContain('proxy_pass http://r1_adapters;');
    expect(v1).not.toContain('auth_request');
  });

  it('passes the signed-in user on from oauth2-proxy', () => {
    expect(conf).toContain('auth_request_set $email $upstream_http_x_auth_request_email;');
    expect(conf).toContain('auth_request_set $user  $upstream_http_x_auth_request_user;');
  });

  it('has balanced braces (a cheap syntax check; nginx -t needs nginx)', () => {
    const stripped = conf.replace(/#.*$/gm, '').replace(/'[^'\n]*'/g, "''").replace(/"[^"\n]*"/g, '""');
    expect(stripped.split('{').length).toBe(stripped.split('}').length);
    for (const line of stripped.split('\n').map((l) => l.trim()).filter(Boolean)) expect(line, line).toMatch(/[;{}]$/);
  });
});
