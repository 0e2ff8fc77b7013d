import { coreVars } from './core.js';
import { slackVars } from './slack.js';
import { teamsVars } from './teams.js';
import { opsVars } from './ops.js';
import { liveVars } from './live.js';
import { ragVars } from './rag.js';
import { diagnosisVars } from './diagnosis.js';
import { apiVars } from './api.js';
import { feedbackVars } from './feedback.js';
import { engineVars } from './engine.js';
import { policyVars } from './policy.js';
import { loraVars } from './lora.js';
import { webVars } from './web.js';
import { imageVars } from './images.js';

/**
 * Every environment variable the service reads, grouped by feature. Each feature adds its own
 * file here; the README table, log redaction and `doctor` are driven by this list.
 */
export const envVars = {
  ...coreVars,
  ...slackVars,
  ...teamsVars,
  ...opsVars,
  ...liveVars,
  ...ragVars,
  ...diagnosisVars,
  ...apiVars,
  ...feedbackVars,
  ...engineVars,
  ...policyVars,
  ...loraVars,
  ...webVars,
  ...imageVars,
};

export type EnvVarName = keyof typeof envVars;
