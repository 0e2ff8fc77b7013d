import { z } from 'zod';
import { envVar } from './define.js';
import { optionalString, url } from './shared-schemas.js';

/**
 * Microsoft Teams (Bot Framework) settings, under the names botbuilder's own configuration uses.
 * The `ToBot…`/`ToChannel…` set parameterises authentication for sovereign and air-gapped clouds.
 */
export const teamsVars = {
  MicrosoftAppId: envVar(optionalString(), 'Bot app (client) id. Teams is on when set (or when TEAMS_EMULATOR=true).'),
  MicrosoftAppPassword: envVar(optionalString(), 'Bot app client secret.', true),
  MicrosoftAppType: envVar(z.preprocess((v) => (v === '' ? undefined : v), z.enum(['MultiTenant', 'SingleTenant', 'UserAssignedMSI']).default('MultiTenant')), 'MultiTenant, SingleTenant or UserAssignedMSI.'),
  MicrosoftAppTenantId: envVar(optionalString(), 'Tenant id (SingleTenant, UserAssignedMSI).'),
  ToBotFromChannelOpenIdMetadataUrl: envVar(url(), 'OpenID metadata for tokens the channel sends the bot.'),
  ToBotFromChannelTokenIssuer: envVar(optionalString(), 'Expected issuer of channel tokens.'),
  ToBotFromEmulatorOpenIdMetadataUrl: envVar(url(), 'OpenID metadata for emulator tokens.'),
  ToChannelFromBotLoginUrl: envVar(url(), 'Login authority for the bot\'s outbound tokens (HTTPS; extra CAs from NODE_EXTRA_CA_CERTS).'),
  ToChannelFromBotOAuthScope: envVar(optionalString(), 'Scope of the bot\'s outbound tokens.'),
  OAuthUrl: envVar(url(), 'Bot Framework token service URL.'),
  CallerId: envVar(optionalString(), 'Caller id stamped on inbound activities.'),
  ValidateAuthority: envVar(z.preprocess((v) => (v === '' || v === undefined ? undefined : String(v).toLowerCase() !== 'false'), z.boolean().optional()), 'Validate the login authority (false for custom authorities).'),
  NODE_EXTRA_CA_CERTS: envVar(optionalString(), 'PEM file of extra CAs, trusted for the outbound token authority too.'),
  TEAMS_EMULATOR: envVar(z.preprocess((v) => (v === '' || v === undefined ? undefined : ['1', 'true', 'yes'].includes(String(v).toLowerCase())), z.boolean().default(false)), 'Accept unauthenticated activities from the Bot Framework Emulator (no MicrosoftAppId; local use only).'),
};
