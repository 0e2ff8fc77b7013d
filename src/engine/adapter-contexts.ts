import { copyFile, mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { LlamaContext, LlamaModel } from 'node-llama-cpp';
import { AdapterUnavailableError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import { assertLoraAdapterFile, statVersion, type AdapterFileVersion, type LoraAdapterSpec } from './lora-file.js';
import { SequencePool } from './sequence-pool.js';

/** One adapter's context: the shared model with the adapter set, and its own sequences. */
export interface AdapterSlot {
  readonly spec: LoraAdapterSpec;
  readonly version: AdapterFileVersion;
  readonly context: LlamaContext;
  readonly pool: SequencePool;
  /** 1 at start, +1 at each reload. */
  readonly generation: number;
  /** The copy the context loaded (see {@link AdapterContextsOptions.dir}). */
  readonly copyPath: string;
}

export interface AdapterContextsOptions {
  model: LlamaModel;
  /** `general.architecture` of the model; an adapter for another one is refused. */
  architecture?: string;
  /** Sequences in each adapter's context (LORA_SEQUENCES). */
  sequences: number;
  /** Context size in tokens, as the base context's. */
  contextSize: number;
  threads: number;
  /**
   * A folder of this process's own where adapter files are copied before loading (removed at
   * close). node-llama-cpp keeps a loaded adapter per model and path, so a file changed under the
   * same path would not be re-read: each version is loaded from its own copy, named by its hash.
   */
  dir: string;
  log: Logger;
}

/** What a reload did to one adapter. */
export interface AdapterReload {
  name: string;
  outcome: 'loaded' | 'reloaded' | 'unchanged' | 'removed' | 'failed';
  sha256?: string;
  error?: string;
}

/**
 * The LoRA adapters' contexts on one model. llama.cpp sets adapters per context, so each adapter
 * has a context of its own (the weights are shared; each context has its own KV cache). A reload
 * puts a new context in place for new jobs and disposes the old one only when its last job is done.
 */
export class AdapterContexts {
  private readonly slots = new Map<string, AdapterSlot>();
  /** Retired contexts still serving the jobs that reached them, with the promise of their disposal. */
  private readonly draining = new Map<AdapterSlot, Promise<void>>();
  private reloading: Promise<AdapterReload[]> = Promise.resolve([]);
  private closing?: Promise<void>;

  private constructor(private readonly o: AdapterContextsOptions, private specs: LoraAdapterSpec[]) {}

  /** Checks every adapter file and creates its context; any failure disposes what was made and throws. */
  static async create(o: AdapterContextsOptions, specs: LoraAdapterSpec[]): Promise<AdapterContexts> {
    const a = new AdapterContexts(o, specs);
    try {
      if (specs.length) await mkdir(o.dir, { recursive: true });
      for (const spec of specs) a.slots.set(spec.name, (await a.load(spec, 1))!);
    } catch (e) {
      await a.close();
      throw e;
    }
    return a;
  }

  /** The current context of an adapter, or undefined when none is configured under that name. */
  get(name: string): AdapterSlot | undefined {
    return this.slots.get(name);
  }

  get names(): string[] {
    return [...this.slots.keys()].sort();
  }

  /** Sequences of the current contexts (retired ones still draining are not counted). */
  get sequences(): number {
    let n = 0;
    for (const s of this.slots.values()) n += s.pool.size;
    return n;
  }

  /** Contexts retired by a reload and not yet disposed. */
  get drainingCount(): number {
    return this.draining.size;
  }

  /** Resolves once every retired context has been disposed. */
  async drained(): Promise<void> {
    while (this.draining.size) await Promise.all([...this.draining.values()]);
  }

  /**
   * Loads what changed: a new or changed file (mtime or size, then sha256), a changed path or
   * scale, an adapter added or removed from `specs` (defaults to the current list). A failed load
   * keeps the adapter's current context. Reloads run one at a time.
   */
  reload(specs: LoraAdapterSpec[] = this.specs): Promise<AdapterReload[]> {
    const run = this.reloading.catch(() => []).then(() => this.reloadNow(specs));
    this.reloading = run;
    return run;
  }

  private async reloadNow(specs: LoraAdapterSpec[]): Promise<AdapterReload[]> {
    if (this.closing) return [];
    this.specs = specs;
    const out: AdapterReload[] = [];
    if (specs.length) await mkdir(this.o.dir, { recursive: true });
    for (const spec of specs) {
      const cur = this.slots.get(spec.name);
      try {
        if (cur && cur.spec.filePath === spec.filePath && cur.spec.scale === spec.scale) {
          const v = await statVersion(spec.filePath);
          if (v.mtimeMs === cur.version.mtimeMs && v.size === cur.version.size) {
            out.push({ name: spec.name, outcome: 'unchanged', sha256: cur.version.sha256 });
            continue;
          }
        }
        const next = await this.load(spec, (cur?.generation ?? 0) + 1, cur);
        if (!next) {
          out.push({ name: spec.name, outcome: 'unchanged', sha256: cur!.version.sha256 });
          continue;
        }
        this.slots.set(spec.name, next);
        if (cur) this.retire(cur);
        this.o.log.info({ adapter: spec.name, sha256: next.version.sha256, scale: spec.scale, generation: next.generation }, cur ? 'LoRA adapter reloaded: new jobs use the new version' : 'LoRA adapter loaded');
        out.push({ name: spec.name, outcome: cur ? 'reloaded' : 'loaded', sha256: next.version.sha256 });
      } catch (e) {
        this.o.log.error({ adapter: spec.name, err: (e as Error).message }, 'LoRA adapter reload failed; the loaded version stays in use');
        out.push({ name: spec.name, outcome: 'failed', error: (e as Error).message });
      }
    }
    for (const [name, slot] of this.slots) {
      if (specs.some((s) => s.name === name)) continue;
      this.slots.delete(name);
      this.retire(slot);
      this.o.log.info({ adapter: name }, 'LoRA adapter removed: its jobs now use the base model');
      out.push({ name, outcome: 'removed' });
    }
    return out;
  }

  /**
   * Creates the context of one adapter version. With `cur` given, returns undefined when the file's
   * content is the one already loaded (only its mtime moved).
   */
  private async load(spec: LoraAdapterSpec, generation: number, cur?: AdapterSlot): Promise<AdapterSlot | undefined> {
    const version = await assertLoraAdapterFile(spec, this.o.architecture);
    if (cur && cur.version.sha256 === version.sha256 && cur.spec.filePath === spec.filePath && cur.spec.scale === spec.scale) {
      (cur as { version: AdapterFileVersion }).version = version;
      return undefined;
    }
    const copy = path.join(this.o.dir, `${spec.name}-${version.sha256.slice(0, 16)}.gguf`);
    await copyFile(spec.filePath, copy);
    let context: LlamaContext;
    try {
      context = await this.o.model.createContext({
        contextSize: this.o.contextSize, sequences: this.o.sequences, threads: this.o.threads, failedCreationRemedy: false,
        lora: { adapters: [{ filePath: copy, scale: spec.scale }] },
      });
    } catch (e) {
      throw new AdapterUnavailableError(spec.name, spec.filePath, `LORA_ADAPTERS: llama.cpp could not apply adapter ${spec.name} (${spec.filePath}): ${(e as Error).message}`, { cause: e });
    }
    return { spec, version, context, pool: new SequencePool(context, this.o.sequences), generation, copyPath: copy };
  }

  /** Disposes a replaced context once its jobs are done (jobs already waiting on it run there too). */
  private retire(slot: AdapterSlot): void {
    const p = slot.pool.idle()
      .then(() => slot.context.dispose())
      .then(async () => {
        // The copy goes too, unless a current context loaded the same version (a revert).
        if (![...this.slots.values()].some((s) => s.copyPath === slot.copyPath)) await rm(slot.copyPath, { force: true });
        this.o.log.info({ adapter: slot.spec.name, generation: slot.generation }, 'retired LoRA adapter context drained and disposed');
      })
      .catch((e: Error) => this.o.log.warn({ adapter: slot.spec.name, err: e.message }, 'could not dispose a retired LoRA adapter context'))
      .finally(() => this.draining.delete(slot));
    this.draining.set(slot, p);
  }

  /**
   * Disposes every context, current and retired (a job still on one ends with an error: close after
   * the worker has stopped), and the adapter copies. Safe to call twice.
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.reloading.catch(() => undefined);
      const all = [...this.slots.values(), ...this.draining.keys()];
      this.slots.clear();
      for (const s of all) await s.context.dispose().catch(() => undefined);
      await rm(this.o.dir, { recursive: true, force: true }).catch(() => undefined);
    })();
    return this.closing;
  }
}
