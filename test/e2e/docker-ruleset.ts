/**
 * The iptables rules Docker writes for one bridge network with one published port, as
 * `iptables-restore` input. Rule text follows Docker's own output (moby's iptabler goldens):
 * - classic: Docker 20–27 (FORWARD → DOCKER-USER, DOCKER-ISOLATION-STAGE-1, conntrack accept, DOCKER,
 *   `-i docker0 ! -o docker0` and `-i docker0 -o docker0` accepts directly in FORWARD);
 * - modern: Docker 28+ (FORWARD → DOCKER-USER, DOCKER-FORWARD → DOCKER-CT / DOCKER-ISOLATION / DOCKER-BRIDGE).
 */

export type DockerLayout = 'classic' | 'modern';

export interface DockerNetwork {
  bridge: string;
  subnet: string;
  /** The container the port is published to. */
  container: string;
  hostPort: number;
  containerPort: number;
}

/** One rule as iptables takes it on the command line: `iptables -t TABLE -A CHAIN ...spec`. */
export interface RuleSpec {
  table: 'nat' | 'filter';
  chain: string;
  spec: string[];
}

/** The rule as iptables-save prints it. */
export const savedForm = (r: RuleSpec): string => `-A ${r.chain} ${r.spec.join(' ')}`;

/** The rules fault scenarios delete or replace; the rulesets below are written from these. */
export function dockerRules(n: DockerNetwork) {
  const br = n.bridge;
  return {
    masquerade: { table: 'nat', chain: 'POSTROUTING', spec: ['-s', n.subnet, '!', '-o', br, '-j', 'MASQUERADE'] },
    dnat: {
      table: 'nat',
      chain: 'DOCKER',
      spec: ['!', '-i', br, '-p', 'tcp', '-m', 'tcp', '--dport', String(n.hostPort), '-j', 'DNAT', '--to-destination', `${n.container}:${n.containerPort}`],
    },
    /** Classic layout only: containers' traffic leaving the bridge. */
    outboundAccept: { table: 'filter', chain: 'FORWARD', spec: ['-i', br, '!', '-o', br, '-j', 'ACCEPT'] },
    publishAccept: {
      table: 'filter',
      chain: 'DOCKER',
      spec: ['-d', `${n.container}/32`, '!', '-i', br, '-o', br, '-p', 'tcp', '-m', 'tcp', '--dport', String(n.containerPort), '-j', 'ACCEPT'],
    },
  } satisfies Record<string, RuleSpec>;
}

function natTable(n: DockerNetwork, layout: DockerLayout): string[] {
  const rules = dockerRules(n);
  return [
    '*nat',
    ':PREROUTING ACCEPT [0:0]',
    ':INPUT ACCEPT [0:0]',
    ':OUTPUT ACCEPT [0:0]',
    ':POSTROUTING ACCEPT [0:0]',
    ':DOCKER - [0:0]',
    '-A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER',
    '-A OUTPUT ! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL -j DOCKER',
    savedForm(rules.masquerade),
    ...(layout === 'classic'
      ? [
          `-A POSTROUTING -s ${n.container}/32 -d ${n.container}/32 -p tcp -m tcp --dport ${n.containerPort} -j MASQUERADE`,
          `-A DOCKER -i ${n.bridge} -j RETURN`,
        ]
      : []),
    savedForm(rules.dnat),
    'COMMIT',
  ];
}

function classicFilter(n: DockerNetwork): string[] {
  const br = n.bridge;
  return [
    '*filter',
    ':INPUT ACCEPT [0:0]',
    ':FORWARD DROP [0:0]',
    ':OUTPUT ACCEPT [0:0]',
    ':DOCKER - [0:0]',
    ':DOCKER-ISOLATION-STAGE-1 - [0:0]',
    ':DOCKER-ISOLATION-STAGE-2 - [0:0]',
    ':DOCKER-USER - [0:0]',
    '-A FORWARD -j DOCKER-USER',
    '-A FORWARD -j DOCKER-ISOLATION-STAGE-1',
    `-A FORWARD -o ${br} -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`,
    `-A FORWARD -o ${br} -j DOCKER`,
    savedForm(dockerRules(n).outboundAccept),
    `-A FORWARD -i ${br} -o ${br} -j ACCEPT`,
    savedForm(dockerRules(n).publishAccept),
    `-A DOCKER-ISOLATION-STAGE-1 -i ${br} ! -o ${br} -j DOCKER-ISOLATION-STAGE-2`,
    '-A DOCKER-ISOLATION-STAGE-1 -j RETURN',
    `-A DOCKER-ISOLATION-STAGE-2 -o ${br} -j DROP`,
    '-A DOCKER-ISOLATION-STAGE-2 -j RETURN',
    '-A DOCKER-USER -j RETURN',
    'COMMIT',
  ];
}

function modernFilter(n: DockerNetwork): string[] {
  const br = n.bridge;
  return [
    '*filter',
    ':INPUT ACCEPT [0:0]',
    ':FORWARD DROP [0:0]',
    ':OUTPUT ACCEPT [0:0]',
    ':DOCKER - [0:0]',
    ':DOCKER-BRIDGE - [0:0]',
    ':DOCKER-CT - [0:0]',
    ':DOCKER-FORWARD - [0:0]',
    ':DOCKER-ISOLATION-STAGE-1 - [0:0]',
    ':DOCKER-ISOLATION-STAGE-2 - [0:0]',
    ':DOCKER-USER - [0:0]',
    '-A FORWARD -j DOCKER-USER',
    '-A FORWARD -j DOCKER-FORWARD',
    savedForm(dockerRules(n).publishAccept),
    `-A DOCKER ! -i ${br} -o ${br} -j DROP`,
    `-A DOCKER-BRIDGE -o ${br} -j DOCKER`,
    `-A DOCKER-CT -o ${br} -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`,
    '-A DOCKER-FORWARD -j DOCKER-CT',
    '-A DOCKER-FORWARD -j DOCKER-ISOLATION-STAGE-1',
    '-A DOCKER-FORWARD -j DOCKER-BRIDGE',
    `-A DOCKER-FORWARD -i ${br} -j ACCEPT`,
    `-A DOCKER-ISOLATION-STAGE-1 -i ${br} ! -o ${br} -j DOCKER-ISOLATION-STAGE-2`,
    `-A DOCKER-ISOLATION-STAGE-2 -o ${br} -j DROP`,
    'COMMIT',
  ];
}

export function dockerRuleset(n: DockerNetwork, layout: DockerLayout): string {
  const filter = layout === 'classic' ? classicFilter(n) : modernFilter(n);
  return [...natTable(n, layout), ...filter, ''].join('\n');
}
