/** What `netaudit show INPUT` does: print the host model of a snapshot. */
import { ExitCode } from '../../errors.js';
import { buildHost } from '../../model/build.js';
import { parseEveryRule } from '../../model/unreadable.js';
import { renderShowText } from '../../show/text.js';
import { hostView } from '../../show/view.js';
import { loadInput } from '../../snapshot/load.js';
import type { CliIo } from '../program.js';

export async function runShowCommand(input: string, format: 'text' | 'json', io: CliIo): Promise<number> {
  const loaded = await loadInput(input);
  const host = buildHost(loaded.snapshot);
  // show is the look at everything: every rule is read, so a malformed one shows as an unreadable source.
  parseEveryRule(host);
  const view = hostView(host);
  for (const note of loaded.notes) io.stderr(`netaudit: ${loaded.label}: ${note}\n`);
  io.stdout(format === 'json' ? `${JSON.stringify(view, null, 2)}\n` : renderShowText(view));
  return ExitCode.ok;
}
