/** A source nobody could read: the states a collector or an import records without running anything. */
import type { Source } from './schema.js';

export function unavailableSource(command: string, status: 'failed' | 'not-collected', reason: string): Source {
  return {
    status,
    command,
    exitCode: null,
    stdout: '',
    stdoutEncoding: 'utf8',
    stderr: '',
    stderrEncoding: 'utf8',
    durationMs: 0,
    truncated: false,
    reason,
  };
}
