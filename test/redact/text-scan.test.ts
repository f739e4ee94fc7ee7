/** Addresses inside free text, where other words hold them: iptables -L's `to:ADDR:PORT` and friends. */
import { describe, expect, it } from 'vitest';
import { AddressMapper } from '../../src/redact/addresses.js';
import { mapAddresses } from '../../src/redact/text-scan.js';

describe('mapAddresses', () => {
  const mapper = () => new AddressMapper({ prefix: Buffer.alloc(32, 5), mac: Buffer.alloc(16, 6) });

  it('maps the address of an iptables -L DNAT or SNAT target, keeping the word and the port', () => {
    const m = mapper();
    const line = '    0     0 DNAT       tcp  --  !docker0 *       0.0.0.0/0            0.0.0.0/0            tcp dpt:8080 to:172.18.0.2:80';
    const out = mapAddresses(line, m);
    expect(out).not.toContain('172.18.0.2');
    expect(out).toMatch(/ tcp dpt:8080 to:(\d+\.){3}\d+:80$/);
    // The same address elsewhere gets the same mapping.
    const plain = mapAddresses('172.18.0.2', m);
    expect(out.endsWith(`to:${plain}:80`)).toBe(true);
    expect(mapAddresses('SNAT all -- 0.0.0.0/0 0.0.0.0/0 to:10.1.2.3', m)).not.toContain('10.1.2.3');
    expect(mapAddresses('DNAT tcp -- ::/0 ::/0 tcp dpt:80 to:[2001:db8::2]:80', m)).not.toContain('2001:db8::2');
  });

  it('leaves ports and counters after a word as they are', () => {
    const m = mapper();
    for (const text of ['tcp dpt:8080', 'spts:1024:65535', 'ctstate RELATED,ESTABLISHED', 'mark match 0x4000/0x4000']) expect(mapAddresses(text, m)).toBe(text);
  });
});
