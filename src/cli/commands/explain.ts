/**
 * `netaudit explain ID`: a rule's rationale, remediation, references, conditions and the facts it reads.
 */
import { loadRuleCatalog } from '../../engine/catalog.js';
import { FACT_DOCS } from '../../engine/facts/index.js';
import { ExitCode, UsageError } from '../../errors.js';
import { explainRule } from '../../report/explain.js';
import type { CliIo, RegisterCommand } from '../program.js';

const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

export const registerExplain: RegisterCommand = (program, io, setExitCode) => {
  program
    .command('explain')
    .description('Explain a rule: what it checks, why it matters, how to fix it, which facts it reads')
    .argument('<id>', 'rule id (see `netaudit rules`)')
    .option('--rules <dir>', 'also load rule files from DIR (repeatable)', collect)
    .action(async (id: string, opts: { rules?: string[] }) => {
      setExitCode(await runExplainCommand(id, opts.rules ?? [], io));
    });
};

export async function runExplainCommand(id: string, ruleDirs: string[], io: CliIo): Promise<number> {
  const catalog = await loadRuleCatalog(ruleDirs);
  const rule = catalog.byId.get(id);
  if (!rule) throw new UsageError(`no rule with id ${id}`, {}, '`netaudit rules` lists them');
  io.stdout(explainRule(rule, FACT_DOCS, id));
  return ExitCode.ok;
}
