/**
 * Cost checks for the parsers: CPU time (not wall time) of the best of a few runs after a warm-up,
 * so that other processes on a shared machine do not make the checks flaky.
 */
export function cpuMs(run: () => unknown, runs = 5): number {
  run();
  let best = Infinity;
  for (let i = 0; i < runs; i++) {
    const start = process.cpuUsage();
    run();
    const used = process.cpuUsage(start);
    best = Math.min(best, (used.user + used.system) / 1000);
  }
  return best;
}
