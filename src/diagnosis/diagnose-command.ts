import type { Queue } from 'bullmq';
import { hashId, type ConversationKey } from '../conversation/index.js';
import { enqueueDiagnosis, inferenceJobId, JOB_PRIORITY, queuePosition } from '../jobs/index.js';
import { adapterForChannel, type Db } from '../storage/index.js';
import { findAsset, listAssetIds, listFaultCodes, type Asset } from './asset-store.js';
import { closestMatches } from './closest-matches.js';
import { listDiagnosesForAsset, type DiagnosisRow } from './diagnosis-store.js';
import { parseDiagnoseCommand, splitFaultCode } from './parse-command.js';

export interface DiagnoseCommandDeps {
  db: Db;
  /** The inference queue. */
  queue: Queue;
  /** DIAGNOSIS_MAX_CHARS. */
  maxChars: number;
  /** DIAGNOSIS_HISTORY_LIMIT. */
  historyLimit: number;
  /** JOB_ATTEMPTS. */
  attempts: number;
  /** How the platform names the command in help texts: `/diagnose` (Slack), `diagnose` (Teams). Defaults to `/diagnose`. */
  command?: string;
  /** How a user id is shown (Slack: `<@U123>`). Defaults to the id. */
  formatUser?: (userId: string) => string;
  /** The last sentence of the queued note. Defaults to Slack's "The result will open a thread in this channel." */
  resultWhere?: string;
}

export interface DiagnoseCommandInput {
  /** Where the command was typed; `thread` may be omitted (the diagnosis opens its own thread). */
  key: Omit<ConversationKey, 'thread'> & { thread?: string };
  userId: string;
  text: string;
  /** Platform id of this invocation (Slack: trigger_id): the idempotency key. */
  eventId: string;
  receivedAt?: number;
  /** Platform reply target carried in the job (opaque to the core). */
  reply: Record<string, unknown>;
}

export type RejectReason = 'usage' | 'too_long' | 'unknown_asset' | 'unknown_code' | 'missing_fault';

/** What to tell the user, privately, and what happened. Nothing is enqueued unless `queued`. */
export type DiagnoseCommandResult =
  | { kind: 'queued'; text: string; jobId: string; duplicate: boolean; position: number; asset: Asset; faultCode: string | null }
  | { kind: 'rejected'; reason: RejectReason; text: string }
  | { kind: 'history'; text: string; entries: DiagnosisRow[] };

const code = (s: string) => `\`${s.replace(/`/g, "'")}\``;
const list = (xs: string[]) => xs.map(code).join(', ');

export function diagnoseUsage(cmd = '/diagnose'): string {
  return `Usage: ${code(`${cmd} <asset> <fault code or symptom…>`)}, e.g. ${code(`${cmd} P-101 E-214 high vibration after restart`)}; ${code(`${cmd} history <asset>`)} lists recent diagnoses.`;
}

/** A `/diagnose` request checked against the registry: what to run, or why not (nothing enqueued). */
export type DiagnoseRequestCheck =
  | { kind: 'rejected'; reason: RejectReason; text: string }
  | { kind: 'history'; asset: Asset }
  | { kind: 'diagnose'; asset: Asset; rest: string; faultCode: string | null; symptom: string };

/** The source event id of the diagnosis job a `/diagnose` invocation enqueues (distinct from a question's). */
export const diagnosisEventId = (eventId: string) => `diagnose/${eventId}`;

/**
 * The inference job id of the diagnosis a `/diagnose` invocation (platform event `eventId`)
 * enqueues, for a surface that follows it (the web chat).
 */
export const diagnosisJobId = (platform: ConversationKey['platform'], tenant: string, eventId: string) => inferenceJobId(platform, tenant, diagnosisEventId(eventId));

/**
 * Checks `/diagnose` arguments (`text`, after the command) as every surface does: syntax, length,
 * the asset registry and the model's fault-code catalogue. Read-only; the texts are the ones the
 * user is shown (usage, unknown asset or code with the closest matches, missing symptom).
 */
export async function checkDiagnoseRequest(deps: Pick<DiagnoseCommandDeps, 'db' | 'maxChars' | 'command'>, text: string): Promise<DiagnoseRequestCheck> {
  const cmd = deps.command ?? '/diagnose';
  const parsed = parseDiagnoseCommand(text, deps.maxChars);
  switch (parsed.kind) {
    case 'usage':
      return { kind: 'rejected', reason: 'usage', text: parsed.empty ? `Tell me which machine and what is wrong. ${diagnoseUsage(cmd)}` : diagnoseUsage(cmd) };
    case 'too_long':
      return { kind: 'rejected', reason: 'too_long', text: `That request is too long (${parsed.chars} characters; the limit is ${parsed.maxChars}). Give the fault code and describe the symptom in a sentence or two.` };
    case 'missing_fault':
    case 'history':
    case 'diagnose':
      break;
    default:
      return parsed satisfies never;
  }
  const asset = await findAsset(deps.db, parsed.assetRef);
  if (!asset) return { kind: 'rejected', reason: 'unknown_asset', text: await unknownAssetText(deps.db, parsed.assetRef) };
  if (parsed.kind === 'history') return { kind: 'history', asset };
  if (parsed.kind === 'missing_fault') {
    return { kind: 'rejected', reason: 'missing_fault', text: `What is wrong with ${code(asset.id)} (${asset.name})? Add a fault code or describe the symptom, e.g. ${code(`${cmd} ${asset.id} E-214 high vibration after restart`)}.` };
  }
  const catalogue = await listFaultCodes(deps.db, asset.model);
  const split = splitFaultCode(parsed.rest, catalogue);
  if (split.kind === 'unknown' && catalogue.length > 0) {
    const near = closestMatches(split.code, catalogue);
    return {
      kind: 'rejected', reason: 'unknown_code',
      text: `${code(split.code)} is not a fault code of model ${code(asset.model)} (asset ${code(asset.id)}). ${near.length ? `Closest codes: ${list(near)}.` : `Known codes: ${list(catalogue.slice(0, 8))}${catalogue.length > 8 ? ', …' : ''}.`} Or describe the symptom without a code.`,
    };
  }
  return { kind: 'diagnose', asset, rest: parsed.rest, faultCode: split.kind === 'none' ? null : split.code, symptom: split.symptom };
}

/**
 * `/diagnose …` for any platform: validates the request against the asset registry and the
 * fault-code catalogue ({@link checkDiagnoseRequest}), then enqueues the diagnosis (or lists the
 * asset's history). Unknown assets and codes get the closest matches; nothing is enqueued for any rejection.
 */
export async function handleDiagnoseCommand(deps: DiagnoseCommandDeps, input: DiagnoseCommandInput): Promise<DiagnoseCommandResult> {
  const checked = await checkDiagnoseRequest(deps, input.text);
  if (checked.kind === 'rejected') return checked;
  const { asset } = checked;
  if (checked.kind === 'history') return history(deps, input, asset);
  const { faultCode } = checked;
  const receivedAt = input.receivedAt ?? Date.now();
  const res = await enqueueDiagnosis(deps.queue, {
    v: 1,
    kind: 'diagnose',
    key: { ...input.key, thread: input.key.thread ?? `diagnose-${hashId(input.eventId, 16)}` },
    user: { id: input.userId },
    text: checked.rest,
    diagnosis: { assetId: asset.id, faultCode, symptom: checked.symptom },
    source: { eventId: diagnosisEventId(input.eventId), receivedAt },
    reply: input.reply,
    adapter: await adapterForChannel(deps.db, input.key),
  }, { attempts: deps.attempts });
  const position = await queuePosition(deps.queue, JOB_PRIORITY.diagnose);
  const where = position > 0 ? `position ${position} in the queue` : 'starting now';
  return {
    kind: 'queued', jobId: res.jobId, duplicate: res.duplicate, position, asset, faultCode,
    text: `🔧 Diagnosing ${code(asset.id)} (${asset.name})${faultCode ? ` for ${code(faultCode)}` : ''}: ${where}. ${deps.resultWhere ?? 'The result will open a thread in this channel.'}`,
  };
}

async function unknownAssetText(db: Db, ref: string): Promise<string> {
  const ids = await listAssetIds(db);
  if (ids.length === 0) return `I don't know asset ${code(ref)}: the asset registry is empty. An admin imports it with ${code('npm run assets -- import assets.csv')}.`;
  const near = closestMatches(ref, ids);
  return near.length
    ? `I don't know asset ${code(ref)}. Did you mean ${list(near)}?`
    : `I don't know asset ${code(ref)}, and no registered asset looks like it (${ids.length} assets registered).`;
}

async function history(deps: DiagnoseCommandDeps, input: DiagnoseCommandInput, asset: Asset): Promise<DiagnoseCommandResult> {
  const who = deps.formatUser ?? ((id: string) => id);
  const entries = await listDiagnosesForAsset(deps.db, asset.id, input.key, deps.historyLimit);
  if (entries.length === 0) return { kind: 'history', entries, text: `No diagnoses of ${code(asset.id)} (${asset.name}) yet.` };
  const lines = entries.map((d) => {
    const when = d.createdAt.toISOString().slice(0, 16).replace('T', ' ');
    const top = d.result?.causes[0]?.cause;
    const outcome = d.outcome === 'resolved' ? `✅ resolved by ${who(d.outcomeBy ?? '?')}`
      : d.outcome === 'escalated' ? `🚨 escalated by ${who(d.outcomeBy ?? '?')}`
      : d.status === 'failed' ? '❌ failed' : d.status === 'generating' ? '⏳ in progress' : 'no outcome yet';
    const fb = d.feedback === 'up' ? ' 👍' : d.feedback === 'down' ? ' 👎' : '';
    const req = d.request.length > 80 ? `${d.request.slice(0, 79)}…` : d.request;
    return `• ${when} UTC · #${d.id} · ${req}${top ? ` → ${top}` : ''} · ${outcome}${fb} · asked by ${who(d.requestedBy)}`;
  });
  return { kind: 'history', entries, text: `Recent diagnoses of ${code(asset.id)} (${asset.name}):\n${lines.join('\n')}` };
}
