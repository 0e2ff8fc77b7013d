import type { LiveSurfaceFactory, LiveView } from '../../src/index.js';

/** What the terminal has printed of a live answer (characters of the answer). */
export interface ConsoleLiveState {
  printed: number;
  thinking?: boolean;
}

export const consolePrefix = (text: string) => text.replace(/\n/g, '\nr1> ');

/**
 * The terminal's live answer: a line when R1 starts thinking, then the answer printed as it
 * streams, after `r1> `. The final delivery prints only what is still missing.
 */
export function createConsoleLiveSurface(write: (s: string) => void): LiveSurfaceFactory<ConsoleLiveState> {
  return (_job, store) => {
    let st: ConsoleLiveState | undefined;
    const step = async (view: LiveView) => {
      st ??= (await store.get()) ?? { printed: 0 };
      if (view.phase === 'thinking' && !st.thinking && !view.answer) {
        write('(thinking…)\n');
        st.thinking = true;
      }
      if (view.answer.length > st.printed) {
        write(`${st.printed === 0 ? '\nr1> ' : ''}${consolePrefix(view.answer.slice(st.printed))}`);
        st.printed = view.answer.length;
      }
      await store.set(st);
    };
    return { minIntervalMs: 100, show: step, finish: step };
  };
}
