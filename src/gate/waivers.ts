/**
 * Waivers: findings accepted by rule id and a glob on the subject (and optionally the namespace), each with a
 * required reason and an optional last day. An expired waiver suppresses nothing and is reported as expired.
 */
import { InputError } from '../errors.js';
import type { RuleCatalog } from '../engine/catalog.js';
import { WaiverFile, type Waiver } from './files.js';
import { readGateFile } from './read.js';

export interface LoadedWaiver {
  /** The rule's canonical id (the file may name an alias). */
  ruleId: string;
  subject: RegExp;
  namespace?: RegExp;
  reason: string;
  expires?: string;
  expired: boolean;
  /** Where it was written: file and JSON path, for messages. */
  file: string;
  path: string;
  /** The waiver as written, for messages: `rule X on subject Y`. */
  describe: string;
}

/** Today as a UTC day (YYYY-MM-DD): a waiver holds through its `expires` day. */
export function utcToday(now: Date = new Date()): string {
  return now.toISOString().slice(0, 10);
}

export async function readWaiverFile(file: string, catalog: RuleCatalog, today: string): Promise<LoadedWaiver[]> {
  const document = WaiverFile.parse(await readGateFile(file, 'waivers.schema.json', 'waiver file'));
  return loadWaivers(document.waivers, { file, path: '/waivers' }, catalog, today);
}

/** Waivers as a file holds them (a --waivers file or .netaudit), checked against the catalog and the calendar. */
export function loadWaivers(waivers: readonly Waiver[], where: { file: string; path: string }, catalog: RuleCatalog, today: string): LoadedWaiver[] {
  return waivers.map((w, i) => {
    const path = `${where.path}/${i}`;
    const rule = catalog.byId.get(w.rule);
    if (!rule) throw new InputError(`unknown rule id "${w.rule}"`, { file: where.file, path: `${path}/rule` }, '`netaudit rules` lists the rule ids');
    if (w.expires !== undefined && !isCalendarDay(w.expires)) {
      throw new InputError(`"${w.expires}" is not a date`, { file: where.file, path: `${path}/expires` });
    }
    return {
      ruleId: rule.meta.id,
      subject: globToRegExp(w.subject),
      ...(w.namespace === undefined ? {} : { namespace: globToRegExp(w.namespace) }),
      reason: w.reason.trim(),
      ...(w.expires === undefined ? {} : { expires: w.expires }),
      expired: w.expires !== undefined && w.expires < today,
      file: where.file,
      path,
      describe: `rule ${w.rule} on ${w.subject}${w.namespace === undefined ? '' : ` in namespace ${w.namespace}`}`,
    };
  });
}

function isCalendarDay(day: string): boolean {
  const date = new Date(`${day}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === day;
}

/** `*` any run of characters (also `/`), `?` one character, everything else literal; the whole name must match. */
export function globToRegExp(glob: string): RegExp {
  let source = '';
  for (const ch of glob) {
    if (ch === '*') source += '.*';
    else if (ch === '?') source += '.';
    else source += ch.replace(/[\\^$.|+()[\]{}]/g, '\\$&');
  }
  return new RegExp(`^${source}$`, 's');
}
