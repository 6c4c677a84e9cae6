/**
 * The cluster against PostgreSQL under pgbench: point SELECT and single-row UPDATE by key,
 * 8 clients, `-M prepared`, on a table of 1,000 rows.
 *
 *   npm run bench:cluster      (BENCH_SECONDS=5 per run, BENCH_ROUNDS=1; needs pgbench, initdb, pg_ctl)
 *
 * Three systems in the same run, each its own processes, pgbench talking TCP to dmachine
 * and the Unix socket to PostgreSQL:
 *
 *   dmachine, 3 nodes   `dmachine start --nodes 3`: three node processes, every word on all
 *                       three (CASPaxos), this process's child as the gateway
 *   dmachine, embedded  `dmachine start`: one process, the local memory
 *   PostgreSQL 15       durable (fsync and synchronous_commit on), the same table and scripts
 *
 * Target (docs/cluster.md): the 3-node cluster at least half of PostgreSQL's throughput on
 * both. Rounds interleave the systems; each figure is its best round. For the cluster, the
 * gateway's /metrics before and after each run give round trips to the replicas per
 * statement and how many changes took the one-round-trip path.
 */
import { randomInt } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { startServer } from '../test/dmachine-process.js';
import { startPostgres, type PostgresServer } from '../test/postgres-server.js';
import { runProgram } from '../test/wire/server-fixture.js';

const seconds = Number(process.env.BENCH_SECONDS ?? 5);
const rounds = Number(process.env.BENCH_ROUNDS ?? 1);
const clients = 8;
const rows = 1000;
const target = 0.5;

const scripts = {
  'point SELECT': `\\set id random(1, ${rows})\nSELECT balance FROM bench_accounts WHERE id = :id;\n`,
  'UPDATE by key': `\\set id random(1, ${rows})\nUPDATE bench_accounts SET balance = balance + 1 WHERE id = :id;\n`,
} as const;
type Workload = keyof typeof scripts;

interface System {
  readonly name: string;
  /** pgbench connection arguments and environment. */
  readonly connection: { args: string[]; env: NodeJS.ProcessEnv };
  /** The gateway's metrics URL, for a cluster. */
  readonly metrics?: string;
  stop(): Promise<void>;
}

/** Unlabelled metric values from Prometheus text. */
async function scrape(url: string): Promise<Map<string, number>> {
  const text = await (await fetch(url)).text();
  return new Map([...text.matchAll(/^(dmachine_gateway_\w+_total) (\S+)$/gm)].map((match) => [match[1]!, Number(match[2])]));
}

async function load(connection: pg.ClientConfig): Promise<void> {
  const client = new pg.Client(connection);
  await client.connect();
  try {
    await client.query('CREATE TABLE bench_accounts (id int8 PRIMARY KEY, balance int8)');
    for (let first = 1; first <= rows; first += 100) {
      const values = Array.from({ length: 100 }, (_, index) => `(${first + index}, 0)`).join(', ');
      await client.query(`INSERT INTO bench_accounts VALUES ${values}`);
    }
  } finally {
    await client.end();
  }
}

async function dmachine(name: string, args: string[], directory: string): Promise<System> {
  const server = startServer(['--port', '0', '--data', join(directory, name.replace(/\W+/g, '-')), ...args], { cwd: directory });
  const url = new URL(await server.ready);
  await load({ connectionString: url.href });
  const metrics = /health and metrics on (http:\/\/\S+)\/health/.exec(server.output())?.[1];
  return {
    name,
    metrics: metrics === undefined ? undefined : `${metrics}/metrics`,
    connection: { args: ['-h', url.hostname, '-p', url.port, '-U', 'admin', 'admin'], env: { PGPASSWORD: 'admin' } },
    async stop() {
      server.child.kill('SIGTERM');
      await server.exited;
    },
  };
}

async function postgres(): Promise<System> {
  const server: PostgresServer = startPostgres(40000 + randomInt(20000), { durable: true });
  await load({ host: server.socketDirectory, port: server.port, user: server.user, database: 'postgres' });
  return {
    name: 'PostgreSQL 15',
    connection: { args: ['-h', server.socketDirectory, '-p', String(server.port), '-U', server.user, 'postgres'], env: {} },
    async stop() {
      server.stop();
    },
  };
}

async function pgbench(system: System, script: string, directory: string): Promise<{ tps: number; transactions: number }> {
  const file = join(directory, 'script.sql');
  writeFileSync(file, script);
  const result = await runProgram(
    'pgbench',
    ['-n', '-M', 'prepared', '-c', String(clients), '-j', '2', '-T', String(seconds), '-f', file, ...system.connection.args],
    { env: system.connection.env },
  );
  const tps = /tps = ([\d.]+)/.exec(result.stdout);
  const failed = /number of failed transactions: (\d+)/.exec(result.stdout);
  if (result.code !== 0 || tps === null) throw new Error(`pgbench against ${system.name} failed: ${result.stderr || result.stdout}`);
  if (failed !== null && failed[1] !== '0') process.stderr.write(`note: ${failed[1]} failed transactions against ${system.name}\n`);
  const processed = /number of transactions actually processed: (\d+)/.exec(result.stdout);
  return { tps: Number(tps[1]), transactions: Number(processed?.[1] ?? 0) };
}

async function main(): Promise<void> {
  const directory = mkdtempSync(join(tmpdir(), 'dmachine-bench-cluster-'));
  const systems: System[] = [];
  try {
    systems.push(await dmachine('dmachine, 3 nodes', ['--nodes', '3', '--http-port', '0'], directory));
    systems.push(await dmachine('dmachine, embedded', [], directory));
    systems.push(await postgres());
    console.log(`pgbench -M prepared, ${clients} clients, ${seconds}s per run, ${rows} rows, best of ${rounds} rounds`);
    const best = new Map<string, number>();
    const protocol = new Map<Workload, string>();
    for (let round = 0; round < rounds; round++) {
      for (const workload of Object.keys(scripts) as Workload[]) {
        for (const system of systems) {
          const before = system.metrics === undefined ? undefined : await scrape(system.metrics);
          const { tps, transactions } = await pgbench(system, scripts[workload], directory);
          const key = `${workload}|${system.name}`;
          best.set(key, Math.max(best.get(key) ?? 0, tps));
          if (before !== undefined && transactions > 0) {
            const after = await scrape(system.metrics!);
            const delta = (name: string) => (after.get(`dmachine_gateway_${name}_total`) ?? 0) - (before.get(`dmachine_gateway_${name}_total`) ?? 0);
            protocol.set(
              workload,
              `${(delta('round_trips') / transactions).toFixed(2)} round trips per statement; per statement: ${(delta('quorum_reads') / transactions).toFixed(2)} quorum reads, ${(delta('leased_reads') / transactions).toFixed(2)} leased reads, ` +
                `${(delta('fast_changes') / transactions).toFixed(2)} one-round-trip changes (${delta('fast_fallbacks')} fell back), ${(delta('attempts') / transactions).toFixed(2)} two-phase rounds, ` +
                `${(delta('batched_changes') / transactions).toFixed(2)} changes sharing a round`,
            );
          }
        }
      }
      process.stderr.write(`round ${round + 1}/${rounds} done\n`);
    }
    console.log('');
    console.log(`${'workload (tps)'.padEnd(16)}${systems.map((system) => system.name.padStart(22)).join('')}${'3 nodes / PostgreSQL'.padStart(24)}   target`);
    for (const workload of Object.keys(scripts) as Workload[]) {
      const figures = systems.map((system) => best.get(`${workload}|${system.name}`)!);
      const ratio = figures[0]! / figures[2]!;
      console.log(
        `${workload.padEnd(16)}${figures.map((tps) => tps.toFixed(0).padStart(22)).join('')}${`${ratio.toFixed(2)}x`.padStart(24)}   ≥ ${target}x: ${ratio >= target ? 'met' : 'MISSED'}`,
      );
    }
    console.log('');
    for (const [workload, line] of protocol) console.log(`3 nodes, ${workload}: ${line}`);
  } finally {
    for (const system of systems) await system.stop();
    rmSync(directory, { recursive: true, force: true });
  }
}

await main();
