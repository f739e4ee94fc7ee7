import { clip, fail, type ParseInput } from '../common.js';
import type { PasteLine } from './paste.js';

/** Set an optional field only when the input had it, so records carry no `key: undefined` (as the JSON parsers do). */
export function put<T, K extends keyof T>(target: T, key: K, value: T[K] | undefined): void {
  if (value !== undefined) target[key] = value;
}

/**
 * The value of the keyword at `words[at]`: the word after it, or a located error naming the keyword when the
 * line ends there (`dev` with nothing after it).
 */
export function keywordValue(words: readonly string[], at: number, input: ParseInput, line: PasteLine, expected: string): string {
  const value = words[at + 1];
  if (value === undefined) fail(input, `"${words[at]}" without a value: ${clip(line.text)}`, line.line, expected);
  return value;
}
