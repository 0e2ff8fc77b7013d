import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Deployment } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { Ingress } from 'kubernetes-models/networking.k8s.io/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ConfigMap, Namespace, PersistentVolumeClaim, PodTemplate, Service } from 'kubernetes-models/v1';
import { describe, expect, it } from 'vitest';
import { QUEUE_INFERENCE, envVars, loadConfig } from '../../src/index.js';
import { REPO_ROOT } from '../support/child-service.js';
import { kubectlKustomize, readYamlDocuments, renderKustomization, type K8sObject } from '../support/kustomize.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- manifest shapes are asserted field by field */
const DIR = path.join(REPO_ROOT, 'deploy/k8s/overlays/vllm');
const objs = renderKustomization(DIR);
const MODELS: Record<string, new (o: never) => { validate(): void }> = {
  'apps/v1/Deployment': Deployment, 'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler, 'networking.k8s.io/v1/Ingress': Ingress,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget, 'v1/ConfigMap': ConfigMap, 'v1/Namespace': Namespace, 'v1/PersistentVolumeClaim': PersistentVolumeClaim, 'v1/Service': Service,
};
const find = (kind: string, name: string) => {
  const o = objs.find((x) => x.kind === kind && x.metadata.name === name);
  if (!o) throw new Error(`${kind}/${name} not rendered`);
  return o as K8sObject & { spec: any };
};
const workerEnv = () => {
  const c = find('Deployment', 'r1-worker').spec.template.spec.containers[0];
  const env: Record<string, string> = { ...(find('ConfigMap', 'r1-config') as any).data };
  for (const e of c.env ?? []) if (e.value !== undefined) env[e.name] = e.value;
  return env;
};
const vllm = () => find('Deployment', 'r1-vllm').spec.template.spec.containers[0];
const arg = (name: string) => (vllm().args as string[]).find((a) => a.startsWith(`--${name}=`))?.split('=')[1];

describe('deploy/k8s/overlays/vllm: workers driving a vLLM cluster (ENGINE=openai)', () => {
  it('renders as kubectl kustomize does (when installed), and every built-in object validates', (ctx) => {
    for (const o of objs) {
      const model = MODELS[`${o.apiVersion}/${o.kind}`];
      if (model) expect(() => new model(o as never).validate(), `${o.kind}/${o.metadata.name}`).not.toThrow();
      if (o.kind !== 'Namespace') expect(o.metadata.namespace).toBe('r1-chatops');
    }
    const real = kubectlKustomize(DIR);
    if (!real) return ctx.skip();
    const byKey = (list: K8sObject[]) => Object.fromEntries(list.map((o) => [`${o.kind}/${o.metadata.name}`, o]));
    expect(byKey(objs)).toEqual(byKey(real));
  });

  it('vLLM serves R1 with tensor parallel over the GPUs it requests, the R1 reasoning parser, its key from the Secret', () => {
    const c = vllm();
    expect(c.image).toMatch(/^vllm\/vllm-openai:v\d/);
    expect(Number(arg('tensor-parallel-size'))).toBe(c.resources.limits['nvidia.com/gpu']);
    expect(c.resources.requests['nvidia.com/gpu']).toBe(c.resources.limits['nvidia.com/gpu']);
    expect(arg('reasoning-parser')).toBe('deepseek_r1');
    expect(c.env).toContainEqual({ name: 'VLLM_API_KEY', valueFrom: { secretKeyRef: { name: 'r1-secrets', key: 'ENGINE_API_KEY' } } });
    expect(c.volumeMounts).toContainEqual({ name: 'shm', mountPath: '/dev/shm' });
    const svc = find('Service', 'vllm');
    expect(svc.spec.selector).toEqual(find('Deployment', 'r1-vllm').spec.selector.matchLabels);
    expect(svc.spec.ports[0].port).toBe(8000);
  });

  it('the workers: ENGINE=openai at the vLLM Service, the served model name, no GPU', () => {
    const cfg = loadConfig(workerEnv());
    expect(cfg).toMatchObject({ ROLE: 'worker', ENGINE: 'openai', ENGINE_MODEL: arg('served-model-name') });
    const url = new URL(cfg.ENGINE_URL!);
    expect(url.hostname).toBe(find('Service', 'vllm').metadata.name);
    expect(Number(url.port)).toBe(find('Service', 'vllm').spec.ports[0].port);
    expect(url.pathname).toBe('/v1');
    expect(JSON.stringify(find('Deployment', 'r1-worker'))).not.toContain('nvidia.com/gpu');
    for (const k of Object.keys(workerEnv())) expect(Object.keys(envVars)).toContain(k);
  });

  it('KEDA scales workers per ENGINE_MAX_CONCURRENCY, and all replicas together fit vLLM\'s --max-num-seqs', () => {
    const cfg = loadConfig(workerEnv());
    const so = find('ScaledObject', 'r1-worker').spec;
    const redis = so.triggers.find((t: any) => t.type === 'redis');
    expect(redis.metadata).toMatchObject({ listName: `${cfg.QUEUE_PREFIX}:${QUEUE_INFERENCE}:wait`, listLength: String(cfg.ENGINE_MAX_CONCURRENCY) });
    expect(so.triggers.find((t: any) => t.type === 'prometheus').metadata.threshold).toBe(String(cfg.ENGINE_MAX_CONCURRENCY));
    expect(so.maxReplicaCount * cfg.ENGINE_MAX_CONCURRENCY).toBeLessThanOrEqual(Number(arg('max-num-seqs')));
  });
});

describe('deploy/k8s/overlays/vllm-multinode: vLLM over several nodes as a LeaderWorkerSet (pipeline parallel)', () => {
  const MULTI = path.join(REPO_ROOT, 'deploy/k8s/overlays/vllm-multinode');
  const multi = renderKustomization(MULTI);
  const lws = multi.find((o) => o.kind === 'LeaderWorkerSet') as K8sObject & { spec: any };
  const tpl = (role: 'leader' | 'worker') => lws.spec.leaderWorkerTemplate[`${role}Template`];
  const leaderArgs = () => (tpl('leader').spec.containers[0].args as string[]).join(' ');
  const flag = (name: string) => new RegExp(`--${name}=(\\S+)`).exec(leaderArgs())?.[1];

  it('renders as kubectl kustomize does (when installed); the one-node Deployment is replaced, the pod templates validate', (ctx) => {
    expect(lws).toMatchObject({ apiVersion: 'leaderworkerset.x-k8s.io/v1', metadata: { name: 'r1-vllm', namespace: 'r1-chatops' } });
    expect(multi.find((o) => o.kind === 'Deployment' && o.metadata.name === 'r1-vllm')).toBeUndefined();
    for (const role of ['leader', 'worker'] as const) {
      expect(() => new PodTemplate({ metadata: { name: role }, template: tpl(role) } as never).validate(), role).not.toThrow();
    }
    const real = kubectlKustomize(MULTI);
    if (!real) return ctx.skip();
    const byKey = (list: K8sObject[]) => Object.fromEntries(list.map((o) => [`${o.kind}/${o.metadata.name}`, o]));
    expect(byKey(multi)).toEqual(byKey(real));
  });

  it('one server over size nodes: tensor parallel = GPUs per pod, pipeline parallel = pods in the group; the workers join the leader\'s Ray head', () => {
    const { size } = lws.spec.leaderWorkerTemplate;
    expect(size).toBeGreaterThanOrEqual(2);
    expect(Number(flag('pipeline-parallel-size'))).toBe(size);
    for (const role of ['leader', 'worker'] as const) {
      const c = tpl(role).spec.containers[0];
      expect(c.resources.limits['nvidia.com/gpu'], role).toBe(Number(flag('tensor-parallel-size')));
      expect(c.volumeMounts, role).toContainEqual({ name: 'shm', mountPath: '/dev/shm' });
    }
    expect(flag('distributed-executor-backend')).toBe('ray');
    expect(flag('reasoning-parser')).toBe('deepseek_r1');
    expect(leaderArgs()).toMatch(/ray start --head --port=6379 .*LWS_GROUP_SIZE.*exec vllm serve/);
    expect(tpl('worker').spec.containers[0].args.join(' ')).toBe('ray start --address=$(LWS_LEADER_ADDRESS):6379 --block');
    expect(lws.spec.leaderWorkerTemplate.restartPolicy).toBe('RecreateGroupOnPodRestart');
    // The weights volume is mounted by every node at once.
    expect(multi.find((o) => o.kind === 'PersistentVolumeClaim' && o.metadata.name === 'r1-vllm-weights')!.spec).toMatchObject({ accessModes: ['ReadOnlyMany'] });
  });

  it('the Service vllm selects only the leader, and the workers\' ENGINE_URL, model and concurrency still fit', () => {
    const svc = multi.find((o) => o.kind === 'Service' && o.metadata.name === 'vllm') as K8sObject & { spec: any };
    const matches = (labels: Record<string, string>) => Object.entries(svc.spec.selector).every(([k, v]) => labels[k] === v);
    // LWS labels the leader pod worker-index 0 and its workers 1…size-1.
    const podLabels = (role: 'leader' | 'worker', index: number) => ({ ...tpl(role).metadata.labels, 'leaderworkerset.sigs.k8s.io/worker-index': String(index) });
    expect(matches(podLabels('leader', 0))).toBe(true);
    for (let i = 1; i < lws.spec.leaderWorkerTemplate.size; i++) expect(matches(podLabels('worker', i))).toBe(false);
    const env: Record<string, string> = { ...(multi.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'r1-config') as any).data };
    const cfg = loadConfig({ ...env, ROLE: 'worker' });
    expect(cfg.ENGINE_URL).toBe(`http://${svc.metadata.name}:${svc.spec.ports[0].port}/v1`);
    expect(cfg.ENGINE_MODEL).toBe(flag('served-model-name'));
    const so = (multi.find((o) => o.kind === 'ScaledObject') as any).spec;
    expect(so.maxReplicaCount * cfg.ENGINE_MAX_CONCURRENCY).toBeLessThanOrEqual(Number(flag('max-num-seqs')));
  });
});

describe('deploy/docker-compose.yml profile vllm', () => {
  const compose = readYamlDocuments(path.join(REPO_ROOT, 'deploy/docker-compose.yml'))[0] as any;
  const sub = (v: string) => v.replace(/\$\{([A-Z_]+)(?::-([^}]*)|:\?[^}]*)?\}/g, (_m, _n, def) => def ?? 'set-by-operator');
  it('vLLM on all the host\'s GPUs and CPU-only workers pointed at it, both in the profile', () => {
    const v = compose.services.vllm;
    const w = compose.services['worker-vllm'];
    expect(v.profiles).toEqual(['vllm']);
    expect(w.profiles).toEqual(['vllm']);
    expect(v.deploy.resources.reservations.devices).toEqual([{ driver: 'nvidia', count: 'all', capabilities: ['gpu'] }]);
    expect(v.command).toContain('--reasoning-parser=deepseek_r1');
    const served = sub(v.command.find((a: string) => a.startsWith('--served-model-name=')).split('=')[1]);
    const env = Object.fromEntries(Object.entries(w.environment as Record<string, string>).map(([k, x]) => [k, sub(String(x))]));
    const cfg = loadConfig(env);
    expect(cfg).toMatchObject({ ROLE: 'worker', ENGINE: 'openai', ENGINE_URL: 'http://vllm:8000/v1', ENGINE_MODEL: served });
    expect(w.build.target).toBe('cpu');
    expect(w.deploy.resources.reservations?.devices).toBeUndefined();
    expect(w.depends_on.vllm).toEqual({ condition: 'service_healthy' });
    const maxSeqs = Number(v.command.find((a: string) => a.startsWith('--max-num-seqs=')).split('=')[1]);
    expect(w.deploy.replicas * cfg.ENGINE_MAX_CONCURRENCY).toBeLessThanOrEqual(maxSeqs);
  });

  /** The services `docker compose up` starts with these profiles active (compose's rule: no profiles = always). */
  const started = (profiles: string[]) => Object.entries(compose.services as Record<string, any>)
    .filter(([, s]) => !s.profiles || s.profiles.some((p: string) => profiles.includes(p))).map(([name]) => name);
  const gpuServices = (names: string[]) => names.filter((n) => compose.services[n].deploy?.resources?.reservations?.devices?.some((d: any) => d.capabilities.includes('gpu')));

  it('profiles are clean: llama starts the GGUF GPU worker only, vllm starts vLLM and its CPU workers only; every dependency is started too', () => {
    const cases: Array<[string[], string[], string[]]> = [
      [['llama'], ['worker'], ['vllm', 'worker-vllm']],
      [['vllm'], ['vllm', 'worker-vllm'], ['worker']],
      [['llama', 'monitoring'], ['worker', 'prometheus', 'grafana'], ['vllm', 'worker-vllm']],
    ];
    for (const [profiles, inc, exc] of cases) {
      const up = started(profiles);
      expect(up, profiles.join()).toEqual(expect.arrayContaining(['redis', 'postgres', 'adapters', ...inc]));
      for (const name of exc) expect(up, profiles.join()).not.toContain(name);
      // Compose refuses to start a service whose dependency's profile is not active.
      const depsOf = (d: unknown): string[] => (Array.isArray(d) ? d : Object.keys((d as object | undefined) ?? {}));
      for (const name of up) for (const dep of depsOf(compose.services[name].depends_on)) expect(up, `${name} → ${dep}`).toContain(dep);
    }
    // No profile: no GPU is claimed, and no worker runs.
    expect(gpuServices(started([]))).toEqual([]);
    expect(started([]).filter((n) => n.startsWith('worker'))).toEqual([]);
    // One engine's GPUs per profile: the two never compete for the host's GPUs.
    expect(gpuServices(started(['llama']))).toEqual(['worker']);
    expect(gpuServices(started(['vllm']))).toEqual(['vllm']);
    // deploy/.env.example picks the llama profile, so a plain `docker compose up` runs a worker.
    const dotenv = readFileSync(path.join(REPO_ROOT, 'deploy/.env.example'), 'utf8');
    expect(/^COMPOSE_PROFILES=(.*)$/m.exec(dotenv)?.[1]).toBe('llama');
  });
});
