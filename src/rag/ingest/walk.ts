import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { formatOf } from './extract.js';

export interface FoundFile {
  /** Absolute path on disk. */
  file: string;
  /** Path shown as the source: relative to the folder given, '/'-separated; a file given directly shows its name. */
  source: string;
}

export interface WalkResult {
  files: FoundFile[];
  /** Files inside folders skipped for their type. */
  unsupported: number;
  /** Paths given that could not be read (missing, permission). */
  errors: Array<{ source: string; error: string }>;
}

/** Supported files under the given files and folders (recursively; dot-folders and node_modules skipped), sorted. */
export async function walkInputs(inputs: string[]): Promise<WalkResult> {
  const files: FoundFile[] = [];
  const errors: WalkResult['errors'] = [];
  let unsupported = 0;
  const visit = async (dir: string, base: string): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true });
    for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      const full = path.join(dir, e.name);
      if (e.isDirectory()) {
        if (!e.name.startsWith('.') && e.name !== 'node_modules') await visit(full, base);
      } else if (e.isFile()) {
        if (formatOf(e.name)) files.push({ file: full, source: path.relative(base, full).split(path.sep).join('/') });
        else unsupported++;
      }
    }
  };
  for (const input of inputs) {
    const abs = path.resolve(input);
    try {
      const st = await stat(abs);
      if (st.isDirectory()) await visit(abs, abs);
      else files.push({ file: abs, source: path.basename(abs) });
    } catch (e) {
      errors.push({ source: input, error: `${input}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}` });
    }
  }
  return { files, unsupported, errors };
}
