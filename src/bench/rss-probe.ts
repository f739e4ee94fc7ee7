/**
 * `node dist/bench/rss-probe.js SCRIPT ARGS...`: run SCRIPT as if started directly, then print its peak RSS
 * on stderr. Used to measure the CLI where GNU time is not installed.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { PROBE_MARKER } from './process.js';

const [script, ...rest] = process.argv.slice(2);
if (!script) {
  process.stderr.write('usage: node dist/bench/rss-probe.js SCRIPT [ARGS...]\n');
  process.exitCode = 2;
} else {
  process.argv = [process.argv[0]!, path.resolve(script), ...rest];
  process.on('exit', () => {
    process.stderr.write(`\n${PROBE_MARKER}${process.resourceUsage().maxRSS}\n`);
  });
  await import(pathToFileURL(path.resolve(script)).href);
}
