/** Small numeric helpers for the benchmark: medians and memory readings. */

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Peak resident set size of this process so far, in MB (resourceUsage reports kilobytes). */
export function peakRssMB(): number {
  return process.resourceUsage().maxRSS / 1024;
}

export function heapUsedMB(): number {
  return process.memoryUsage().heapUsed / (1024 * 1024);
}
