import { z } from 'zod';

/**
 * Where an image attached to a question can be fetched. Slack and Teams images stay on the
 * platform until the intake worker (which holds the platform's credentials) downloads them;
 * bytes a surface already has (an API `data:` URL) are parked by admission in Redis for a short
 * while (`redis`), so the durable intake job itself stays small.
 */
export const imageSourceSchema = z.discriminatedUnion('kind', [
  /** A Slack file: `url_private_download`, fetched with the bot token (scope `files:read`). */
  z.object({ kind: z.literal('slack'), fileId: z.string().min(1), url: z.url() }),
  /** A Teams attachment: `contentUrl` (inline images need the bot's token) or a pre-authorised `downloadUrl`. */
  z.object({ kind: z.literal('teams'), url: z.url(), auth: z.boolean().default(false) }),
  /** Bytes parked by admission under this Redis key (TTL {@link IMAGE_BLOB_TTL_S}). */
  z.object({ kind: z.literal('redis'), blobKey: z.string().min(1) }),
]);
export type ImageSource = z.infer<typeof imageSourceSchema>;

/** An image as the intake job carries it: metadata the platform declared, and where to fetch it. */
export const imageRefSchema = z.object({
  /** File name as shown to the user (`panel.jpg`; `image 1` when there is none). */
  name: z.string().max(200).default(''),
  /** MIME type the platform declared (checked again against the bytes). */
  mime: z.string().max(120).optional(),
  /** Size the platform declared, in bytes (checked again while downloading). */
  bytes: z.number().int().nonnegative().optional(),
  source: imageSourceSchema,
});
export type ImageRef = z.infer<typeof imageRefSchema>;
export type ImageRefInput = z.input<typeof imageRefSchema>;

/**
 * An image as a surface hands it to admission: a reference as above, or the bytes themselves
 * (an API `data:` URL, an upload) which admission parks in Redis.
 */
export type ImageInput =
  | ImageRefInput
  | { name?: string; mime?: string; bytes?: number; source: { kind: 'bytes'; data: Uint8Array } }
  /** The platform cannot hand this file over (deleted, hidden by the plan, external): `reason` completes "<name> …". */
  | { name?: string; mime?: string; bytes?: number; source: { kind: 'unavailable'; reason: string } };

/** An image admission left out, and why (shown to the asker with the answer). */
export const imageRefusalSchema = z.object({ name: z.string(), reason: z.string() });
export type ImageRefusal = z.infer<typeof imageRefusalSchema>;

/** How long parked `data:` URL bytes live in Redis: the intake worker moves them within seconds. */
export const IMAGE_BLOB_TTL_S = 3600;
