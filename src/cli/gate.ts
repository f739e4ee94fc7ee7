/**
 * The gate of an audit: the baseline and waivers from `--baseline`, `--waivers` and the nearest `.netaudit`
 * file (unless `--no-config`). `--baseline` replaces the config file's baseline; waivers of both apply.
 *
 * Reading those files needs zod and ajv (src/gate/load.ts); an audit with none to read loads neither, so
 * they are imported only when there is one.
 */
import type { RuleCatalog } from '../engine/catalog.js';
import { findConfig } from '../gate/find-config.js';
import type { Gate } from '../gate/suppress.js';

export interface GateFlags {
  baseline?: string;
  waivers: string[];
  /** Look for a .netaudit file (false with --no-config). */
  config: boolean;
}

/** The gate that suppresses nothing. */
export const NO_GATE: Gate = { waivers: [] };

export async function loadGate(flags: GateFlags, catalog: RuleCatalog, cwd: string): Promise<Gate> {
  const config = flags.config ? await findConfig(cwd) : undefined;
  if (config === undefined && flags.baseline === undefined && flags.waivers.length === 0) return NO_GATE;
  const { readGate } = await import('../gate/load.js');
  return readGate(
    {
      ...(config === undefined ? {} : { config }),
      ...(flags.baseline === undefined ? {} : { baseline: flags.baseline }),
      waivers: flags.waivers,
    },
    catalog,
  );
}
