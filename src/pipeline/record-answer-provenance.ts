import path from 'node:path';
import { documentsWithVersions, promptSha256, recordProvenance } from '../audit/index.js';
import { engineIdentity, type InferenceEngine } from '../engine/index.js';
import type { RetrievedChunk, SourceRef } from '../rag/index.js';
import type { Db } from '../storage/index.js';

export interface ProvenanceInput {
  /** The system prompt before sources were added (its sha256 is the prompt's version). */
  systemText: string;
  modelSha256: string | null;
  /** The chunks given to the model; `chunks[i]` ↔ `sources[i]`. */
  chunks: RetrievedChunk[];
  sources: SourceRef[];
}

/**
 * Records what produced an answer (answer_provenance): the system prompt's sha256, the model file
 * and its sha256, the engine, the LoRA adapter (none yet: null), and the documents with their versions.
 */
export async function recordAnswerProvenance(
  deps: { db: Pick<Db, 'query'>; engine: Pick<InferenceEngine, 'modelPath'> & { adapterName?: string | null } },
  messageId: string,
  p: ProvenanceInput,
): Promise<void> {
  const documents = await documentsWithVersions(deps.db, p.sources.map((s, i) => ({
    n: s.n, source: s.source, web: s.web, scope: p.chunks[i]?.scope, documentId: p.chunks[i]?.web ? undefined : p.chunks[i]?.documentId,
  })));
  await recordProvenance(deps.db, messageId, {
    promptSha256: promptSha256(p.systemText),
    modelName: path.basename(deps.engine.modelPath ?? 'unknown'),
    modelSha256: p.modelSha256,
    engine: engineIdentity(),
    adapter: deps.engine.adapterName ?? null,
    documents,
  });
}
