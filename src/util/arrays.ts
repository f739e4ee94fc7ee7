/**
 * Append every item of `items` to `target`. `target.push(...items)` passes each item as an argument on
 * the stack, which overflows past roughly 100k items: a Kubernetes node's chains, or a note per line of a
 * large damaged output, get there.
 */
export function appendAll<T>(target: T[], items: readonly T[]): T[] {
  for (const item of items) target.push(item);
  return target;
}
