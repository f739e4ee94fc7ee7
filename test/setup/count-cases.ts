/**
 * Counts the generated cases fast-check runs (property and mutation tests) when NETAUDIT_COUNT_CASES names
 * a file: each fc.assert appends "<test file> <cases run>" to it. Used to state the figures in the README;
 * nothing changes when the variable is unset.
 */
import { appendFileSync } from 'node:fs';
import fc from 'fast-check';
import { expect } from 'vitest';

const file = process.env.NETAUDIT_COUNT_CASES;
if (file) {
  fc.configureGlobal({
    reporter(details) {
      appendFileSync(file, `${expect.getState().testPath ?? '?'} ${details.numRuns}\n`);
      if (details.failed) throw new Error(fc.defaultReportMessage(details));
    },
  });
}
