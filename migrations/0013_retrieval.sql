-- Retrieval (#18): technical tokens are indexed the way technicians type them. `kb_tech_terms`
-- returns extra words for a text, and the same function is applied to the question at query time
-- (src/rag/retrieve/lexical.ts), so both sides always agree:
--   BL-Touch, E-214, bed_mesh   → bltouch, e214, bedmesh      (joined; the parts are indexed anyway)
--   stealthChop, ShortToGND     → stealth chop, short to gnd  (camelCase split)
--   G10/G11, /dev/ttyUSB0       → g10 g11, dev ttyusb0        (slash-separated parts)
--   24V, 24 volts, 3.3 V, 0.4mm → 24v, 24v, 3p3v, 0p4mm       (number + unit as one word)
-- Changing the tsvector re-indexes every chunk (the generated column is recomputed when it is
-- re-added) and the BM25 document frequencies are rebuilt below: no re-ingestion is needed.

CREATE OR REPLACE FUNCTION kb_tech_terms(t text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $fn$
  SELECT concat_ws(' ',
    (SELECT string_agg(regexp_replace(m[1], '[-_]', '', 'g'), ' ')
       FROM regexp_matches(t, '([A-Za-z0-9]+(?:[-_][A-Za-z0-9]+)+)', 'g') AS m),
    (SELECT string_agg(regexp_replace(m[1], '([a-z0-9])([A-Z])', '\1 \2', 'g'), ' ')
       FROM regexp_matches(t, '([A-Za-z0-9]*[a-z][A-Z][A-Za-z0-9]*)', 'g') AS m),
    (SELECT string_agg(regexp_replace(m[1], '/+', ' ', 'g'), ' ')
       FROM regexp_matches(t, '([^[:space:]/]*/[^[:space:]]+)', 'g') AS m),
    (SELECT string_agg(replace(m[1], '.', 'p') || CASE
         WHEN u ~ '^volt' THEN 'v' WHEN u ~ '^millimet' THEN 'mm' WHEN u ~ '^amp' THEN 'a'
         WHEN u ~ '^ohm' THEN 'ohm' WHEN u = 'hertz' THEN 'hz' WHEN u ~ '^millisecond' THEN 'ms'
         WHEN u = 'celsius' THEN 'c' ELSE u END, ' ')
       FROM regexp_matches(lower(t),
         '([0-9]+(?:\.[0-9]+)?)(?: ?(volts?|v|millimet(?:er|re)s?|mm|amps?|amperes?|ohms?|hertz|hz|khz|milliseconds?|ms|celsius)|(a|c))(?![a-z0-9])', 'g') AS m,
         LATERAL coalesce(m[2], m[3]) AS u)
  )
$fn$;

DROP INDEX IF EXISTS kb_chunks_tsv_idx;
ALTER TABLE kb_chunks DROP COLUMN IF EXISTS tsv;
ALTER TABLE kb_chunks ADD COLUMN tsv TSVECTOR GENERATED ALWAYS AS (
  setweight(to_tsvector('english', doc_title || ' ' || coalesce(kb_tech_terms(doc_title), '')), 'A') ||
  setweight(to_tsvector('english', heading_text || ' ' || coalesce(kb_tech_terms(heading_text), '')), 'B') ||
  setweight(to_tsvector('english', text || ' ' || coalesce(kb_tech_terms(text), '')), 'D')) STORED;
-- As in 0003: the tsvector stays in the heap row, and the GIN index has no pending list.
ALTER TABLE kb_chunks ALTER COLUMN tsv SET STORAGE MAIN;
CREATE INDEX IF NOT EXISTS kb_chunks_tsv_idx ON kb_chunks USING gin (tsv) WITH (fastupdate = off);

-- Document frequencies from the new tsvectors (what refreshScopeStats does after an ingestion).
DO $do$
DECLARE s BIGINT;
BEGIN
  FOR s IN SELECT id FROM kb_scopes LOOP
    DELETE FROM kb_terms WHERE scope_id = s;
    EXECUTE format('INSERT INTO kb_terms (scope_id, lexeme, ndoc) SELECT %s, word, ndoc FROM ts_stat(%L)',
      s, format('SELECT tsv FROM kb_chunks WHERE scope_id = %s', s));
  END LOOP;
END $do$;
