/**
 * The HTML report's "Host context" section without a browser: what it shows of a Docker host (resolvers,
 * runtime processes and Docker's settings with their origins, nmcli's devices), hostile values written as
 * text, each part not collected said so, never an empty table; the finding's evidence line linked to the row
 * that shows it and back; no section at all for a snapshot without any of these sources.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildHost } from '../../src/model/build.js';
import { formatHtmlShow } from '../../src/report/html/index.js';
import { hostView } from '../../src/show/view.js';
import { loadBytes } from '../../src/snapshot/load.js';
import { Snapshot, type FileSource } from '../../src/snapshot/schema.js';
import { cli } from '../cli/run.js';
import { makeSnapshot } from '../helpers/snapshot.js';
import { HOSTILE_ARGUMENT, HOSTILE_CONNECTION, HOSTILE_SEARCH, HOSTILE_SECTION, hostileContextDir, hostileNmDir } from './host-context-input.js';

const dir = mkdtempSync(path.join(tmpdir(), 'netaudit-html-context-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const TAGS = new Set('html head meta title style body section header h1 h2 h3 p div svg defs marker path g rect text tspan a circle polyline ol ul li code span strong details summary script table caption thead tbody tr th td'.split(' '));
const escaped = (s: string) => s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');

/** The section's HTML, from its opening tag to the end of the report section. */
function contextOf(html: string): string {
  const start = html.indexOf('<div class="context"');
  return start < 0 ? '' : html.slice(start, html.indexOf('</section>', start));
}

describe('the Host context section of a Docker host with hostile values', async () => {
  const run = await cli(['audit', hostileContextDir(dir), '-f', 'html', '--fail-on', 'none']);
  const html = run.stdout;
  const context = contextOf(html);

  it('shows the resolvers, the runtime processes, Docker\'s settings with their origins and nmcli\'s devices', () => {
    expect(run.code, run.stderr).toBe(0);
    expect(context).toMatch(/^<div class="context" id="s0-context"><h2>Host context<\/h2><h3>Resolvers<\/h3>/);
    expect(context).toContain('<td>host</td><td>/etc/resolv.conf written by NetworkManager</td><td>192.0.2.53</td>');
    expect(context).toContain('<td>host (systemd-resolved upstream)</td><td>/run/systemd/resolve/resolv.conf written by systemd-resolved</td><td>192.0.2.1</td>');
    expect(context).toMatch(/<tr id="s0-ctx--\d+"><td>dockerd<\/td><td>812<\/td><td>-H fd:\/\/ --label=&lt;script&gt;/);
    expect(context).toContain('<td>userland-proxy</td><td>false</td><td>daemon.json</td><td class="lines"><code class="where">/etc/docker/daemon.json:4</code></td>');
    expect(context).toContain('<td>iptables</td><td>true</td><td>default</td><td class="lines"></td>');
    expect(context).toContain('<td>default-address-pools</td><td>192.0.2.0/24 size 28</td><td>daemon.json</td>');
    expect(context).toContain('<td>docker0</td><td>bridge</td><td>unmanaged</td><td></td><td class="lines"><code class="where">nmcli-device:2</code></td>');
    // The resolv.conf row points at the writer's comment, the search, nameserver and options lines.
    expect(context).toContain('<td>ndots:2</td><td class="lines"><code class="where">/etc/resolv.conf:1, 2, 3, 4</code></td>');
  });

  it('writes the hostile search domain, argument and connection name as text', () => {
    for (const hostile of [HOSTILE_SEARCH, HOSTILE_ARGUMENT, HOSTILE_CONNECTION]) expect(context).toContain(escaped(hostile));
    expect(html.match(/<script/gi)).toHaveLength(1);
    expect(html).not.toMatch(/<img/i);
    const tags = [...html.replace(/^<!DOCTYPE html>/, '').replace(/<script>[\s\S]*?<\/script>|<style>[\s\S]*?<\/style>/g, '').matchAll(/<\/?([A-Za-z][A-Za-z0-9]*)((?:\s+[A-Za-z:-]+(?:="[^"]*")?)*)\s*\/?>|</g)];
    expect([...new Set(tags.map((t) => t[1] ?? '(bare <)'))].filter((n) => !TAGS.has(n.toLowerCase()))).toEqual([]);
    expect(tags.flatMap((t) => [...(t[2] ?? '').replace(/="[^"]*"/g, '').matchAll(/\s([A-Za-z:-]+)/g)].map((a) => a[1]!)).filter((a) => /^on/i.test(a))).toEqual([]);
  });

  it('says each source it could not show was not collected, naming it, and shows no empty table', () => {
    for (const what of ["NetworkManager's configuration (unmanaged-devices) not collected", "systemd-networkd's links (networkctl) not collected", 'CNI network configuration (/etc/cni/net.d) not collected', "flannel's lease (/run/flannel/subnet.env) not collected"]) {
      expect(context).toContain(`<p class="ctx-status not-collected">${escaped(what)}`);
    }
    expect(context).not.toMatch(/<tbody><\/tbody>/);
  });

  it('links the finding\'s evidence line to the row that shows it, and the row back to the finding', () => {
    const link = /<li><a href="#(s0-ctx--\d+)" class="to-context"><code class="where">\/etc\/docker\/daemon\.json:5<\/code><\/a>/.exec(html);
    expect(link).not.toBeNull();
    expect(context).toMatch(new RegExp(`<tr id="${link![1]}" class="cited"><td>default-address-pools</td>.*?<a href="#s0-f0" class="to-finding">address-pool-overlap</a></td></tr>`));
    // Every id is safe and unique, every fragment lands.
    const ids = [...html.matchAll(/\sid="([^"]*)"/g)].map((m) => m[1]!);
    expect(ids.filter((id) => !/^[A-Za-z0-9_-]+$/.test(id))).toEqual([]);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...html.matchAll(/\shref="([^"]*)"/g)].map((m) => m[1]!).filter((h) => !h.startsWith('#') || !ids.includes(h.slice(1)))).toEqual([]);
  });
});

const showHtml = (snapshot: Snapshot) => formatHtmlShow(hostView(buildHost(Snapshot.parse(snapshot))), 'test');
const file = (p: string, content: string): FileSource => ({ status: 'ok', files: [{ path: p, status: 'ok', content, encoding: 'utf8' }] });

describe('the Host context section: when it shows, and what it says of each source', () => {
  it('is not there for a snapshot without any of its sources (the bundled example)', () => {
    const example = loadBytes(readFileSync('fixtures/example/snapshot.json'), 'example').snapshot;
    expect(showHtml(example)).not.toContain('Host context');
  });

  it('a source that failed is shown as failed, with its reason; the others as not collected', () => {
    const snapshot = makeSnapshot({ 'nmcli-device': { status: 'failed', reason: 'Error: NetworkManager is not running.' } });
    const context = contextOf(showHtml(snapshot));
    expect(context).toContain("<p class=\"ctx-status not-collected\">NetworkManager's devices (nmcli) failed: Error: NetworkManager is not running.</p>");
    expect(context).toContain('<p class="ctx-status not-collected">/etc/resolv.conf not collected: host</p>');
    expect(context).toContain('<p class="ctx-status not-collected">/etc/docker/daemon.json not collected</p>');
    expect(context).not.toContain('<table');
  });

  it('a file read and not there is said so, apart from one not collected; namespaces sharing a state are listed together', () => {
    const snapshot = makeSnapshot({}, { namespaces: [{ name: 'blue', kind: 'named', sources: {} }, { name: 'red', kind: 'named', sources: {} }] });
    snapshot.namespaces[0]!.files = {
      'resolv-conf': { status: 'empty', files: [{ path: '/etc/resolv.conf', status: 'absent' }] },
      'docker-daemon-json': { status: 'empty', files: [{ path: '/etc/docker/daemon.json', status: 'absent' }] },
      'runtime-cmdlines': { status: 'empty', files: [{ path: '/proc/*/cmdline', status: 'absent' }] },
    };
    snapshot.namespaces[2]!.files = { 'resolv-conf': file('/etc/resolv.conf', 'nameserver 198.51.100.53\n') };
    const context = contextOf(showHtml(snapshot));
    expect(context).toContain('<td>host</td><td>no /etc/resolv.conf</td><td>none: the resolver asks 127.0.0.1</td>');
    expect(context).toContain('<td>red</td><td>/etc/resolv.conf</td><td>198.51.100.53</td><td></td><td></td><td class="lines"><code class="where">netns:red/etc/resolv.conf:1</code></td>');
    expect(context).toContain('<p class="ctx-status not-collected">/etc/resolv.conf not collected: blue</p>');
    expect(context).toContain('<p class="ctx-status">no dockerd, containerd, kubelet or kube-proxy process</p>');
    expect(context).toContain('<p class="ctx-status">no /etc/docker/daemon.json and no dockerd process</p>');
  });

  it('a key set in daemon.json and on dockerd\'s command line: a row pointing at both lines', () => {
    const snapshot = makeSnapshot({});
    snapshot.namespaces[0]!.files = {
      'docker-daemon-json': file('/etc/docker/daemon.json', '{\n  "bip": "10.200.0.1/24"\n}\n'),
      'runtime-cmdlines': file('/proc/812/cmdline', ['/usr/bin/dockerd', '--bip=10.200.0.1/24'].map((a) => `${a}\u0000`).join('')),
    };
    expect(contextOf(showHtml(snapshot))).toMatch(
      /<caption>Settings dockerd refuses to start with \(set in daemon\.json and on its command line\)<\/caption>.*?<tr id="s0-ctx--\d+"><td>bip<\/td><td>set in \/etc\/docker\/daemon\.json:2 and on dockerd's command line<\/td><td class="lines"><code class="where">\/etc\/docker\/daemon\.json:2<\/code> <code class="where">\/proc\/812\/cmdline:1<\/code><\/td><\/tr>/,
    );
  });

  it('the pod network: the CNI networks, flannel\'s lease and the subnet they give cni0', () => {
    const snapshot = makeSnapshot({});
    snapshot.namespaces[0]!.files = {
      'cni-conf': file('/etc/cni/net.d/10-flannel.conflist', '{\n  "name": "cbr0",\n  "cniVersion": "0.3.1",\n  "plugins": [\n    { "type": "flannel", "delegate": { "isDefaultGateway": true } }\n  ]\n}\n'),
      'flannel-subnet-env': file('/run/flannel/subnet.env', 'FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=10.244.1.1/24\n'),
    };
    const context = contextOf(showHtml(snapshot));
    expect(context).toContain('<td>/etc/cni/net.d/10-flannel.conflist</td><td>cbr0</td><td>flannel bridge cni0</td>');
    expect(context).toContain('<td>FLANNEL_SUBNET</td><td>10.244.1.1/24</td>');
    expect(context).toContain('<td>cni0</td><td>10.244.1.0/24</td><td>flannel (subnet.env)</td><td>cbr0</td>');
    // Each row points at its lines: the network's name and plugin, each key of the lease, both files of an assignment.
    expect(context).toContain('<td>cbr0</td><td>flannel bridge cni0</td><td class="lines"><code class="where">/etc/cni/net.d/10-flannel.conflist:2, 5</code></td>');
    expect(context).toContain('<td>FLANNEL_SUBNET</td><td>10.244.1.1/24</td><td class="lines"><code class="where">/run/flannel/subnet.env:2</code></td>');
    expect(context).toContain('<td>cbr0</td><td class="lines"><code class="where">/etc/cni/net.d/10-flannel.conflist:5</code> <code class="where">/run/flannel/subnet.env:2</code></td>');
    expect(context).toContain('<p class="ctx-status not-collected">CNI host-local allocations (/var/lib/cni/networks) not collected</p>');
  });
});

describe('the Host context section: NetworkManager\'s configuration per device, with a hostile [device*] section name', async () => {
  const run = await cli(['audit', hostileNmDir(dir), '-f', 'html', '--fail-on', 'none']);
  const html = run.stdout;
  const context = contextOf(html);
  const rowOf = (device: string) => new RegExp(`<tr id="(s0-ctx--\\d+)"[^>]*><td>${device}</td><td>(?:managed|unmanaged|default|unknown)</td>.*?</tr>`).exec(context);

  it('shows each device\'s configured management, what decides it, udev\'s verdict and nmcli\'s state, with the deciding lines', () => {
    expect(run.code, run.stderr).toBe(0);
    expect(context).toContain("<caption>NetworkManager's configuration per device (unmanaged-devices, [device*] managed=, udev's NM_UNMANAGED)</caption>");
    expect(rowOf('veth3c5a6e1')?.[0]).toMatch(
      new RegExp(
        '<td>veth3c5a6e1</td><td>managed</td><td>\\[device-debug\\] managed=1 \\(/etc/NetworkManager/conf\\.d/90-debug\\.conf line 4\\), over udev\'s NM_UNMANAGED=1 \\(/usr/lib/udev/rules\\.d/85-nm-unmanaged\\.rules line 9\\)</td>' +
          '<td>NM_UNMANAGED=1</td><td>connecting \\(getting IP configuration\\)</td>' +
          '<td class="lines"><code class="where">/etc/NetworkManager/conf\\.d/90-debug\\.conf:3, 4</code> <code class="where">/usr/lib/udev/rules\\.d/85-nm-unmanaged\\.rules:9</code>',
      ),
    );
    expect(context).toContain('<td>docker0</td><td>default</td><td>nothing configured (NetworkManager manages it)</td><td>NM_UNMANAGED not set</td><td>connected</td><td class="lines"></td>');
    // Unknown: the reason once, in the decision's cell.
    expect(context).toContain("<td>eth0</td><td>unknown</td><td>udev's NM_UNMANAGED for it: rules that set NM_UNMANAGED depend on what the snapshot does not show of the device</td><td>unknown</td>");
  });

  it('writes the hostile section name as text', () => {
    expect(rowOf('vethb1f0d2a')?.[0]).toContain(`<td>vethb1f0d2a</td><td>managed</td><td>[${escaped(HOSTILE_SECTION)}] managed=1 (/etc/NetworkManager/conf.d/95-hostile.conf line 3)`);
    expect(html).not.toMatch(/<img/i);
    expect(html.match(/<script/gi)).toHaveLength(1);
  });

  it('links the finding\'s [device] and udev lines to the device\'s own row, and the row back to the finding', () => {
    const finding = /<li class="finding [^"]*" id="(s0-f\d+)" data-rule="interface-managed-by-network-manager"[^>]*><h3>.*? on interface <[^>]*>veth3c5a6e1<.*?<p class="fix">/.exec(html);
    expect(finding).not.toBeNull();
    const row = rowOf('veth3c5a6e1')!;
    for (const where of ['/etc/NetworkManager/conf.d/90-debug.conf:4', '/etc/NetworkManager/conf.d/90-debug.conf:3', '/usr/lib/udev/rules.d/85-nm-unmanaged.rules:9']) {
      expect(finding![0]).toContain(`<a href="#${row[1]}" class="to-context"><code class="where">${where}</code></a>`);
    }
    expect(row[0]).toMatch(/^<tr id="s0-ctx--\d+" class="cited">/);
    expect(row[0]).toContain(`<a href="#${finding![1]}" class="to-finding">interface-managed-by-network-manager</a>`);
  });

  it('udev\'s rules not collected: said so, and each device\'s udev verdict unknown', () => {
    const snapshot = makeSnapshot({
      'ip-link': JSON.stringify([{ ifindex: 2, ifname: 'veth1', flags: ['UP'], mtu: 1500, operstate: 'UP', link_type: 'ether', address: '02:00:00:00:00:02', linkinfo: { info_kind: 'veth' } }]),
    });
    snapshot.namespaces[0]!.files = { 'nm-conf': file('/etc/NetworkManager/conf.d/90-containers.conf', '[keyfile]\nunmanaged-devices=interface-name:veth*\n') };
    const shown = contextOf(showHtml(snapshot));
    expect(shown).toContain('<p class="ctx-status not-collected">udev\'s rules (NM_UNMANAGED) not collected</p>');
    expect(shown).toMatch(
      /<tr id="s0-ctx--\d+"><td>veth1<\/td><td>unmanaged<\/td><td>\[keyfile\] unmanaged-devices spec interface-name:veth\* \(\/etc\/NetworkManager\/conf\.d\/90-containers\.conf line 2\)<\/td><td>unknown: the udev rules were not collected<\/td><td><\/td>/,
    );
  });
});

