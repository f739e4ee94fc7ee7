/**
 * The lab's healthy baseline: a Docker-like host namespace with an uplink veth to an "internet"
 * namespace and a docker0 bridge with one veth per container namespace. Addresses come from
 * documentation (203.0.113.0/24) and private container (172.16.0.0/12) ranges only.
 */
import type { DockerNetwork } from './docker-ruleset.js';

export const CONTAINERS = ['c1', 'c2'] as const;
export type ContainerKey = (typeof CONTAINERS)[number];
export type NamespaceKey = 'host' | 'internet' | ContainerKey;

export interface ContainerPlan {
  /** Host end of the container's veth pair, named the way Docker names them. */
  veth: string;
  address: string;
}

export const TOPOLOGY = {
  /** Host end of the uplink veth (its peer is `internetIf` in the internet namespace). */
  uplink: 'eth0',
  internetIf: 'eth0',
  hostUplinkAddress: '203.0.113.2',
  /** The internet namespace's uplink address: the host's default gateway. */
  internetAddress: '203.0.113.1',
  /** A host beyond the gateway (on the internet namespace's loopback): reachable only through the host's default route. */
  remoteAddress: '198.51.100.1',
  uplinkPrefixLen: 24,
  uplinkSubnet: '203.0.113.0/24',
  bridge: 'docker0',
  bridgeAddress: '172.18.0.1',
  bridgePrefixLen: 16,
  bridgeSubnet: '172.18.0.0/16',
  /** Interface name inside each container namespace. */
  containerIf: 'eth0',
  containers: {
    c1: { veth: 'veth1a2b3c4', address: '172.18.0.2' },
    c2: { veth: 'veth5d6e7f8', address: '172.18.0.3' },
  } satisfies Record<ContainerKey, ContainerPlan>,
  mtu: 1500,
  /** Every TCP server in the lab (internet, c1, c2) listens here. */
  serverPort: 80,
  /** Published on the host uplink address to c1's server, like `docker run -p 8080:80`. */
  publishedPort: 8080,
} as const;

export const DOCKER_NETWORK: DockerNetwork = {
  bridge: TOPOLOGY.bridge,
  subnet: TOPOLOGY.bridgeSubnet,
  container: TOPOLOGY.containers.c1.address,
  hostPort: TOPOLOGY.publishedPort,
  containerPort: TOPOLOGY.serverPort,
};

/** Interfaces of the host namespace in the healthy baseline; reset() deletes any other. */
export const HOST_INTERFACES: readonly string[] = ['lo', TOPOLOGY.uplink, TOPOLOGY.bridge, TOPOLOGY.containers.c1.veth, TOPOLOGY.containers.c2.veth];
