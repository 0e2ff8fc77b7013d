import type { ImageRow } from './image-store.js';

/** The question used when the picture alone is the question. */
export const IMAGE_ONLY_QUESTION = 'What does the attached image show? Explain any fault code, alarm or reading on it and what to do about it.';

/** What was read from one image, as the prompt and the reply show it. */
export interface ImageReading {
  /** 1-based, in the order attached. */
  n: number;
  name: string;
  status: 'read' | 'unreadable' | 'refused' | 'pending';
  /** OCR text (may be empty: nothing legible). */
  text: string;
  /** The vision model's description, when VISION_URL is set and answered. */
  description: string | null;
  /** Why it was left out or could not be read (user-facing). */
  note: string | null;
}

export function toImageReading(r: ImageRow): ImageReading {
  return {
    n: r.index + 1,
    name: r.name,
    status: r.status === 'stored' ? 'pending' : r.status,
    text: r.ocrText ?? '',
    description: r.visionText,
    note: r.note,
  };
}
