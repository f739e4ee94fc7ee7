/**
 * Small Markdown helpers for the generated docs.
 */

/** A table cell: pipes escaped, line breaks folded, so rule text cannot break the table. */
export function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

export function table(head: readonly string[], rows: readonly (readonly string[])[]): string[] {
  return [
    `| ${head.join(' | ')} |`,
    `| ${head.map(() => '---').join(' | ')} |`,
    ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`),
  ];
}

/** Inline code that survives backticks inside the text. */
export function code(text: string): string {
  const fence = text.includes('`') ? '``' : '`';
  const pad = text.startsWith('`') || text.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${text}${pad}${fence}`;
}

export function fenced(language: string, body: string): string[] {
  const fence = body.includes('```') ? '````' : '```';
  return [`${fence}${language}`, body.replace(/\n$/, ''), fence];
}

/**
 * Plain text (rule rationale, fact descriptions) as Markdown that renders as written: "conf.<if>.forwarding"
 * must not become an HTML tag, "cali*, cilium_*" must not turn italic. `code spans` the authors wrote stay.
 */
export function mdText(text: string): string {
  return text
    .split(/(`[^`\n]+`)/)
    .map((part, i) => (i % 2 === 1 ? part : part.replace(/[\\`*_<>[\]]/g, (ch) => `\\${ch}`)))
    .join('');
}
