export { admitQuestion, notifyInBackground } from './admit-question.js';
export type { AdmitOptions, AdmitResult, IntakeRuntime } from './admit-question.js';
export { processIntake } from './process-intake.js';
export type { IntakeOutcome } from './process-intake.js';
export { DEFAULT_INTAKE_TEXTS } from './chat-platform.js';
export type { ChatPlatform, IntakeTexts, NoticeInfo } from './chat-platform.js';
export { questionSchema, intakeJobSchema } from './question.js';
export type { Question, QuestionInput, IntakeJob } from './question.js';
