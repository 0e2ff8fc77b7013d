import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';

/** A Kubernetes object as parsed from YAML. */
export type K8sObject = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string> } } & Record<string, unknown>;

/** Parses every document of a YAML file; throws on a syntax error (the yaml package collects them). */
export function readYamlDocuments(file: string): unknown[] {
  // merge: YAML merge keys (`<<: *anchor`), which compose files use.
  const docs = parseAllDocuments(readFileSync(file, 'utf8'), { merge: true });
  const list = Array.isArray(docs) ? docs : [docs];
  for (const d of list) if (d.errors.length) throw new Error(`${file}: ${d.errors.map((e) => e.message).join('; ')}`);
  return list.map((d) => d.toJS()).filter((d) => d !== null && d !== undefined);
}

const SUPPORTED = new Set(['apiVersion', 'kind', 'namespace', 'labels', 'resources', 'patches', 'images']);
// Strategic-merge keys of the built-in list fields our patches touch (k8s API `patchMergeKey`).
const MERGE_KEYS: Record<string, string> = { containers: 'name', initContainers: 'name', env: 'name', volumes: 'name', volumeMounts: 'mountPath', ports: 'containerPort' };
const CLUSTER_SCOPED = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding', 'PersistentVolume', 'StorageClass', 'CustomResourceDefinition']);
const isBuiltIn = (o: K8sObject) => !o.apiVersion.includes('.') || /\.k8s\.io\//.test(o.apiVersion);
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function merge(base: unknown, patch: unknown, builtIn: boolean, field = ''): unknown {
  if (isObj(base) && isObj(patch)) {
    const out: Record<string, unknown> = { ...base };
    for (const [k, v] of Object.entries(patch)) out[k] = k in base ? merge(base[k], v, builtIn, k) : v;
    return out;
  }
  const key = MERGE_KEYS[field];
  if (builtIn && key && Array.isArray(base) && Array.isArray(patch)) {
    // As kustomize orders it: the patch's items (merged into their base item), then the base's others.
    const b = base as Array<Record<string, unknown>>;
    const p = patch as Array<Record<string, unknown>>;
    const patched = p.map((item) => {
      const match = b.find((x) => x[key] === item[key]);
      return match ? (merge(match, item, builtIn) as Record<string, unknown>) : item;
    });
    return [...patched, ...b.filter((x) => !p.some((item) => item[key] === x[key]))];
  }
  return patch; // scalars, and lists without a merge key (or in custom resources: JSON merge patch), are replaced
}

function podSpecs(o: K8sObject): Array<Record<string, unknown>> {
  const tpl = (o.spec as { template?: { spec?: Record<string, unknown> } } | undefined)?.template;
  return tpl?.spec ? [tpl.spec] : [];
}

/**
 * Renders a kustomization the way `kubectl kustomize` does, for the subset of features this
 * project's manifests use (resources, namespace, labels, images, strategic-merge patches). Any
 * other field fails loudly, so a manifest change cannot slip past the checks unrendered.
 */
export function renderKustomization(dir: string): K8sObject[] {
  const k = readYamlDocuments(path.join(dir, 'kustomization.yaml'))[0] as Record<string, unknown>;
  for (const field of Object.keys(k)) if (!SUPPORTED.has(field)) throw new Error(`${dir}: kustomization field "${field}" is not supported by the test renderer`);
  let objs: K8sObject[] = [];
  for (const r of (k.resources as string[] | undefined) ?? []) {
    const p = path.join(dir, r);
    objs.push(...(statSync(p).isDirectory() ? renderKustomization(p) : (readYamlDocuments(p) as K8sObject[])));
  }
  for (const p of (k.patches as Array<{ path: string }> | undefined) ?? []) {
    for (const patch of readYamlDocuments(path.join(dir, p.path)) as K8sObject[]) {
      const i = objs.findIndex((o) => o.kind === patch.kind && o.metadata.name === patch.metadata.name);
      if (i < 0) throw new Error(`${dir}: patch ${p.path} matches no ${patch.kind}/${patch.metadata.name}`);
      // A strategic-merge `$patch: delete` removes the object.
      if ((patch as { $patch?: string }).$patch === 'delete') objs.splice(i, 1);
      else objs[i] = merge(objs[i], patch, isBuiltIn(objs[i]!)) as K8sObject;
    }
  }
  if (typeof k.namespace === 'string') {
    objs = objs.map((o) => (CLUSTER_SCOPED.has(o.kind) ? o : { ...o, metadata: { ...o.metadata, namespace: k.namespace as string } }));
  }
  for (const l of (k.labels as Array<{ pairs: Record<string, string>; includeTemplates?: boolean; includeSelectors?: boolean }> | undefined) ?? []) {
    if (l.includeSelectors) throw new Error('labels.includeSelectors is not supported by the test renderer');
    for (const o of objs) {
      o.metadata.labels = { ...o.metadata.labels, ...l.pairs };
      const tpl = (o.spec as { template?: { metadata?: { labels?: Record<string, string> } } } | undefined)?.template;
      if (l.includeTemplates && tpl) tpl.metadata = { ...tpl.metadata, labels: { ...tpl.metadata?.labels, ...l.pairs } };
    }
  }
  for (const img of (k.images as Array<{ name: string; newName?: string; newTag?: string }> | undefined) ?? []) {
    for (const spec of objs.flatMap(podSpecs)) {
      for (const c of [...((spec.containers as Array<{ image: string }>) ?? []), ...((spec.initContainers as Array<{ image: string }>) ?? [])]) {
        const [name, tag] = c.image.split(':');
        if (name === img.name) c.image = `${img.newName ?? name}:${img.newTag ?? tag ?? 'latest'}`;
      }
    }
  }
  return objs;
}

/** `kubectl kustomize DIR` when kubectl is installed, else null (the renderer above is then the only check). */
export function kubectlKustomize(dir: string): K8sObject[] | null {
  const kubectl = ['/usr/bin/kubectl', '/usr/local/bin/kubectl'].find((p) => existsSync(p));
  if (!kubectl) return null;
  const out = execFileSync(kubectl, ['kustomize', dir], { encoding: 'utf8' });
  return parseAllDocuments(out).map((d) => d.toJS() as K8sObject);
}
