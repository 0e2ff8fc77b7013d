import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { envVars, loadConfig, secretEnvVarNames } from '../../src/index.js';
import { REPO_ROOT } from '../support/child-service.js';
import { readYamlDocuments } from '../support/kustomize.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- compose shapes are asserted field by field */
const compose = readYamlDocuments(path.join(REPO_ROOT, 'deploy/docker-compose.yml'))[0] as any;
const svc = (name: string) => compose.services[name];

/**
 * Compose variable substitution for the checks: `${VAR:-default}` → default, `${VAR:?msg}` → a
 * placeholder (the operator must set it), `${VAR}` → placeholder.
 */
const substitute = (v: string) => v.replace(/\$\{([A-Z_]+)(?::-([^}]*)|:\?[^}]*)?\}/g, (_m, _n, def) => def ?? 'set-by-operator');
const envOf = (name: string) => Object.fromEntries(Object.entries(svc(name).environment as Record<string, string>).map(([k, v]) => [k, substitute(String(v))]));

describe('deploy/docker-compose.yml', () => {
  it('has Redis, PostgreSQL with pgvector, the adapters and a GPU worker', () => {
    expect(Object.keys(compose.services)).toEqual(expect.arrayContaining(['redis', 'postgres', 'adapters', 'worker']));
    expect(svc('postgres').image).toBe('pgvector/pgvector:pg15');
    expect(svc('redis').image).toMatch(/^redis:7/);
    expect(svc('redis').command).toEqual(expect.arrayContaining(['--maxmemory-policy', 'noeviction']));
  });

  it('Redis persists every write before answering it (AOF, appendfsync always), on a volume (README: Guarantees)', () => {
    const r = svc('redis');
    const flag = (name: string) => r.command[r.command.indexOf(name) + 1];
    expect(r.command[0]).toBe('redis-server');
    expect(flag('--appendonly')).toBe('yes');
    expect(flag('--appendfsync')).toBe('always');
    expect(r.volumes.some((v: string) => v.endsWith(':/data'))).toBe(true);
  });

  it('every long-running service has a health check, and the app waits for healthy Redis and PostgreSQL', () => {
    for (const name of ['redis', 'postgres', 'adapters', 'worker']) {
      expect(svc(name).healthcheck?.test, name).toBeDefined();
      expect(svc(name).restart, name).toBe('unless-stopped');
    }
    for (const name of ['adapters', 'worker']) {
      expect(svc(name).healthcheck.test.join(' ')).toContain('/readyz');
      expect(svc(name).depends_on).toEqual({ redis: { condition: 'service_healthy' }, postgres: { condition: 'service_healthy' } });
    }
  });

  it('the worker: cpus and memory limits, exactly one NVIDIA GPU, the CUDA target, models read-only, a grace period longer than SHUTDOWN_TIMEOUT_MS', () => {
    const w = svc('worker');
    expect(Number(w.deploy.resources.limits.cpus)).toBeGreaterThan(0);
    expect(w.deploy.resources.limits.memory).toMatch(/^\d+[mg]$/);
    expect(w.deploy.resources.reservations.devices).toEqual([{ driver: 'nvidia', count: 1, capabilities: ['gpu'] }]);
    expect(w.build).toMatchObject({ context: '..', dockerfile: 'deploy/Dockerfile', target: 'cuda' });
    expect(w.volumes).toContain('${R1_MODELS_DIR:-./models}:/models:ro');
    expect(w.volumes.some((v: string) => v.endsWith(':/data'))).toBe(true);
    const cfg = loadConfig(envOf('worker'));
    expect(cfg).toMatchObject({ ROLE: 'worker', LLAMA_GPU: 'cuda', MODEL_PRELOAD: true });
    expect(cfg.MODEL_PATH).toMatch(/^\/models\/.+\.gguf$/);
    expect(Number.parseInt(w.stop_grace_period, 10) * 1000).toBeGreaterThan(cfg.SHUTDOWN_TIMEOUT_MS);
  });

  it('the adapters: CPU target, limits, no GPU, published on loopback only', () => {
    const a = svc('adapters');
    expect(a.build.target).toBe('cpu');
    expect(a.deploy.resources.limits).toMatchObject({ cpus: expect.any(String), memory: expect.any(String) });
    expect(a.deploy.resources.reservations?.devices).toBeUndefined();
    expect(loadConfig(envOf('adapters')).ROLE).toBe('adapters');
    for (const p of a.ports) expect(p).toMatch(/^127\.0\.0\.1:/);
  });

  it('environment names are real config variables; secrets come from r1.env or compose variables, never literals', () => {
    const known = new Set(Object.keys(envVars));
    const secrets = new Set(secretEnvVarNames());
    for (const name of ['adapters', 'worker']) {
      const env = svc(name).environment as Record<string, string>;
      for (const [k, v] of Object.entries(env)) {
        expect(known.has(k), `${name}: unknown variable ${k}`).toBe(true);
        // A secret may only appear with its credential substituted from deploy/.env (${VAR:?…}).
        if (secrets.has(k) && /:\/\/[^/]*:[^@]*@/.test(v)) expect(v, `${name}.${k}`).toMatch(/:\$\{[A-Z_]+:\?[^}]+\}@/);
      }
      expect(svc(name).env_file).toEqual([{ path: './r1.env', required: false }]);
    }
    expect(svc('postgres').environment.POSTGRES_PASSWORD).toMatch(/^\$\{POSTGRES_PASSWORD:\?/);
  });

  it('the example env files name only known variables', () => {
    const names = readFileSync(path.join(REPO_ROOT, 'deploy/r1.env.example'), 'utf8').split('\n').filter((l) => /^[A-Za-z]/.test(l)).map((l) => l.split('=')[0]!);
    expect(names.length).toBeGreaterThan(3);
    for (const n of names) expect(Object.keys(envVars)).toContain(n);
  });

  it('the nginx gateway example points at the adapters service and port', () => {
    const conf = readFileSync(path.join(REPO_ROOT, 'deploy/nginx/r1-chatops.conf'), 'utf8');
    const [host, port] = /upstream r1_adapters \{\s*server ([\w.-]+):(\d+);/.exec(conf)!.slice(1);
    expect(Object.keys(compose.services)).toContain(host);
    expect(Number(port)).toBe(loadConfig(envOf(host!)).PORT);
  });
});
