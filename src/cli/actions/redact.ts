/**
 * What `netaudit redact` does: load the input, redact it with the key (made when the key file does not
 * exist), write the snapshot 0600 and the key file 0600 (tokens included); or, with --reveal, map one value back.
 */
import { access } from 'node:fs/promises';
import { ExitCode, UsageError } from '../../errors.js';
import { printableLine } from '../../report/escape.js';
import { newKey, readKeyFile, writeKeyFile, type RedactKey } from '../../redact/key.js';
import { revealValue } from '../../redact/reveal.js';
import { redactSnapshot } from '../../redact/snapshot.js';
import { loadInput } from '../../snapshot/load.js';
import { saveSnapshot } from '../../snapshot/save.js';
import type { RedactFlags } from '../commands/redact.js';
import type { CliIo } from '../program.js';

export async function runRedactCommand(input: string | undefined, flags: RedactFlags, io: CliIo): Promise<number> {
  if (flags.reveal !== undefined) return reveal(input, flags, io);
  if (input === undefined) throw new UsageError('redact needs an INPUT (a snapshot or raw-output directory), or --reveal VALUE');
  const output = flags.output ?? '-';
  const keyFile = flags.keyFile ?? (output === '-' ? undefined : `${output.replace(/\.gz$/, '').replace(/\.json$/, '')}.key`);
  if (keyFile !== undefined && keyFile === output) throw new UsageError('--key-file and --output name the same file');

  const loaded = await loadInput(input);
  for (const note of loaded.notes) io.stderr(`netaudit: ${printableLine(`${loaded.label}: ${note}`)}\n`);
  const key = keyFile !== undefined && (await exists(keyFile)) ? await readKeyFile(keyFile) : newKey();
  const { snapshot, dropped } = redactSnapshot(loaded.snapshot, key, { redactInterfaces: flags.redactInterfaces === true });
  await saveSnapshot(snapshot, output);
  if (keyFile !== undefined) await writeKeyFile(keyFile, key);
  for (const line of dropped) io.stderr(`netaudit: redact: ${printableLine(line)}\n`);
  if (keyFile === undefined) io.stderr('netaudit: redact: no --key-file: the key was not kept, so this snapshot\'s values cannot be revealed\n');
  else if (output !== '-') io.stderr(`netaudit: redact: wrote ${printableLine(output)}; the key is in ${printableLine(keyFile)} (keep it, do not attach it)\n`);
  return ExitCode.ok;
}

async function reveal(input: string | undefined, flags: RedactFlags, io: CliIo): Promise<number> {
  if (input !== undefined) throw new UsageError('--reveal takes no INPUT, only the value and --key-file');
  if (flags.keyFile === undefined) throw new UsageError('--reveal needs --key-file, the key the snapshot was redacted with');
  const key: RedactKey = await readKeyFile(flags.keyFile);
  const original = revealValue(flags.reveal!, key);
  if (original === undefined) {
    throw new UsageError(`${printableLine(flags.reveal!)} is not an address, network, MAC or token this key made`);
  }
  io.stdout(`${original}\n`);
  return ExitCode.ok;
}

async function exists(file: string): Promise<boolean> {
  try {
    await access(file);
    return true;
  } catch {
    return false;
  }
}
