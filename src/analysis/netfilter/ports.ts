/**
 * Port specifications as iptables-save prints them: "80", "8000:8010", ":1024", "1024:",
 * multiport lists "80,443,8000:8010", and NAT target ranges "8000-8010".
 */
export interface PortRange {
  from: number;
  to: number;
}

const MAX_PORT = 65535;

function parsePortNumber(text: string): number | undefined {
  if (text.length === 0 || text.length > 5) return undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return undefined;
  }
  const n = Number(text);
  return n <= MAX_PORT ? n : undefined;
}

/** One range with the given separator (":" in matches, "-" in NAT targets); empty ends are open. */
export function parsePortRange(text: string, separator = ':'): PortRange | undefined {
  const at = text.indexOf(separator);
  if (at === -1) {
    const n = parsePortNumber(text);
    return n === undefined ? undefined : { from: n, to: n };
  }
  const lo = at === 0 ? 0 : parsePortNumber(text.slice(0, at));
  const hi = at === text.length - 1 ? MAX_PORT : parsePortNumber(text.slice(at + 1));
  if (lo === undefined || hi === undefined || lo > hi) return undefined;
  return { from: lo, to: hi };
}

/** A comma-separated list of ranges (multiport); undefined when any item is unreadable. */
export function parsePortList(text: string): PortRange[] | undefined {
  const ranges: PortRange[] = [];
  for (const item of text.split(',')) {
    const range = parsePortRange(item);
    if (!range) return undefined;
    ranges.push(range);
  }
  return ranges;
}

export function portInRanges(port: number, ranges: PortRange[]): boolean {
  return ranges.some((r) => port >= r.from && port <= r.to);
}

export function formatPortRange(range: PortRange): string {
  return range.from === range.to ? String(range.from) : `${range.from}-${range.to}`;
}
