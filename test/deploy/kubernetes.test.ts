import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Deployment } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { Ingress } from 'kubernetes-models/networking.k8s.io/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ConfigMap, Namespace, PersistentVolumeClaim, Service } from 'kubernetes-models/v1';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { SLACK_EVENTS_PATH } from '../../adapters/slack/index.js';
import { TEAMS_MESSAGES_PATH } from '../../adapters/teams/index.js';
import { QUEUE_INFERENCE, QueueSet, createRedis, envVars, loadConfig, secretEnvVarNames } from '../../src/index.js';
import { REPO_ROOT } from '../support/child-service.js';
import { kubectlKustomize, renderKustomization, type K8sObject } from '../support/kustomize.js';
import { TEST_REDIS_URL, uniqueId } from '../support/test-config.js';

const K8S = path.join(REPO_ROOT, 'deploy/k8s');
const OVERLAYS = ['gpu', 'cpu'] as const;
const rendered = Object.fromEntries(OVERLAYS.map((o) => [o, renderKustomization(path.join(K8S, 'overlays', o))])) as Record<(typeof OVERLAYS)[number], K8sObject[]>;

/** Built-in kinds → their kubernetes-models class (schema validation offline). */
const MODELS: Record<string, new (o: never) => { validate(): void }> = {
  'apps/v1/Deployment': Deployment,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'networking.k8s.io/v1/Ingress': Ingress,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'v1/ConfigMap': ConfigMap,
  'v1/Namespace': Namespace,
  'v1/PersistentVolumeClaim': PersistentVolumeClaim,
  'v1/Service': Service,
};

// KEDA ships no npm schema package: the fields KEDA 2.x requires (keda.sh/v1alpha1 CRDs) and the ones we rely on.
const numeric = z.string().regex(/^\d+$/);
const kedaTrigger = z.discriminatedUnion('type', [
  z.object({ type: z.literal('redis'), metadata: z.object({ listName: z.string().min(1), listLength: numeric, activationListLength: numeric.optional(), databaseIndex: numeric.optional() }).strict(), authenticationRef: z.object({ name: z.string() }) }).strict(),
  z.object({ type: z.literal('prometheus'), metadata: z.object({ serverAddress: z.url(), query: z.string().min(1), threshold: numeric, activationThreshold: numeric.optional() }).strict() }).strict(),
]);
const scaledObjectSchema = z.object({
  apiVersion: z.literal('keda.sh/v1alpha1'), kind: z.literal('ScaledObject'),
  metadata: z.object({ name: z.string(), namespace: z.string() }).loose(),
  spec: z.object({
    scaleTargetRef: z.object({ apiVersion: z.literal('apps/v1'), kind: z.literal('Deployment'), name: z.string() }).strict(),
    minReplicaCount: z.number().int().min(0), maxReplicaCount: z.number().int().positive(),
    pollingInterval: z.number().int().positive().optional(), cooldownPeriod: z.number().int().positive().optional(),
    advanced: z.object({ horizontalPodAutoscalerConfig: z.object({ behavior: z.record(z.string(), z.unknown()) }).loose() }).loose().optional(),
    triggers: z.array(kedaTrigger).min(1),
  }).strict(),
});
const triggerAuthSchema = z.object({
  apiVersion: z.literal('keda.sh/v1alpha1'), kind: z.literal('TriggerAuthentication'),
  metadata: z.object({ name: z.string() }).loose(),
  spec: z.object({ secretTargetRef: z.array(z.object({ parameter: z.enum(['address', 'password', 'host', 'port', 'username']), name: z.string(), key: z.string() }).strict()).min(1) }).strict(),
});

const find = (objs: K8sObject[], kind: string, name: string) => {
  const o = objs.find((x) => x.kind === kind && x.metadata.name === name);
  if (!o) throw new Error(`${kind}/${name} not rendered`);
  return o as K8sObject & { spec: any }; // eslint-disable-line @typescript-eslint/no-explicit-any -- manifest shapes are asserted field by field
};
const containerOf = (objs: K8sObject[], deployment: string) => find(objs, 'Deployment', deployment).spec.template.spec.containers[0];

/** The environment a container sees: the ConfigMaps it imports plus its literal env (secrets left unset). */
function containerEnv(objs: K8sObject[], c: { env?: Array<{ name: string; value?: string }>; envFrom?: Array<{ configMapRef?: { name: string } }> }): Record<string, string> {
  const env: Record<string, string> = {};
  for (const from of c.envFrom ?? []) if (from.configMapRef) Object.assign(env, find(objs, 'ConfigMap', from.configMapRef.name).data);
  for (const e of c.env ?? []) if (e.value !== undefined) env[e.name] = e.value;
  return env;
}

describe.each(OVERLAYS)('deploy/k8s overlay %s', (overlay) => {
  const objs = rendered[overlay];

  it('renders the same objects as kubectl kustomize (when kubectl is installed)', (ctx) => {
    const real = kubectlKustomize(path.join(K8S, 'overlays', overlay));
    if (!real) return ctx.skip();
    const byKey = (list: K8sObject[]) => Object.fromEntries(list.map((o) => [`${o.kind}/${o.metadata.name}`, o]));
    expect(byKey(objs)).toEqual(byKey(real));
  });

  it('every built-in object validates against its Kubernetes schema; KEDA objects against their CRD fields', () => {
    for (const o of objs) {
      const model = MODELS[`${o.apiVersion}/${o.kind}`];
      if (model) expect(() => new model(o as never).validate(), `${o.kind}/${o.metadata.name}`).not.toThrow();
      else if (o.kind === 'ScaledObject') scaledObjectSchema.parse(o);
      else if (o.kind === 'TriggerAuthentication') triggerAuthSchema.parse(o);
      else throw new Error(`no schema for ${o.apiVersion} ${o.kind}`);
      if (o.kind !== 'Namespace') expect(o.metadata.namespace, `${o.kind}/${o.metadata.name}`).toBe('r1-chatops');
    }
  });

  it('a broken manifest fails validation (the check can fail)', () => {
    const d = structuredClone(find(objs, 'Deployment', 'r1-worker'));
    d.spec.template.spec.containers[0].ports[0].containerPort = 'http';
    expect(() => new Deployment(d as never).validate()).toThrow(/containerPort/);
    const so = structuredClone(find(objs, 'ScaledObject', 'r1-worker'));
    delete so.spec.triggers[0].metadata.listName;
    expect(() => scaledObjectSchema.parse(so)).toThrow();
  });

  it('the adapters: Service, Ingress for the platform webhooks only, HPA at 75 % CPU from 2 to 10, PDB', () => {
    const svc = find(objs, 'Service', 'r1-adapters');
    const dep = find(objs, 'Deployment', 'r1-adapters');
    expect(svc.spec.selector).toEqual(dep.spec.selector.matchLabels);
    const paths = find(objs, 'Ingress', 'r1-adapters').spec.rules.flatMap((r: any) => r.http.paths.map((p: any) => [p.path, p.backend.service.name])); // eslint-disable-line @typescript-eslint/no-explicit-any -- asserted below
    expect(paths).toEqual([[SLACK_EVENTS_PATH, 'r1-adapters'], [TEAMS_MESSAGES_PATH, 'r1-adapters']]);
    const hpa = find(objs, 'HorizontalPodAutoscaler', 'r1-adapters').spec;
    expect(hpa).toMatchObject({ scaleTargetRef: { kind: 'Deployment', name: 'r1-adapters' }, minReplicas: 2, maxReplicas: 10 });
    expect(hpa.metrics).toEqual([{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 75 } } }]);
    expect(find(objs, 'PodDisruptionBudget', 'r1-adapters').spec.selector.matchLabels).toEqual(dep.spec.selector.matchLabels);
  });

  it('the workers: readiness on /readyz, a preStop pause before the SIGTERM drain, a grace period longer than SHUTDOWN_TIMEOUT_MS, a PDB, read-only models', () => {
    const dep = find(objs, 'Deployment', 'r1-worker');
    const c = containerOf(objs, 'r1-worker');
    expect(c.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'http' });
    expect(c.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
    expect(c.lifecycle.preStop.exec.command).toEqual(['sleep', '10']);
    const env = containerEnv(objs, c);
    const cfg = loadConfig(env);
    expect(cfg.ROLE).toBe('worker');
    // The kubelet's grace period covers the preStop pause and then the SIGTERM drain.
    const preStopMs = Number(c.lifecycle.preStop.exec.command[1]) * 1000;
    expect(dep.spec.template.spec.terminationGracePeriodSeconds * 1000).toBeGreaterThan(preStopMs + cfg.SHUTDOWN_TIMEOUT_MS);
    expect(c.ports[0].containerPort).toBe(cfg.PORT);
    expect(c.volumeMounts.find((m: { name: string }) => m.name === 'models')).toMatchObject({ mountPath: '/models', readOnly: true });
    expect(cfg.MODEL_PATH?.startsWith('/models/')).toBe(true);
    expect(find(objs, 'PodDisruptionBudget', 'r1-worker').spec.selector.matchLabels).toEqual(dep.spec.selector.matchLabels);
    expect(objs.some((o) => o.kind === 'HorizontalPodAutoscaler' && o.metadata.name === 'r1-worker')).toBe(false); // KEDA owns the worker's HPA
  });

  it('every container environment is valid config: known variable names, values that parse, no secret inlined', () => {
    const known = new Set(Object.keys(envVars));
    const secrets = new Set(secretEnvVarNames());
    expect(objs.some((o) => o.kind === 'Secret')).toBe(false);
    for (const name of ['r1-adapters', 'r1-worker']) {
      const c = containerOf(objs, name);
      const env = containerEnv(objs, c);
      for (const k of Object.keys(env)) expect(known.has(k), `${name}: unknown variable ${k}`).toBe(true);
      for (const k of Object.keys(env)) expect(secrets.has(k), `${name}: secret ${k} must come from r1-secrets`).toBe(false);
      expect(() => loadConfig(env), name).not.toThrow();
      expect(c.envFrom).toContainEqual({ secretRef: { name: 'r1-secrets' } });
      expect(c.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true });
      expect(find(objs, 'Deployment', name).spec.template.spec.securityContext).toMatchObject({ runAsNonRoot: true });
    }
  });

  it('Redis: none in the manifests, or one that runs with AOF and appendfsync always; configmap.yaml tells how to configure the external one', () => {
    for (const o of objs) {
      const containers = ((o as { spec?: any }).spec?.template?.spec?.containers ?? []) as Array<{ image?: string; command?: string[]; args?: string[] }>; // eslint-disable-line @typescript-eslint/no-explicit-any -- asserted below
      for (const c of containers.filter((x) => /(^|\/)redis[:@]|^redis$/.test(x.image ?? ''))) {
        const argv = [...(c.command ?? []), ...(c.args ?? [])].join(' ');
        expect(argv, `${o.kind}/${o.metadata.name}`).toMatch(/--appendonly yes/);
        expect(argv, `${o.kind}/${o.metadata.name}`).toMatch(/--appendfsync always/);
      }
    }
    const note = readFileSync(path.join(K8S, 'base/configmap.yaml'), 'utf8');
    expect(note).toMatch(/^#.*--appendonly yes --appendfsync always/m);
  });

  it('KEDA scales the workers on the inference queue, per LLAMA_SEQUENCES, with its Redis address from the Secret', () => {
    const so = scaledObjectSchema.parse(find(objs, 'ScaledObject', 'r1-worker'));
    expect(so.spec.scaleTargetRef.name).toBe('r1-worker');
    expect(so.spec.maxReplicaCount).toBeGreaterThanOrEqual(so.spec.minReplicaCount);
    const cfg = loadConfig(containerEnv(objs, containerOf(objs, 'r1-worker')));
    const redis = so.spec.triggers.find((t) => t.type === 'redis')!;
    expect(redis.metadata).toMatchObject({ listName: `${cfg.QUEUE_PREFIX}:${QUEUE_INFERENCE}:wait`, listLength: String(cfg.LLAMA_SEQUENCES) });
    const prom = so.spec.triggers.find((t) => t.type === 'prometheus')!;
    expect(prom.metadata.threshold).toBe(String(cfg.LLAMA_SEQUENCES));
    expect(prom.metadata.query).toContain(`queue="${QUEUE_INFERENCE}"`);
    const auth = triggerAuthSchema.parse(find(objs, 'TriggerAuthentication', (redis as { authenticationRef: { name: string } }).authenticationRef.name));
    expect(auth.spec.secretTargetRef.every((r) => r.name === 'r1-secrets')).toBe(true);
  });
});

describe('deploy/k8s overlay differences', () => {
  it('gpu: workers on the CUDA image with one nvidia.com/gpu each; adapters stay on the CPU image', () => {
    const c = containerOf(rendered.gpu, 'r1-worker');
    expect(c.image).toMatch(/:cuda$/);
    expect(c.resources.limits['nvidia.com/gpu']).toBe(1);
    expect(c.resources.requests['nvidia.com/gpu']).toBe(1);
    expect(loadConfig(containerEnv(rendered.gpu, c)).LLAMA_GPU).toBe('cuda');
    expect(containerOf(rendered.gpu, 'r1-adapters').image).toMatch(/:cpu$/);
    expect(containerOf(rendered.gpu, 'r1-adapters').resources.limits['nvidia.com/gpu']).toBeUndefined();
  });
  it('cpu: no GPU anywhere, the CPU image, GPU offload off', () => {
    const c = containerOf(rendered.cpu, 'r1-worker');
    expect(c.image).toMatch(/:cpu$/);
    expect(JSON.stringify(rendered.cpu)).not.toContain('nvidia.com/gpu');
    const cfg = loadConfig(containerEnv(rendered.cpu, c));
    expect(cfg).toMatchObject({ LLAMA_GPU: 'false', LLAMA_GPU_LAYERS: 0 });
    expect(cfg.LLAMA_THREADS).toBeLessThan(Number(c.resources.limits.cpu));
  });
});

describe('KEDA list name = where BullMQ really keeps waiting jobs', () => {
  const redis = createRedis(TEST_REDIS_URL);
  const prefix = uniqueId('r1keda');
  const queues = new QueueSet({ connection: redis, prefix });
  afterAll(async () => {
    await queues.inference.obliterate({ force: true }).catch(() => {});
    await queues.close();
    await redis.quit();
  });

  it('a waiting job is in <prefix>:inference:wait; a prioritized one is not (the Prometheus trigger counts it)', async () => {
    const listName = scaledObjectSchema.parse(find(rendered.gpu, 'ScaledObject', 'r1-worker')).spec.triggers.find((t) => t.type === 'redis')!.metadata as { listName: string };
    const key = listName.listName.replace(/^r1:/, `${prefix}:`);
    await queues.inference.add('chat', { n: 1 });
    expect(await redis.llen(key)).toBe(1);
    await queues.inference.add('chat', { n: 2 }, { priority: 5 });
    expect(await redis.llen(key)).toBe(1);
    expect(await redis.zcard(`${prefix}:${QUEUE_INFERENCE}:prioritized`)).toBe(1);
    expect((await queues.inference.getJobCounts('waiting', 'prioritized'))).toEqual({ waiting: 1, prioritized: 1 });
  });
});
