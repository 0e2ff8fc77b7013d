import { raw } from './html.js';

// Inline SVG icons (no icon font, no emoji font needed: air-gapped sites often have neither).
const svg = (d: string) => raw(`<svg class="icon" viewBox="0 0 24 24" width="18" height="18" aria-hidden="true" focusable="false"><path d="${d}" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round"/></svg>`);

export const ICONS = {
  up: svg('M7 10v11H3V10h4zm0 0 4-8a3 3 0 0 1 3 3v4h5.5a2 2 0 0 1 2 2.3l-1.3 8A2 2 0 0 1 18.2 21H7'),
  down: svg('M17 14V3h4v11h-4zm0 0-4 8a3 3 0 0 1-3-3v-4H4.5a2 2 0 0 1-2-2.3l1.3-8A2 2 0 0 1 5.8 3H17'),
  plus: svg('M12 5v14M5 12h14'),
  stop: svg('M7 7h10v10H7z'),
  send: svg('M4 12 20 4l-6 16-3-7-7-1z'),
  image: svg('M4 5h16v14H4zM4 16l5-5 4 4 3-3 4 4M15.5 9.5h.01'),
};
