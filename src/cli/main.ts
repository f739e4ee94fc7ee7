#!/usr/bin/env node
import { loadBundledCli } from './bundle.js';

const runCli = loadBundledCli()?.runCli ?? (await import('./program.js')).runCli;

runCli(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    // runCli handles every expected failure; reaching here is a bug in netaudit.
    process.stderr.write(`netaudit: internal error: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 2;
  },
);
