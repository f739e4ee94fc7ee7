/**
 * Which element of the picture each finding concerns: its interface, bridge, veth (a row, or a cell of an
 * expanded group), published port, or namespace; else the host namespace. Keys are those of layout.ts.
 */
import type { Finding } from '../../engine/types.js';
import type { PublishedPort, Topology } from './topology.js';

const INTERFACE_SYSCTL = /^net\.ipv[46]\.(?:conf|neigh)\.(.+)\.[^.]+$/;

export function elementKeyOf(f: Finding, t: Topology, drawn: ReadonlySet<string>): string {
  const ns = f.subject.namespace || t.host.name;
  const name = f.subject.name;
  const at = (key: string | undefined) => (key !== undefined && drawn.has(key) ? key : undefined);
  let key: string | undefined;
  switch (f.subject.kind) {
    case 'interface':
    case 'bridge':
    case 'veth':
      key = at(`${ns}|${name}`);
      break;
    case 'bridge-subnet':
      key = at(`${ns}|${name.slice(0, Math.max(0, name.indexOf(':')))}`);
      break;
    case 'sysctl': {
      const iface = INTERFACE_SYSCTL.exec(name)?.[1];
      if (iface !== undefined && iface !== 'all' && iface !== 'default') key = at(`${ns}|${iface.replaceAll('/', '.')}`);
      break;
    }
    case 'published-port':
      key = publishedKey(t, (p) => name.startsWith(`${p.protocol}/${p.port ?? ''}`) && name.endsWith(`->${p.target}${p.targetPort !== undefined ? `:${p.targetPort}` : ''}`));
      break;
    case 'dnat-target':
      key = publishedKey(t, (p) => p.target === name);
      break;
    default:
      break;
  }
  return key ?? at(`ns|${ns}`) ?? `ns|${t.host.name}`;
}

function publishedKey(t: Topology, matches: (p: PublishedPort) => boolean): string | undefined {
  const n = t.published.findIndex(matches);
  if (n >= 0) return `published|${n}`;
  return t.publishedMore.some(matches) ? 'published|more' : undefined;
}
