/**
 * The configurations to try when creating the context fails: the configured one, then halving the
 * sequences down to 1, then halving the context down to `minContextSize`. Pure, so it is testable.
 */
export function fallbackPlan(sequences: number, contextSize: number, minContextSize: number): Array<{ sequences: number; contextSize: number }> {
  const plan = [{ sequences, contextSize }];
  let s = sequences;
  while (s > 1) {
    s = Math.max(1, Math.floor(s / 2));
    plan.push({ sequences: s, contextSize });
  }
  let c = contextSize;
  const floor = Math.min(minContextSize, contextSize);
  while (c > floor) {
    c = Math.max(floor, Math.floor(c / 2));
    plan.push({ sequences: 1, contextSize: c });
  }
  return plan;
}
