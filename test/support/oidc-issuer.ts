import { OAuth2Server } from 'oauth2-mock-server';

/** Who the next sign-in at the local issuer is. */
export interface MockIdentity {
  sub: string;
  name?: string;
  groups?: string[];
}

/**
 * A local OpenID Connect issuer (oauth2-mock-server): `/authorize` approves at once, and the ID
 * token carries the identity set with `signInAs` (sub, name, groups).
 */
export async function startOidcIssuer(): Promise<{ url: string; signInAs(who: MockIdentity): void; close(): Promise<void> }> {
  const server = new OAuth2Server();
  await server.issuer.keys.generate('RS256');
  await server.start(0, '127.0.0.1');
  let who: MockIdentity = { sub: 'nobody' };
  server.service.on('beforeTokenSigning', (token: { payload: Record<string, unknown> }) => {
    token.payload.sub = who.sub;
    if (who.name) token.payload.name = who.name;
    token.payload.groups = who.groups ?? [];
  });
  return {
    url: server.issuer.url!,
    signInAs: (w) => void (who = w),
    close: () => server.stop(),
  };
}
