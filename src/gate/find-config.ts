/**
 * Finding the `.netaudit` config file: the first one from the working directory upward. Kept apart from
 * reading it (config.ts), which needs zod and ajv: an audit with no gate file to read loads neither.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';

export const CONFIG_FILE_NAME = '.netaudit';

/** The nearest `.netaudit` file in `dir` or a folder above it. */
export async function findConfig(dir: string): Promise<string | undefined> {
  for (let current = path.resolve(dir); ; current = path.dirname(current)) {
    const candidate = path.join(current, CONFIG_FILE_NAME);
    try {
      if ((await stat(candidate)).isFile()) return candidate;
    } catch {
      // Not here: look one folder up.
    }
    if (path.dirname(current) === current) return undefined;
  }
}
