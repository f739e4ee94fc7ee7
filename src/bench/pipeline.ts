/**
 * The pipeline under measurement, imported at run time rather than statically: the harness times module
 * loading as a phase of its own, and a piece that has not landed yet is reported as missing instead of
 * breaking the benchmark.
 */
import type { RuleCatalog } from '../engine/catalog.js';
import type { AuditResult } from '../engine/types.js';
import type { Host } from '../model/types.js';
import type { ParseInput, Parsed } from '../parse/common.js';
import type { Snapshot, Source } from '../snapshot/schema.js';

type LoadModule = typeof import('../snapshot/load.js');
type DecodeModule = typeof import('../snapshot/decode.js');
type BuildModule = typeof import('../model/build.js');
type ReportModule = typeof import('../report/index.js');
type SysctlModule = typeof import('../parse/sysctl.js');
type IptablesModule = typeof import('../parse/iptables-save.js');
type IpJsonModule = typeof import('../parse/ip-json.js');
type IpRuleModule = typeof import('../parse/ip-rule.js');
type BrctlModule = typeof import('../parse/brctl.js');
type BridgeJsonModule = typeof import('../parse/bridge-json.js');
type SsModule = typeof import('../parse/ss.js');
type NftJsonModule = typeof import('../parse/nft-json.js');
type CatalogModule = typeof import('../engine/catalog.js');
type AuditModule = typeof import('../engine/audit.js');
type TraceModule = typeof import('../analysis/path/trace.js');
type DiffModule = typeof import('../diff/diff.js');
type IdentityModule = typeof import('../gate/identity.js');

/** The generator's first node port (src/bench/gen/cluster.ts). */
const FIRST_NODE_PORT = 30000;

export type Parser = (input: ParseInput) => Parsed<unknown>;

export interface Pipeline {
  loadInput?: (file: string) => Promise<{ snapshot: Snapshot }>;
  sourceText?: (source: Source, label: string) => { text: string };
  /** Parser of each source id the model reads. */
  parsers: Map<string, Parser>;
  buildHost?: (snapshot: Snapshot) => Host;
  loadRuleCatalog?: () => Promise<RuleCatalog>;
  runAudit?: (host: Host, catalog: RuleCatalog, options: { input: string }) => Promise<AuditResult>;
  renderJson?: (result: AuditResult) => string;
  /** One `netaudit trace`: a connection from outside to the node's first node port, and its reply. */
  traceNodePort?: (host: Host) => unknown;
  /** `netaudit diff` of the node against itself: every part of the model and every finding compared. */
  diffAgainstItself?: (host: Host, result: AuditResult) => unknown;
  /** `netaudit redact` of the loaded snapshot: every source rewritten. */
  redact?: (snapshot: Snapshot) => unknown;
  /** "src/engine/audit.ts: runAudit (Cannot find module ...)" for each piece that could not be loaded. */
  missing: string[];
}

async function importModule<T>(relative: string, missing: string[]): Promise<T | undefined> {
  const specifier = new URL(relative, import.meta.url).href;
  try {
    return (await import(specifier)) as T;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ERR_MODULE_NOT_FOUND' && !(err instanceof SyntaxError)) throw err;
    const reason = err instanceof Error ? err.message.split('\n')[0] : String(err);
    missing.push(`src/${relative.replace(/^\.\.\//, '').replace(/\.js$/, '.ts')} (${reason})`);
    return undefined;
  }
}

function need<T>(fn: T | undefined, name: string, file: string, missing: string[]): T | undefined {
  if (typeof fn === 'function') return fn;
  if (fn === undefined) missing.push(`${file}: ${name} is not exported`);
  return undefined;
}

export async function loadPipeline(): Promise<Pipeline> {
  const missing: string[] = [];
  const [load, decode, build, report, sysctl, iptables, ipJson, ipRule, brctl, bridgeJson, ss, nftJson, catalog, audit, tracer] = await Promise.all([
    importModule<LoadModule>('../snapshot/load.js', missing),
    importModule<DecodeModule>('../snapshot/decode.js', missing),
    importModule<BuildModule>('../model/build.js', missing),
    importModule<ReportModule>('../report/index.js', missing),
    importModule<SysctlModule>('../parse/sysctl.js', missing),
    importModule<IptablesModule>('../parse/iptables-save.js', missing),
    importModule<IpJsonModule>('../parse/ip-json.js', missing),
    importModule<IpRuleModule>('../parse/ip-rule.js', missing),
    importModule<BrctlModule>('../parse/brctl.js', missing),
    importModule<BridgeJsonModule>('../parse/bridge-json.js', missing),
    importModule<SsModule>('../parse/ss.js', missing),
    importModule<NftJsonModule>('../parse/nft-json.js', missing),
    importModule<CatalogModule>('../engine/catalog.js', missing),
    importModule<AuditModule>('../engine/audit.js', missing),
    importModule<TraceModule>('../analysis/path/trace.js', missing),
  ]);

  const parsers = new Map<string, Parser>();
  if (sysctl) parsers.set('sysctl', sysctl.parseSysctl);
  if (iptables) {
    // What the model reads them with: the lazy scan where there is one (rule matches parsed on first read).
    const read = iptables.scanIptablesSave ?? iptables.parseIptablesSave;
    parsers.set('iptables-save', read);
    parsers.set('ip6tables-save', read);
  }
  if (ipJson) {
    parsers.set('ip-link', ipJson.parseIpLink);
    parsers.set('ip-addr', ipJson.parseIpAddr);
    parsers.set('ip-route', (input) => ipJson.parseIpRoute(input, 4));
    parsers.set('ip6-route', (input) => ipJson.parseIpRoute(input, 6));
    parsers.set('ip-neigh', ipJson.parseIpNeigh);
  }
  if (ipRule) {
    parsers.set('ip-rule', (input) => ipRule.parseIpRule(input, 4));
    parsers.set('ip6-rule', (input) => ipRule.parseIpRule(input, 6));
  }
  if (brctl) parsers.set('brctl-show', brctl.parseBrctlShow);
  if (bridgeJson) parsers.set('bridge-link', bridgeJson.parseBridgeLink);
  if (ss) parsers.set('ss-tlnp', ss.parseSsListeners);
  // Only a node whose kube-proxy runs in nftables mode has this source (stored as `nft -j` prints it).
  // What the model reads it with: rules kept for later, made when a check reads them (their notes collected then).
  if (nftJson) parsers.set('nft-ruleset', (input) => nftJson.parseNftJson(input, { lateNotes: [] }));

  const pipeline: Pipeline = { parsers, missing };
  const loadInput = need(load?.loadInput, 'loadInput', 'src/snapshot/load.ts', missing);
  if (loadInput) pipeline.loadInput = (file) => loadInput(file);
  const sourceText = need(decode?.sourceText, 'sourceText', 'src/snapshot/decode.ts', missing);
  if (sourceText) pipeline.sourceText = sourceText;
  const buildHost = need(build?.buildHost, 'buildHost', 'src/model/build.ts', missing);
  if (buildHost) pipeline.buildHost = buildHost;
  const loadRuleCatalog = need(catalog?.loadRuleCatalog, 'loadRuleCatalog', 'src/engine/catalog.ts', missing);
  if (loadRuleCatalog) pipeline.loadRuleCatalog = () => loadRuleCatalog();
  const runAudit = need(audit?.runAudit, 'runAudit', 'src/engine/audit.ts', missing);
  if (runAudit) pipeline.runAudit = runAudit;
  const renderReports = need(report?.renderReports, 'renderReports', 'src/report/index.ts', missing);
  if (renderReports) pipeline.renderJson = (result) => renderReports([result], 'json', { colour: false, failOn: 'error' });
  const trace = need(tracer?.trace, 'trace', 'src/analysis/path/trace.ts', missing);
  // Through kube-proxy's whole nat PREROUTING (KUBE-SERVICES, then KUBE-NODEPORTS) and back.
  if (trace) pipeline.traceNodePort = (host) => trace(host, { from: '198.51.100.99', to: 'netns:host', protocol: 'tcp', dport: FIRST_NODE_PORT, oneWay: false });
  const redactor = await importModule<{ redactSnapshot: (s: Snapshot, k: { secret: Buffer; tokens: Map<string, string> }, o: { redactInterfaces: boolean }) => unknown }>('../redact/snapshot.js', missing);
  const redactSnapshot = need(redactor?.redactSnapshot, 'redactSnapshot', 'src/redact/snapshot.ts', missing);
  if (redactSnapshot) pipeline.redact = (snapshot) => redactSnapshot(snapshot, { secret: Buffer.alloc(32, 1), tokens: new Map() }, { redactInterfaces: false });
  const [differ, identity] = [await importModule<DiffModule>('../diff/diff.js', missing), await importModule<IdentityModule>('../gate/identity.js', missing)];
  const diffAudited = need(differ?.diffAudited, 'diffAudited', 'src/diff/diff.ts', missing);
  if (diffAudited && identity) {
    pipeline.diffAgainstItself = (host, result) => {
      const side = { host, result, identities: identity.namespaceIdentities(host) };
      return diffAudited(side, side);
    };
  }
  return pipeline;
}
