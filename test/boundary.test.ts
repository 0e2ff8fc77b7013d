import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from './support/child-service.js';

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = path.join(dir, f);
    return statSync(p).isDirectory() ? tsFiles(p) : p.endsWith('.ts') ? [p] : [];
  });
}
const importsOf = (file: string) => [...readFileSync(file, 'utf8').matchAll(/from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g)].map((m) => m[1] ?? m[2]!);

describe('architecture boundaries', () => {
  it('src/ imports no Slack or Teams SDK and nothing from adapters/ or workers/', () => {
    const bad = tsFiles(path.join(REPO_ROOT, 'src')).flatMap((f) =>
      importsOf(f).filter((i) => /^(@slack\/|botbuilder|botframework-|@microsoft\/)/.test(i) || /\/(adapters|workers)\//.test(i)).map((i) => `${path.relative(REPO_ROOT, f)} → ${i}`));
    expect(bad).toEqual([]);
  });
  it('adapters do not import each other (shared/ is the exception) nor src/ internals', () => {
    const root = path.join(REPO_ROOT, 'adapters');
    const bad: string[] = [];
    for (const platform of readdirSync(root)) {
      if (platform === 'shared' || !statSync(path.join(root, platform)).isDirectory()) continue;
      for (const f of tsFiles(path.join(root, platform))) {
        for (const i of importsOf(f)) {
          const sibling = /^\.\.\/(?!shared\/)([a-z]+)\//.exec(i);
          if (sibling && sibling[1] !== platform) bad.push(`${path.relative(REPO_ROOT, f)} → ${i}`);
          if (/\/src\/(?!index\.js$)/.test(i)) bad.push(`${path.relative(REPO_ROOT, f)} → ${i}`);
        }
      }
    }
    expect(bad).toEqual([]);
  });
});

describe('one admission path', () => {
  it('no surface enqueues inference, live relays or counts rate limits itself: adapters and the console go through admitQuestion', () => {
    // The intake used to be written three times with different guarantees (only one claimed events
    // and applied limits). Every question now enters through src/intake; this keeps it that way.
    const files = [...tsFiles(path.join(REPO_ROOT, 'adapters')), path.join(REPO_ROOT, 'workers', 'chat.ts')];
    const bad = files.flatMap((f) => {
      const src = readFileSync(f, 'utf8');
      return ['enqueueInference', 'enqueueLiveRelay', 'checkRateLimit', 'claimEvent', 'inferenceJobSchema.parse'].filter((name) => src.includes(name)).map((name) => `${path.relative(REPO_ROOT, f)} uses ${name}`);
    });
    expect(bad).toEqual([]);
    // …and each surface does call it.
    for (const f of ['adapters/slack/register-listeners.ts', 'adapters/teams/teams-turn.ts', 'workers/chat.ts', 'adapters/api/queue-chat-backend.ts', 'adapters/web/chat/chat-routes.ts']) {
      expect(readFileSync(path.join(REPO_ROOT, f), 'utf8'), f).toContain('admitQuestion(');
    }
  });
});
