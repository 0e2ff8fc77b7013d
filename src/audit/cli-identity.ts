import { hostname, userInfo } from 'node:os';

/** The audit actor of a command-line run: `cli:<OS user>`. */
export function cliActor(): string {
  let user = 'unknown';
  try {
    user = userInfo().username;
  } catch {
    // no passwd entry for this uid (some containers): the uid is still who it was
    user = `uid${process.getuid?.() ?? '?'}`;
  }
  return `cli:${user}`;
}

/** The audit origin of a command-line run: `cli@<host>`. */
export const cliOrigin = (): string => `cli@${hostname()}`;

/** The audit origin of a service process (retention runs, platform-triggered erasure): `service@<host>`. */
export const serviceOrigin = (): string => `service@${hostname()}`;
