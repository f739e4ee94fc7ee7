/** What `netaudit rules` does: the rule catalog (built-in rules plus each --rules DIR) as a table or as JSON. */
import { loadRuleCatalog } from '../../engine/catalog.js';
import { ExitCode } from '../../errors.js';
import { formatRuleTable, formatRulesJson } from '../../report/rule-list.js';
import { writeOutput } from '../output.js';
import type { CliIo } from '../program.js';

export async function runRulesCommand(format: 'text' | 'json', ruleDirs: string[], io: CliIo, output?: string): Promise<number> {
  const catalog = await loadRuleCatalog(ruleDirs);
  const metas = catalog.rules.map((r) => r.meta);
  await writeOutput(io, output, format === 'json' ? formatRulesJson(metas) : formatRuleTable(metas), 'the rule list');
  return ExitCode.ok;
}
