#!/usr/bin/env node
import { loadBundledCli } from './bundle.js';

const runCli = loadBundledCli()?.runCli ?? (await import('./program.js')).runCli;

// A reader that stops early (`netaudit show … | head`) closes the pipe: the rest of the output is not
// wanted, which is no error of netaudit's (and no reason for a stack trace).
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code !== 'EPIPE') throw err;
});

runCli(process.argv).then(exitFlushed, (err: unknown) => {
  // runCli handles every expected failure; reaching here is a bug in netaudit.
  process.stderr.write(`netaudit: internal error: ${err instanceof Error ? err.message : String(err)}\n`);
  exitFlushed(2);
});

/**
 * Exit as soon as stdout and stderr have been written out. Left to itself, Node first tears down the heap,
 * which after a large audit (hundreds of MB) takes tens of milliseconds, and now and then hundreds while
 * it finishes a garbage collection that nothing needs any more.
 */
function exitFlushed(code: number): void {
  process.exitCode = code;
  let pending = 2;
  const flushed = (): void => {
    if (--pending === 0) process.exit(code);
  };
  process.stdout.write('', flushed);
  process.stderr.write('', flushed);
}
