/**
 * The `iptables -L` form of an iptables source is one listing per table (`iptables-L-nat.txt`,
 * `iptables_-t_nat_-nvL` in a sosreport). A snapshot stores a source as one text, so the listings are
 * joined, each headed by a line naming its table and the file it came from:
 *
 *     ==> table nat: iptables-L-nat.txt <==
 *     Chain PREROUTING (policy ACCEPT 0 packets, 0 bytes)
 *     ...
 *
 * (the header `head` and `tail` print between files). Each listing keeps its own lines after its header,
 * so evidence lines point into the stored text.
 */
import type { RawForm } from './sources.js';

export interface TableListing {
  table: string;
  /** The file the listing came from, as the header names it. */
  origin: string;
  text: string;
}

/** One listing of a stored source: its table, and the line (1-based) its first line has in the stored text. */
export interface StoredListing extends TableListing {
  firstLine: number;
}

const TABLE_NAME = /^[A-Za-z0-9_]{1,32}$/;
const HEADER = /^==> table ([A-Za-z0-9_]{1,32}): (.*) <==$/;

export function isTableName(name: string): boolean {
  return TABLE_NAME.test(name);
}

/** The table a per-table raw file holds (`iptables-L-nat.txt` → nat, `iptables-L.txt` → filter), or undefined. */
export function tableOfRawFile(form: RawForm, fileName: string): string | undefined {
  if (!form.perTable) return undefined;
  if (fileName === form.perTable.singleFile) return 'filter';
  const [prefix, suffix] = form.rawFile.split('<table>') as [string, string];
  if (!fileName.startsWith(prefix) || !fileName.endsWith(suffix) || fileName.length <= prefix.length + suffix.length) return undefined;
  const table = fileName.slice(prefix.length, fileName.length - suffix.length);
  return isTableName(table) ? table : undefined;
}

/** The stored text of several listings: each after its header line, in the order given. */
export function joinTableListings(listings: readonly TableListing[]): string {
  return listings.map((l) => `==> table ${l.table}: ${l.origin} <==\n${l.text.endsWith('\n') || l.text === '' ? l.text : `${l.text}\n`}`).join('');
}

export class ListingSplitError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(message);
  }
}

/** The listings of a stored text; text before the first header, or a table listed twice, is refused. */
export function splitTableListings(text: string): StoredListing[] {
  const lines = text.split('\n');
  const listings: StoredListing[] = [];
  let current: { table: string; origin: string; firstLine: number; lines: string[] } | undefined;
  const close = (): void => {
    if (current) listings.push({ table: current.table, origin: current.origin, firstLine: current.firstLine, text: current.lines.join('\n') });
  };
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] as string).replace(/\r$/, '');
    const header = HEADER.exec(line);
    if (header) {
      close();
      const table = header[1] as string;
      if (listings.some((l) => l.table === table)) throw new ListingSplitError(`table ${table} listed twice`, i + 1);
      current = { table, origin: header[2] as string, firstLine: i + 2, lines: [] };
    } else if (current) {
      current.lines.push(lines[i] as string);
    } else if (line.trim() !== '') {
      throw new ListingSplitError('text before the first `==> table NAME: FILE <==` header', i + 1);
    }
  }
  close();
  return listings;
}
