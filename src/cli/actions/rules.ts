/** What `netaudit rules` does: the rule catalog (built-in rules plus each --rules DIR) as a table or as JSON. */
import { loadRuleCatalog } from '../../engine/catalog.js';
import { ExitCode } from '../../errors.js';
import { formatRuleTable, formatRulesJson } from '../../report/rule-list.js';
import type { CliIo } from '../program.js';

export async function runRulesCommand(format: 'text' | 'json', ruleDirs: string[], io: CliIo): Promise<number> {
  const catalog = await loadRuleCatalog(ruleDirs);
  const metas = catalog.rules.map((r) => r.meta);
  io.stdout(format === 'json' ? formatRulesJson(metas) : formatRuleTable(metas));
  return ExitCode.ok;
}
