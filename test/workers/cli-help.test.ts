import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/child-service.js';

const run = promisify(execFile);

/** Runs a CLI entry point as `npm run` does, with a database nobody listens on (`--help` must not need one). */
async function cli(entry: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(process.execPath, ['--import', 'tsx', entry, ...args], {
      cwd: REPO_ROOT, env: { PATH: process.env.PATH, ENV_FILE: '/dev/null', DATABASE_URL: 'postgres://postgres@127.0.0.1:1/none', LOG_LEVEL: 'error' }, timeout: 60_000,
    });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, stdout: x.stdout, stderr: x.stderr };
  }
}

const CLIS = [
  ['workers/migrate.ts', 'migrate', /^usage: npm run migrate/],
  ['workers/ingest.ts', 'ingest', /^usage: npm run ingest/],
  ['workers/kb.ts', 'kb', /^usage: npm run kb/],
  ['workers/adapters.ts', 'adapters', /^usage: npm run adapters/],
  ['workers/assets.ts', 'assets', /^usage: npm run assets/],
  ['workers/feedback.ts', 'feedback', /^usage: npm run feedback/],
  ['workers/doctor.ts', 'doctor', /^usage: npm run doctor/],
  ['scripts/teams-package.ts', 'teams:package', /^usage: npm run teams:package/],
] as const;

// Each case starts tsx twice: a few seconds each on 2 cores.
describe('every CLI', () => {
  it.each(CLIS)('%s: --help prints usage and exits 0; an unknown option is one line on stderr, exit 2, no stack', { timeout: 60_000 }, async (entry, name, usage) => {
    const help = await cli(entry, ['--help']);
    expect(help.stderr).toBe('');
    expect(help.stdout).toMatch(usage);
    expect(help.code).toBe(0);
    const bad = await cli(entry, ['--no-such-option']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(new RegExp(`^${name}: Unknown option '--no-such-option'[^\n]* \\(see --help\\)\n$`));
  });

  it('a failure past the command line is one line, exit 1; --verbose adds the stack', { timeout: 60_000 }, async () => {
    const quiet = await cli('workers/migrate.ts', []);
    expect(quiet.code).toBe(1);
    expect(quiet.stderr).toMatch(/^migrate: .*ECONNREFUSED.*\n$/);
    expect(quiet.stderr.split('\n').filter(Boolean)).toHaveLength(1);
    const verbose = await cli('workers/migrate.ts', ['--verbose']);
    expect(verbose.code).toBe(1);
    expect(verbose.stderr).toMatch(/^\s+at /m);
  });

  it('kb usage documents the console ids for attach', { timeout: 60_000 }, async () => {
    const help = await cli('workers/kb.ts', ['--help']);
    expect(help.stdout).toContain('npm run kb -- attach --scope <name> --platform console --team local --channel console');
  });
});
