/**
 * A rule's json-rules-engine conditions in words, for `netaudit explain` and the generated rule pages:
 *
 *   all of:
 *     ipForward equal 0
 *     forwardingNeeded equal true
 *
 * The conditions come from a validated rule file; anything unexpected is still shown (as JSON), never thrown.
 */

type Json = unknown;

function isObject(value: Json): value is Record<string, Json> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function describeConditions(conditions: Json, indent = ''): string[] {
  if (!isObject(conditions)) return [`${indent}${JSON.stringify(conditions)}`];
  for (const [key, heading] of [
    ['all', 'all of:'],
    ['any', 'any of:'],
  ] as const) {
    const list = conditions[key];
    if (Array.isArray(list)) {
      return [`${indent}${heading}`, ...list.flatMap((c) => describeConditions(c, `${indent}  `))];
    }
  }
  if ('not' in conditions) return [`${indent}not:`, ...describeConditions(conditions.not, `${indent}  `)];
  if (typeof conditions.condition === 'string') return [`${indent}the shared condition "${conditions.condition}"`];
  if (typeof conditions.fact === 'string') return [`${indent}${describeFactCondition(conditions)}`];
  return [`${indent}${JSON.stringify(conditions)}`];
}

function describeFactCondition(c: Record<string, Json>): string {
  const subject = factReference(c);
  const value = isObject(c.value) && typeof c.value.fact === 'string' ? `the fact ${factReference(c.value)}` : JSON.stringify(c.value);
  return `${subject} ${String(c.operator)} ${value}`;
}

/** "sysctlValue(key: \"net.ipv4.tcp_syncookies\") at $.value" */
function factReference(c: Record<string, Json>): string {
  const params = isObject(c.params)
    ? `(${Object.entries(c.params)
        .map(([k, v]) => `${k}: ${JSON.stringify(v)}`)
        .join(', ')})`
    : '';
  const path = typeof c.path === 'string' ? ` at ${c.path}` : '';
  return `${String(c.fact)}${params}${path}`;
}

/** Every fact the conditions read, in first-use order (including facts used as values). */
export function factsUsed(conditions: Json): string[] {
  const seen = new Set<string>();
  const visit = (node: Json): void => {
    if (Array.isArray(node)) {
      for (const n of node) visit(n);
      return;
    }
    if (!isObject(node)) return;
    if (typeof node.fact === 'string') seen.add(node.fact);
    for (const key of ['all', 'any', 'not', 'value'] as const) {
      if (key in node) visit(node[key]);
    }
  };
  visit(conditions);
  return [...seen];
}

/** Facts a message template prints: "{{ipForward}}", "{{route.dst}}" → ipForward, route. */
export function messageFacts(message: string): string[] {
  const names = new Set<string>();
  for (const m of message.matchAll(/\{\{\s*([A-Za-z_$][\w$]*)/g)) if (m[1]) names.add(m[1]);
  return [...names];
}
