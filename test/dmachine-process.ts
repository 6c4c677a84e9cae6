/**
 * The dmachine server as its own process, as a user runs it: for tests of the command and for
 * benchmarks that must not share the server's event loop with their clients.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { typescriptNodeArguments } from './typescript-child.js';

const mainScript = fileURLToPath(new URL('../cli/main.ts', import.meta.url));

/**
 * `dmachine start ARGS` (or `dmachine gateway ARGS`) as a child process; `ready` resolves
 * with the psql URL it prints. The admin password is admin unless `env` sets
 * DMACHINE_ADMIN_PASSWORD.
 */
export function startServer(args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv; command?: 'start' | 'gateway' }) {
  const command = options.command ?? 'start';
  const child = spawn(process.execPath, typescriptNodeArguments(mainScript, command, ...args), {
    cwd: options.cwd,
    env: { ...process.env, DMACHINE_ADMIN_PASSWORD: '', ...options.env },
  });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const ready = new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = /^ {2}psql (\S+)$/m.exec(stdout);
      if (match) resolve(match[1]!);
    });
    void exited.then(() => reject(new Error(`dmachine ${command} exited early: ${stdout}${stderr}`)));
  });
  return { child, ready, exited, output: () => stdout, errors: () => stderr };
}
