/** One line of `npm run doctor`. */
export interface CheckResult {
  name: string;
  status: 'ok' | 'fail' | 'warn' | 'skip';
  detail: string;
  /** What to do about a failure. */
  fix?: string;
}

export type Check = () => Promise<CheckResult>;

/** Runs a check, turning a throw into a failure, bounded in time. */
export async function runCheck(name: string, fn: () => Promise<Omit<CheckResult, 'name'>>, timeoutMs = 15_000): Promise<CheckResult> {
  try {
    const r = await Promise.race([
      fn(),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs).unref()),
    ]);
    return { name, ...r };
  } catch (e) {
    return { name, status: 'fail', detail: (e as Error).message };
  }
}

/** A plain-text table: status, check, detail, and the fix under failures. */
export function formatReport(results: CheckResult[]): string {
  const icon = { ok: 'OK  ', fail: 'FAIL', warn: 'WARN', skip: 'SKIP' } as const;
  const w = Math.max(...results.map((r) => r.name.length), 5);
  const lines = [`${'STATUS'}  ${'CHECK'.padEnd(w)}  DETAIL`];
  for (const r of results) {
    lines.push(`${icon[r.status]}    ${r.name.padEnd(w)}  ${r.detail}`);
    if (r.fix && r.status !== 'ok') lines.push(`${' '.repeat(8 + w)}  → ${r.fix}`);
  }
  const failed = results.filter((r) => r.status === 'fail').length;
  lines.push('', failed ? `${failed} check(s) failed.` : 'All checks passed.');
  return lines.join('\n');
}
