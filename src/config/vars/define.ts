import type { z } from 'zod';

/** One environment variable: its schema (with default), what it does, and whether it is secret. */
export interface EnvVarSpec<S extends z.ZodType = z.ZodType> {
  schema: S;
  /** One line for the README table and `doctor`. */
  doc: string;
  /** Secrets are redacted from logs and never printed by `doctor`. */
  secret?: boolean;
}

export function envVar<S extends z.ZodType>(schema: S, doc: string, secret = false): EnvVarSpec<S> {
  return { schema, doc, secret };
}
