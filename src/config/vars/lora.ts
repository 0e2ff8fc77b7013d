import { z } from 'zod';
import { envVar } from './define.js';
import { positiveInt } from './shared-schemas.js';

/** Adapter names as bindings and metric labels use them (the same shape as knowledge scope names). */
export const ADAPTER_NAME_RE = /^[a-z0-9][a-z0-9._-]{0,62}$/;

/**
 * `name=path[:scale],…`. The scale is the part after the last `:` when it is a number (so a Windows
 * drive letter or a `:` inside a path is kept in the path); default 1.
 */
const loraAdapterList = () =>
  z.preprocess((v) => (v === undefined || v === '' ? '' : String(v)), z.string().transform((raw, ctx) => {
    const out: Array<{ name: string; filePath: string; scale: number }> = [];
    for (const entry of raw.split(',').map((s) => s.trim()).filter(Boolean)) {
      const eq = entry.indexOf('=');
      const name = eq < 0 ? '' : entry.slice(0, eq).trim();
      const rest = eq < 0 ? '' : entry.slice(eq + 1).trim();
      if (!ADAPTER_NAME_RE.test(name) || !rest) {
        ctx.addIssue({ code: 'custom', message: `entry "${entry}" must be name=path[:scale] with a lower-case name (letters, digits, . _ -)` });
        return z.NEVER;
      }
      const m = /^(.*):(-?\d+(?:\.\d+)?)$/.exec(rest);
      const filePath = m ? m[1]! : rest;
      const scale = m ? Number(m[2]) : 1;
      if (name === 'base') {
        ctx.addIssue({ code: 'custom', message: 'the name base is reserved for the model without an adapter (metrics label)' });
        return z.NEVER;
      }
      if (out.some((a) => a.name === name)) {
        ctx.addIssue({ code: 'custom', message: `adapter name ${name} is given twice` });
        return z.NEVER;
      }
      out.push({ name, filePath, scale });
    }
    return out;
  }));

export const loraVars = {
  LORA_ADAPTERS: envVar(loraAdapterList(), 'GGUF LoRA adapters, `name=path[:scale],…` (scale default 1): each gets its own context on the shared model; channels choose one with `npm run kb -- adapter`.'),
  LORA_SEQUENCES: envVar(positiveInt(1).pipe(z.number().max(64)), 'Sequences in each adapter\'s context = jobs of that adapter batched together.'),
  LORA_WATCH_INTERVAL_MS: envVar(z.preprocess((v) => (v === '' ? undefined : v), z.coerce.number().int().nonnegative().default(10_000)),
    'How often the worker checks the adapter files (mtime, size, then sha256); a new version is loaded without a restart (0 = only on SIGHUP).'),
};
