import { writeFileSync } from 'node:fs';

/**
 * Writes small GGUF LoRA adapters for tests, in the layout llama.cpp's `convert_lora_to_gguf.py`
 * writes and `llama_adapter_lora_init` reads (see shared/reference/proofs/make-lora-test.py):
 * `general.type = adapter`, `general.architecture`, `adapter.type = lora`, `adapter.lora.alpha`,
 * and for each adapted base tensor W (GGML ne = [n_in, n_out]) a pair `<W>.lora_a` (ne [n_in, rank])
 * and `<W>.lora_b` (ne [rank, n_out]), so that W'x = Wx + scale·(alpha/rank)·B(Ax). F32 only.
 * Format: https://github.com/ggml-org/ggml/blob/master/docs/gguf.md (version 3, alignment 32).
 */
export interface LoraPair {
  /** Base tensor name, e.g. `output.weight`. */
  target: string;
  /** Rows of A (rank × n_in), row-major: rank rows of n_in values. */
  a: Float32Array;
  /** B (n_out × rank), row-major: n_out rows of rank values. */
  b: Float32Array;
  nIn: number;
  nOut: number;
  rank: number;
}

export interface LoraFileOptions {
  architecture: string;
  /** `adapter.lora.alpha`; llama.cpp multiplies the delta by scale × alpha / rank. Defaults to the rank. */
  alpha?: number;
  name: string;
  pairs: LoraPair[];
}

const ALIGN = 32;
const T_UINT32 = 4;
const T_FLOAT32 = 6;
const T_STRING = 8;
const GGML_F32 = 0;

class Writer {
  private readonly parts: Buffer[] = [];
  size = 0;
  push(b: Buffer) {
    this.parts.push(b);
    this.size += b.length;
  }
  u32(v: number) {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(v);
    this.push(b);
  }
  u64(v: number) {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt(v));
    this.push(b);
  }
  f32(v: number) {
    const b = Buffer.alloc(4);
    b.writeFloatLE(v);
    this.push(b);
  }
  str(s: string) {
    const b = Buffer.from(s, 'utf8');
    this.u64(b.length);
    this.push(b);
  }
  pad() {
    const n = (ALIGN - (this.size % ALIGN)) % ALIGN;
    if (n) this.push(Buffer.alloc(n));
  }
  bytes() {
    return Buffer.concat(this.parts);
  }
}

/** Builds the adapter file's bytes (deterministic: same input, same bytes). */
export function loraGgufBytes(o: LoraFileOptions): Buffer {
  const tensors = o.pairs.flatMap((p) => {
    if (p.a.length !== p.rank * p.nIn || p.b.length !== p.nOut * p.rank) throw new Error(`${p.target}: A or B has the wrong size`);
    return [
      { name: `${p.target}.lora_a`, ne: [p.nIn, p.rank], data: p.a },
      { name: `${p.target}.lora_b`, ne: [p.rank, p.nOut], data: p.b },
    ];
  });
  const rank = o.pairs[0]?.rank ?? 1;
  const w = new Writer();
  w.push(Buffer.from('GGUF', 'ascii'));
  w.u32(3);
  w.u64(tensors.length);
  const kv: Array<[string, number, () => void]> = [
    ['general.architecture', T_STRING, () => w.str(o.architecture)],
    ['general.type', T_STRING, () => w.str('adapter')],
    ['general.name', T_STRING, () => w.str(o.name)],
    ['adapter.type', T_STRING, () => w.str('lora')],
    ['adapter.lora.alpha', T_FLOAT32, () => w.f32(o.alpha ?? rank)],
    ['general.alignment', T_UINT32, () => w.u32(ALIGN)],
  ];
  w.u64(kv.length);
  for (const [key, type, value] of kv) {
    w.str(key);
    w.u32(type);
    value();
  }
  let offset = 0;
  for (const t of tensors) {
    w.str(t.name);
    w.u32(t.ne.length);
    for (const d of t.ne) w.u64(d);
    w.u32(GGML_F32);
    w.u64(offset);
    offset += Math.ceil((t.data.length * 4) / ALIGN) * ALIGN;
  }
  w.pad();
  for (const t of tensors) {
    w.push(Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength));
    w.pad();
  }
  return w.bytes();
}

export function writeLoraGguf(file: string, o: LoraFileOptions): void {
  writeFileSync(file, loraGgufBytes(o));
}
