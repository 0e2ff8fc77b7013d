import { convert, type FormatCallback } from 'html-to-text';

const heading = (level: number): FormatCallback => (elem, walk, builder) => {
  builder.openBlock({ leadingLineBreaks: 2 });
  builder.addLiteral(`${'#'.repeat(level)} `);
  walk(elem.children, builder);
  builder.closeBlock({ trailingLineBreaks: 2 });
};

/** `<pre>` as a fenced block, so `#` lines in code never become headings. */
const fencedPre: FormatCallback = (elem, walk, builder) => {
  builder.openBlock({ leadingLineBreaks: 2 });
  builder.addLiteral('```');
  builder.closeBlock({ trailingLineBreaks: 1 });
  builder.openBlock({ isPre: true, leadingLineBreaks: 0 });
  walk(elem.children, builder);
  builder.closeBlock({ trailingLineBreaks: 1 });
  builder.openBlock({ leadingLineBreaks: 0 });
  builder.addLiteral('```');
  builder.closeBlock({ trailingLineBreaks: 2 });
};

export interface HtmlText {
  title: string | null;
  markdown: string;
}

/** HTML to Markdown-like text (headings as `#` lines) via html-to-text; scripts, styles, nav and images dropped. */
export function extractHtml(html: string): HtmlText {
  const titleMatch = /<title[^>]*>([\s\S]*?)<\/title>/i.exec(html);
  const title = titleMatch ? convert(titleMatch[1]!, { wordwrap: false }).trim() || null : null;
  const markdown = convert(html, {
    wordwrap: false,
    formatters: { h1: heading(1), h2: heading(2), h3: heading(3), h4: heading(4), h5: heading(5), h6: heading(6), fencedPre },
    selectors: [
      { selector: 'h1', format: 'h1' }, { selector: 'h2', format: 'h2' }, { selector: 'h3', format: 'h3' },
      { selector: 'h4', format: 'h4' }, { selector: 'h5', format: 'h5' }, { selector: 'h6', format: 'h6' },
      { selector: 'pre', format: 'fencedPre' },
      { selector: 'a', options: { ignoreHref: true } },
      { selector: 'img', format: 'skip' },
      { selector: 'nav', format: 'skip' },
      { selector: 'script', format: 'skip' },
      { selector: 'style', format: 'skip' },
      { selector: 'head', format: 'skip' },
      { selector: 'table', format: 'dataTable' },
    ],
  });
  return { title, markdown };
}
