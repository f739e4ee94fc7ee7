import { describe, expect, it } from 'vitest';
import { rawDirectoryArtifact } from '../../src/report/raw-artifacts.js';

const ev = (source: string) => ({ source, line: 3, text: 'x' });

describe('raw-output directory artifacts', () => {
  it('maps each evidence source to the file it was read from', () => {
    expect(rawDirectoryArtifact('out', ev('sysctl'))).toBe('out/sysctl-a.txt');
    expect(rawDirectoryArtifact('out', ev('iptables-save'))).toBe('out/iptables-save.txt');
    expect(rawDirectoryArtifact('./out/', ev('netns:blue/ip-link'))).toBe('out/netns/blue/ip-link.json');
    expect(rawDirectoryArtifact('out', ev('/etc/sysctl.d/99-docker.conf'))).toBe('out/sysctl.d/99-docker.conf');
    expect(rawDirectoryArtifact('out', ev('/etc/sysctl.conf'))).toBe('out/sysctl.d/sysctl.conf');
  });

  it('falls back to the directory for what has no file of its own', () => {
    expect(rawDirectoryArtifact('out', undefined)).toBe('out');
    expect(rawDirectoryArtifact('out', ev('something-else'))).toBe('out');
  });
});
