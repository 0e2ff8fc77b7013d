import { extractTextItems, getDocumentProxy, getMeta } from 'unpdf';

export interface PdfText {
  title: string | null;
  /** Markdown-like text: lines set in a larger font become `#` headings. */
  markdown: string;
  pages: number;
}

interface Line {
  text: string;
  size: number;
}

/**
 * PDF text via unpdf (pdf.js, no native code). Equipment manuals carry their structure in font
 * sizes only, so lines set clearly larger than the body text become headings (the largest size
 * level 1, and so on, three levels at most). A PDF with no such lines gets one section per page.
 */
export async function extractPdf(data: Uint8Array): Promise<PdfText> {
  const pdf = await getDocumentProxy(new Uint8Array(data), { verbosity: 0 }); // 0 = errors only: no console noise
  try {
    const meta = await getMeta(pdf).catch(() => null);
    const { items, totalPages } = await extractTextItems(pdf);
    const pages: Line[][] = items.map((pageItems) => {
      const lines: Line[] = [];
      let cur: Line = { text: '', size: 0 };
      for (const it of pageItems) {
        cur.text += it.str;
        if (it.str.trim()) cur.size = Math.max(cur.size, Math.round(it.fontSize * 10) / 10);
        if (it.hasEOL) {
          lines.push(cur);
          cur = { text: '', size: 0 };
        }
      }
      if (cur.text.trim()) lines.push(cur);
      return lines.map((l) => ({ text: l.text.replace(/\s+/g, ' ').trim(), size: l.size })).filter((l) => l.text);
    });
    // Body size: the font size carrying the most characters.
    const weight = new Map<number, number>();
    for (const l of pages.flat()) weight.set(l.size, (weight.get(l.size) ?? 0) + l.text.length);
    const body = [...weight.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? 0;
    const headingSizes = [...weight.keys()].filter((s) => s >= body * 1.15).sort((a, b) => b - a).slice(0, 3);
    const levelOf = (l: Line) => (l.text.length <= 120 ? headingSizes.indexOf(l.size) + 1 : 0);
    const out: string[] = [];
    const hasHeadings = headingSizes.length > 0 && pages.flat().some((l) => levelOf(l) > 0);
    pages.forEach((lines, i) => {
      if (!hasHeadings) out.push(`# Page ${i + 1}`, '');
      for (const l of lines) {
        const level = hasHeadings ? levelOf(l) : 0;
        out.push(level > 0 ? `\n${'#'.repeat(level)} ${l.text}\n` : l.text);
      }
      out.push('');
    });
    const title = typeof meta?.info?.Title === 'string' && meta.info.Title.trim() ? meta.info.Title.trim() : null;
    return { title, markdown: out.join('\n'), pages: totalPages };
  } finally {
    await pdf.destroy().catch(() => {});
  }
}
