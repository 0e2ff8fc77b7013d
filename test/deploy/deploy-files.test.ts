import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { Deployment } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { ConfigMap, Namespace, Secret, Service } from 'kubernetes-models/v1';
import { Ingress } from 'kubernetes-models/networking.k8s.io/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { REPO_ROOT } from '../support/child-service.js';

const DEPLOY = path.join(REPO_ROOT, 'deploy');
const files = (dir: string): string[] => readdirSync(dir).flatMap((f) => {
  const p = path.join(dir, f);
  return statSync(p).isDirectory() ? files(p) : [p];
});
const read = (rel: string) => readFileSync(path.join(DEPLOY, rel), 'utf8');
const yamlDocs = (file: string) => parseAllDocuments(readFileSync(file, 'utf8')).map((d) => {
  if (d.errors.length) throw new Error(`${file}: ${d.errors[0]!.message}`);
  return d.toJS() as Record<string, any>;
});

// Built-in kinds validated against the Kubernetes OpenAPI schemas shipped in kubernetes-models (offline).
const MODELS: Record<string, new (o: any) => { validate(): void }> = {
  'apps/v1/Deployment': Deployment, 'v1/Service': Service, 'v1/ConfigMap': ConfigMap, 'v1/Namespace': Namespace, 'v1/Secret': Secret,
  'networking.k8s.io/v1/Ingress': Ingress, 'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler, 'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
};

describe('deploy/', () => {
  const all = files(DEPLOY);

  it('every YAML and JSON file parses', () => {
    const data = all.filter((f) => /\.(ya?ml|json)$/.test(f));
    expect(data.length).toBeGreaterThan(15);
    for (const f of data) {
      if (f.endsWith('.json')) expect(() => JSON.parse(readFileSync(f, 'utf8')), f).not.toThrow();
      else expect(() => yamlDocs(f), f).not.toThrow();
    }
  });

  it('Kubernetes manifests validate against their schemas', () => {
    const manifests = all.filter((f) => f.includes('/k8s/') && !f.endsWith('kustomization.yaml')).flatMap((f) => yamlDocs(f).map((doc) => ({ f, doc })));
    const kinds = new Set<string>();
    for (const { f, doc } of manifests) {
      const id = `${doc.apiVersion}/${doc.kind}`;
      kinds.add(id);
      if (MODELS[id]) expect(() => new MODELS[id]!(doc).validate(), `${path.relative(DEPLOY, f)} (${id})`).not.toThrow();
      else expect(id, `${f}: unvalidated kind`).toMatch(/^keda\.sh\/v1alpha1\/(ScaledObject|TriggerAuthentication)$/);
    }
    expect([...kinds]).toEqual(expect.arrayContaining(['apps/v1/Deployment', 'autoscaling/v2/HorizontalPodAutoscaler', 'policy/v1/PodDisruptionBudget', 'networking.k8s.io/v1/Ingress', 'keda.sh/v1alpha1/ScaledObject']));
  });

  it('a schema violation is caught (the validator is live)', () => {
    const bad = yamlDocs(path.join(DEPLOY, 'k8s/base/adapters-hpa.yaml'))[0]!;
    bad.spec.minReplicas = 'two';
    expect(() => new HorizontalPodAutoscaler(bad).validate()).toThrow();
  });

  it('the kustomization lists files that exist and never a Secret with values', () => {
    const k = parse(read('k8s/base/kustomization.yaml'));
    for (const r of k.resources) expect(statSync(path.join(DEPLOY, 'k8s/base', r)).isFile()).toBe(true);
    expect(k.resources).not.toContain('secret.example.yaml');
    for (const o of ['cpu', 'gpu']) expect(parse(read(`k8s/overlays/${o}/kustomization.yaml`)).resources).toEqual(['../../base']);
  });

  it('GPU worker requests a GPU, is ready on /readyz, drains before stop; adapters autoscale at 75 % CPU, 2–10', () => {
    const w = yamlDocs(path.join(DEPLOY, 'k8s/base/worker-deployment.yaml'))[0]!;
    const c = w.spec.template.spec.containers[0];
    expect(c.resources.limits['nvidia.com/gpu']).toBe(1);
    expect(c.readinessProbe.httpGet.path).toBe('/readyz');
    expect(c.lifecycle.preStop).toBeDefined();
    expect(w.spec.template.spec.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(300);
    expect(c.envFrom).toContainEqual({ secretRef: { name: 'r1-secrets' } });
    const hpa = yamlDocs(path.join(DEPLOY, 'k8s/base/adapters-hpa.yaml'))[0]!;
    expect([hpa.spec.minReplicas, hpa.spec.maxReplicas, hpa.spec.metrics[0].resource.target.averageUtilization]).toEqual([2, 10, 75]);
    const [so] = yamlDocs(path.join(DEPLOY, 'k8s/base/worker-scaledobject.yaml'));
    expect(so!.spec.scaleTargetRef.name).toBe(w.metadata.name);
    expect(so!.spec.triggers[0]).toMatchObject({ type: 'redis', metadata: { listName: 'r1:inference:wait' } });
  });

  it('no secret value is inlined in manifests or compose', () => {
    for (const f of all.filter((x) => /\.(ya?ml)$/.test(x) && !x.endsWith('secret.example.yaml'))) {
      const text = readFileSync(f, 'utf8');
      expect(text, f).not.toMatch(/xox[bap]-[A-Za-z0-9]{6,}/);
      expect(text, f).not.toMatch(/(PASSWORD|SECRET|TOKEN):\s+["']?[A-Za-z0-9]{8,}/);
    }
  });

  it('compose: Redis, PostgreSQL with pgvector, adapters, and a GPU worker with limits and health checks', () => {
    const c = parse(read('docker-compose.yml'));
    expect(Object.keys(c.services).sort()).toEqual(['adapters', 'postgres', 'redis', 'worker']);
    expect(c.services.postgres.image).toMatch(/^pgvector\/pgvector:pg15/);
    const w = c.services.worker;
    expect(w.environment.ROLE).toBe('worker');
    expect(w.deploy.resources.limits).toMatchObject({ cpus: '8', memory: '32G' });
    expect(w.deploy.resources.reservations.devices[0]).toMatchObject({ driver: 'nvidia', count: 1, capabilities: ['gpu'] });
    expect(w.volumes.some((v: string) => v.endsWith(':/models:ro'))).toBe(true);
    for (const s of Object.values<any>(c.services)) expect(s.healthcheck, JSON.stringify(s.image)).toBeDefined();
    expect(c.services.adapters.environment.ROLE).toBe('adapters');
  });

  it('alert rules carry the seed thresholds', () => {
    const rules = parse(read('prometheus/alerts.yml')).groups.flatMap((g: any) => g.rules);
    const expr = (name: string) => rules.find((r: any) => r.alert === name)?.expr as string;
    expect(expr('R1InferenceLatencyHigh')).toMatch(/r1_time_to_first_token_seconds_bucket.*> 0\.8$/);
    expect(expr('R1GpuUtilizationHigh')).toBe('r1_gpu_utilization_ratio > 0.9');
    expect(rules.find((r: any) => r.alert === 'R1GpuUtilizationHigh').for).toBe('5m');
    expect(expr('R1MemoryFragmentationHigh')).toBe('r1_memory_fragmentation_ratio > 0.25');
    expect(expr('R1QueueBacklog')).toMatch(/r1_queue_jobs/);
    expect(expr('R1WorkerDown')).toMatch(/up\{job="r1-worker"\} == 0/);
  });

  it('every metric the alerts and dashboard use is defined in the metrics registry', () => {
    const registry = readFileSync(path.join(REPO_ROOT, 'src/metrics/registry.ts'), 'utf8');
    const used = new Set([...(read('prometheus/alerts.yml') + read('grafana/r1-chatops-dashboard.json')).matchAll(/\b(r1_[a-z_]+?)(?:_bucket|_sum|_count)?\b/g)].map((m) => m[1]!));
    for (const m of used) expect(registry, m).toContain(`'${m}'`);
  });

  it('nginx: oauth2 on operator paths, never on the platform webhooks', () => {
    const conf = read('nginx/r1-chatops.conf');
    expect(conf).toMatch(/auth_request \/oauth2\/auth;/);
    for (const loc of ['/slack/events', '/api/messages']) {
      const block = new RegExp(`location = ${loc.replace('/', '\\/')} \\{([^}]*)\\}`).exec(conf)?.[1];
      expect(block, loc).toBeDefined();
      expect(block).not.toContain('auth_request');
    }
    for (const h of ['X-Real-IP', 'X-Forwarded-For', 'X-Forwarded-Proto']) expect(conf).toContain(h);
    expect(conf).toMatch(/ssl_certificate /);
  });

  it('the Slack manifest declares the commands, events and scopes the bot uses', () => {
    const m = parse(read('slack/manifest.yaml'));
    expect(m.features.slash_commands.map((c: any) => c.command)).toEqual(['/diagnose', '/kb']);
    expect(m.settings.event_subscriptions.bot_events).toEqual(['app_mention', 'message.im']);
    expect(m.oauth_config.scopes.bot).toEqual(expect.arrayContaining(['app_mentions:read', 'chat:write', 'reactions:write', 'commands', 'im:history']));
    expect(m.settings.socket_mode_enabled).toBe(true);
  });
});
