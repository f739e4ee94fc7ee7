/**
 * What Router Advertisements leave in `ip addr` and `ip -6 route`, read from both forms: a SLAAC address's
 * `dynamic`/`mngtmpaddr` flags and valid lifetime, a route's `expires`. The outputs are real (a kernel 6.x
 * namespace configured by a Router Advertisement, iproute2 6.1), and mutated: whatever is changed, the
 * parsers give the same record for the JSON and the text form, or a located error, never a stack trace.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ParseError } from '../../src/errors.js';
import { parseIpAddr, parseIpRoute } from '../../src/parse/ip-json.js';
import { parseIpAddrText, parseIpRouteText } from '../../src/parse/text/index.js';

const ADDR_JSON = `[{"ifindex":2,"link_index":2,"ifname":"eth0","flags":["BROADCAST","MULTICAST","UP","LOWER_UP"],"mtu":1500,"qdisc":"noqueue","operstate":"UP","group":"default","txqlen":1000,"link_type":"ether","address":"3a:5f:df:0a:47:9f","broadcast":"ff:ff:ff:ff:ff:ff","link_netnsid":0,"addr_info":[{"family":"inet6","local":"2001:db8:1:0:385f:dfff:fe0a:479f","prefixlen":64,"scope":"global","dynamic":true,"mngtmpaddr":true,"valid_life_time":3597,"preferred_life_time":1797},{"family":"inet6","local":"fe80::385f:dfff:fe0a:479f","prefixlen":64,"scope":"link","valid_life_time":4294967295,"preferred_life_time":4294967295}]}]`;
const ADDR_TEXT = `2: eth0@if2: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP group default qlen 1000 link-netnsid 0
    link/ether 3a:5f:df:0a:47:9f brd ff:ff:ff:ff:ff:ff link-netnsid 0
    inet6 2001:db8:1:0:385f:dfff:fe0a:479f/64 scope global dynamic mngtmpaddr 
       valid_lft 3597sec preferred_lft 1797sec
    inet6 fe80::385f:dfff:fe0a:479f/64 scope link 
       valid_lft forever preferred_lft forever
`;
const ROUTE_JSON = `[{"dst":"2001:db8:1::/64","dev":"eth0","protocol":"kernel","metric":256,"flags":[],"expires":3598,"pref":"medium"},{"dst":"fe80::/64","dev":"eth0","protocol":"kernel","metric":256,"flags":[],"pref":"medium"},{"dst":"default","gateway":"fe80::5022:b9ff:fe5d:4dd6","dev":"eth0","protocol":"ra","metric":1024,"flags":[],"expires":1798,"metrics":[{"hoplimit":64}],"pref":"medium"}]`;
const ROUTE_TEXT = `2001:db8:1::/64 dev eth0 proto kernel metric 256 expires 3598sec pref medium
fe80::/64 dev eth0 proto kernel metric 256 pref medium
default via fe80::5022:b9ff:fe5d:4dd6 dev eth0 proto ra metric 1024 expires 1798sec hoplimit 64 pref medium
`;

const withoutEvidence = <T extends { line: number; text: string }>(records: T[]) => records.map(({ line: _l, text: _t, ...rest }) => rest);

describe('Router Advertisement traces in ip addr and ip -6 route', () => {
  it('a SLAAC address: dynamic, mngtmpaddr, its valid lifetime; forever is no lifetime', () => {
    const [eth0] = parseIpAddr({ source: 'ip-addr', text: ADDR_JSON }).value;
    expect(eth0?.addrs).toEqual([
      { family: 'inet6', local: '2001:db8:1:0:385f:dfff:fe0a:479f', prefixlen: 64, scope: 'global', dynamic: true, mngtmpaddr: true, validLifetime: 3597 },
      { family: 'inet6', local: 'fe80::385f:dfff:fe0a:479f', prefixlen: 64, scope: 'link' },
    ]);
    expect(withoutEvidence(parseIpAddrText({ source: 'ip-addr', text: ADDR_TEXT }).value)).toEqual(withoutEvidence(parseIpAddr({ source: 'ip-addr', text: ADDR_JSON }).value));
  });

  it('the RA default route and the prefix route: protocol ra, expires in seconds, in both forms', () => {
    const routes = parseIpRoute({ source: 'ip6-route', text: ROUTE_JSON }, 6).value;
    expect(routes.map((r) => [r.dst, r.protocol, r.expires])).toEqual([
      ['2001:db8:1::/64', 'kernel', 3598],
      ['fe80::/64', 'kernel', undefined],
      ['default', 'ra', 1798],
    ]);
    expect(withoutEvidence(parseIpRouteText({ source: 'ip6-route', text: ROUTE_TEXT }, 6).value)).toEqual(withoutEvidence(routes));
  });

  it('a lifetime or expiry that is not whole seconds is left out, the rest of the record kept', () => {
    const addr = parseIpAddrText({ source: 'ip-addr', text: ADDR_TEXT.replace('valid_lft 3597sec', 'valid_lft 12.5sec') }).value;
    expect(addr[0]?.addrs[0]).toEqual({ family: 'inet6', local: '2001:db8:1:0:385f:dfff:fe0a:479f', prefixlen: 64, scope: 'global', dynamic: true, mngtmpaddr: true });
    const route = parseIpRouteText({ source: 'ip6-route', text: ROUTE_TEXT.replace('expires 1798sec', 'expires soon') }, 6).value;
    expect(route[2]).toMatchObject({ dst: 'default', protocol: 'ra', metric: 1024 });
    expect(route[2]?.expires).toBeUndefined();
  });

  it('mutated real outputs: whole non-negative seconds where a lifetime or expiry is read, else a located ParseError', () => {
    const mutate = (text: string) =>
      fc.tuple(fc.nat(text.length), fc.nat(8), fc.string({ maxLength: 6 })).map(([at, cut, insert]) => text.slice(0, at) + insert + text.slice(at + cut));
    fc.assert(
      fc.property(mutate(ADDR_TEXT), mutate(ROUTE_TEXT), (addrText, routeText) => {
        for (const attempt of [() => parseIpAddrText({ source: 'ip-addr', text: addrText }), () => parseIpRouteText({ source: 'ip6-route', text: routeText }, 6)]) {
          try {
            const { value } = attempt();
            for (const record of value) {
              for (const a of 'addrs' in record ? record.addrs : []) if (a.validLifetime !== undefined) expect(Number.isInteger(a.validLifetime) && a.validLifetime >= 0).toBe(true);
              if ('expires' in record && record.expires !== undefined) expect(Number.isInteger(record.expires) && record.expires >= 0).toBe(true);
            }
          } catch (e) {
            expect(e).toBeInstanceOf(ParseError);
            expect((e as ParseError).location.source).toMatch(/^(ip-addr|ip6-route)$/);
            expect((e as ParseError).location.line).toBeGreaterThan(0);
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});
