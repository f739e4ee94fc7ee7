/**
 * `netaudit rules`: the rule catalog (built-in rules plus each --rules DIR) as a table or as JSON.
 */
import { Option } from 'commander';
import { loadRuleCatalog } from '../../engine/catalog.js';
import { ExitCode } from '../../errors.js';
import { formatRuleTable, formatRulesJson } from '../../report/rule-list.js';
import type { CliIo, RegisterCommand } from '../program.js';

const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

export const registerRules: RegisterCommand = (program, io, setExitCode) => {
  program
    .command('rules')
    .description('List the rules: built-in ones and those of each --rules DIR')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .option('--rules <dir>', 'also load rule files from DIR (repeatable)', collect)
    .action(async (opts: { format: 'text' | 'json'; rules?: string[] }) => {
      setExitCode(await runRulesCommand(opts.format, opts.rules ?? [], io));
    });
};

export async function runRulesCommand(format: 'text' | 'json', ruleDirs: string[], io: CliIo): Promise<number> {
  const catalog = await loadRuleCatalog(ruleDirs);
  const metas = catalog.rules.map((r) => r.meta);
  io.stdout(format === 'json' ? formatRulesJson(metas) : formatRuleTable(metas));
  return ExitCode.ok;
}
