import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { typescriptNodeArguments } from '../typescript-child.js';

const mainScript = fileURLToPath(new URL('../../cli/main.ts', import.meta.url));

export interface CliResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `dmachine ARGS` from source, as a separate process, and waits for it. */
export function runCli(args: string[], options: { cwd?: string } = {}): CliResult {
  const result = spawnSync(process.execPath, typescriptNodeArguments(mainScript, ...args), {
    encoding: 'utf8',
    cwd: options.cwd,
    timeout: 30_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}
