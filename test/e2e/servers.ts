/**
 * Tiny TCP servers for the lab, one per namespace, each with a bounded lifetime. A server answers
 * every connection with its name and the peer address it saw, so probes can tell where a
 * connection landed and whether it was masqueraded.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { inNetns } from './run.js';

export interface Server {
  name: string;
  namespace: string;
  port: number;
  process: ChildProcess;
}

const SERVER_SCRIPT = `
const net = require('node:net');
const [port, name, lifetimeMs] = process.argv.slice(1);
const server = net.createServer((c) => {
  c.on('error', () => {});
  c.end(name + ' ' + String(c.remoteAddress).replace(/^::ffff:/, '') + '\\n');
});
server.listen(Number(port), () => process.stdout.write('ready\\n'));
setTimeout(() => process.exit(0), Number(lifetimeMs));
`;

const START_TIMEOUT_MS = 5_000;

export function startServer(namespace: string, name: string, port: number, lifetimeMs: number): Promise<Server> {
  const argv = inNetns(namespace, [process.execPath, '--input-type=commonjs', '-e', SERVER_SCRIPT, String(port), name, String(lifetimeMs)]);
  const [cmd, ...args] = argv;
  const child = spawn(cmd ?? 'ip', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let stderr = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`server ${name} in ${namespace} not ready after ${START_TIMEOUT_MS} ms: ${stderr}`));
    }, START_TIMEOUT_MS);
    child.stderr?.on('data', (b: Buffer) => (stderr += b.toString()));
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server ${name} in ${namespace} exited with ${code}: ${stderr}`));
    });
    child.stdout?.on('data', (b: Buffer) => {
      if (!b.toString().includes('ready')) return;
      clearTimeout(timer);
      child.removeAllListeners('exit');
      child.stdout?.destroy();
      child.stderr?.destroy();
      // The test process must not wait for a server: afterAll kills it, its lifetime bounds it otherwise.
      child.unref();
      resolve({ name, namespace, port, process: child });
    });
  });
}

export function stopServer(server: Server): void {
  const proc = server.process;
  if (proc.exitCode === null && proc.signalCode === null && proc.pid !== undefined) {
    try {
      process.kill(proc.pid, 'SIGKILL');
    } catch {
      // exited meanwhile
    }
  }
}
