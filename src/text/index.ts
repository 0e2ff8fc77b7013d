export { sanitizeText, needsSanitizing } from './sanitize-text.js';
