#!/usr/bin/env node
/**
 * Builds a rule fixture from a real kernel: each scenario is wired in throw-away network namespaces
 * (bridges, veths, routes, sysctls, iptables), then the real commands are captured into a raw-output
 * directory the way a user would paste them (ip -j -p, bridge -j -p, sysctl -a, iptables-save -c).
 *
 *   sudo node test/rules/labs/capture.mjs <scenario> <output-dir>     (Linux, root, iproute2, iptables)
 *   sudo node test/rules/labs/capture.mjs --all fixtures/rules         (every fixture of FIXTURE_SCENARIOS)
 *   node test/rules/labs/capture.mjs --list
 *
 * Not part of the test run: the fixtures it wrote are committed, and the tests read those. Edits made
 * afterwards are listed in the scenario (`physical` interfaces lose their veth identity so that an
 * emulated uplink reads like a NIC; `sysctlSet` replaces values a network namespace cannot change, such
 * as nf_conntrack_count; `sysctlKeep` trims sysctl -a to the keys the rules read).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { FIXTURE_SCENARIOS, SCENARIOS } from './scenarios.mjs';

const [, , name, outDir] = process.argv;
if (name === '--all' && outDir) {
  // Recapture every fixture listed in FIXTURE_SCENARIOS, one process per scenario; expected.json is kept.
  const self = fileURLToPath(import.meta.url);
  for (const [rule, sides] of Object.entries(FIXTURE_SCENARIOS)) {
    for (const [side, scenario] of Object.entries(sides)) {
      const dir = path.join(outDir, rule, side);
      if (existsSync(dir)) for (const entry of readdirSync(dir)) if (entry !== 'expected.json') rmSync(path.join(dir, entry), { recursive: true });
      execFileSync(process.execPath, [self, scenario, dir], { stdio: 'inherit' });
    }
  }
  process.exit(0);
}
if (name === '--list' || !name) {
  for (const [id, s] of Object.entries(SCENARIOS)) console.log(`${id}\t${s.description}`);
  process.exit(name ? 0 : 2);
}
const scenario = SCENARIOS[name];
if (!scenario || !outDir) {
  console.error(`usage: capture.mjs <scenario> <output-dir>; scenarios: ${Object.keys(SCENARIOS).join(', ')}`);
  process.exit(2);
}

const prefix = `lab${process.pid % 10000}`;
const real = (ns) => `${prefix}-${ns}`;
const subst = (cmd) => cmd.replace(/@([a-z0-9]+)/g, (_m, ns) => real(ns));

function run(ns, cmd) {
  return execFileSync('ip', ['netns', 'exec', real(ns), 'sh', '-c', subst(cmd)], { encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
}

function runInput(ns, argv, input) {
  return execFileSync('ip', ['netns', 'exec', real(ns), ...argv], { input, encoding: 'utf8' });
}

/** Edit the top-level objects of the named interfaces in iproute2's pretty JSON (4-space levels). */
function editPretty(text, names, edit) {
  const lines = text.replace(/\n$/, '').split('\n');
  if (lines.length < 2 || lines[0] !== '[ {') return text;
  const elements = [[]];
  for (const line of lines.slice(1, -1)) {
    if (line === '    },{') elements.push([]);
    else elements[elements.length - 1].push(line);
  }
  const out = ['[ {'];
  elements.forEach((element, i) => {
    const ifname = element.map((l) => /^ {8}"ifname": "([^"]+)"/.exec(l)?.[1]).find(Boolean);
    const body = names.includes(ifname) ? edit(element) : element;
    // The last key of an object carries no comma.
    body[body.length - 1] = body[body.length - 1].replace(/,$/, '');
    if (i > 0) out.push('    },{');
    out.push(...body);
  });
  out.push('    } ]');
  return `${out.join('\n')}\n`;
}

function asPhysical(element) {
  const out = [];
  let skipping = false;
  for (const line of element) {
    if (skipping) {
      if (/^ {8}\},?$/.test(line)) skipping = false;
      continue;
    }
    if (/^ {8}"linkinfo": \{$/.test(line)) {
      skipping = true;
      continue;
    }
    if (/^ {8}"(link|link_index|link_netnsid)": /.test(line)) continue;
    out.push(line);
  }
  const last = out.length - 1;
  out[last] = `${out[last].replace(/,$/, '')},`;
  out.push('        "parentbus": "virtio",', '        "parentdev": "virtio0"');
  return out;
}

function capture(ns, dir, opts) {
  mkdirSync(dir, { recursive: true });
  const physical = opts.physical?.[ns] ?? [];
  const write = (file, text) => writeFileSync(path.join(dir, file), text);
  const wanted = new Set(opts.sources ?? ['sysctl', 'ip-link', 'ip-addr', 'ip-route']);
  if (wanted.has('ip-link')) write('ip-link.json', editPretty(run(ns, 'ip -j -p -d link show'), physical, asPhysical));
  if (wanted.has('ip-addr')) write('ip-addr.json', editPretty(run(ns, 'ip -j -p addr show'), physical, (el) => el.filter((l) => !/^ {8}"(link|link_index|link_netnsid)": /.test(l))));
  if (wanted.has('ip-route')) write('ip-route.json', run(ns, 'ip -j -p route show table all'));
  if (wanted.has('ip6-route')) write('ip6-route.json', run(ns, 'ip -j -p -6 route show table all'));
  if (wanted.has('bridge-link')) write('bridge-link.json', run(ns, 'bridge -j -p link show'));
  if (wanted.has('brctl-show')) write('brctl-show.txt', run(ns, 'brctl show'));
  if (wanted.has('iptables-save')) write('iptables-save.txt', run(ns, 'iptables-save -c'));
  if (wanted.has('ip6tables-save')) write('ip6tables-save.txt', run(ns, 'ip6tables-save -c'));
  if (wanted.has('sysctl')) {
    const keep = opts.sysctlKeep ?? /^net\./;
    const set = opts.sysctlSet?.[ns] ?? {};
    const drop = new Set(opts.sysctlDrop?.[ns] ?? []);
    const lines = run(ns, 'sysctl -a 2>/dev/null')
      .split('\n')
      .filter((l) => keep.test(l))
      .filter((l) => !drop.has(l.split(' = ')[0]))
      .map((l) => {
        const key = l.split(' = ')[0];
        return key in set ? `${key} = ${set[key]}` : l;
      });
    write('sysctl-a.txt', `${lines.join('\n')}\n`);
  }
}

const namespaces = scenario.namespaces;
try {
  for (const ns of namespaces) execFileSync('ip', ['netns', 'add', real(ns)]);
  for (const step of scenario.setup) {
    const colon = step.indexOf(':');
    run(step.slice(0, colon), step.slice(colon + 1).trim());
  }
  for (const [ns, rules] of Object.entries(scenario.iptables ?? {})) runInput(ns, ['iptables-restore'], rules);
  for (const [ns, rules] of Object.entries(scenario.ip6tables ?? {})) runInput(ns, ['ip6tables-restore'], rules);
  execFileSync('sleep', ['1.5']); // let carrier, operstate and STP states settle (link watch runs about once a second)
  capture('host', outDir, scenario);
  for (const ns of scenario.captureNamespaces ?? []) capture(ns, path.join(outDir, 'netns', scenario.namespaceNames?.[ns] ?? ns), scenario);
  for (const [file, text] of Object.entries(scenario.files ?? {})) {
    mkdirSync(path.dirname(path.join(outDir, file)), { recursive: true });
    writeFileSync(path.join(outDir, file), text);
  }
} finally {
  for (const ns of namespaces) {
    try {
      execFileSync('ip', ['netns', 'del', real(ns)], { stdio: 'ignore' });
    } catch {
      // already gone
    }
  }
}
