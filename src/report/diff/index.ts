/** The formats of `netaudit diff`, each a pure function of the diff's outcome. */
import type { DiffOutcome } from '../../diff/outcome.js';
import type { SourceLocator } from '../sarif-locations.js';
import { formatDiffJson } from './json.js';
import { formatDiffJunit } from './junit.js';
import { formatDiffSarif } from './sarif.js';
import { formatDiffText } from './text.js';

export const DIFF_FORMATS = ['text', 'json', 'junit', 'sarif'] as const;
export type DiffFormat = (typeof DIFF_FORMATS)[number];

export function renderDiff(outcome: DiffOutcome, format: DiffFormat, options: { colour: boolean; sources?: SourceLocator }): string {
  switch (format) {
    case 'text':
      return formatDiffText(outcome, { colour: options.colour });
    case 'json':
      return formatDiffJson(outcome);
    case 'junit':
      return formatDiffJunit(outcome);
    case 'sarif':
      return formatDiffSarif(outcome, options.sources ?? {});
  }
}

export { diffFails } from './gate.js';
