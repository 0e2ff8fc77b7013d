import { documentsWithVersions, recordProvenance } from '../audit/index.js';
import { engineIdentity, type AdapterIdentity, type ModelIdentity } from '../engine/index.js';
import type { RetrievedChunk, SourceRef } from '../rag/index.js';
import type { Db } from '../storage/index.js';

export interface ProvenanceInput {
  /** sha256 of the system prompt's text (its version; the same value message_prompts keeps). */
  promptSha256: string;
  model: ModelIdentity;
  /** The LoRA adapter that answered, or null (the base model). */
  adapter: AdapterIdentity | null;
  /** The chunks given to the model; `chunks[i]` ↔ `sources[i]`. */
  chunks: RetrievedChunk[];
  sources: SourceRef[];
}

/**
 * Records what produced an answer (answer_provenance): the system prompt's sha256, the model's
 * identity (file name or remote id, sha256), the engine with its version, the LoRA adapter with
 * its file's sha256, and the documents given with their versions at answer time.
 */
export async function recordAnswerProvenance(db: Pick<Db, 'query'>, messageId: string, p: ProvenanceInput): Promise<void> {
  const documents = await documentsWithVersions(db, p.sources.map((s, i) => ({
    n: s.n, source: s.source, web: s.web, scope: p.chunks[i]?.scope, documentId: p.chunks[i]?.web ? undefined : p.chunks[i]?.documentId,
  })));
  await recordProvenance(db, messageId, {
    promptSha256: p.promptSha256,
    modelName: p.model.id,
    modelSha256: p.model.sha256,
    engine: p.model.engine === 'llama' ? `llama (${engineIdentity()})` : p.model.engine,
    // A remote engine's adapter is known by the model id it serves it under (its weights cannot be hashed here).
    adapter: !p.adapter ? null : p.adapter.sha256 ? `${p.adapter.name}@sha256:${p.adapter.sha256}` : `${p.adapter.name}@${p.model.engine}:${p.adapter.modelId ?? p.adapter.name}`,
    documents,
  });
}
