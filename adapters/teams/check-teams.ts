import { runCheck, type CheckResult, type Config } from '../../src/index.js';
import { createMsalApp } from './teams-auth.js';

/** Acquires an outbound token the way the bot does (client credentials against the login authority). */
export function checkTeams(cfg: Config): Promise<CheckResult> {
  return runCheck('teams', async () => {
    if (!cfg.MicrosoftAppId) return { status: cfg.TEAMS_EMULATOR ? 'warn' : 'skip', detail: cfg.TEAMS_EMULATOR ? 'emulator mode: inbound activities are not authenticated' : 'MicrosoftAppId not set: Teams is off' };
    if (cfg.MicrosoftAppType === 'UserAssignedMSI') return { status: 'skip', detail: 'managed identity: token check runs only inside Azure' };
    const app = createMsalApp(cfg);
    if (!app) return { status: 'fail', detail: 'MicrosoftAppPassword not set', fix: 'set MicrosoftAppPassword (the bot\'s client secret)' };
    const scope = `${cfg.ToChannelFromBotOAuthScope ?? 'https://api.botframework.com'}/.default`;
    try {
      const r = await app.acquireTokenByClientCredential({ scopes: [scope] });
      return { status: r?.accessToken ? 'ok' : 'fail', detail: `token for ${scope} from ${app.authority}` };
    } catch (e) {
      return { status: 'fail', detail: `token request failed: ${(e as Error).message.split('\n')[0]}`, fix: 'check MicrosoftAppId/MicrosoftAppPassword, ToChannelFromBotLoginUrl and NODE_EXTRA_CA_CERTS' };
    }
  });
}
