/** The targets (issue 5, and issue 13 for the nft node), checked against the measured figures. */
import { proxyModeOf, type SideBySide, type SizeResult } from './results.js';

export const TARGETS = {
  /** Services of the reference node. */
  referenceServices: 10_000,
  referenceWallMs: 500,
  referenceRssMB: 400,
  /** End to end through the CLI, against the floor run as a Node process. */
  maxFloorRatio: 3,
  /** 50k services against 10k: 5 times the input, at most 5.5 times the time. */
  scaleServices: 50_000,
  maxScaleRatio: 5.5,
} as const;

export interface TargetCheck {
  ok: boolean;
  text: string;
}

const ms = (n: number): string => `${Math.round(n)} ms`;

export function checkTargets(all: readonly SizeResult[], sideBySide: readonly SideBySide[] = []): TargetCheck[] {
  const checks: TargetCheck[] = [];
  const results = all.filter((r) => proxyModeOf(r) === 'iptables');
  const bySize = new Map(results.map((r) => [r.spec.services, r]));
  for (const r of results) {
    const label = `${r.spec.services.toLocaleString('en-US')} services`;
    if (!r.cli) {
      checks.push({ ok: false, text: `${label}: end to end not measured (${r.cliError ?? 'the CLI audit did not run'})` });
      continue;
    }
    const ratio = r.cli.wallMs / r.processFloor.wallMs;
    checks.push({
      ok: ratio <= TARGETS.maxFloorRatio,
      text: `${label}: end to end ${ms(r.cli.wallMs)} = ${ratio.toFixed(2)}× the floor process (${ms(r.processFloor.wallMs)}); target ≤ ${TARGETS.maxFloorRatio}×`,
    });
  }
  const ref = bySize.get(TARGETS.referenceServices);
  if (ref?.cli) {
    checks.push({
      ok: ref.cli.wallMs < TARGETS.referenceWallMs,
      text: `10,000 services: end to end ${ms(ref.cli.wallMs)}; target < ${TARGETS.referenceWallMs} ms`,
    });
    checks.push({
      ok: ref.cli.maxRssMB < TARGETS.referenceRssMB,
      text: `10,000 services: peak RSS ${Math.round(ref.cli.maxRssMB)} MB; target < ${TARGETS.referenceRssMB} MB`,
    });
  }
  const big = bySize.get(TARGETS.scaleServices);
  if (ref?.cli && big?.cli) {
    const ratio = big.cli.wallMs / ref.cli.wallMs;
    checks.push({
      ok: ratio <= TARGETS.maxScaleRatio,
      text: `50,000 vs 10,000 services: end to end ${ms(big.cli.wallMs)} / ${ms(ref.cli.wallMs)} = ${ratio.toFixed(2)}×; target ≤ ${TARGETS.maxScaleRatio}×`,
    });
  }
  checks.push(...nftTargets(all, sideBySide));
  return checks;
}

/** Issue 13: the nft node of the reference size audits faster than the iptables node, and within memory. */
function nftTargets(all: readonly SizeResult[], sideBySide: readonly SideBySide[]): TargetCheck[] {
  const nft = all.find((r) => proxyModeOf(r) === 'nftables' && r.spec.services === TARGETS.referenceServices);
  if (!nft) return [];
  if (!nft.cli) return [{ ok: false, text: `nft 10,000 services: end to end not measured (${nft.cliError ?? 'the CLI audit did not run'})` }];
  const checks: TargetCheck[] = [];
  const pair = sideBySide.find((p) => p.services === TARGETS.referenceServices);
  if (pair) {
    checks.push({
      ok: pair.nftables.wallMs < pair.iptables.wallMs,
      text: `nft 10,000 services: end to end ${ms(pair.nftables.wallMs)} vs the iptables node's ${ms(pair.iptables.wallMs)}, run alternately ${pair.runs} times each; target: below`,
    });
  }
  checks.push({
    ok: nft.cli.maxRssMB < TARGETS.referenceRssMB,
    text: `nft 10,000 services: peak RSS ${Math.round(nft.cli.maxRssMB)} MB; target < ${TARGETS.referenceRssMB} MB`,
  });
  return checks;
}
