/**
 * Enforces OpenAI `stop` strings on streamed text: text is released as soon as it cannot be the
 * start of a stop string; at the first match everything from it on is dropped (the stop string is
 * not returned, as OpenAI does).
 */
export class StopMatcher {
  private held = '';
  private hit = false;
  private readonly holdChars: number;

  constructor(private readonly stops: string[]) {
    this.holdChars = Math.max(0, ...stops.map((s) => s.length - 1));
  }

  get stopped(): boolean {
    return this.hit;
  }

  /** Text safe to send now. After a match it returns '' for good. */
  push(text: string): string {
    if (this.hit) return '';
    if (this.stops.length === 0) return text;
    const buf = this.held + text;
    let at = -1;
    for (const s of this.stops) {
      const i = buf.indexOf(s);
      if (i !== -1 && (at === -1 || i < at)) at = i;
    }
    if (at !== -1) {
      this.hit = true;
      this.held = '';
      return buf.slice(0, at);
    }
    const keep = Math.min(this.holdChars, buf.length);
    this.held = buf.slice(buf.length - keep);
    return buf.slice(0, buf.length - keep);
  }

  /** What was held back, once the text has ended without a match. */
  flush(): string {
    const out = this.hit ? '' : this.held;
    this.held = '';
    return out;
  }
}
