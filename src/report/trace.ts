/**
 * `netaudit trace` output: text, one line per step (namespace, stage, chain and rule, verdict, the packet
 * as it leaves the step) with the snapshot lines that prove it; JSON, `netaudit/trace@1`
 * (schemas/trace.schema.json).
 */
import { formatAddress } from '../model/net.js';
import type { Leg, Packet, TraceStep } from '../analysis/path/types.js';
import type { TraceResult } from '../analysis/path/trace.js';
import { describePacket } from '../analysis/path/packet.js';
import { clip } from '../parse/common.js';
import { printableLine } from './escape.js';
import { evidenceWhere } from './evidence-where.js';

export const TRACE_SCHEMA = 'netaudit/trace@1';

/* ---------- JSON ---------- */

interface PacketJson {
  family: 'ipv4' | 'ipv6';
  protocol: string;
  src: string;
  dst: string;
  sport?: number;
  dport?: number;
  icmpType?: number;
}

function packetJson(p: Packet): PacketJson {
  const out: PacketJson = { family: p.family === 4 ? 'ipv4' : 'ipv6', protocol: p.protocol, src: formatAddress(p.family, p.src), dst: formatAddress(p.family, p.dst) };
  if (p.sport !== undefined) out.sport = p.sport;
  if (p.dport !== undefined) out.dport = p.dport;
  if (p.icmpType !== undefined) out.icmpType = p.icmpType;
  return out;
}

function stepJson(s: TraceStep): Record<string, unknown> {
  const out: Record<string, unknown> = { namespace: s.namespace, stage: s.stage };
  if (s.table !== undefined) out['table'] = s.table;
  if (s.chain !== undefined) out['chain'] = s.chain;
  if (s.rule !== undefined) out['rule'] = s.rule;
  out['verdict'] = s.verdict;
  out['packet'] = s.packet;
  out['note'] = s.note;
  out['evidence'] = s.evidence.map((e) => ({ source: e.source, line: e.line, text: e.text }));
  return out;
}

function legJson(leg: Leg): Record<string, unknown> {
  const out: Record<string, unknown> = { verdict: leg.verdict, reason: leg.reason, endNamespace: leg.endNamespace };
  if (leg.leftThrough !== undefined) out['leftThrough'] = leg.leftThrough;
  out['steps'] = leg.steps.map(stepJson);
  return out;
}

export function formatTraceJson(result: TraceResult, input: string): string {
  const doc: Record<string, unknown> = {
    schema: TRACE_SCHEMA,
    input,
    verdict: result.verdict,
    reason: result.reason,
    from: result.origin.described,
    packet: packetJson(result.packet),
    steps: result.request.steps.map(stepJson),
    request: { verdict: result.request.verdict, reason: result.request.reason },
  };
  if (result.reply) doc['reply'] = legJson(result.reply);
  if (result.cause) doc['cause'] = { ruleId: result.cause.ruleId, message: result.cause.message, remediation: result.cause.remediation };
  return `${JSON.stringify(doc, null, 2)}\n`;
}

/* ---------- text ---------- */

const VERDICT_MARK: Partial<Record<TraceStep['verdict'], string>> = { drop: 'DROP', refused: 'REFUSED', maybe: 'MAYBE' };

function stepLines(s: TraceStep, width: number): string[] {
  const where = [s.table, s.chain, s.rule].filter((x) => x !== undefined).join(' ');
  const mark = VERDICT_MARK[s.verdict];
  const head = `  ${(mark ?? '').padEnd(8)}${s.namespace.padEnd(width)}  ${s.stage.padEnd(15)}${where ? `${where}  ` : ''}${s.note}`;
  const rewritten = s.verdict === 'dnat' || s.verdict === 'snat' ? `  now ${s.packet}` : '';
  const lines = [printableLine(head + rewritten)];
  for (const e of s.evidence) lines.push(printableLine(`           ${evidenceWhere(e)}  ${clip(e.text, 160)}`));
  return lines;
}

function legLines(title: string, leg: Leg, width: number): string[] {
  const lines = [`${title}: ${describePacket(leg.sent)}`];
  for (const s of leg.steps) lines.push(...stepLines(s, width));
  lines.push(`  => ${leg.verdict}: ${printableLine(leg.reason)}`);
  return lines;
}

export function formatTraceText(result: TraceResult, input: string): string {
  const steps = [...result.request.steps, ...(result.reply?.steps ?? [])];
  const width = Math.min(24, Math.max(4, ...steps.map((s) => s.namespace.length)));
  const lines = [`trace of ${describePacket(result.packet)} from ${result.origin.described} (${input})`, ''];
  lines.push(...legLines('request', result.request, width));
  if (result.reply) lines.push('', ...legLines('reply', result.reply, width));
  lines.push('', `verdict: ${result.verdict.toUpperCase()}: ${printableLine(result.reason)}`);
  if (result.cause) {
    lines.push(`cause: ${result.cause.ruleId}: ${printableLine(result.cause.message)}`);
    lines.push(`fix: ${printableLine(result.cause.remediation)}`);
  }
  return `${lines.join('\n')}\n`;
}
