/**
 * Every fact module, assembled into the registry. Add a module with one line in FACT_MODULES
 * (see src/engine/README.md for the pattern).
 */
import { bridgeModule } from './bridge.js';
import { cniModule } from './cni.js';
import { bridgedUplinkModule } from './bridged-uplink.js';
import { dnatTargetModule } from './dnat-target.js';
import { hostModule } from './host.js';
import { hostContextBridgeModule, hostContextHostModule, hostContextNamespaceModule, hostContextPortModule, hostContextSubnetModule } from './host-context.js';
import { interfaceModule } from './interface.js';
import { ipv6RaModule } from './ipv6-ra.js';
import { macvlanHostModule } from './macvlan-host.js';
import { namespaceModule } from './namespace.js';
import { netfilterBridgeModule } from './netfilter-bridge.js';
import { networkManagersModule } from './network-managers.js';
import { netfilterHostModule } from './netfilter-host.js';
import { netfilterChainModule, netfilterRuleModule } from './netfilter-rule.js';
import { bridgeSubnetModule } from './netfilter-subnet.js';
import { nftChainModule, nftRuleModule } from './nft-rule.js';
import { overlayPortModule } from './overlay-port.js';
import { containerEgressPathModule, egressPathModule, ingressPathModule } from './path.js';
import { publishedPortModule } from './published-port.js';
import { publishedPortExposureModule } from './published-port-exposure.js';
import { publishedPortHairpinModule } from './published-port-hairpin.js';
import { FactRegistry, type FactDoc, type FactModule } from './registry.js';
import { routeModule } from './route.js';
import { gatewayNeighbourModule, routingRefusalModule } from './routing-decision.js';
import { sysctlModule } from './sysctl.js';
import { vethModule } from './veth.js';

export const FACT_MODULES: FactModule<unknown>[] = [
  hostModule,
  namespaceModule,
  interfaceModule,
  bridgeModule,
  vethModule,
  routeModule,
  sysctlModule,
  netfilterHostModule,
  netfilterBridgeModule,
  bridgeSubnetModule,
  publishedPortModule,
  dnatTargetModule,
  netfilterRuleModule,
  netfilterChainModule,
  nftRuleModule,
  nftChainModule,
  gatewayNeighbourModule,
  routingRefusalModule,
  egressPathModule,
  containerEgressPathModule,
  ingressPathModule,
  ipv6RaModule,
  overlayPortModule,
  macvlanHostModule,
  publishedPortExposureModule,
  publishedPortHairpinModule,
  bridgedUplinkModule,
  networkManagersModule,
  cniModule,
  hostContextNamespaceModule,
  hostContextHostModule,
  hostContextBridgeModule,
  hostContextPortModule,
  hostContextSubnetModule,
];

export const FACT_REGISTRY = new FactRegistry(FACT_MODULES);

/** Every fact, for the docs generator (docs/facts.md) and `netaudit explain`. */
export const FACT_DOCS: FactDoc[] = FACT_REGISTRY.docs();

export type { FactDoc };
export { EVIDENCE_TYPE } from './registry.js';
