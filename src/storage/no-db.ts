import type { Db } from './db.js';

/**
 * A process that has no database of its own (the console talking to a running service, whose
 * embedded database only that service may open): any use is a bug and says so.
 */
export function noDatabase(why: string): Db {
  const fail = async (): Promise<never> => {
    throw new Error(`no database in this process: ${why}`);
  };
  return { kind: 'pg', query: fail, exec: fail, transaction: fail, hasVector: fail, close: async () => {} };
}
