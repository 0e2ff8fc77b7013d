-- Which model answered, for either engine (#15). The local engine records the GGUF file's sha256 in
-- model_sha256 (0001); a remote OpenAI-compatible engine (vLLM, SGLang, TensorRT-LLM) has no file
-- we can hash, so every answer also records `<engine>:<model id>`: `llama:<file name>` or
-- `openai:<id from the server's /v1/models>`.
ALTER TABLE messages ADD COLUMN IF NOT EXISTS model_id TEXT;
