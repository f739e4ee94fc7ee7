/**
 * `brctl show` (bridge-utils and busybox): a header, then one line per bridge
 * (`name<TAB><TAB>id<TAB>yes|no<TAB><TAB>first-port`) and one indented line per further port.
 * Web pastes turn the TABs into spaces, so any run of whitespace separates fields.
 */
import { clip, DROPPED, fail, splitLines, type ParseInput, type ParseNote, type Parsed } from './common.js';
import type { BrctlBridge } from './types.js';
import { wrongFormatHint } from './wrong-format.js';

/** Priority, a dot, then the MAC without separators: "8000.0242ac110002". */
const BRIDGE_ID = /^[0-9a-fA-F]{4}\.[0-9a-fA-F]{12}$/;

/** What brctl prints when it cannot read a bridge (e.g. in a container, or without the bridge sysfs). */
const BRCTL_ERROR = /can't get (port \S+ )?info|does not exist|Operation not supported/;

const BRCTL_ERROR_HINT =
  'brctl could not read the bridges (it needs the bridge ioctls/sysfs of the host namespace); ' +
  'collect `bridge -j link show` instead';

function isHeader(line: string): boolean {
  return line.trimStart().startsWith('bridge name');
}

export function parseBrctlShow(input: ParseInput): Parsed<BrctlBridge[]> {
  const notes: ParseNote[] = [];
  const bridges: BrctlBridge[] = [];
  const lines = splitLines(input.text);
  let sawHeader = false;
  let current: BrctlBridge | undefined;
  let firstContentLine: number | undefined;
  const note = (line: number, message: string, dropped?: typeof DROPPED) => notes.push({ source: input.source, line, message, ...dropped });

  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i] ?? '';
    const lineNo = i + 1;
    if (raw.trim() === '') continue;
    firstContentLine ??= lineNo;
    if (BRCTL_ERROR.test(raw)) {
      fail(input, `brctl reported an error: ${clip(raw.trim(), 120)}`, lineNo, BRCTL_ERROR_HINT);
    }
    if (isHeader(raw)) {
      sawHeader = true;
      current = undefined;
      continue;
    }
    const fields = raw.trim().split(/\s+/);
    if (/^\s/.test(raw)) {
      if (!current) {
        note(lineNo, `port line before any bridge line, skipped: ${clip(raw.trim(), 80)}`, DROPPED);
        continue;
      }
      for (const name of fields) current.interfaces.push({ name, line: lineNo });
      continue;
    }
    const [name, id, stp, ...ports] = fields;
    if (name === undefined || id === undefined || !BRIDGE_ID.test(id) || (stp !== 'yes' && stp !== 'no')) {
      note(lineNo, `not a \`brctl show\` bridge line, skipped: ${clip(raw.trim(), 80)}`, DROPPED);
      current = undefined;
      continue;
    }
    current = {
      name,
      id,
      stp: stp === 'yes',
      interfaces: ports.map((port) => ({ name: port, line: lineNo })),
      line: lineNo,
      text: clip(raw),
    };
    bridges.push(current);
  }

  if (firstContentLine !== undefined && !sawHeader) {
    if (bridges.length === 0) {
      const hint = wrongFormatHint(input.text) ?? 'expected the output of `brctl show`';
      fail(input, 'no `brctl show` header or bridge line found', firstContentLine, hint);
    }
    note(firstContentLine, 'no "bridge name ... interfaces" header line; read as `brctl show` output anyway');
  }
  return { value: bridges, notes };
}
