/** What `netaudit show INPUT` does: print the host model of a snapshot; an unreadable source makes it exit 2. */
import { ExitCode } from '../../errors.js';
import { buildHost } from '../../model/build.js';
import { parseEveryRule } from '../../model/unreadable.js';
import { printableLine } from '../../report/escape.js';
import { renderShowText } from '../../show/text.js';
import { hostView } from '../../show/view.js';
import { IMPORT_COLLECTOR_NAME } from '../../snapshot/import.js';
import { loadInput } from '../../snapshot/load.js';
import type { CliIo } from '../program.js';
import { writeOutput } from '../output.js';
import { unreadableSources } from '../unreadable.js';

export async function runShowCommand(input: string, format: 'text' | 'json' | 'html', output: string | undefined, io: CliIo): Promise<number> {
  const loaded = await loadInput(input);
  const host = buildHost(loaded.snapshot);
  // show is the look at everything: every rule is read, so a malformed one shows as an unreadable source.
  parseEveryRule(host);
  const view = hostView(host);
  for (const note of loaded.notes) io.stderr(`netaudit: ${loaded.label}: ${note}\n`);
  // The HTML renderer is loaded only for --format html.
  const html = format === 'html' ? (await import('../../report/html/index.js')).formatHtmlShow(view, loaded.label) : undefined;
  await writeOutput(io, output, format === 'json' ? `${JSON.stringify(view, null, 2)}\n` : (html ?? renderShowText(view)), 'the host model');
  // The model shows the source as unreadable; the exit code says the host was not seen whole, as audit's does.
  const unreadable = unreadableSources(host, { label: loaded.label, rawDirectory: loaded.snapshot.meta.collector.name === IMPORT_COLLECTOR_NAME });
  for (const message of unreadable) io.stderr(`netaudit: unreadable source: ${printableLine(message)}\n`);
  return unreadable.length > 0 ? ExitCode.badInput : ExitCode.ok;
}
