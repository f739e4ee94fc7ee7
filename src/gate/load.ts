/**
 * Reading a gate's files: the `.netaudit` config file, a baseline and waiver files. `--baseline` replaces the
 * config file's baseline; the waivers of both apply. This is where zod and ajv come in (files.ts, read.ts):
 * src/cli/gate.ts imports it only when there is a file to read.
 */
import type { RuleCatalog } from '../engine/catalog.js';
import { readBaseline } from './baseline.js';
import { readConfig } from './config.js';
import type { Gate } from './suppress.js';
import { readWaiverFile, utcToday, type LoadedWaiver } from './waivers.js';

export interface GateFiles {
  /** The .netaudit file found, if any. */
  config?: string;
  /** --baseline */
  baseline?: string;
  /** Each --waivers file. */
  waivers: readonly string[];
}

/** `today` (YYYY-MM-DD, UTC) decides which waivers have expired. */
export async function readGate(files: GateFiles, catalog: RuleCatalog, today: string = utcToday()): Promise<Gate> {
  const config = files.config === undefined ? undefined : await readConfig(files.config, catalog, today);
  const waivers: LoadedWaiver[] = [...(config?.waivers ?? [])];
  for (const file of files.waivers) waivers.push(...(await readWaiverFile(file, catalog, today)));
  const baselineFile = files.baseline ?? config?.baseline;
  return { waivers, ...(baselineFile === undefined ? {} : { baseline: await readBaseline(baselineFile) }) };
}
