/** Where a command's output goes: stdout, or the file of -o/--output ("-" is stdout too). */
import { writeFile } from 'node:fs/promises';
import { InputError } from '../errors.js';
import { systemMessage } from '../snapshot/read-bytes.js';
import type { CliIo } from './program.js';

export async function writeOutput(io: CliIo, file: string | undefined, text: string, what: string): Promise<void> {
  if (file === undefined || file === '-') {
    io.stdout(text);
    return;
  }
  try {
    await writeFile(file, text);
  } catch (err) {
    throw new InputError(`cannot write ${what}: ${systemMessage(err)}`, { file });
  }
}
