/**
 * The subset of JSONPath that rule conditions use: `$`, then `.name` and `[index]` steps ("$.length",
 * "$.ports[0]", "$.a.b"). Resolved as json-rules-engine resolves it through jsonpath-plus (wrap: false):
 * own properties only, a missing step gives undefined, and a fact that is not an object is returned
 * unchanged (json-rules-engine applies paths only to objects).
 */

export type PathStep = string | number;

const STEP = /^(?:\.([A-Za-z_][A-Za-z0-9_]*)|\[(\d{1,9})\])/;

/** Parse a path; undefined when it is outside the supported subset. */
export function parsePath(path: string): PathStep[] | undefined {
  if (!path.startsWith('$')) return undefined;
  const steps: PathStep[] = [];
  let rest = path.slice(1);
  while (rest.length > 0) {
    const m = STEP.exec(rest);
    if (!m) return undefined;
    steps.push(m[1] !== undefined ? m[1] : Number(m[2]));
    rest = rest.slice(m[0].length);
  }
  return steps;
}

export function resolvePath(value: unknown, steps: PathStep[]): unknown {
  if (value === null || typeof value !== 'object') return value;
  let current: unknown = value;
  for (const step of steps) {
    // jsonpath-plus stops at a falsy value: "$.a.length" of { a: "" } is undefined there, not 0.
    if (current === null || current === undefined || current === '') return undefined;
    const key = String(step);
    if ((typeof current !== 'object' && typeof current !== 'string') || !Object.prototype.hasOwnProperty.call(current, key)) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}
