/** Set an optional field only when the input had it, so records carry no `key: undefined` (as the JSON parsers do). */
export function put<T, K extends keyof T>(target: T, key: K, value: T[K] | undefined): void {
  if (value !== undefined) target[key] = value;
}
