/**
 * A WireServer on an ephemeral port over a fresh data directory per test, with the
 * administrator `admin`/`admin`. Clients run in this process (pg, postgres.js) or as
 * child processes started asynchronously (psql, pgbench), so the server keeps serving.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import pg from 'pg';
import { LocalMemory, type LocalMemoryOptions } from '../../store/local-memory.js';
import { WireServer, type WireServerOptions } from '../../wire/server.js';

export interface RunningServer {
  readonly server: WireServer;
  readonly memory: LocalMemory;
  readonly port: number;
  readonly directory: string;
  url(user?: string, password?: string): string;
  /** A connected node-postgres client, ended after the test. */
  client(user?: string, password?: string): Promise<pg.Client>;
}

export const adminPassword = 'admin';

/** Starts a server before each test and stops it (and its clients) after; `memoryOptions` configure its LocalMemory (e.g. a small lnr segment size). */
export function serverPerTest(options: Partial<Omit<WireServerOptions, 'memory'>> = {}, memoryOptions: LocalMemoryOptions = {}): () => RunningServer {
  let running: RunningServer | undefined;
  const clients: pg.Client[] = [];
  beforeEach(async () => {
    const directory = mkdtempSync(join(tmpdir(), 'dmachine-wire-'));
    const memory = LocalMemory.open(join(directory, 'data'), memoryOptions);
    const server = new WireServer({ memory, host: '127.0.0.1', port: 0, scramIterations: 64, ...options });
    await server.accounts.bootstrapAdmin('admin', adminPassword);
    const port = await server.listen();
    const url = (user = 'admin', password = adminPassword): string =>
      `postgres://${encodeURIComponent(user)}:${encodeURIComponent(password)}@127.0.0.1:${port}/${encodeURIComponent(user)}`;
    running = {
      server,
      memory,
      port,
      directory,
      url,
      async client(user, password) {
        const client = new pg.Client({ connectionString: url(user, password) });
        client.on('error', () => {}); // a server-side close in a test is expected
        await client.connect();
        clients.push(client);
        return client;
      },
    };
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.end().catch(() => {})));
    if (running === undefined) return;
    await running.server.close();
    await running.memory.close();
    rmSync(running.directory, { recursive: true, force: true });
    running = undefined;
  });
  return () => {
    if (running === undefined) throw new Error('server used outside a test');
    return running;
  };
}

export interface ProcessResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a program without blocking the event loop (the server runs in this process). */
export function runProgram(file: string, args: string[], options: { input?: string; env?: NodeJS.ProcessEnv } = {}): Promise<ProcessResult> {
  return new Promise((resolve) => {
    const child = execFile(file, args, { env: { ...process.env, ...options.env }, timeout: 60_000 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
      resolve({ code, stdout, stderr });
    });
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}
