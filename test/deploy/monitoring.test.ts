import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createMetrics } from '../../src/index.js';
import { REPO_ROOT } from '../support/child-service.js';
import { readYamlDocuments, renderKustomization } from '../support/kustomize.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- rule and dashboard shapes are asserted field by field */
interface Rule { alert: string; expr: string; for?: string; labels: Record<string, string>; annotations: Record<string, string> }
const rulesFile = readYamlDocuments(path.join(REPO_ROOT, 'deploy/prometheus/alerts.yml'))[0] as { groups: Array<{ name: string; rules: Rule[] }> };
const rules = rulesFile.groups.flatMap((g) => g.rules);
const rule = (name: string) => {
  const r = rules.find((x) => x.alert === name);
  if (!r) throw new Error(`alert ${name} missing`);
  return r;
};
const dashboard = JSON.parse(readFileSync(path.join(REPO_ROOT, 'deploy/grafana/dashboards/r1-chatops.json'), 'utf8'));
const panels: any[] = dashboard.panels.filter((p: any) => p.type !== 'row');

/** Metric names the service exposes (with histogram/summary series suffixes). */
async function exposedNames(): Promise<Set<string>> {
  const m = createMetrics();
  const names = new Set<string>();
  for (const metric of await m.registry.getMetricsAsJSON()) {
    names.add(metric.name);
    if (String(metric.type) === 'histogram') for (const s of ['_bucket', '_sum', '_count']) names.add(metric.name + s);
  }
  return names;
}
const referenced = (text: string) => [...text.matchAll(/\br1_[a-z0-9_]+/g)].map((m) => m[0]);
/** A `for:` duration in seconds. */
const seconds = (d = '0s') => Number(/^(\d+)m$/.exec(d)?.[1] ?? 0) * 60 + Number(/^(\d+)s$/.exec(d)?.[1] ?? 0);

describe('deploy/prometheus/alerts.yml', () => {
  it('inference latency: critical above 800 ms, warning above the normal 500 ms (p95 time to first token)', () => {
    const crit = rule('R1InferenceLatencyHigh');
    expect(crit.expr).toMatch(/histogram_quantile\(0\.95, .*r1_time_to_first_token_seconds_bucket.*\)\s*>\s*0\.8\s*$/s);
    expect(crit.labels).toMatchObject({ severity: 'critical', threshold: '0.8' });
    const warn = rule('R1InferenceLatencyAboveNormal');
    expect(warn.expr).toMatch(/>\s*0\.5\s*$/);
    expect(warn.labels.severity).toBe('warning');
  });

  it('GPU utilisation above 90 % for 5 minutes; the normal band tops out at 85 %', () => {
    const r = rule('R1GpuUtilizationHigh');
    expect(r.expr).toMatch(/r1_gpu_utilization_ratio\)\s*>\s*0\.9\s*$/);
    expect(seconds(r.for)).toBe(300);
    expect(rule('R1GpuUtilizationAboveNormal').expr).toMatch(/>\s*0\.85\s*$/);
  });

  it('memory fragmentation above 25 %', () => {
    expect(rule('R1MemoryFragmentationHigh').expr).toMatch(/r1_memory_fragmentation_ratio\s*>\s*0\.25\b/);
  });

  it('queue backlog, failing jobs and deliveries, and workers or adapters down', () => {
    expect(rule('R1QueueBacklog').expr).toMatch(/r1_queue_jobs\{queue="inference", state=~"waiting\|prioritized"\}/);
    expect(rule('R1WorkerDown').expr).toBe('up{job="r1-worker"} == 0');
    expect(rule('R1NoWorkers').expr).toBe('absent(up{job="r1-worker"} == 1)');
    expect(rule('R1AdaptersDown').expr).toContain('up{job="r1-adapters"}');
    expect(rule('R1DeliveriesFailing').expr).toContain('r1_deliveries_total{outcome="failed"}');
    expect(rule('R1JobsFailing').expr).toContain('r1_jobs_total{outcome="failed"}');
  });

  it('every rule has a severity, a summary and a description, and a unique name', () => {
    expect(new Set(rules.map((r) => r.alert)).size).toBe(rules.length);
    for (const r of rules) {
      expect(['warning', 'critical'], r.alert).toContain(r.labels.severity);
      expect(r.annotations.summary, r.alert).toBeTruthy();
      expect(r.annotations.description, r.alert).toBeTruthy();
    }
  });

  it('scrape configs name the jobs the rules use', () => {
    const compose = readYamlDocuments(path.join(REPO_ROOT, 'deploy/prometheus/prometheus.yml'))[0] as any;
    expect(compose.scrape_configs.map((s: any) => s.job_name)).toEqual(expect.arrayContaining(['r1-adapters', 'r1-worker']));
    expect(compose.rule_files).toContain('/etc/prometheus/alerts.yml');
    // Both compose engines' workers (profiles llama and vllm), found by DNS: only those running become targets.
    const worker = compose.scrape_configs.find((s: any) => s.job_name === 'r1-worker');
    expect(worker.dns_sd_configs[0]).toMatchObject({ names: ['worker', 'worker-vllm'], type: 'A', port: 3000 });
    const services = (readYamlDocuments(path.join(REPO_ROOT, 'deploy/docker-compose.yml'))[0] as any).services;
    for (const n of worker.dns_sd_configs[0].names) expect(services[n]?.environment?.ROLE, n).toBe('worker');
    const k8s = readYamlDocuments(path.join(REPO_ROOT, 'deploy/prometheus/prometheus-kubernetes.yml'))[0] as any;
    const jobRelabel = k8s.scrape_configs[0].relabel_configs.find((r: any) => r.target_label === 'job');
    // Pods are labelled component=adapters|worker in deploy/k8s → job r1-adapters|r1-worker.
    const components = renderKustomization(path.join(REPO_ROOT, 'deploy/k8s/base')).filter((o) => o.kind === 'Deployment')
      .map((o: any) => o.spec.template.metadata.labels['app.kubernetes.io/component'] as string);
    expect(components.map((c) => jobRelabel.replacement.replace('$1', c)).sort()).toEqual(['r1-adapters', 'r1-worker']);
  });
});

describe('deploy/grafana dashboard', () => {
  it('is a Grafana dashboard over a Prometheus datasource variable, every panel with a query', () => {
    expect(dashboard).toMatchObject({ uid: 'r1-chatops', title: 'r1-chatops' });
    expect(dashboard.templating.list[0]).toMatchObject({ name: 'datasource', type: 'datasource', query: 'prometheus' });
    expect(new Set(dashboard.panels.map((p: any) => p.id)).size).toBe(dashboard.panels.length);
    for (const p of panels) {
      expect(p.datasource.uid, p.title).toBe('${datasource}');
      expect(p.targets.length, p.title).toBeGreaterThan(0);
      for (const t of p.targets) expect(t.expr, p.title).toMatch(/\S/);
    }
  });

  it('shows the alert thresholds on the latency and GPU panels', () => {
    const steps = (title: string) => panels.find((p) => p.title === title).fieldConfig.defaults.thresholds.steps.map((s: any) => s.value);
    expect(steps('Time to first token')).toEqual([null, 0.5, 0.8]);
    expect(steps('GPU utilisation')).toEqual([null, 0.6, 0.85, 0.9]);
    expect(steps('Memory fragmentation')).toEqual([null, 0.25]);
  });

  it('covers the families operators need', () => {
    const exprs = panels.flatMap((p) => p.targets.map((t: any) => t.expr)).join('\n');
    for (const family of ['r1_events_received_total', 'r1_ack_seconds', 'r1_queue_jobs', 'r1_job_wait_seconds', 'r1_time_to_first_token_seconds', 'r1_generation_tokens_per_second',
      'r1_generation_tokens_total', 'r1_sequences_in_use', 'r1_sequences_configured', 'r1_model_load_seconds', 'r1_vram_bytes', 'r1_ram_bytes', 'r1_gpu_utilization_ratio',
      'r1_deliveries_total', 'r1_delivery_retries_total', 'r1_errors_total']) expect(exprs, family).toContain(family);
  });
});

describe('monitoring references only metrics the service exposes', () => {
  it('alerts, dashboard and the KEDA query use existing metric names (a typo fails here)', async () => {
    const names = await exposedNames();
    const sources: Array<[string, string]> = [
      ['alerts.yml', rules.map((r) => r.expr).join('\n')],
      ['dashboard', panels.flatMap((p) => p.targets.map((t: any) => t.expr)).join('\n')],
      ...['gpu', 'cpu'].map((o): [string, string] => [`keda ${o}`, JSON.stringify(renderKustomization(path.join(REPO_ROOT, 'deploy/k8s/overlays', o)).filter((x) => x.kind === 'ScaledObject'))]),
    ];
    for (const [where, text] of sources) {
      const refs = referenced(text);
      expect(refs.length, where).toBeGreaterThan(0);
      for (const name of refs) expect(names.has(name), `${where}: ${name}`).toBe(true);
    }
    expect(names.has('r1_no_such_metric')).toBe(false);
  });
});
