/**
 * `netaudit diff` for people: each change with the before and after lines that show it (the network's, then
 * the host context's: resolvers, runtimes, device managers, pod network), then the findings the change
 * introduced (with evidence and fix) and those it resolved, then one summary line.
 */
import type { Finding } from '../../engine/types.js';
import type { DiffOutcome } from '../../diff/outcome.js';
import { isHostContextChange, type Change, type ChangeValue } from '../../diff/types.js';
import { clip } from '../../parse/common.js';
import { COLOURS, NO_COLOURS, type Palette } from '../colour.js';
import { describeSubject, plural, severityCounts } from '../describe.js';
import { printable, printableLine } from '../escape.js';
import { diffFails } from './gate.js';

export function formatDiffText(outcome: DiffOutcome, options: { colour?: boolean } = {}): string {
  const c = options.colour ? COLOURS : NO_COLOURS;
  const { before, after, changes, findings } = outcome;
  const host = after.host.hostname ?? before.host.hostname;
  const out = [c.bold(`netaudit diff ${printableLine(before.input)} → ${printableLine(after.input)}${host ? ` (host ${printableLine(host)})` : ''}`), ''];

  const context = changes.filter((change) => isHostContextChange(change));
  const network = changes.filter((change) => !isHostContextChange(change));
  out.push(c.bold(`Changes (${network.length})`));
  if (network.length === 0) out.push('  none');
  for (const change of network) out.push(...formatChange(change, c));
  out.push('');
  if (context.length > 0) {
    out.push(c.bold(`Host context (${context.length})`));
    for (const change of context) out.push(...formatChange(change, c));
    out.push('');
  }

  out.push(c.bold(`Introduced (${findings.introduced.length})`));
  for (const f of findings.introduced) out.push(...formatFinding(f, c), '');
  if (findings.introduced.length === 0) out.push('  none', '');

  out.push(c.bold(`Resolved (${findings.resolved.length})`));
  for (const f of findings.resolved) out.push(`  ✓ ${f.ruleId} on ${printableLine(describeSubject(f.subject))}: ${printableLine(f.message)}`);
  if (findings.resolved.length === 0) out.push('  none');
  out.push('');

  if (findings.notChecked.length > 0) {
    out.push(c.bold(`Not checked after the change (${findings.notChecked.length})`));
    for (const f of findings.notChecked) out.push(`  ? ${f.ruleId} on ${printableLine(describeSubject(f.subject))}: its rule was skipped on ${printableLine(after.input)}`);
    out.push('');
  }

  const introduced = severityCounts({
    errors: findings.introduced.filter((f) => f.severity === 'error').length,
    warnings: findings.introduced.filter((f) => f.severity === 'warning').length,
    infos: findings.introduced.filter((f) => f.severity === 'info').length,
  });
  const verdict = diffFails(outcome) ? c.error('FAILED') : 'passed';
  const threshold = outcome.failOn === 'none' ? 'no threshold' : `fail on ${outcome.failOn}`;
  out.push(
    `${verdict} (${threshold}): ${plural(changes.length, 'change')}; introduced ${introduced}; ` +
      `resolved ${findings.resolved.length}; unchanged ${findings.unchanged.length}`,
  );
  return `${out.join('\n')}\n`;
}

const show = (v: ChangeValue): string => (v === null ? '' : printableLine(String(v)));

/** "+ sysctl net.ipv4.ip_forward = 1", "~ interface.mtu eth0: 1500 → 9000", "- netfilter.rule iptables-save filter/FORWARD: -A FORWARD ...". */
export function changeLine(change: Change): string {
  const where = change.namespace === 'host' ? '' : ` (netns ${printableLine(change.namespace)})`;
  const what = `${change.kind} ${printableLine(change.name)}${where}`;
  if (change.before === null) return `+ ${what}: ${show(change.after)}`;
  if (change.after === null) return `- ${what}: ${show(change.before)}`;
  return `~ ${what}: ${show(change.before)} → ${show(change.after)}`;
}

function formatChange(change: Change, c: Palette): string[] {
  const lines = [`  ${changeLine(change)}`];
  for (const e of change.evidence) {
    lines.push(c.dim(`      ${e.side === 'before' ? 'before' : 'after '} ${printableLine(e.source)}:${e.line}  `) + printableLine(clip(e.text)));
  }
  return lines;
}

function formatFinding(f: Finding, c: Palette): string[] {
  const lines = [`  ${c[f.severity](`[${f.severity}]`)} ${c.bold(f.ruleId)} on ${printableLine(describeSubject(f.subject))}`];
  lines.push(...printable(f.message).split('\n').map((l) => `    ${l}`));
  for (const e of f.evidence) lines.push(c.dim(`      ${printableLine(e.source)}:${e.line}  `) + printableLine(clip(e.text)));
  if (f.remediation) lines.push(...`Fix: ${printable(f.remediation)}`.split('\n').map((l) => `    ${l}`));
  return lines;
}
