/** `node dist/bench/floor-main.js FILE`: the floor as a process, timed by the harness like the CLI. */
import { floorWork } from './floor.js';

const file = process.argv[2];
if (!file) {
  process.stderr.write('usage: node dist/bench/floor-main.js SNAPSHOT\n');
  process.exitCode = 2;
} else {
  process.stdout.write(`${floorWork(file)}\n`);
}
