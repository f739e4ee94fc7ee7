import type { RegisterCommand } from '../program.js';
import { registerAudit } from './audit.js';
import { registerBaseline } from './baseline.js';
import { registerCollect } from './collect.js';
import { registerCollectorScript } from './collector-script.js';
import { registerDiff } from './diff.js';
import { registerExplain } from './explain.js';
import { registerImport } from './import.js';
import { registerRedact } from './redact.js';
import { registerRules } from './rules.js';
import { registerShow } from './show.js';
import { registerTrace } from './trace.js';

/** Every command, in the order `netaudit --help` lists them. Each module registers one command. */
export const COMMANDS: RegisterCommand[] = [
  registerCollect,
  registerCollectorScript,
  registerImport,
  registerShow,
  registerAudit,
  registerTrace,
  registerRedact,
  registerDiff,
  registerBaseline,
  registerRules,
  registerExplain,
];
