/**
 * One parser per source and form: a stored source says which form its text is in (`format`, set where a
 * raw-output directory or a sosreport held another form than the collectors take), and the model reads
 * it with that form's parser. A form the source has no parser for is refused, located at the source.
 */
import { fail, type ParseInput, type Parsed } from '../parse/common.js';
import { parseIptablesList, type IptablesList } from '../parse/text/iptables-list.js';
import type { IptTable } from '../parse/types.js';
import { ListingSplitError, splitTableListings } from '../snapshot/iptables-list-files.js';
import type { Source } from '../snapshot/schema.js';
import { type SourceFormat, type SourceId, storedFormat } from '../snapshot/sources.js';

export type SourceParser<T> = (input: ParseInput) => Parsed<T>;

/** The parser of the form `source` is stored in. */
export function parserForForm<T>(id: SourceId, source: Source | undefined, parsers: Partial<Record<SourceFormat, SourceParser<T>>>): SourceParser<T> {
  const format = source === undefined ? undefined : storedFormat(id, source);
  const parser = format === undefined ? undefined : parsers[format];
  if (parser) return parser;
  return (input) => fail(input, `stored in the ${format} form, which netaudit cannot read for ${id}`, undefined, `forms read: ${Object.keys(parsers).join(', ')}`);
}

/**
 * The `iptables-list` form: the listings of several tables (iptables-list-files.ts), each parsed by the
 * list parser at its own lines, joined into one ruleset marked `listForm`.
 */
export function parseIptablesListings(family: 4 | 6): SourceParser<IptablesList> {
  return (input) => {
    let listings;
    try {
      listings = splitTableListings(input.text);
    } catch (err) {
      if (err instanceof ListingSplitError) fail(input, err.message, err.line, 'expected `iptables -L` listings, each after a line `==> table NAME: FILE <==`');
      throw err;
    }
    const tables: IptTable[] = [];
    const notes: Parsed<IptablesList>['notes'] = [];
    for (const listing of listings) {
      // Blank lines in front keep every line number the one it has in the stored text.
      const text = '\n'.repeat(listing.firstLine - 1) + listing.text;
      const parsed = parseIptablesList({ source: input.source, text }, { table: listing.table, family });
      tables.push(...parsed.value.tables);
      notes.push(...parsed.notes);
    }
    return { value: { family: family === 6 ? 'ipv6' : 'ipv4', tables, warnings: [], listForm: true }, notes };
  };
}
