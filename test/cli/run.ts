/**
 * Running the CLI in tests: in-process through runCli with captured streams, or the built binary.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli } from '../../src/cli/program.js';

const here = path.dirname(fileURLToPath(import.meta.url));
export const PROJECT_ROOT = path.resolve(here, '../..');
export const DOCKER_HOST = path.join(here, 'fixtures/docker-host');
export const TEST_RULES = path.join(here, 'rules');
export const BINARY = path.join(PROJECT_ROOT, 'dist/cli/main.js');

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

export async function cli(args: string[], options: { isTTY?: boolean; env?: NodeJS.ProcessEnv } = {}): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(['node', 'netaudit', ...args], {
    stdout: (t) => {
      stdout += t;
    },
    stderr: (t) => {
      stderr += t;
    },
    isTTY: options.isTTY ?? false,
    env: options.env ?? {},
  });
  return { code, stdout, stderr };
}

export function binary(args: string[], env: NodeJS.ProcessEnv = {}): Run {
  const res = spawnSync(process.execPath, [BINARY, ...args], {
    cwd: PROJECT_ROOT,
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', ...env },
    timeout: 60_000,
  });
  return { code: res.status ?? -1, stdout: res.stdout, stderr: res.stderr };
}

/** Paths in arguments relative to the project root, as a user would type them. */
export function rel(p: string): string {
  return path.relative(PROJECT_ROOT, p);
}
