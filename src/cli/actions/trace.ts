/** What `netaudit trace` does: load the snapshot, walk the packet and its reply, print the path. */
import { causeOf, dropStep } from '../../analysis/path/cause.js';
import { trace, TraceQueryError, type TraceQuery } from '../../analysis/path/trace.js';
import { runAudit } from '../../engine/audit.js';
import { loadRuleCatalog } from '../../engine/catalog.js';
import { ExitCode, UsageError } from '../../errors.js';
import { buildHost } from '../../model/build.js';
import { withOrigins } from '../../model/evidence-origin.js';
import type { AuditResult } from '../../engine/types.js';
import { formatTraceJson, formatTraceText } from '../../report/trace.js';
import { loadInput } from '../../snapshot/load.js';
import type { TraceFlags } from '../commands/trace.js';
import { writeOutput } from '../output.js';
import type { CliIo } from '../program.js';

export async function runTraceCommand(input: string, flags: TraceFlags, io: CliIo): Promise<number> {
  const loaded = await loadInput(input);
  const host = buildHost(loaded.snapshot);
  for (const note of loaded.notes) io.stderr(`netaudit: ${loaded.label}: ${note}\n`);
  const protocol = flags.proto ?? (flags.dport === undefined ? 'icmp' : 'tcp');
  if (protocol === 'icmp' && flags.dport !== undefined) throw new UsageError('--dport goes with --proto tcp or udp');
  const query: TraceQuery = { from: flags.from, to: flags.to, protocol, oneWay: flags.oneWay === true };
  if (flags.dport !== undefined) query.dport = flags.dport;
  if (flags.sport !== undefined) query.sport = flags.sport;
  if (flags.in !== undefined) query.in = flags.in;
  let result;
  try {
    result = trace(host, query);
  } catch (err) {
    if (err instanceof TraceQueryError) throw new UsageError(err.message);
    throw err;
  }
  // Lines of a joined source (iptables -L of each table) also name their file and its line.
  for (const leg of [result.request, result.reply]) for (const step of leg?.steps ?? []) step.evidence = withOrigins(host, step.evidence);
  const dropped = dropStep(result.reply ?? result.request);
  let audit: AuditResult | undefined;
  if (dropped) {
    // The audit's name for the cause, and its fix: the finding that quotes the line the packet died at.
    audit = await runAudit(host, await loadRuleCatalog(), { input: loaded.label });
    const cause = causeOf(dropped, audit.findings);
    if (cause) result.cause = cause;
  }
  let text: string;
  if (flags.format === 'html') {
    // The host view and the HTML renderer are loaded only for --format html.
    const [{ hostView }, { formatHtmlTrace }] = await Promise.all([import('../../show/view.js'), import('../../report/html/index.js')]);
    text = formatHtmlTrace(hostView(host), result, loaded.label, audit);
  } else text = flags.format === 'json' ? formatTraceJson(result, loaded.label) : formatTraceText(result, loaded.label);
  await writeOutput(io, flags.output, text, 'the trace');
  return result.verdict === 'delivered' ? ExitCode.ok : ExitCode.findings;
}
