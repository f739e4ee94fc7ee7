/**
 * Whether this machine can load native nftables rulesets in a lab namespace: the lab itself (support.ts),
 * `nft`, and `nft -f` working inside a namespace. Checked once per test file, so nft suites skip visibly.
 */
import { inNetns, runSync } from './run.js';
import { labSupport, type LabSupport } from './support.js';

let cached: LabSupport | undefined;

export function nftLabSupport(): LabSupport {
  if (cached) return cached;
  const lab = labSupport();
  if (!lab.ok) return (cached = lab);
  if (runSync(['sh', '-c', 'command -v nft']).code !== 0) return (cached = { ok: false, reason: 'missing tool: nft (Debian package nftables)' });
  const name = `naprobenft${process.pid}`;
  runSync(['ip', 'netns', 'del', name]);
  if (runSync(['ip', 'netns', 'add', name]).code !== 0) return (cached = { ok: false, reason: '`ip netns add` failed' });
  try {
    const load = runSync(inNetns(name, ['nft', '-f', '-']), { input: 'table inet probe {\n\tchain forward {\n\t\ttype filter hook forward priority filter; policy accept;\n\t}\n}\n' });
    if (load.code !== 0) return (cached = { ok: false, reason: `nft -f does not work inside a namespace (${load.stderr.trim().split('\n')[0] ?? ''})` });
    return (cached = { ok: true });
  } finally {
    runSync(['ip', 'netns', 'del', name]);
  }
}

/** The tools of `tools` this machine lacks. */
export function missingTools(tools: readonly string[]): string[] {
  return tools.filter((tool) => runSync(['sh', '-c', `command -v ${tool}`]).code !== 0);
}
