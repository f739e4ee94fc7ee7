/** Plain-text tables of the results: one per size, one for scaling across sizes, the targets. */
import type { ProfileRow, ProfileSummary } from './profile.js';
import { nodeLabel, proxyModeOf, type SideBySide, type SizeResult } from './results.js';
import type { TargetCheck } from './targets.js';

function fmtMs(n: number | undefined): string {
  if (n === undefined || Number.isNaN(n)) return '–';
  return n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2);
}

function fmtRatio(n: number | undefined): string {
  return n === undefined || !Number.isFinite(n) ? '' : `${n >= 10 ? n.toFixed(0) : n.toFixed(1)}×`;
}

function fmtMB(n: number | undefined): string {
  return n === undefined || Number.isNaN(n) ? '' : n.toFixed(0);
}

export function grid(header: string[], rows: string[][], rightFrom = 1): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string =>
    cells.map((c, i) => (i >= rightFrom ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

export function describeSize(r: SizeResult): string {
  const e = r.expected;
  const nft = e.nft;
  const kind = proxyModeOf(r) === 'nftables' ? 'nft node, ' : '';
  const ruleset = nft
    ? `nft -j list ruleset ${(nft.bytes / 1e6).toFixed(1)} MB (${nft.chains.toLocaleString('en-US')} chains, ${nft.rules.toLocaleString('en-US')} rules, ` +
      `${Object.values(nft.elements).reduce((n, c) => n + c, 0).toLocaleString('en-US')} set and map elements), `
    : '';
  return (
    `${kind}${r.spec.services.toLocaleString('en-US')} services: snapshot ${(r.fileBytes / 1e6).toFixed(1)} MB; ${ruleset}` +
    `iptables-save ${e.iptables.lines.toLocaleString('en-US')} lines (${e.iptables.rules.toLocaleString('en-US')} rules, ${e.iptables.chains.toLocaleString('en-US')} chains), ` +
    `sysctl -a ${e.sysctlLines.toLocaleString('en-US')} lines, ${e.interfaces} interfaces (${e.veths} veths), ` +
    `${e.routes4 + e.routes6} routes, ${r.spec.nodes} overlay nodes; generated in ${(r.generateMs / 1000).toFixed(1)} s`
  );
}

export function sizeTable(r: SizeResult): string {
  const rows: string[][] = r.rows.map((row) => [
    row.name,
    fmtMs(row.coldMs),
    fmtMs(row.warmMs),
    fmtRatio(row.coldMs === undefined ? undefined : row.coldMs / r.floorMs),
    // Below a millisecond the floor is timer noise and the ratio means nothing.
    fmtRatio(row.coldMs === undefined || row.ownFloorMs === undefined || row.ownFloorMs < 1 ? undefined : row.coldMs / row.ownFloorMs),
    fmtMB(row.peakRssMB),
  ]);
  if (r.pipelineColdMs !== undefined) rows.push(['in-process pipeline (sum of phases)', fmtMs(r.pipelineColdMs), '', fmtRatio(r.pipelineColdMs / r.floorMs), '', '']);
  const pf = r.processFloor;
  rows.push([`floor process (node: read, split, JSON.parse)`, fmtMs(pf.wallMs), '', fmtRatio(pf.wallMs / r.floorMs), '', fmtMB(pf.maxRssMB)]);
  if (r.cli) {
    rows.push([
      `CLI end to end (audit --format json)`,
      fmtMs(r.cli.wallMs),
      '',
      fmtRatio(r.cli.wallMs / r.floorMs),
      fmtRatio(r.cli.wallMs / pf.wallMs),
      fmtMB(r.cli.maxRssMB),
    ]);
    if (r.cliModules) {
      rows.push([
        `  the same, modules imported (no bundle)`,
        fmtMs(r.cliModules.wallMs),
        '',
        fmtRatio(r.cliModules.wallMs / r.floorMs),
        fmtRatio(r.cliModules.wallMs / pf.wallMs),
        fmtMB(r.cliModules.maxRssMB),
      ]);
    }
  } else {
    rows.push(['CLI end to end (audit --format json): not measured', '', '', '', '', '']);
  }
  const header = ['phase', 'cold ms', 'warm ms', '× floor', '× own floor', 'peak RSS MB'];
  const notes: string[] = [];
  if (r.cli) notes.push(`CLI wall min–max over ${r.runs} runs: ${fmtMs(r.cli.minMs)}–${fmtMs(r.cli.maxMs)} ms; floor process ${fmtMs(pf.minMs)}–${fmtMs(pf.maxMs)} ms`);
  if (r.audit) {
    const a = r.audit;
    notes.push(`audit: ${a.findings} findings, ${a.passed} passed evaluations, ${a.skipped} skipped rules, ${a.subjects} subjects, ${a.notes} parse notes, report ${(a.reportBytes / 1e6).toFixed(2)} MB`);
  }
  return `${grid(header, rows)}${notes.length ? `\n${notes.join('\n')}` : ''}`;
}

/** Cold time of each pipeline phase per size, per 1,000 services, and the growth between sizes. */
export function scalingTable(results: readonly SizeResult[]): string {
  const sorted = [...results].sort((a, b) => a.spec.services - b.spec.services);
  const names = ['floor (in-process total)', ...sorted[0]!.rows.map((r) => r.name).filter((n) => !n.startsWith('floor'))];
  const header = ['phase', ...sorted.map((r) => `${nodeLabel(r)} ms`), ...sorted.map((r) => `ms/1k svc @${nodeLabel(r)}`)];
  const cell = (r: SizeResult, name: string): number | undefined => {
    if (name === 'CLI end to end') return r.cli?.wallMs;
    if (name === 'floor process') return r.processFloor.wallMs;
    return r.rows.find((row) => row.name === name)?.coldMs;
  };
  const rows = [...names, 'floor process', 'CLI end to end'].map((name) => [
    name,
    ...sorted.map((r) => fmtMs(cell(r, name))),
    ...sorted.map((r) => {
      const v = cell(r, name);
      return v === undefined ? '–' : fmtMs(v / (r.spec.services / 1000));
    }),
  ]);
  return grid(header, rows);
}

/** The CLI on both nodes of each size, run alternately. */
export function sideBySideTable(pairs: readonly SideBySide[]): string {
  const rows = pairs.map((p) => [
    p.services.toLocaleString('en-US'),
    String(p.runs),
    fmtMs(p.iptables.wallMs),
    `${fmtMs(p.iptables.minMs)}–${fmtMs(p.iptables.maxMs)}`,
    fmtMB(p.iptables.maxRssMB),
    fmtMs(p.nftables.wallMs),
    `${fmtMs(p.nftables.minMs)}–${fmtMs(p.nftables.maxMs)}`,
    fmtMB(p.nftables.maxRssMB),
    fmtRatio(p.nftables.wallMs / p.iptables.wallMs),
  ]);
  return grid(['services', 'runs', 'iptables ms', 'min–max', 'RSS MB', 'nft ms', 'min–max', 'RSS MB', 'nft / iptables'], rows);
}

export function targetsText(checks: readonly TargetCheck[]): string {
  return checks.map((c) => `${c.ok ? 'PASS' : 'MISS'}  ${c.text}`).join('\n');
}

export function profileText(services: number, summary: ProfileSummary, own: readonly ProfileRow[], node = ''): string {
  const pct = (ms: number): string => `${((100 * ms) / summary.totalMs).toFixed(1)}%`;
  const top = grid(
    ['function (self time)', 'self ms', 'self %', 'incl. ms'],
    summary.functions.map((f) => [f.name, fmtMs(f.selfMs), pct(f.selfMs), fmtMs(f.totalMs)]),
  );
  const inclusive = grid(
    ['netaudit function (inclusive time)', 'incl. ms', 'incl. %', 'self ms'],
    own.map((f) => [f.name, fmtMs(f.totalMs), pct(f.totalMs), fmtMs(f.selfMs)]),
  );
  const files = grid(['file (self time)', 'ms', '%'], summary.files.slice(0, 12).map((f) => [f.file, fmtMs(f.selfMs), pct(f.selfMs)]));
  return `CPU profile of the CLI at ${node}${services.toLocaleString('en-US')} services (${fmtMs(summary.totalMs)} ms sampled)\n\n${inclusive}\n\n${top}\n\n${files}`;
}
