import { z } from 'zod';

/** Treats an empty string like an unset variable, as shells and compose files often pass `VAR=`. */
export const optionalString = () =>
  z.preprocess((v) => (v === '' ? undefined : v), z.string().optional());

export const positiveInt = (def: number) =>
  z.preprocess((v) => (v === '' ? undefined : v), z.coerce.number().int().positive().default(def));

export const nonNegativeNumber = (def: number) =>
  z.preprocess((v) => (v === '' ? undefined : v), z.coerce.number().nonnegative().default(def));

export const bool = (def: boolean) =>
  z.preprocess(
    (v) => (v === '' || v === undefined ? undefined : String(v).toLowerCase()),
    z.enum(['true', 'false', '1', '0', 'yes', 'no']).default(def ? 'true' : 'false').transform((s) => ['true', '1', 'yes'].includes(s)),
  );

export const url = () => z.preprocess((v) => (v === '' ? undefined : v), z.url().optional());
