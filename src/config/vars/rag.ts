import { z } from 'zod';
import { defaultLlamaThreads } from './core.js';
import { envVar } from './define.js';
import { optionalString, positiveInt, url } from './shared-schemas.js';

const fraction = (def: number) => z.preprocess((v) => (v === '' ? undefined : v), z.coerce.number().min(0).max(1).default(def));
const optionalFraction = () => z.preprocess((v) => (v === '' ? undefined : v), z.coerce.number().min(0).max(1).optional());

/** `on`/`off` (also true/false, 1/0, yes/no). */
const onOff = (def: boolean) =>
  z.preprocess(
    (v) => (v === '' || v === undefined ? undefined : String(v).toLowerCase()),
    z.enum(['on', 'off', 'true', 'false', '1', '0', 'yes', 'no']).default(def ? 'on' : 'off').transform((s) => ['on', 'true', '1', 'yes'].includes(s)),
  );

/** `platform:userId` entries, comma-separated (e.g. `slack:U024BE7LH,teams:29:1abc`). */
const adminList = () =>
  z.preprocess(
    (v) => (v === undefined || v === '' ? [] : String(v).split(',').map((s) => s.trim()).filter(Boolean)),
    z.array(z.string().regex(/^(slack|teams|console|web):.+$/, 'each entry must be platform:userId (platform = slack, teams, console or web)')),
  );

/** Comma-separated domain names, lower-cased. */
const domainList = () =>
  z.preprocess(
    (v) => (v === undefined || v === '' ? [] : String(v).split(',').map((s) => s.trim().toLowerCase().replace(/^\*\./, '')).filter(Boolean)),
    z.array(z.string().regex(/^[a-z0-9.-]+$/, 'each entry must be a domain name like docs.example.com')),
  );

export const ragVars = {
  ADMIN_USERS: envVar(adminList(), 'Who may run `/kb attach|detach|list|web` in chat, and who is an admin of the web console (`web:<OIDC sub>`): comma-separated `platform:userId` (e.g. `slack:U024BE7LH,web:alice`).'),
  EMBEDDING_MODEL_PATH: envVar(optionalString(), 'GGUF embedding model for vector retrieval. Unset: full-text retrieval only.'),
  EMBEDDING_THREADS: envVar(positiveInt(defaultLlamaThreads()), 'CPU threads for the embedding context (always explicit: llama.cpp\'s default oversubscribes small hosts).'),
  EMBEDDING_CONTEXT_SIZE: envVar(positiveInt(512), 'Embedding context size in tokens; longer chunks are truncated for embedding.'),
  RAG_TOP_K: envVar(positiveInt(5), 'Chunks retrieved per question.'),
  RAG_CONTEXT_MAX_CHARS: envVar(positiveInt(6000), 'Character budget for retrieved text in the prompt (top-k trimmed to fit).'),
  RAG_HYBRID_ALPHA: envVar(fraction(0.9), 'Weight of the full-text ranking against the vector ranking (1 = full-text only, 0 = vectors only).'),
  RAG_FUSION: envVar(z.preprocess((v) => (v === '' ? undefined : v), z.enum(['rrf', 'score']).default('score')), '`score` (weighted min-max-normalised scores) or `rrf` (weighted reciprocal rank fusion).'),
  RAG_MIN_MATCH: envVar(fraction(0.2), 'A full-text hit must match at least this share of the question\'s term weight (IDF), else it is not relevant.'),
  RAG_MIN_BEST_MATCH: envVar(fraction(0.37), '"Nothing found" unless the best full-text hit matches at least this share of the question\'s term weight (set from measured rates: README, Per-channel knowledge).'),
  RAG_SYNONYMS_FILE: envVar(optionalString(), 'Site thesaurus applied to questions only: one group per line, members comma-separated (`jog, move, manual move`).'),
  RAG_SYNONYM_WEIGHT: envVar(fraction(0.5), 'Weight of a thesaurus member against the question\'s own words.'),
  RAG_MAX_PER_DOC: envVar(positiveInt(3), 'Chunks of one document among the top results before other documents get a place.'),
  RAG_DOC_WEIGHT: envVar(fraction(0), 'Share of a chunk\'s score taken from its document\'s score (document-level fusion; 0 = off).'),
  RAG_FEEDBACK: envVar(onOff(false), 'Pseudo-relevance feedback (RM3-style second pass with terms of the best chunks).'),
  RAG_QUERY_REWRITE: envVar(onOff(false), 'R1 rewrites each question into a search query and 2–3 variants, searched with the question and fused (one extra generation per question: slow on CPU).'),
  RAG_QUERY_REWRITE_TIMEOUT_MS: envVar(positiveInt(15000), 'After this the rewrite is abandoned and the question is searched as asked.'),
  RAG_MIN_SIMILARITY: envVar(fraction(0.3), 'Vector hits below this cosine similarity are dropped.'),
  RAG_MIN_VECTOR_ONLY_SIMILARITY: envVar(optionalFraction(), 'When full-text finds nothing, vector hits at or above this cosine are still sources. Unset: vectors never answer alone (calibrate with `npm run bench:rag` before setting it).'),
  RAG_CHUNK_MAX_CHARS: envVar(positiveInt(1200), 'Ingestion: maximum chunk size in characters.'),
  RAG_CHUNK_OVERLAP_CHARS: envVar(z.preprocess((v) => (v === '' ? undefined : v), z.coerce.number().int().min(0).default(150)), 'Ingestion: characters carried over between consecutive chunks of one section.'),
  WEB_SEARCH_URL: envVar(url(), 'SearXNG search endpoint (e.g. http://searxng:8080/search). Unset: no web search. Enabled per channel with `/kb web on`.'),
  WEB_SEARCH_DOMAINS: envVar(domainList(), 'Allowed result domains, comma-separated (subdomains included). Unset: all domains SearXNG returns.'),
  WEB_SEARCH_TIMEOUT_MS: envVar(positiveInt(3000), 'Web search timeout; on timeout or error the answer uses local documents only.'),
  WEB_HYBRID_ALPHA: envVar(fraction(0.6), 'Default weight of local documents against web results (1 = local only). Per channel: `/kb web on <alpha>`.'),
};
