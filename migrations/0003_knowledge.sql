-- Per-channel knowledge (RAG): scopes of ingested documents, their chunks (full-text + embedding),
-- channel ↔ scope bindings keyed by platform + tenant + channel id (renames never break them),
-- who may change bindings, and an audit trail of every change. Runs on PostgreSQL with or without
-- pgvector and on PGlite: embeddings are `real[]` here; where pgvector exists the retriever builds
-- an HNSW expression index on `embedding::vector(<dims>)` for the dimension in use.

-- pgvector where the server has it (PGlite, deploy/ image); silently nothing where it does not.
DO $$
BEGIN
  CREATE EXTENSION IF NOT EXISTS vector;
EXCEPTION WHEN OTHERS THEN
  NULL;
END $$;

CREATE TABLE IF NOT EXISTS kb_scopes (
  id            BIGSERIAL PRIMARY KEY,
  name          TEXT NOT NULL UNIQUE CHECK (name ~ '^[a-z0-9][a-z0-9._-]{0,62}$'),
  -- Lexical statistics for BM25, refreshed after each ingestion run.
  chunk_count   INT NOT NULL DEFAULT 0,
  avg_len       REAL NOT NULL DEFAULT 0,
  created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
  updated_at    TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS kb_documents (
  id             BIGSERIAL PRIMARY KEY,
  scope_id       BIGINT NOT NULL REFERENCES kb_scopes (id) ON DELETE CASCADE,
  -- Path relative to the folder given to `ingest` (or the file name), with '/' separators.
  source         TEXT NOT NULL,
  title          TEXT NOT NULL,
  format         TEXT NOT NULL,
  content_sha256 TEXT NOT NULL,
  version        INT NOT NULL DEFAULT 1,
  chars          INT NOT NULL DEFAULT 0,
  embedding_model TEXT,
  ingested_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
  UNIQUE (scope_id, source)
);

CREATE TABLE IF NOT EXISTS kb_chunks (
  id             BIGSERIAL PRIMARY KEY,
  document_id    BIGINT NOT NULL REFERENCES kb_documents (id) ON DELETE CASCADE,
  -- Denormalised from the document: every retrieval filters on it first.
  scope_id       BIGINT NOT NULL REFERENCES kb_scopes (id) ON DELETE CASCADE,
  ord            INT NOT NULL,
  heading_path   TEXT[] NOT NULL DEFAULT '{}',
  -- Heading path joined with ' > ' (array_to_string is not immutable, so it is stored).
  heading_text   TEXT NOT NULL DEFAULT '',
  doc_title      TEXT NOT NULL DEFAULT '',
  text           TEXT NOT NULL,
  -- Weights: A = document title, B = section headings, D = body. BM25 reads them per position.
  tsv            TSVECTOR GENERATED ALWAYS AS (
                   setweight(to_tsvector('english', doc_title), 'A') ||
                   setweight(to_tsvector('english', heading_text), 'B') ||
                   setweight(to_tsvector('english', text), 'D')) STORED,
  -- Body length in lexeme positions, for BM25 length normalisation.
  len            INT GENERATED ALWAYS AS (length(to_tsvector('english', text))) STORED,
  -- Unit-length embedding (cosine = dot product); NULL when no embedding model was configured.
  embedding      REAL[],
  embedding_dims INT
);
-- fastupdate off: a pending list left by a big ingestion is scanned linearly by every search.
CREATE INDEX IF NOT EXISTS kb_chunks_tsv_idx ON kb_chunks USING gin (tsv) WITH (fastupdate = off);
-- Keep the tsvector in the heap row (the text is moved out first): ranking reads it for every
-- candidate, and a TOAST fetch per row made full-text retrieval several times slower.
ALTER TABLE kb_chunks ALTER COLUMN tsv SET STORAGE MAIN;
CREATE INDEX IF NOT EXISTS kb_chunks_scope_idx ON kb_chunks (scope_id);
CREATE INDEX IF NOT EXISTS kb_chunks_document_idx ON kb_chunks (document_id, ord);

-- Document frequency per lexeme and scope (IDF for BM25), rebuilt with ts_stat after ingestion.
CREATE TABLE IF NOT EXISTS kb_terms (
  scope_id  BIGINT NOT NULL REFERENCES kb_scopes (id) ON DELETE CASCADE,
  lexeme    TEXT COLLATE "C" NOT NULL,
  ndoc      INT NOT NULL,
  PRIMARY KEY (scope_id, lexeme)
);

-- Which scopes a channel answers from. Keyed by ids, never names.
CREATE TABLE IF NOT EXISTS kb_bindings (
  platform   TEXT NOT NULL,
  tenant     TEXT NOT NULL,
  channel    TEXT NOT NULL,
  scope_id   BIGINT NOT NULL REFERENCES kb_scopes (id) ON DELETE CASCADE,
  created_by TEXT NOT NULL,
  created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  PRIMARY KEY (platform, tenant, channel, scope_id)
);

-- Per-channel knowledge settings: web search on/off and its blend weight.
CREATE TABLE IF NOT EXISTS kb_channel_settings (
  platform     TEXT NOT NULL,
  tenant       TEXT NOT NULL,
  channel      TEXT NOT NULL,
  web_search   BOOLEAN NOT NULL DEFAULT false,
  -- Local weight against web results (NULL = WEB_HYBRID_ALPHA).
  hybrid_alpha REAL CHECK (hybrid_alpha IS NULL OR (hybrid_alpha >= 0 AND hybrid_alpha <= 1)),
  updated_by   TEXT NOT NULL,
  updated_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
  PRIMARY KEY (platform, tenant, channel)
);

-- Who may change bindings in chat, besides the ADMIN_USERS list.
CREATE TABLE IF NOT EXISTS kb_admins (
  platform   TEXT NOT NULL,
  user_id    TEXT NOT NULL,
  added_by   TEXT NOT NULL,
  created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  PRIMARY KEY (platform, user_id)
);

-- Every binding or setting change, by whom (e.g. `slack:U123`, `cli:alice`).
CREATE TABLE IF NOT EXISTS kb_audit (
  id         BIGSERIAL PRIMARY KEY,
  platform   TEXT NOT NULL,
  tenant     TEXT NOT NULL,
  channel    TEXT NOT NULL,
  action     TEXT NOT NULL,
  scope      TEXT,
  actor      TEXT NOT NULL,
  at         TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS kb_audit_channel_idx ON kb_audit (platform, tenant, channel, at);

-- Sources cited by an answer and how knowledge was used (cited | no_match | model_only).
ALTER TABLE messages ADD COLUMN IF NOT EXISTS sources JSONB;
ALTER TABLE messages ADD COLUMN IF NOT EXISTS knowledge TEXT;
