/**
 * The network-namespace lab: builds the healthy baseline of topology.ts in namespaces named
 * `na<tag><pid>-<role>`, resets it after each fault, and tears it down. Only namespaces it created
 * are touched; the root namespace's interfaces, routes, sysctls and firewall never are.
 */
import { dockerRuleset, type DockerLayout, type RuleSpec } from './docker-ruleset.js';
import { BR_NETFILTER, FAULT_NFT_TABLE, FAULT_RULE_PRIORITY, FAULT_TABLE } from './faults.js';
import { inNetns, must, runSync, type RunResult } from './run.js';
import { startServer, stopServer, type Server } from './servers.js';
import { CONTAINERS, DOCKER_NETWORK, HOST_INTERFACES, TOPOLOGY, type ContainerKey, type NamespaceKey } from './topology.js';

const T = TOPOLOGY;
/** Each server exits by itself after this long, so a crashed run cannot leave one running for good. */
const SERVER_LIFETIME_MS = 240_000;
/**
 * A server with less than this left is started anew by ensureServers(): on a loaded machine one fault's
 * probes, collection and audit take tens of seconds, and a server must not end between a probe that
 * reached it and the collection that should show it listening.
 */
const SERVER_MIN_REMAINING_MS = 90_000;

export type LabNamespaces = Record<NamespaceKey, string>;

function netnsNames(): string[] {
  const r = must(runSync(['ip', 'netns', 'list']));
  return r.stdout
    .split('\n')
    .map((line) => line.trim().split(/\s+/)[0] ?? '')
    .filter((name) => name.length > 0);
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Kills a server and waits (a few seconds at most) until it is gone, so that its port is free again. */
async function stopAndWait(server: Server): Promise<void> {
  stopServer(server);
  for (let i = 0; i < 100 && server.process.exitCode === null && server.process.signalCode === null; i++) {
    await new Promise((resolve) => setTimeout(resolve, 30));
  }
}

/** Kills what runs inside one of the lab's namespaces (servers of a crashed run) and deletes it. */
function deleteNamespace(name: string): void {
  const pids = runSync(['ip', 'netns', 'pids', name]).stdout.split('\n').map(Number).filter((pid) => pid > 1);
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  runSync(['ip', 'netns', 'del', name]);
}

/** Deletes namespaces a previous run with this tag left behind when its process died. */
export function cleanLeftovers(tag: string): string[] {
  const pattern = new RegExp(`^na${tag}(\\d+)-`);
  const removed: string[] = [];
  for (const name of netnsNames()) {
    const match = pattern.exec(name);
    if (!match) continue;
    const pid = Number(match[1]);
    if (pid !== process.pid && processAlive(pid)) continue;
    deleteNamespace(name);
    removed.push(name);
  }
  return removed;
}

/** `ip -batch -` in one namespace: one process for many link/addr/route commands. */
function ipBatch(ns: string, commands: string[]): RunResult {
  return runSync(['ip', '-n', ns, '-batch', '-'], { input: `${commands.join('\n')}\n` });
}

export class Lab {
  readonly prefix: string;
  readonly ns: LabNamespaces;
  private readonly servers = new Map<NamespaceKey, Server>();
  private readonly serverStarted = new Map<NamespaceKey, number>();

  constructor(
    readonly tag: string,
    readonly layout: DockerLayout = 'classic',
  ) {
    this.prefix = `na${tag}${process.pid}`;
    this.ns = { host: `${this.prefix}-host`, internet: `${this.prefix}-inet`, c1: `${this.prefix}-c1`, c2: `${this.prefix}-c2` };
  }

  /** argv run inside one of the lab's namespaces; throws when it fails. */
  exec(key: NamespaceKey, argv: readonly string[], input?: string): RunResult {
    return must(runSync(inNetns(this.ns[key], argv), input === undefined ? {} : { input }));
  }

  ip(key: NamespaceKey, ...args: string[]): RunResult {
    return must(runSync(['ip', '-n', this.ns[key], ...args]));
  }

  sysctl(key: NamespaceKey, name: string, value: string | number): void {
    this.exec(key, ['sysctl', '-q', '-w', `${name}=${value}`]);
  }

  iptables(op: '-A' | '-D' | '-I', rule: RuleSpec): void {
    this.exec('host', ['iptables', '-t', rule.table, op, rule.chain, ...rule.spec]);
  }

  async create(): Promise<void> {
    const leftovers = cleanLeftovers(this.tag);
    if (leftovers.length > 0) console.warn(`netns lab: deleted namespaces left by a crashed run: ${leftovers.join(', ')}`);
    for (const key of ['host', 'internet'] as const) must(runSync(['ip', 'netns', 'add', this.ns[key]]));
    must(ipBatch(this.ns.internet, ['link set lo up', `addr add ${T.remoteAddress}/32 dev lo`]));
    must(
      ipBatch(this.ns.host, [
        'link set lo up',
        `link add ${T.uplink} type veth peer name ${T.internetIf} netns ${this.ns.internet}`,
        `link add ${T.bridge} type bridge`,
      ]),
    );
    must(
      ipBatch(this.ns.internet, [
        `addr add ${T.internetAddress}/${T.uplinkPrefixLen} dev ${T.internetIf}`,
        `link set ${T.internetIf} up`,
      ]),
    );
    for (const c of CONTAINERS) this.createContainer(c);
    this.reset();
    await this.startLabServer('internet');
    await this.ensureServers();
  }

  /** A container namespace and its veth pair (host end unattached: reset() plumbs it). */
  private createContainer(c: ContainerKey): void {
    const ns = this.ns[c];
    if (netnsNames().includes(ns)) deleteNamespace(ns);
    must(runSync(['ip', 'netns', 'add', ns]));
    const veth = T.containers[c].veth;
    if (this.hostLinks().includes(veth)) this.ip('host', 'link', 'del', veth);
    this.ip('host', 'link', 'add', veth, 'type', 'veth', 'peer', 'name', T.containerIf, 'netns', ns);
    this.servers.delete(c);
  }

  /** Stops a container's TCP server (restore() starts it again): its port then answers with a reset. */
  stopContainerServer(c: ContainerKey): void {
    const server = this.servers.get(c);
    if (server) stopServer(server);
    this.servers.delete(c);
  }

  /** Deletes a container namespace (its server first): the kernel destroys its veth pair with it. */
  removeContainer(c: ContainerKey): void {
    const server = this.servers.get(c);
    if (server) stopServer(server);
    this.servers.delete(c);
    deleteNamespace(this.ns[c]);
  }

  hostLinks(): string[] {
    const links = JSON.parse(this.ip('host', '-j', 'link', 'show').stdout) as { ifname: string }[];
    return links.map((l) => l.ifname);
  }

  private extraHostLink(): string | undefined {
    return this.hostLinks().find((name) => !HOST_INTERFACES.includes(name));
  }

  /** Brings everything back to the healthy baseline, whatever a fault changed. Idempotent. */
  reset(): void {
    this.renameBridgeBack();
    // A fault that set a container's own firewall: the namespace is made anew below, as a fresh container's.
    for (const c of CONTAINERS) {
      if (netnsNames().includes(this.ns[c]) && /^:OUTPUT DROP/m.test(runSync(inNetns(this.ns[c], ['iptables-save'])).stdout)) deleteNamespace(this.ns[c]);
    }
    const links = this.hostLinks();
    for (const c of CONTAINERS) {
      if (!netnsNames().includes(this.ns[c]) || !links.includes(T.containers[c].veth)) this.createContainer(c);
    }
    // Deleting one end of a leftover veth pair deletes the other: list again after each deletion.
    for (let extra = this.extraHostLink(); extra !== undefined; extra = this.extraHostLink()) this.ip('host', 'link', 'del', extra);
    const veths = CONTAINERS.map((c) => T.containers[c].veth);
    must(
      ipBatch(this.ns.host, [
        ...veths.map((v) => `link set ${v} mtu ${T.mtu} master ${T.bridge} up`),
        `link set ${T.bridge} mtu ${T.mtu} up`,
        `link set ${T.uplink} mtu ${T.mtu} up`,
        `addr flush dev ${T.uplink} scope global`,
        `addr add ${T.hostUplinkAddress}/${T.uplinkPrefixLen} dev ${T.uplink}`,
        `addr flush dev ${T.bridge} scope global`,
        `addr add ${T.bridgeAddress}/${T.bridgePrefixLen} dev ${T.bridge}`,
        `route replace default via ${T.internetAddress} dev ${T.uplink}`,
      ]),
    );
    for (const c of CONTAINERS) {
      must(
        ipBatch(this.ns[c], [
          'link set lo up',
          `link set ${T.containerIf} mtu ${T.mtu} up`,
          `addr flush dev ${T.containerIf} scope global`,
          `addr add ${T.containers[c].address}/${T.bridgePrefixLen} dev ${T.containerIf}`,
          `route replace default via ${T.bridgeAddress} dev ${T.containerIf}`,
        ]),
      );
    }
    // ip_forward=1 only propagates to every interface when it changes, so each value is written.
    const forwarding = ['all', 'default', ...HOST_INTERFACES].map((i) => `net.ipv4.conf.${i}.forwarding=1`);
    const bridgeNf = BR_NETFILTER ? ['net.bridge.bridge-nf-call-iptables=1'] : [];
    this.exec('host', ['sysctl', '-q', '-w', 'net.ipv4.ip_forward=1', ...forwarding, ...bridgeNf]);
    this.removeOtherRulesets();
    this.exec('host', ['iptables-restore'], dockerRuleset(DOCKER_NETWORK, this.layout));
    // The Docker ruleset has no mangle table, and routing faults live outside it: removed whatever they were.
    this.exec('host', ['iptables', '-t', 'mangle', '-F']);
    runSync(['ip', '-n', this.ns.host, 'rule', 'del', 'priority', String(FAULT_RULE_PRIORITY)]);
    runSync(['ip', '-n', this.ns.host, 'route', 'flush', 'table', String(FAULT_TABLE)]);
    runSync(inNetns(this.ns.host, ['nft', 'delete', 'table', 'inet', FAULT_NFT_TABLE]));
  }

  /** A layout that names the bridge as its project does (podman0, cni0): the bridge gets its baseline name back. */
  private renameBridgeBack(): void {
    if (this.hostLinks().includes(T.bridge)) return;
    const bridges = JSON.parse(this.ip('host', '-j', 'link', 'show', 'type', 'bridge').stdout) as { ifname: string }[];
    const renamed = bridges[0]?.ifname;
    if (renamed === undefined) return;
    this.renameLink(renamed, T.bridge);
  }

  /**
   * Renames a host link while it is up where the kernel allows it (down and up again, it can come back
   * without carrier for a while although its ports forward); else down, renamed, up.
   */
  renameLink(from: string, to: string): void {
    if (runSync(['ip', '-n', this.ns.host, 'link', 'set', from, 'name', to]).code === 0) return;
    this.ip('host', 'link', 'set', from, 'down');
    this.ip('host', 'link', 'set', from, 'name', to);
    this.ip('host', 'link', 'set', to, 'up');
  }

  /**
   * Removes what the nftables layouts add besides Docker's iptables rules (which reset() then loads again):
   * every nft table (native ones, and iptables-nft's when `iptables` is that variant), and the rules and
   * policies of an iptables-legacy backend that is not the one `iptables` writes to.
   */
  private removeOtherRulesets(): void {
    runSync(inNetns(this.ns.host, ['nft', 'flush', 'ruleset']));
    const legacyTables = runSync(inNetns(this.ns.host, ['cat', '/proc/net/ip_tables_names'])).stdout.split('\n').filter((t) => t.length > 0);
    if (legacyTables.length === 0 || !runSync(inNetns(this.ns.host, ['iptables', '-V'])).stdout.includes('nf_tables')) return;
    for (const table of legacyTables) {
      runSync(inNetns(this.ns.host, ['iptables-legacy', '-t', table, '-F']));
      runSync(inNetns(this.ns.host, ['iptables-legacy', '-t', table, '-X']));
    }
    if (legacyTables.includes('filter')) for (const chain of ['INPUT', 'FORWARD', 'OUTPUT']) runSync(inNetns(this.ns.host, ['iptables-legacy', '-P', chain, 'ACCEPT']));
  }

  /** reset(), then restarts the servers of recreated container namespaces. */
  async restore(): Promise<void> {
    this.reset();
    await this.ensureServers();
  }

  /**
   * Starts the TCP servers that are gone: a container's in a recreated namespace, and any server whose lifetime
   * ran out or is about to (a slow run of many faults outlasts it, the internet's first).
   */
  async ensureServers(): Promise<void> {
    for (const key of ['internet', ...CONTAINERS] as const) {
      const server = this.servers.get(key);
      const remaining = SERVER_LIFETIME_MS - (Date.now() - (this.serverStarted.get(key) ?? 0));
      if (server && server.process.exitCode === null && server.process.signalCode === null && remaining > SERVER_MIN_REMAINING_MS) continue;
      if (server) await stopAndWait(server);
      await this.startLabServer(key);
    }
  }

  private async startLabServer(key: NamespaceKey): Promise<void> {
    this.servers.set(key, await startServer(this.ns[key], key, T.serverPort, SERVER_LIFETIME_MS));
    this.serverStarted.set(key, Date.now());
  }

  destroy(): void {
    for (const server of this.servers.values()) stopServer(server);
    this.servers.clear();
    const errors: string[] = [];
    for (const name of Object.values(this.ns)) {
      if (!netnsNames().includes(name)) continue;
      deleteNamespace(name);
      if (netnsNames().includes(name)) errors.push(name);
    }
    if (errors.length > 0) throw new Error(`lab teardown: could not delete namespaces ${errors.join(', ')}`);
  }
}
