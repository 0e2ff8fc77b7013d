import { z } from 'zod';
import { conversationKeySchema } from '../conversation/index.js';
import { generationOptionsSchema, historyMessageSchema } from '../jobs/contract.js';
import { imageRefSchema, imageRefusalSchema, type ImageInput } from '../images/image-ref.js';

/**
 * A question as a surface hands it to the core: who asked, where, the text with the bot mention
 * stripped, the platform's idempotency id, and the opaque reply target. The same shape is the
 * payload of the durable intake job, so what was acknowledged is exactly what gets answered.
 */
export const questionSchema = z.object({
  v: z.literal(1),
  key: conversationKeySchema,
  user: z.object({ id: z.string().min(1), name: z.string().optional() }),
  /** The question, mention stripped (sanitised by admission). */
  text: z.string(),
  /** Platform event / activity / request id: the idempotency key (Slack: channel/ts). */
  eventId: z.string().min(1),
  /** When the surface received it (ms since epoch), for queue-wait metrics. */
  receivedAt: z.number().int().nonnegative(),
  /** Platform-specific reply target, opaque to the core. */
  reply: z.record(z.string(), z.unknown()).default({}),
  /**
   * Earlier turns the surface already has (an API request's messages). When absent the platform's
   * `fetchHistory` (Slack: the thread) or the message log (Teams, console) supplies them.
   */
  history: z.array(historyMessageSchema).max(200).optional(),
  /**
   * A command instead of a question (`/kb …`, `/diagnose …` typed in the console): handled by the
   * intake worker, which has the database, with the platform-neutral handlers; the result is told
   * through `notify`. Lets a surface without a database (the console next to a running service) use them.
   */
  command: z.object({ name: z.enum(['kb', 'diagnose']), args: z.string() }).optional(),
  /**
   * What the access policy needs beyond the key and the user: whether this is a direct message
   * (Slack DM, Teams personal chat), the Slack Enterprise Grid org id, and group ids the identity
   * carries itself (an OIDC token's `groups`).
   */
  access: z.object({
    dm: z.boolean().optional(),
    enterprise: z.string().min(1).optional(),
    groups: z.array(z.string()).max(1000).optional(),
  }).optional(),
  /** Generation choices of this question (the HTTP API's `max_tokens`, `temperature`, `system`). */
  options: generationOptionsSchema.optional(),
  /**
   * Images attached to the question (a photo of the panel), as references: where to fetch them.
   * Admission checked count, declared size and type; bytes never travel in the job.
   */
  images: z.array(imageRefSchema).max(20).optional(),
  /** Images admission left out, and why: the asker is told with the answer. */
  imageRefusals: z.array(imageRefusalSchema).max(40).optional(),
});
export type Question = z.infer<typeof questionSchema>;
/** A question as a surface hands it to `admitQuestion`: images may be references or bytes. */
export type QuestionInput = Omit<z.input<typeof questionSchema>, 'images' | 'imageRefusals'> & { images?: ImageInput[] };

/** The intake job: the question plus the job id admission derived for it (once, here). */
export const intakeJobSchema = questionSchema.extend({ jobId: z.string().min(1) });
export type IntakeJob = z.infer<typeof intakeJobSchema>;
