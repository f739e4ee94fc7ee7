/**
 * Every operator a rule condition may use, registered once: json-rules-engine's built-ins (same
 * semantics, same fact validators), its decorators (`not:`, `someFact:`, ...), and ours for networking.
 * The compiled evaluator calls these functions directly; the reference engine registers the custom ones
 * into json-rules-engine, so both engines share one implementation of each operator.
 */
import { cidrContains as contains, cidrOverlaps as overlaps, parseAddress, parseCidr, type Cidr } from '../model/net.js';
import { safeRegexTest, unsafeRegexReason } from './safe-regex.js';

export type OperatorCallback = (factValue: unknown, jsonValue: unknown) => boolean;

export interface Operator {
  name: string;
  cb: OperatorCallback;
  /** json-rules-engine's factValueValidator: when false the operator answers false without calling cb. */
  validator: (factValue: unknown) => boolean;
}

export interface OperatorDecorator {
  name: string;
  cb: (factValue: unknown, jsonValue: unknown, next: OperatorCallback) => boolean;
  validator: (factValue: unknown) => boolean;
}

export interface OperatorDoc {
  name: string;
  description: string;
  example: string;
}

/** Load-time check of a literal condition value; returns the problem or undefined. */
type ValueCheck = (value: unknown) => string | undefined;

interface OperatorSpec extends Operator {
  doc: OperatorDoc;
  checkValue?: ValueCheck;
  custom: boolean;
}

const always = (): boolean => true;

export function evaluateOperator(op: Operator, factValue: unknown, jsonValue: unknown): boolean {
  return op.validator(factValue) && op.cb(factValue, jsonValue);
}

function numberValidator(factValue: unknown): boolean {
  return Number.parseFloat(factValue as string).toString() !== 'NaN';
}

const anyOf = (v: unknown): any => v;

/* ---------- networking helpers ---------- */

const cidrCache = new Map<string, Cidr | null>();

function cidrOf(text: unknown): Cidr | undefined {
  if (typeof text !== 'string') return undefined;
  let c = cidrCache.get(text);
  if (c === undefined) {
    c = text === 'default' || text === '0/0' ? null : (parseCidr(text) ?? null);
    if (cidrCache.size > 10_000) cidrCache.clear();
    cidrCache.set(text, c);
  }
  return c ?? undefined;
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [value];
}

function cidrs(value: unknown): Cidr[] {
  return list(value).flatMap((v) => {
    const c = cidrOf(v);
    return c ? [c] : [];
  });
}

function checkCidrs(value: unknown): string | undefined {
  const items = list(value);
  if (items.length === 0) return 'expects an address or CIDR, or a non-empty list of them';
  for (const v of items) {
    if (typeof v !== 'string' || !cidrOf(v)) return `${JSON.stringify(v)} is not an IPv4/IPv6 address or CIDR`;
  }
  return undefined;
}

function checkInterfaceAddresses(value: unknown): string | undefined {
  const problem = checkCidrs(value);
  if (problem) return problem;
  for (const v of list(value)) if (!(v as string).includes('/')) return `${JSON.stringify(v)} needs a prefix length, as ip addr prints it (172.17.0.1/16)`;
  return undefined;
}

/** fact CIDR(s) contain every value CIDR/address. */
function cidrContainsOp(factValue: unknown, jsonValue: unknown): boolean {
  const outer = cidrs(factValue);
  const inner = list(jsonValue);
  if (outer.length === 0 || inner.length === 0) return false;
  return inner.every((v) => {
    const c = cidrOf(v);
    return Boolean(c && outer.some((o) => contains(o, c)));
  });
}

function cidrOverlapsOp(factValue: unknown, jsonValue: unknown): boolean {
  const a = cidrs(factValue);
  const b = cidrs(jsonValue);
  return a.some((x) => b.some((y) => overlaps(x, y)));
}

function inCidrOp(factValue: unknown, jsonValue: unknown): boolean {
  const c = cidrOf(factValue);
  return Boolean(c && cidrs(jsonValue).some((o) => contains(o, c)));
}

function ipInSubnetOfOp(factValue: unknown, jsonValue: unknown): boolean {
  if (typeof factValue !== 'string' || factValue.includes('/')) return false;
  const addr = parseAddress(factValue);
  if (!addr) return false;
  return list(jsonValue).some((v) => {
    if (typeof v !== 'string') return false;
    const slash = v.indexOf('/');
    if (slash === -1) return false;
    const own = parseAddress(v.slice(0, slash));
    const subnet = cidrOf(v);
    if (!own || !subnet || own.family !== addr.family) return false;
    return own.value !== addr.value && contains(subnet, { family: addr.family, network: addr.value, prefixLen: addr.family === 4 ? 32 : 128 });
  });
}

/* ---------- the operator table ---------- */

const isString = (v: unknown): boolean => typeof v === 'string';

const SPECS: OperatorSpec[] = [
  {
    name: 'equal',
    cb: (a, b) => a === b,
    validator: always,
    custom: false,
    doc: { name: 'equal', description: 'fact === value (strict: 1 and "1" differ)', example: '{ "fact": "ipForward", "operator": "equal", "value": 0 }' },
  },
  {
    name: 'notEqual',
    cb: (a, b) => a !== b,
    validator: always,
    custom: false,
    doc: { name: 'notEqual', description: 'fact !== value', example: '{ "fact": "kind", "operator": "notEqual", "value": "loopback" }' },
  },
  {
    name: 'in',
    cb: (a, b) => anyOf(b).indexOf(a) > -1,
    validator: always,
    custom: false,
    checkValue: (v) => (Array.isArray(v) ? undefined : 'expects a list'),
    doc: { name: 'in', description: 'fact is one of the listed values', example: '{ "fact": "kind", "operator": "in", "value": ["veth", "bridge"] }' },
  },
  {
    name: 'notIn',
    cb: (a, b) => anyOf(b).indexOf(a) === -1,
    validator: always,
    custom: false,
    checkValue: (v) => (Array.isArray(v) ? undefined : 'expects a list'),
    doc: { name: 'notIn', description: 'fact is none of the listed values', example: '{ "fact": "name", "operator": "notIn", "value": ["lo", "docker0"] }' },
  },
  {
    name: 'contains',
    cb: (a, b) => anyOf(a).indexOf(b) > -1,
    validator: Array.isArray,
    custom: false,
    doc: { name: 'contains', description: 'the fact (a list) contains value; false when the fact is not a list', example: '{ "fact": "ports", "operator": "contains", "value": "eth0" }' },
  },
  {
    name: 'doesNotContain',
    cb: (a, b) => anyOf(a).indexOf(b) === -1,
    validator: Array.isArray,
    custom: false,
    doc: { name: 'doesNotContain', description: 'the fact (a list) does not contain value; false when the fact is not a list', example: '{ "fact": "kubernetesSignals", "operator": "doesNotContain", "value": "kube-ipvs0" }' },
  },
  ...(['lessThan', 'lessThanInclusive', 'greaterThan', 'greaterThanInclusive'] as const).map((name): OperatorSpec => {
    const cmp: Record<typeof name, OperatorCallback> = {
      lessThan: (a, b) => anyOf(a) < anyOf(b),
      lessThanInclusive: (a, b) => anyOf(a) <= anyOf(b),
      greaterThan: (a, b) => anyOf(a) > anyOf(b),
      greaterThanInclusive: (a, b) => anyOf(a) >= anyOf(b),
    };
    const symbol = { lessThan: '<', lessThanInclusive: '<=', greaterThan: '>', greaterThanInclusive: '>=' }[name];
    return {
      name,
      cb: cmp[name],
      validator: numberValidator,
      custom: false,
      checkValue: (v) => (typeof v === 'number' ? undefined : 'expects a number'),
      doc: { name, description: `fact ${symbol} value; false when the fact is not numeric`, example: `{ "fact": "conntrackUsagePercent", "operator": "${name}", "value": 90 }` },
    };
  }),
  {
    name: 'cidrContains',
    cb: cidrContainsOp,
    validator: always,
    custom: true,
    checkValue: checkCidrs,
    doc: {
      name: 'cidrContains',
      description: 'The fact (a CIDR or address, or a list of them) contains the value (an address or CIDR; with a list, every item): 172.17.0.0/16 contains 172.17.0.2 and 172.17.4.0/24. IPv4 and IPv6; families never mix.',
      example: '{ "fact": "subnets", "operator": "cidrContains", "value": "172.17.0.2" }',
    },
  },
  {
    name: 'cidrOverlaps',
    cb: cidrOverlapsOp,
    validator: always,
    custom: true,
    checkValue: checkCidrs,
    doc: {
      name: 'cidrOverlaps',
      description: 'Some CIDR of the fact overlaps some CIDR of the value (one contains the other); each side a CIDR, an address, or a list',
      example: '{ "fact": "subnets", "operator": "cidrOverlaps", "value": ["10.0.0.0/8", "192.168.0.0/16"] }',
    },
  },
  {
    name: 'inCidr',
    cb: inCidrOp,
    validator: isString,
    custom: true,
    checkValue: checkCidrs,
    doc: {
      name: 'inCidr',
      description: 'The fact (one address or CIDR) lies inside the value (a CIDR or a list of CIDRs); use someFact:inCidr for a list fact',
      example: '{ "fact": "defaultGateway", "operator": "inCidr", "value": "172.16.0.0/12" }',
    },
  },
  {
    name: 'ipInSubnetOf',
    cb: ipInSubnetOfOp,
    validator: isString,
    custom: true,
    checkValue: checkInterfaceAddresses,
    doc: {
      name: 'ipInSubnetOf',
      description:
        'The fact (an address) is on the link of an interface address written as ip addr prints it (address/prefix, or a list): inside its subnet and not the address itself. For gateways: 172.17.0.1 is in the subnet of 172.17.0.2/16.',
      example: '{ "fact": "defaultGateway", "operator": "ipInSubnetOf", "value": { "fact": "ipv4Addresses" } }',
    },
  },
  {
    name: 'matchesRegex',
    cb: (a, b) => typeof b === 'string' && safeRegexTest(b, a as string),
    validator: isString,
    custom: true,
    checkValue: (v) => (typeof v !== 'string' ? 'expects a regular expression (a string)' : unsafeRegexReason(v)),
    doc: {
      name: 'matchesRegex',
      description:
        'The fact (a string) matches the regular expression (JavaScript syntax, unicode mode). Refused at load time: nested quantifiers such as (a+)+, more than two unbounded quantifiers, backreferences, lookarounds, patterns over 256 characters. Facts are clipped to 1024 characters.',
      example: '{ "fact": "name", "operator": "matchesRegex", "value": "^br-[0-9a-f]{12}$" }',
    },
  },
  {
    name: 'startsWithAny',
    cb: (a, b) => list(b).some((p) => typeof p === 'string' && (a as string).startsWith(p)),
    validator: isString,
    custom: true,
    checkValue: (v) => (list(v).every((p) => typeof p === 'string') && list(v).length > 0 ? undefined : 'expects a string or a list of strings'),
    doc: {
      name: 'startsWithAny',
      description: 'The fact (a string) starts with the value or with one of the listed values',
      example: '{ "fact": "name", "operator": "startsWithAny", "value": ["cali", "flannel."] }',
    },
  },
];

export const DECORATORS: OperatorDecorator[] = [
  { name: 'someFact', cb: (f, v, next) => anyOf(f).some((x: unknown) => next(x, v)), validator: Array.isArray },
  { name: 'someValue', cb: (f, v, next) => anyOf(v).some((x: unknown) => next(f, x)), validator: always },
  { name: 'everyFact', cb: (f, v, next) => anyOf(f).every((x: unknown) => next(x, v)), validator: Array.isArray },
  { name: 'everyValue', cb: (f, v, next) => anyOf(v).every((x: unknown) => next(f, x)), validator: always },
  { name: 'swap', cb: (f, v, next) => next(v, f), validator: always },
  { name: 'not', cb: (f, v, next) => !next(f, v), validator: always },
];

const DECORATOR_DOCS: OperatorDoc[] = [
  { name: 'someFact:<op>', description: 'The fact is a list; true when <op> holds for some item', example: '{ "fact": "ipv4Addresses", "operator": "someFact:inCidr", "value": "10.0.0.0/8" }' },
  { name: 'everyFact:<op>', description: 'The fact is a list; true when <op> holds for every item', example: '{ "fact": "ports", "operator": "everyFact:startsWithAny", "value": "veth" }' },
  { name: 'someValue:<op>', description: 'The value is a list; true when <op> holds for some item', example: '{ "fact": "name", "operator": "someValue:startsWithAny", "value": ["cali", "cilium_"] }' },
  { name: 'everyValue:<op>', description: 'The value is a list; true when <op> holds for every item', example: '{ "fact": "subnets", "operator": "everyValue:cidrContains", "value": ["172.17.0.2", "172.17.0.3"] }' },
  { name: 'swap:<op>', description: 'Swap the fact and the value: <op>(value, fact)', example: '{ "fact": "defaultGateway", "operator": "swap:cidrContains", "value": "172.17.0.0/16" }' },
  { name: 'not:<op>', description: 'Negation of <op>', example: '{ "fact": "name", "operator": "not:startsWithAny", "value": ["lo", "docker"] }' },
];

const OPERATOR_BY_NAME = new Map<string, Operator>(SPECS.map((s) => [s.name, s]));
const SPEC_BY_NAME = new Map<string, OperatorSpec>(SPECS.map((s) => [s.name, s]));
const DECORATOR_BY_NAME = new Map(DECORATORS.map((d) => [d.name, d]));

function decorate(decorator: OperatorDecorator, op: Operator): Operator {
  const next: OperatorCallback = (f, v) => evaluateOperator(op, f, v);
  return { name: `${decorator.name}:${op.name}`, cb: (f, v) => decorator.cb(f, v, next), validator: decorator.validator };
}

const resolved = new Map<string, Operator | null>();

/** The operator for a name with decorators ("not:someFact:equal"), resolved as json-rules-engine does; undefined when unknown. */
export function resolveOperator(name: string): Operator | undefined {
  const cached = resolved.get(name);
  if (cached !== undefined) return cached ?? undefined;
  const decorators: OperatorDecorator[] = [];
  let opName = name;
  let result: Operator | undefined;
  for (;;) {
    const op = OPERATOR_BY_NAME.get(opName);
    if (op) {
      result = op;
      break;
    }
    const colon = opName.indexOf(':');
    if (colon <= 0) break;
    const decorator = DECORATOR_BY_NAME.get(opName.slice(0, colon));
    if (!decorator) break;
    decorators.unshift(decorator);
    opName = opName.slice(colon + 1);
  }
  if (result) for (const d of decorators) result = decorate(d, result);
  resolved.set(name, result ?? null);
  return result;
}

/**
 * Load-time check of a literal value for an operator name (decorators included). Returns the problem,
 * or undefined when the value is acceptable or cannot be judged (`swap:`, values from facts).
 */
export function checkOperatorValue(name: string, value: unknown): string | undefined {
  const parts = name.split(':');
  const base = SPEC_BY_NAME.get(parts[parts.length - 1] ?? '');
  if (!base?.checkValue) return undefined;
  const decorators = parts.slice(0, -1);
  if (decorators.includes('swap')) return undefined;
  // someValue/everyValue iterate the value: each item must suit the operator.
  const iteratesValue = decorators.some((d) => d === 'someValue' || d === 'everyValue');
  if (iteratesValue) {
    if (!Array.isArray(value)) return 'expects a list (the decorator iterates the value)';
    for (const item of value) {
      const problem = base.checkValue(item);
      if (problem) return problem;
    }
    return undefined;
  }
  return base.checkValue(value);
}

/** Our operators, for registration into json-rules-engine (the built-ins it has already). */
export const CUSTOM_OPERATORS: Operator[] = SPECS.filter((s) => s.custom);

export const OPERATOR_DOCS: OperatorDoc[] = [...SPECS.map((s) => s.doc), ...DECORATOR_DOCS];
