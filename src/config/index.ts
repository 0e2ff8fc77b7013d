export { loadConfig, secretEnvVarNames } from './load-config.js';
export type { Config } from './load-config.js';
export { envVars } from './vars/index.js';
export type { EnvVarName } from './vars/index.js';
export { loadEnvFile, isEnvVarSet } from './load-env-file.js';
export { readLoraAdaptersNow } from './reload-lora-adapters.js';
