/**
 * Port specifications as iptables-save prints them: "80", "8000:8010", ":1024", "1024:",
 * multiport lists "80,443,8000:8010", and NAT target ranges "8000-8010".
 */
export interface PortRange {
  from: number;
  to: number;
}

const MAX_PORT = 65535;

/** The port number text[start, end) spells (1 to 5 digits, at most 65535); -1 when it spells none. */
function portNumberIn(text: string, start: number, end: number): number {
  if (end <= start || end - start > 5) return -1;
  let n = 0;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return -1;
    n = n * 10 + (c - 48);
  }
  return n <= MAX_PORT ? n : -1;
}

/**
 * The range text[from..] spells, packed as from * 0x10000 + to so that testing one allocates nothing; -1
 * when it spells none.
 */
function packedRangeAt(text: string, from: number, separator: string): number {
  const end = text.length;
  const at = text.indexOf(separator, from);
  if (at === -1) {
    const n = portNumberIn(text, from, end);
    return n === -1 ? -1 : n * 0x10000 + n;
  }
  const lo = at === from ? 0 : portNumberIn(text, from, at);
  const hi = at === end - 1 ? MAX_PORT : portNumberIn(text, at + 1, end);
  return lo === -1 || hi === -1 || lo > hi ? -1 : lo * 0x10000 + hi;
}

/** One range with the given separator (":" in matches, "-" in NAT targets); empty ends are open. */
export function parsePortRange(text: string, separator = ':'): PortRange | undefined {
  return portRangeAt(text, 0, separator);
}

/** parsePortRange(text.slice(from), separator), without the slice. */
export function portRangeAt(text: string, from: number, separator: string): PortRange | undefined {
  const packed = packedRangeAt(text, from, separator);
  return packed === -1 ? undefined : { from: Math.floor(packed / 0x10000), to: packed % 0x10000 };
}

/** Whether portRangeAt(text, from, separator) reads a range, without making it. */
export function isPortRangeAt(text: string, from: number, separator: string): boolean {
  return packedRangeAt(text, from, separator) !== -1;
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
