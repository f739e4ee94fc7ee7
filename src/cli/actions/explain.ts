/** What `netaudit explain ID` does: a rule's rationale, remediation, references, conditions and the facts it reads. */
import { loadRuleCatalog } from '../../engine/catalog.js';
import { FACT_DOCS } from '../../engine/facts/index.js';
import { ExitCode, UsageError } from '../../errors.js';
import { explainRule } from '../../report/explain.js';
import type { CliIo } from '../program.js';

export async function runExplainCommand(id: string, ruleDirs: string[], io: CliIo): Promise<number> {
  const catalog = await loadRuleCatalog(ruleDirs);
  const rule = catalog.byId.get(id);
  if (!rule) throw new UsageError(`no rule with id ${id}`, {}, '`netaudit rules` lists them');
  io.stdout(explainRule(rule, FACT_DOCS, id));
  return ExitCode.ok;
}
