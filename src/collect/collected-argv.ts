/**
 * The argv a collector runs for a source. The JSON sources of iproute2 (`ip -j`, `bridge -j`) run
 * pretty-printed (`-p`), one JSON member per line, so that evidence quotes a line that exists; the
 * parsers read compact and pretty JSON alike, and the source ids stay the same.
 */
import type { SourceSpec } from '../snapshot/sources.js';

export function collectedArgv(spec: SourceSpec): readonly string[] {
  const [tool, flag, ...rest] = spec.argv;
  if (spec.format === 'json' && (tool === 'ip' || tool === 'bridge') && flag === '-j') return [tool, flag, '-p', ...rest];
  return spec.argv;
}
