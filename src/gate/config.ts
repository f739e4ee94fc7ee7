/**
 * The `.netaudit` config file: the first one found from the working directory upward applies to every
 * audit run below it. It holds a baseline (a path relative to the config file) and waivers.
 */
import path from 'node:path';
import type { RuleCatalog } from '../engine/catalog.js';
import { ConfigFile } from './files.js';
import { readGateFile } from './read.js';
import { loadWaivers, type LoadedWaiver } from './waivers.js';

export interface LoadedConfig {
  file: string;
  /** Resolved against the config file's folder. */
  baseline?: string;
  waivers: LoadedWaiver[];
}

export async function readConfig(file: string, catalog: RuleCatalog, today: string): Promise<LoadedConfig> {
  const document = ConfigFile.parse(await readGateFile(file, 'config.schema.json', 'config file'));
  return {
    file,
    ...(document.baseline === undefined ? {} : { baseline: path.resolve(path.dirname(file), document.baseline) }),
    waivers: loadWaivers(document.waivers ?? [], { file, path: '/waivers' }, catalog, today),
  };
}
