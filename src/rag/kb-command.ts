import { adapterForChannel, bindAdapter, unbindAdapter, type Db } from '../storage/index.js';
import { attachScope, channelKnowledge, detachScope, isKbAdmin, setWebSearch, type ChannelRef } from './binding-store.js';
import { RagError } from './errors.js';
import { listScopes } from './scope-store.js';

export interface KbCommandDeps {
  db: Db;
  /** ADMIN_USERS: `platform:userId` entries allowed to change bindings (plus the kb_admins table). */
  adminUsers: readonly string[];
  /** Whether WEB_SEARCH_URL is configured (else `/kb web on` is refused). */
  webSearchConfigured: boolean;
}

export interface KbCommandInput {
  /** The channel the command was typed in (bindings are keyed by its ids, never its name). */
  key: ChannelRef;
  userId: string;
  /** Text after `/kb`, e.g. `attach plant-a-pumps`. */
  args: string;
}

export interface KbCommandResult {
  /** Markdown-ish text (backticks, asterisks for bold); adapters may render it as is. */
  text: string;
  /** Show only to the user who typed it (refusals, lists, errors); false = post in the channel. */
  ephemeral: boolean;
}

export const KB_USAGE = [
  '*Knowledge commands* (admins only):',
  '`/kb list`: scopes attached to this channel, and all scopes',
  '`/kb attach <scope>`: answer questions here from that scope\'s documents',
  '`/kb detach <scope>`: stop using that scope here',
  '`/kb web on [weight]` / `/kb web off`: blend web search results (weight of local documents, 0–1)',
  '`/kb adapter <name>` / `/kb adapter off`: answer here with that LoRA adapter (a LORA_ADAPTERS name) / with the base model',
].join('\n');

export const KB_REFUSAL = 'Sorry, only knowledge-base admins can use `/kb` (ask an admin to add you to ADMIN_USERS). Nothing was changed.';

const ephemeral = (text: string): KbCommandResult => ({ text, ephemeral: true });

/**
 * The `/kb` command, platform-neutral: Slack's slash command and Teams' bot command both call it.
 * Only admins may use it; everyone else gets a private refusal and nothing changes.
 */
export async function handleKbCommand(deps: KbCommandDeps, input: KbCommandInput): Promise<KbCommandResult> {
  const { db } = deps;
  const ch = input.key;
  if (!(await isKbAdmin(db, deps.adminUsers, ch.platform, input.userId))) return ephemeral(KB_REFUSAL);
  const [sub = '', ...rest] = input.args.trim().split(/\s+/).filter(Boolean);
  const actor = `${ch.platform}:${input.userId}`;
  try {
    switch (sub.toLowerCase()) {
      case 'list':
        return ephemeral(await listText(db, ch, deps.webSearchConfigured));
      case 'attach': {
        const scope = rest[0]?.toLowerCase();
        if (!scope || rest.length > 1) return ephemeral('Usage: `/kb attach <scope>`');
        try {
          const added = await attachScope(db, ch, scope, actor);
          return added
            ? { text: `Knowledge scope \`${scope}\` is now attached to this channel: answers here cite its documents.`, ephemeral: false }
            : ephemeral(`Scope \`${scope}\` is already attached to this channel.`);
        } catch (e) {
          if (e instanceof RagError && e.kind === 'scope_unknown') {
            const names = (await listScopes(db)).map((s) => `\`${s.name}\``);
            return ephemeral(`There is no scope \`${scope}\`. Known scopes: ${names.join(', ') || 'none yet (load documents with npm run ingest)'}.`);
          }
          throw e;
        }
      }
      case 'detach': {
        const scope = rest[0]?.toLowerCase();
        if (!scope || rest.length > 1) return ephemeral('Usage: `/kb detach <scope>`');
        return (await detachScope(db, ch, scope, actor))
          ? { text: `Knowledge scope \`${scope}\` is no longer attached to this channel.`, ephemeral: false }
          : ephemeral(`Scope \`${scope}\` is not attached to this channel.`);
      }
      case 'adapter': {
        const name = rest[0]?.toLowerCase();
        if (!name || rest.length > 1) return ephemeral('Usage: `/kb adapter <name>` or `/kb adapter off`');
        if (name === 'off') {
          const removed = await unbindAdapter(db, ch, actor);
          return removed
            ? { text: `LoRA adapter \`${removed}\` is no longer used here: answers come from the base model.`, ephemeral: false }
            : ephemeral('No LoRA adapter is set for this channel.');
        }
        if (!/^[a-z0-9][a-z0-9._-]{0,62}$/.test(name) || name === 'base') return ephemeral(`\`${name}\` is not an adapter name (lower-case letters, digits, . _ -, as in LORA_ADAPTERS).`);
        const prev = await bindAdapter(db, ch, name, actor);
        return { text: `Answers here now use the LoRA adapter \`${name}\`${prev && prev !== name ? ` (was \`${prev}\`)` : ''}. A worker that does not load it answers with the base model.`, ephemeral: false };
      }
      case 'web': {
        const mode = rest[0]?.toLowerCase();
        if (mode === 'off') {
          await setWebSearch(db, ch, false, actor);
          return { text: 'Web search is off for this channel.', ephemeral: false };
        }
        if (mode !== 'on' || rest.length > 2) return ephemeral('Usage: `/kb web on [weight of local documents, 0–1]` or `/kb web off`');
        if (!deps.webSearchConfigured) return ephemeral('Web search is not configured on this server (WEB_SEARCH_URL is unset). Nothing was changed.');
        const alpha = rest[1] === undefined ? undefined : Number(rest[1]);
        if (alpha !== undefined && !(alpha >= 0 && alpha <= 1)) return ephemeral(`The weight must be a number from 0 to 1, got \`${rest[1]}\`.`);
        await setWebSearch(db, ch, true, actor, alpha);
        return { text: `Web search is on for this channel${alpha === undefined ? '' : ` (local documents weigh ${alpha})`}: web sources are marked as such.`, ephemeral: false };
      }
      default:
        return ephemeral(KB_USAGE);
    }
  } catch (e) {
    if (e instanceof RagError) return ephemeral(e.message);
    throw e;
  }
}

async function listText(db: Db, ch: ChannelRef, webConfigured: boolean): Promise<string> {
  const [k, scopes, adapter] = await Promise.all([channelKnowledge(db, ch), listScopes(db), adapterForChannel(db, ch)]);
  const bound = k.scopes.length ? k.scopes.map((s) => `\`${s}\``).join(', ') : 'none: answers here come from the model alone';
  const web = !webConfigured ? 'not configured' : k.webSearch ? `on${k.hybridAlpha === null ? '' : ` (local weight ${k.hybridAlpha})`}` : 'off';
  const all = scopes.length ? scopes.map((s) => `\`${s.name}\` (${s.documents} documents)`).join(', ') : 'none yet';
  return `*Attached to this channel:* ${bound}\n*Web search:* ${web}\n*LoRA adapter:* ${adapter ? `\`${adapter}\`` : 'none (base model)'}\n*All scopes:* ${all}`;
}
