/**
 * The packet-path engine of an audit: one per host, so that every fact asking a namespace's routing decision
 * or a packet's path shares the namespace views (their FIB, addresses and neighbours indexed once).
 */
import { PathEngine } from '../../../analysis/path/engine.js';
import type { NamespaceView } from '../../../analysis/path/namespace-view.js';
import type { Namespace } from '../../../model/types.js';
import type { FactEnv } from '../registry.js';

export function pathEngineOf(env: FactEnv): PathEngine {
  return env.cache.perHost('path-engine', () => new PathEngine(env.host));
}

export function namespaceViewOf(env: FactEnv, ns: Namespace = env.namespace): NamespaceView {
  return pathEngineOf(env).view(ns);
}
