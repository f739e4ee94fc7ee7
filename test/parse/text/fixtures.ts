/** The captures of test/parse/text/capture.sh: text and JSON forms of one lab state. */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/text');

export function fixture(name: string): string {
  return readFileSync(path.join(FIXTURES, name), 'utf8');
}

export function fixtureNames(): string[] {
  return readdirSync(FIXTURES).sort();
}

/** Records without their evidence (line numbers and line texts differ between the forms by nature). */
export function withoutEvidence<T>(records: T[]): Omit<T, 'line' | 'text'>[] {
  return records.map((r) => {
    const { line: _line, text: _text, ...rest } = r as T & { line: unknown; text: unknown };
    return rest as Omit<T, 'line' | 'text'>;
  });
}
