/** What `netaudit baseline INPUT...` does: audit each input and write the fingerprints of its findings. */
import { selectRules } from '../../engine/audit.js';
import { loadRuleCatalog } from '../../engine/catalog.js';
import { ExitCode } from '../../errors.js';
import { baselineOf, formatBaseline } from '../../gate/baseline.js';
import { printableLine } from '../../report/escape.js';
import { auditInputs } from '../audit-inputs.js';
import type { BaselineFlags } from '../commands/baseline.js';
import { writeOutput } from '../output.js';
import type { CliIo } from '../program.js';

export async function runBaselineCommand(inputs: string[], flags: BaselineFlags, io: CliIo): Promise<number> {
  const catalog = await loadRuleCatalog(flags.rules ?? []);
  const selection = { disable: flags.disable ?? [], only: flags.only ?? [], strictParse: false };
  selectRules(catalog, selection);
  const { audited, failures } = await auditInputs(inputs, catalog, selection, io);
  const problems = [...failures, ...audited.flatMap((a) => a.unreadable.map((m) => `unreadable source, its rules were skipped: ${m}`))];
  if (audited.length > 0) {
    const baseline = baselineOf(audited);
    await writeOutput(io, flags.output, formatBaseline(baseline), 'the baseline');
    const where = flags.output === undefined || flags.output === '-' ? 'stdout' : flags.output;
    io.stderr(`netaudit: baseline of ${baseline.findings.length} finding(s) from ${audited.length} input(s) written to ${where}\n`);
  }
  for (const message of problems) io.stderr(`netaudit: ${printableLine(message)}\n`);
  return problems.length > 0 ? ExitCode.badInput : ExitCode.ok;
}
