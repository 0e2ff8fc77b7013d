import { z } from 'zod';
import { envVar } from './define.js';
import { positiveInt } from './shared-schemas.js';

const nonNegativeInt = (def: number) => z.preprocess((v) => (v === '' ? undefined : v), z.coerce.number().int().min(0).default(def));

export const diagnosisVars = {
  DIAGNOSIS_MAX_CHARS: envVar(positiveInt(1000), '`/diagnose` text longer than this gets a clear error instead of a job.'),
  DIAGNOSIS_MAX_TOKENS: envVar(positiveInt(1536), 'Token limit for the structured (JSON) diagnosis; the schema bounds every field, so it fits.'),
  DIAGNOSIS_REASONING_TOKENS: envVar(nonNegativeInt(1024), 'Free reasoning before the structured answer (R1 cannot think under a JSON grammar). 0 = JSON only.'),
  DIAGNOSIS_TOP_K: envVar(positiveInt(5), 'Manual sections retrieved per diagnosis (asset scope + channel scopes).'),
  DIAGNOSIS_CONTEXT_MAX_CHARS: envVar(positiveInt(5000), 'Character budget for retrieved sections in the diagnosis prompt.'),
  DIAGNOSIS_HISTORY_LIMIT: envVar(positiveInt(10).pipe(z.number().max(50)), 'Diagnoses listed by `/diagnose history <asset>`.'),
};
