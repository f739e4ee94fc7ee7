/**
 * The gate of an audit: the baseline and waivers from `--baseline`, `--waivers` and the nearest `.netaudit`
 * file (unless `--no-config`). `--baseline` replaces the config file's baseline; waivers of both apply.
 */
import type { RuleCatalog } from '../engine/catalog.js';
import { readBaseline } from '../gate/baseline.js';
import { findConfig, readConfig } from '../gate/config.js';
import type { Gate } from '../gate/suppress.js';
import { readWaiverFile, utcToday, type LoadedWaiver } from '../gate/waivers.js';

export interface GateFlags {
  baseline?: string;
  waivers: string[];
  /** Look for a .netaudit file (false with --no-config). */
  config: boolean;
}

export async function loadGate(flags: GateFlags, catalog: RuleCatalog, cwd: string): Promise<Gate> {
  const today = utcToday();
  const configFile = flags.config ? await findConfig(cwd) : undefined;
  const config = configFile === undefined ? undefined : await readConfig(configFile, catalog, today);
  const waivers: LoadedWaiver[] = [...(config?.waivers ?? [])];
  for (const file of flags.waivers) waivers.push(...(await readWaiverFile(file, catalog, today)));
  const baselineFile = flags.baseline ?? config?.baseline;
  return { waivers, ...(baselineFile === undefined ? {} : { baseline: await readBaseline(baselineFile) }) };
}
