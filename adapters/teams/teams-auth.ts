import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import { ConfidentialClientApplication } from '@azure/msal-node';
import { ConfigurationBotFrameworkAuthentication, ConfigurationServiceClientCredentialFactory } from 'botbuilder';
import { MsalServiceClientCredentialsFactory } from 'botframework-connector';
import type { Config } from '../../src/index.js';

const PUBLIC_LOGIN = 'https://login.microsoftonline.com';

/** The botbuilder configuration object, under botbuilder's own names. */
export function botFrameworkSettings(cfg: Config): Record<string, string | boolean | undefined> {
  const s: Record<string, string | boolean | undefined> = {
    MicrosoftAppId: cfg.MicrosoftAppId,
    MicrosoftAppPassword: cfg.MicrosoftAppPassword,
    MicrosoftAppType: cfg.MicrosoftAppType,
    MicrosoftAppTenantId: cfg.MicrosoftAppTenantId,
  };
  const parameterized = {
    ToBotFromChannelOpenIdMetadataUrl: cfg.ToBotFromChannelOpenIdMetadataUrl,
    ToBotFromChannelTokenIssuer: cfg.ToBotFromChannelTokenIssuer,
    ToBotFromEmulatorOpenIdMetadataUrl: cfg.ToBotFromEmulatorOpenIdMetadataUrl,
    ToChannelFromBotLoginUrl: cfg.ToChannelFromBotLoginUrl,
    ToChannelFromBotOAuthScope: cfg.ToChannelFromBotOAuthScope,
    OAuthUrl: cfg.OAuthUrl,
    CallerId: cfg.CallerId,
    ValidateAuthority: cfg.ValidateAuthority,
  };
  // Setting any of these makes botbuilder use all of them as given (parameterized authentication).
  for (const [k, v] of Object.entries(parameterized)) if (v !== undefined) s[k] = v;
  return s;
}

/** Default roots plus the PEM bundle named by NODE_EXTRA_CA_CERTS (an on-premises authority's CA). */
function trustedCas(extraCaFile: string | undefined): string[] | undefined {
  if (!extraCaFile) return undefined;
  return [...rootCertificates, readFileSync(extraCaFile, 'utf8')];
}

/** MSAL client-credentials app for the bot's outbound tokens (undefined without a client secret). */
export function createMsalApp(cfg: Config): (ConfidentialClientApplication & { authority: string }) | undefined {
  if (!cfg.MicrosoftAppId || !cfg.MicrosoftAppPassword) return undefined;
  const authority = cfg.ToChannelFromBotLoginUrl
    ?? (cfg.MicrosoftAppType === 'SingleTenant' ? `${PUBLIC_LOGIN}/${cfg.MicrosoftAppTenantId}` : `${PUBLIC_LOGIN}/botframework.com`);
  const ca = trustedCas(cfg.NODE_EXTRA_CA_CERTS);
  const app = new ConfidentialClientApplication({
    auth: { clientId: cfg.MicrosoftAppId, clientSecret: cfg.MicrosoftAppPassword, authority, knownAuthorities: [new URL(authority).host] },
    system: ca ? { customAgentOptions: { ca } } : undefined,
  });
  return Object.assign(app, { authority });
}

/**
 * Inbound JWT validation and outbound credentials. Outbound tokens use MSAL's client-credentials
 * flow against `ToChannelFromBotLoginUrl` (sovereign and air-gapped authorities included), trusting
 * extra CAs from NODE_EXTRA_CA_CERTS; managed identities use botbuilder's own factory.
 */
export function createTeamsAuthentication(cfg: Config): ConfigurationBotFrameworkAuthentication {
  const settings = botFrameworkSettings(cfg);
  if (!cfg.MicrosoftAppId || !cfg.MicrosoftAppPassword || cfg.MicrosoftAppType === 'UserAssignedMSI') {
    return new ConfigurationBotFrameworkAuthentication(settings, new ConfigurationServiceClientCredentialFactory(settings));
  }
  const cca = createMsalApp(cfg)!;
  // msal-node's ESM and CJS typings are distinct classes to tsc under NodeNext; the runtime object is the same.
  const factory = new MsalServiceClientCredentialsFactory(cfg.MicrosoftAppId, cca as unknown as ConstructorParameters<typeof MsalServiceClientCredentialsFactory>[1]);
  return new ConfigurationBotFrameworkAuthentication(settings, factory);
}
