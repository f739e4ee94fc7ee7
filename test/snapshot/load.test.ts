import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { loadInput } from '../../src/snapshot/load.js';
import { saveSnapshot } from '../../src/snapshot/save.js';
import { makeSnapshot } from '../helpers/snapshot.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'netaudit-load-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const sample = () =>
  makeSnapshot(
    { sysctl: 'net.ipv4.ip_forward = 1\n', 'iptables-save': '*filter\n:INPUT ACCEPT [0:0]\nCOMMIT\n', 'ss-tlnp': '' },
    { namespaces: [{ name: 'blue', kind: 'named', nsid: 0, sources: { 'ip-link': '[]' } }], sysctlFiles: [{ path: '/etc/sysctl.conf', content: '# none\n' }] },
  );

async function loadError(file: string, options?: Parameters<typeof loadInput>[1]): Promise<InputError> {
  try {
    await loadInput(file, options);
  } catch (err) {
    expect(err).toBeInstanceOf(InputError);
    return err as InputError;
  }
  throw new Error(`expected loadInput(${file}) to fail`);
}

async function writeJson(name: string, value: unknown): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, typeof value === 'string' ? value : JSON.stringify(value));
  return file;
}

describe('save and load round trips', () => {
  it.each(['rt.json', 'rt.json.gz'])('%s comes back equal', async (name) => {
    const file = path.join(dir, name);
    const snapshot = sample();
    await saveSnapshot(snapshot, file);
    const bytes = await readFile(file);
    expect(bytes[0] === 0x1f && bytes[1] === 0x8b).toBe(name.endsWith('.gz'));
    const loaded = await loadInput(file);
    expect(loaded.snapshot).toEqual(snapshot);
    expect(loaded.label).toBe(file);
    expect(loaded.notes).toEqual([]);
  });

  it('reads "-" from stdin, gzip or not', async () => {
    const json = Buffer.from(JSON.stringify(sample()));
    for (const bytes of [json, gzipSync(json)]) {
      const loaded = await loadInput('-', { stdin: Readable.from([bytes]) });
      expect(loaded.label).toBe('stdin');
      expect(loaded.snapshot.namespaces[1]?.name).toBe('blue');
    }
  });

  it('accepts a file that omits fields with defaults (input side of the schema)', async () => {
    const file = await writeJson('minimal.json', {
      schema: 'netaudit/snapshot@1',
      meta: { collector: { name: 'x', version: '1' } },
      namespaces: [{ name: 'host', kind: 'host', sources: { sysctl: { status: 'ok', command: 'sysctl -a', exitCode: 0, stdout: 'a = 1\n' } } }],
      sysctlFiles: { status: 'not-collected' },
    });
    const { snapshot } = await loadInput(file);
    expect(snapshot.namespaces[0]?.sources.sysctl).toMatchObject({ stdoutEncoding: 'utf8', stderr: '', truncated: false, durationMs: 0 });
  });
});

describe('bad input is one InputError naming the file and where', () => {
  it('names the JSON path of a schema error', async () => {
    const bad = JSON.parse(JSON.stringify(sample()));
    bad.namespaces[0].sources.sysctl.status = 'done';
    const file = await writeJson('bad-status.json', bad);
    const err = await loadError(file);
    expect(err.location).toEqual({ file, path: '/namespaces/0/sources/sysctl/status' });
    expect(err.describe()).toBe(`${file}: /namespaces/0/sources/sysctl/status: expected one of ok|empty|failed|not-collected`);
  });

  it('says which type was expected and which key is unknown', async () => {
    const bad = JSON.parse(JSON.stringify(sample()));
    bad.namespaces[0].sources.sysctl.exitCode = 'zero';
    expect((await loadError(await writeJson('bad-type.json', bad))).describe()).toContain(
      '/namespaces/0/sources/sysctl/exitCode: expected number, got string',
    );
    const extra = JSON.parse(JSON.stringify(sample()));
    extra.meta.colour = 'blue';
    const err = await loadError(await writeJson('extra.json', extra));
    expect(err.location.path).toBe('/meta/colour');
    expect(err.message).toBe('unknown key');
  });

  it('counts further problems without listing them', async () => {
    const bad = JSON.parse(JSON.stringify(sample()));
    bad.namespaces[0].kind = 'hostish';
    delete bad.namespaces[0].sources.sysctl.command;
    const err = await loadError(await writeJson('two.json', bad));
    expect(err.message).toMatch(/\(and 1 more problem\)$/);
  });

  it('gives the line of a JSON syntax error', async () => {
    const file = await writeJson('syntax.json', '{\n  "schema": "netaudit/snapshot@1",\n  "meta": {,\n}');
    const err = await loadError(file);
    expect(err.location).toMatchObject({ file, line: 3 });
    expect(err.message).toMatch(/^not valid JSON/);
  });

  it('rejects text that is not JSON, with a hint', async () => {
    const file = await writeJson('iptables.txt', '*filter\n:INPUT ACCEPT [0:0]\nCOMMIT\n');
    const err = await loadError(file);
    expect(err.location).toMatchObject({ file, line: 1 });
    expect(err.hint).toMatch(/raw-output directory/);
  });

  it('rejects an empty file, JSON that is not an object, and another format version', async () => {
    expect((await loadError(await writeJson('empty.json', ''))).message).toMatch(/empty file/);
    expect((await loadError(await writeJson('array.json', '[]'))).message).toMatch(/expected a JSON object/);
    const v2 = { ...JSON.parse(JSON.stringify(sample())), schema: 'netaudit/snapshot@2' };
    const err = await loadError(await writeJson('v2.json', v2));
    expect(err.location.path).toBe('/schema');
    expect(err.message).toMatch(/"netaudit\/snapshot@2" is not supported/);
  });

  it('rejects a missing file', async () => {
    const file = path.join(dir, 'nope.json');
    expect((await loadError(file)).describe()).toBe(`${file}: cannot read: no such file or directory`);
  });

  it('rejects a truncated .json.gz', async () => {
    const gz = gzipSync(Buffer.from(JSON.stringify(sample())));
    const file = path.join(dir, 'cut.json.gz');
    await writeFile(file, gz.subarray(0, Math.floor(gz.length / 2)));
    const err = await loadError(file);
    expect(err.location.file).toBe(file);
    expect(err.message).toMatch(/truncated/);
  });

  it('rejects a namespace list that does not start with the host, and duplicate names', async () => {
    const noHost = JSON.parse(JSON.stringify(sample()));
    noHost.namespaces.reverse();
    expect((await loadError(await writeJson('nohost.json', noHost))).location.path).toBe('/namespaces/0');
    const dup = JSON.parse(JSON.stringify(sample()));
    dup.namespaces.push({ ...dup.namespaces[1] });
    const err = await loadError(await writeJson('dup.json', dup));
    expect(err.location.path).toBe('/namespaces/2/name');
  });

  it('rejects stdout declared base64 that is not base64', async () => {
    const bad = JSON.parse(JSON.stringify(sample()));
    Object.assign(bad.namespaces[0].sources.sysctl, { stdout: 'not base64!', stdoutEncoding: 'base64' });
    expect((await loadError(await writeJson('b64.json', bad))).location.path).toBe('/namespaces/0/sources/sysctl/stdout');
  });
});

describe('hostile input', () => {
  it('stops inflating a gzip bomb at the size limit, with bounded memory', async () => {
    // 1 GiB of zeros as 1024 concatenated gzip members of 1 MiB each: about 1 MB on disk.
    const member = gzipSync(Buffer.alloc(1024 * 1024), { level: 9 });
    const file = path.join(dir, 'bomb.json.gz');
    await writeFile(file, Buffer.concat(Array.from({ length: 1024 }, () => member)));
    const before = process.memoryUsage().rss;
    const err = await loadError(file);
    expect(err.message).toMatch(/inflates to more than 256 MiB/);
    // The default limit is 256 MiB: inflating the whole bomb would need 1 GiB.
    expect(process.memoryUsage().rss - before).toBeLessThan(600 * 1024 * 1024);
  });

  it('honours a smaller limit, for plain and gzip files alike', async () => {
    const json = Buffer.from(JSON.stringify(sample()));
    const plain = path.join(dir, 'limit.json');
    await writeFile(plain, json);
    await writeFile(`${plain}.gz`, gzipSync(json));
    for (const file of [plain, `${plain}.gz`]) {
      expect((await loadError(file, { maxBytes: 100 })).message).toMatch(/more than 100 bytes|larger than 100 bytes/);
    }
  });

  it('refuses "__proto__" keys and never pollutes Object.prototype', async () => {
    const json = JSON.stringify(sample()).replace('"sources":{', '"sources":{"__proto__":{"polluted":"yes"},');
    const err = await loadError(await writeJson('proto.json', json));
    expect(err.location.path).toBe('/namespaces/0/sources/__proto__');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('treats "constructor" as an unknown source, noted and harmless', async () => {
    const json = JSON.stringify(sample()).replace(
      '"sources":{',
      '"sources":{"constructor":{"status":"ok","command":"x","exitCode":0,"stdout":"polluted"},',
    );
    const loaded = await loadInput(await writeJson('ctor.json', json));
    expect(loaded.notes).toEqual([expect.stringContaining('/namespaces/0/sources/constructor: unknown source')]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(typeof ({}).constructor).toBe('function');
  });

  it('keeps base64 stdout holding bytes that are not UTF-8 byte-exact', async () => {
    const bytes = Buffer.from([0x61, 0xff, 0x0a, 0xc3, 0x28, 0x0a]);
    const snapshot = makeSnapshot({});
    snapshot.namespaces[0]!.sources['iptables-save'] = {
      status: 'ok', command: 'iptables-save -c', exitCode: 0, stdout: bytes.toString('base64'), stdoutEncoding: 'base64',
      stderr: '', stderrEncoding: 'utf8', durationMs: 1, truncated: false,
    };
    const file = path.join(dir, 'bytes.json.gz');
    await saveSnapshot(snapshot, file);
    const loaded = await loadInput(file);
    const source = loaded.snapshot.namespaces[0]!.sources['iptables-save']!;
    expect(Buffer.from(source.stdout, 'base64').equals(bytes)).toBe(true);
  });

  it('tolerates a snapshot file that is not UTF-8, with a note', async () => {
    const json = Buffer.from(JSON.stringify(sample()).replace('test-host', 'test-h\u00e9st'), 'utf8');
    const latin1 = Buffer.from(json.toString('utf8'), 'latin1');
    const file = path.join(dir, 'latin1.json');
    await writeFile(file, latin1);
    const loaded = await loadInput(file);
    expect(loaded.notes).toEqual([`${file}: the file is not valid UTF-8; invalid bytes were replaced by U+FFFD`]);
    expect(loaded.snapshot.meta.hostname).toBe('test-h\ufffdst');
  });
});
