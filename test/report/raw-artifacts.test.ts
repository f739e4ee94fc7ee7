import { describe, expect, it } from 'vitest';
import { rawDirectoryArtifact } from '../../src/report/raw-artifacts.js';

describe('raw-output directory artifacts', () => {
  it('maps each evidence source to the file it was read from', () => {
    expect(rawDirectoryArtifact('out', 'sysctl')).toBe('out/sysctl-a.txt');
    expect(rawDirectoryArtifact('out', 'iptables-save')).toBe('out/iptables-save.txt');
    expect(rawDirectoryArtifact('./out/', 'netns:blue/ip-link')).toBe('out/netns/blue/ip-link.json');
    expect(rawDirectoryArtifact('out', '/etc/sysctl.d/99-docker.conf')).toBe('out/sysctl.d/99-docker.conf');
    expect(rawDirectoryArtifact('out', '/etc/sysctl.conf')).toBe('out/sysctl.d/sysctl.conf');
  });

  it('has no file for a source the directory does not hold as a file of its own (SARIF embeds its text instead)', () => {
    expect(rawDirectoryArtifact('out', 'something-else')).toBeUndefined();
  });
});
