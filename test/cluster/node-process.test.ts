/**
 * Three `dmachine node` processes on loopback and proposers in this process talking to them
 * over HTTP (cluster/node-client.ts): the cluster secret, malformed batches, words
 * replicated through SIGKILL and restart, clear errors without a quorum, and a concurrent
 * history through two proposers, checked for linearizability, while one node is killed and
 * another stopped.
 */
import type { ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decode, encode } from '@msgpack/msgpack';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { freeLoopbackPort, spawnNode } from '../../cli/commands/start.js';
import { SqlError } from '../../common/sql-error.js';
import { Proposer } from '../../cluster/caspaxos/proposer.js';
import type { ClusterFile } from '../../cluster/cluster-file.js';
import { ClusterMemory } from '../../cluster/cluster-memory.js';
import { NodeClient } from '../../cluster/node-client.js';
import { acceptorPath, lnrPath, scanPath, secretHeader } from '../../cluster/node-protocol.js';
import { wordKeyText } from '../../cluster/node-server.js';
import { Placement } from '../../cluster/placement.js';
import { wordAddress, type WordAddress } from '../../store/key.js';
import type { ScanCursor, ScanRequest } from '../../store/memory.js';
import { checkLinearizable } from '../linearizability/checker.js';
import { registerModel, type RegisterInput, type RegisterOperation, type RegisterOutput, type RegisterValue } from '../linearizability/register-model.js';
import { temporaryDirectoryPerTest } from '../store/helpers.js';
import { startServer } from '../dmachine-process.js';
import { typescriptNodeArguments } from '../typescript-child.js';

/** CLUSTER_SOAK_OPERATIONS=n: the linearizability test's workers do n operations each (25 by default) under repeated faults. */
const soakOperations = process.env['CLUSTER_SOAK_OPERATIONS'] === undefined ? undefined : Number(process.env['CLUSTER_SOAK_OPERATIONS']);

const mainScript = fileURLToPath(new URL('../../cli/main.ts', import.meta.url));
const secret = 'a cluster secret of enough bytes';

interface RunningNode {
  child: ChildProcess;
  exited: Promise<void>;
}

/** A cluster of three node processes over a directory; nodes can be killed, stopped and started again. */
class Cluster {
  readonly running = new Map<string, RunningNode>();

  constructor(
    readonly directory: string,
    readonly file: ClusterFile,
    readonly path: string,
  ) {}

  static async create(directory: string): Promise<Cluster> {
    const nodes = await Promise.all(['n1', 'n2', 'n3'].map(async (id) => ({ id, address: `127.0.0.1:${await freeLoopbackPort()}`, weight: 1 })));
    const raw = { replicas: 3, secret, nodes };
    const path = join(directory, 'cluster.json');
    writeFileSync(path, JSON.stringify(raw));
    const file: ClusterFile = { replicas: 3, secret, nodes: nodes.map((node) => ({ id: node.id, weight: 1, host: '127.0.0.1', port: Number(node.address.split(':')[1]) })) };
    const cluster = new Cluster(directory, file, path);
    await Promise.all(nodes.map((node) => cluster.start(node.id)));
    return cluster;
  }

  async start(id: string): Promise<void> {
    this.running.set(id, await spawnNode(this.path, id, join(this.directory, id), typescriptNodeArguments(mainScript)));
  }

  async kill(id: string): Promise<void> {
    const node = this.running.get(id)!;
    node.child.kill('SIGKILL');
    await node.exited;
    this.running.delete(id);
  }

  signal(id: string, signal: 'SIGSTOP' | 'SIGCONT'): void {
    this.running.get(id)!.child.kill(signal);
  }

  async stopAll(): Promise<void> {
    for (const id of [...this.running.keys()]) {
      this.signal(id, 'SIGCONT');
      await this.kill(id);
    }
  }

  url(id: string): string {
    const node = this.file.nodes.find((candidate) => candidate.id === id)!;
    return `http://127.0.0.1:${node.port}${acceptorPath}`;
  }
}

function proposerFor(cluster: Cluster, id: string, client: NodeClient): Proposer<Buffer, WordAddress> {
  const placement = new Placement(cluster.file.nodes);
  return new Proposer<Buffer, WordAddress>({
    id,
    replicas: (address) => placement.replicas(address.pointer, cluster.file.replicas),
    client,
    keyText: wordKeyText,
    sleep: (milliseconds) => new Promise((resolve) => setTimeout(resolve, milliseconds)),
    random: Math.random,
    equals: (a, b) => a.equals(b),
    now: () => performance.now(),
    leaseMilliseconds: 200,
  });
}

/** The value of an unlabelled metric in Prometheus text. */
function counter(metrics: string, name: string): number {
  const match = new RegExp(`^${name} (\\S+)$`, 'm').exec(metrics);
  return match === null ? NaN : Number(match[1]);
}

const word = (name: string) => wordAddress({ account: 'acme', resource: 'registers', resourceType: 'rnd', primaryKey: name });
const text = (value: Buffer | null) => (value === null ? null : value.toString('utf8'));
const bytes = (value: RegisterValue) => (value === null ? null : Buffer.from(value));

/** The change function of a register operation, on bytes. */
function changeOf(input: RegisterInput) {
  return (current: Buffer | null): { next: Buffer | null; result: RegisterOutput } => {
    const seen = text(current);
    if (input.kind === 'read') return { next: current, result: { kind: 'read', value: seen } };
    if (input.kind === 'write') return { next: bytes(input.value), result: { kind: 'write' } };
    return seen === input.expected
      ? { next: bytes(input.next), result: { kind: 'cas', applied: true } }
      : { next: current, result: { kind: 'cas', applied: false, current: seen } };
  };
}

describe('storage node processes', () => {
  const directory = temporaryDirectoryPerTest('nodes');
  /** Two `dmachine gateway` processes over the cluster, on free ports, /health and /metrics included. */
  const startGateways = (over: Cluster) =>
    ['g1', 'g2'].map(() => startServer(['--cluster', over.path, '--port', '0', '--http-port', '0'], { cwd: directory(), command: 'gateway' }));
  const stopGateways = async (gateways: ReturnType<typeof startGateways>, signal: 'SIGTERM' | 'SIGKILL') => {
    for (const gateway of gateways) {
      gateway.child.kill(signal);
      await gateway.exited;
    }
  };
  let cluster: Cluster | undefined;
  const clients: NodeClient[] = [];
  const client = () => {
    const made = new NodeClient(cluster!.file, 1000);
    clients.push(made);
    return made;
  };
  afterEach(async () => {
    clients.splice(0).forEach((made) => made.close());
    await cluster?.stopAll();
    cluster = undefined;
  });

  it('refuses a request without the secret or with a wrong one, and a malformed batch, scan or lnr operation with 08P01, and keeps serving', async () => {
    cluster = await Cluster.create(directory());
    const post = (headers: Record<string, string>, body: Uint8Array) =>
      fetch(cluster!.url('n1'), { method: 'POST', headers: { 'content-type': 'application/msgpack', ...headers }, body });
    const valid = encode({ requests: [] });
    expect((await post({}, valid)).status).toBe(401);
    expect((await post({ [secretHeader]: 'not the secret' }, valid)).status).toBe(401);
    const garbage = await post({ [secretHeader]: secret }, Buffer.from([0xc1, 0xff, 0x00]));
    expect(garbage.status).toBe(400);
    expect(await garbage.json()).toMatchObject({ sqlstate: '08P01' });
    const badKey = await post({ [secretHeader]: secret }, encode({ requests: [{ op: 'prepare', key: ['a'], ballot: [1, 'p'] }] }));
    expect(badKey.status).toBe(400);
    expect((await post({ [secretHeader]: secret }, valid)).status).toBe(200);
    const scanUrl = cluster.url('n1').replace(acceptorPath, scanPath);
    const scan = (headers: Record<string, string>, body: Uint8Array) =>
      fetch(scanUrl, { method: 'POST', headers: { 'content-type': 'application/msgpack', ...headers }, body });
    const resourceScan = (limit: number) => encode({ kind: 'resource', account: 'acme', resource: 'r', resourceType: 'rnd', limit, after: null });
    expect((await scan({}, resourceScan(5))).status).toBe(401);
    const zeroLimit = await scan({ [secretHeader]: secret }, resourceScan(0));
    expect(zeroLimit.status).toBe(400);
    expect(await zeroLimit.json()).toMatchObject({ sqlstate: '22023' });
    expect((await scan({ [secretHeader]: secret }, Buffer.from('garbage'))).status).toBe(400);
    expect((await scan({ [secretHeader]: secret }, resourceScan(5))).status).toBe(200);
    const lnr = (headers: Record<string, string>, body: Uint8Array) =>
      fetch(cluster!.url('n1').replace(acceptorPath, lnrPath), { method: 'POST', headers: { 'content-type': 'application/msgpack', ...headers }, body });
    const append = encode({ op: 'append', log: ['acme', 'q'], segment: 0, first: 0, payloads: [Buffer.from('body')] });
    expect((await lnr({}, append)).status).toBe(401);
    expect(await (await lnr({ [secretHeader]: secret }, Buffer.from('garbage'))).json()).toMatchObject({ sqlstate: '08P01' });
    expect(await (await lnr({ [secretHeader]: secret }, encode({ op: 'read', log: ['acme', 'q'], segment: 0, record: 2 ** 21, count: 1 }))).json()).toMatchObject({ sqlstate: '22023' });
    expect(decode(Buffer.from(await (await lnr({ [secretHeader]: secret }, append)).arrayBuffer()))).toEqual({ ok: true });
    const read = await lnr({ [secretHeader]: secret }, encode({ op: 'read', log: ['acme', 'q'], segment: 0, record: 0, count: 5 }));
    expect((decode(Buffer.from(await read.arrayBuffer())) as { payloads: Uint8Array[] }).payloads.map((payload) => Buffer.from(payload).toString())).toEqual(['body']);
    const health = await fetch(cluster.url('n1').replace(acceptorPath, '/health'));
    expect(await health.json()).toEqual({ status: 'ok', node: 'n1' });
    expect(await proposerFor(cluster, 'g1', client()).change(word('x'), changeOf({ kind: 'write', key: 'x', value: 'v' }))).toEqual({ kind: 'write' });
  });

  it('keeps every acknowledged write through SIGKILL and restart of nodes, and fails clearly without a quorum', async () => {
    cluster = await Cluster.create(directory());
    const gateway = proposerFor(cluster, 'g1', client());
    const run = (input: RegisterInput) => gateway.change(word(input.key), changeOf(input));
    await run({ kind: 'write', key: 'x', value: 'one' });
    await cluster.kill('n1');
    expect(await run({ kind: 'cas', key: 'x', expected: 'one', next: 'two' })).toEqual({ kind: 'cas', applied: true });
    await cluster.start('n1');
    await cluster.kill('n2'); // n1 comes back with what its disk kept; n1 and n3 are a quorum
    expect(await proposerFor(cluster, 'g2', client()).change(word('x'), changeOf({ kind: 'read', key: 'x' }))).toEqual({ kind: 'read', value: 'two' });
    await cluster.kill('n3'); // one of three: no quorum
    const failure = await run({ kind: 'write', key: 'x', value: 'three' }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(SqlError);
    expect(['57P03', '40003']).toContain((failure as SqlError).sqlstate);
    await cluster.start('n2');
    await cluster.start('n3');
    const after = await proposerFor(cluster, 'g3', client()).change(word('x'), changeOf({ kind: 'read', key: 'x' }));
    // 'three' only if the failed write was 40003 (its outcome unknown); never anything else.
    if ((failure as SqlError).sqlstate === '57P03') expect(after).toEqual({ kind: 'read', value: 'two' });
    else expect(['two', 'three']).toContain((after as { value: string }).value);
  }, 60_000);

  it('serves SQL through two gateway processes over the nodes, scans and queues included, a node killed under it', async () => {
    cluster = await Cluster.create(directory());
    const gateways = startGateways(cluster);
    try {
      const [first, second] = await Promise.all(gateways.map(async (gateway) => {
        const connection = new pg.Client({ connectionString: await gateway.ready });
        await connection.connect();
        return connection;
      }));
      try {
        // second learns (under a lease) that there is no such table; first's CREATE waits for that lease, then second sees it.
        expect(await second!.query('SELECT * FROM accounts').catch((error: { code?: string }) => error)).toMatchObject({ code: '42P01' });
        await first!.query('CREATE TABLE accounts (id int8 PRIMARY KEY, balance int8)');
        expect((await second!.query('SELECT * FROM accounts')).rows).toEqual([]);
        await first!.query('INSERT INTO accounts VALUES (1, 100), (2, 50)');
        await cluster.kill('n3');
        await second!.query('UPDATE accounts SET balance = balance - 30 WHERE id = 1');
        const { rows } = await first!.query({ text: 'SELECT balance FROM accounts WHERE id = $1', values: [1] });
        expect(rows).toEqual([{ balance: '70' }]);
        expect((await second!.query({ text: 'SELECT balance FROM accounts WHERE id = $1', values: [2] })).rows).toEqual([{ balance: '50' }]);

        // Scans read the replicas and confirm each word by a quorum, with n3 still down.
        const table = await second!.query('SELECT id, balance FROM accounts ORDER BY id');
        expect(table.rows).toEqual([{ id: '1', balance: '70' }, { id: '2', balance: '50' }]);
        await first!.query('CREATE TABLE events (user_id text, ts int8, kind text, PRIMARY KEY (user_id, ts))');
        const values = Array.from({ length: 30 }, (_, index) => `('ann', ${index}, 'k${index}')`).join(', ');
        await first!.query(`INSERT INTO events VALUES ${values}, ('bo', 1, 'other')`);
        const range = await second!.query("SELECT ts FROM events WHERE user_id = 'ann' AND ts >= 10 ORDER BY ts DESC LIMIT 5");
        expect(range.rows.map((row) => Number(row.ts))).toEqual([29, 28, 27, 26, 25]);
        expect((await second!.query("SELECT count(*) AS n FROM events WHERE user_id = 'ann'")).rows).toEqual([{ n: '30' }]);
        expect((await first!.query('SELECT count(*) AS n FROM events')).rows).toEqual([{ n: '31' }]);
        await second!.query("DELETE FROM events WHERE user_id = 'ann' AND ts < 20");
        expect((await first!.query("SELECT count(*) AS n FROM events WHERE user_id = 'ann'")).rows).toEqual([{ n: '10' }]);
        await first!.query('DROP TABLE events');
        const dropped = await second!.query('SELECT * FROM events').catch((error: { code?: string }) => error);
        expect(dropped).toMatchObject({ code: '42P01' });
        // Small batches of a queue live in rnd words (staged); larger ones in lnr segments on the replicas.
        await second!.query("CREATE QUEUE jobs; ENQUEUE INTO jobs VALUES ('a'), ('b')");
        expect((await first!.query('DEQUEUE FROM jobs LIMIT 5')).rows.map((row) => row.body)).toEqual(['a', 'b']);
        await second!.query("CREATE QUEUE big WITH (staged_bytes_max = 0); ENQUEUE INTO big VALUES ('a'), ('b'); ENQUEUE INTO big VALUES ('c')");
        await first!.query("ENQUEUE INTO big VALUES ('d')");
        expect((await first!.query('SELECT count(*) AS n FROM big')).rows).toEqual([{ n: '4' }]);
        expect((await first!.query('DEQUEUE FROM big LIMIT 3')).rows.map((row) => row.body)).toEqual(['a', 'b', 'c']);
        expect((await second!.query('READ FROM big')).rows.map((row) => row.body)).toEqual(['d']);
        await second!.query('DROP QUEUE big');

        // Health and metrics: the gateway's counters and latencies, a node's operations.
        const httpOf = (output: string) => /health and metrics on (http:\/\/\S+)\/health/.exec(output)![1]!;
        const gatewayHttp = httpOf(gateways[0]!.output());
        expect(await (await fetch(`${gatewayHttp}/health`)).json()).toEqual({ status: 'ok', role: 'gateway' });
        const gatewayMetrics = await (await fetch(`${gatewayHttp}/metrics`)).text();
        expect(counter(gatewayMetrics, 'dmachine_gateway_round_trips_total')).toBeGreaterThan(0);
        expect(counter(gatewayMetrics, 'dmachine_gateway_quorum_reads_total')).toBeGreaterThan(0);
        // Catalog words are read under leases; the DROP waited for the other gateway's lease on it.
        expect(counter(gatewayMetrics, 'dmachine_gateway_leased_reads_total')).toBeGreaterThan(0);
        expect(counter(gatewayMetrics, 'dmachine_gateway_lease_waits_total')).toBeGreaterThan(0);
        expect(gatewayMetrics).toMatch(/dmachine_gateway_word_operation_seconds_count\{kind="scan"\} [1-9]/);
        expect(gatewayMetrics).toMatch(/dmachine_gateway_word_operation_seconds_count\{kind="cas"\} [1-9]/);
        const nodeMetrics = await (await fetch(cluster.url('n1').replace(acceptorPath, '/metrics'))).text();
        expect(nodeMetrics).toMatch(/dmachine_node_operations_total\{op="accept"\} [1-9]/);
        expect(counter(nodeMetrics, 'dmachine_node_words_stored')).toBeGreaterThan(0);
      } finally {
        await Promise.all([first!.end(), second!.end()]);
      }
    } finally {
      await stopGateways(gateways, 'SIGTERM');
    }
  }, 60_000);

  it('keeps every acknowledged message of logged batches through SIGKILL of a node and of a gateway, and hands each out once', async () => {
    cluster = await Cluster.create(directory());
    const gateways = startGateways(cluster);
    const connections: pg.Client[] = [];
    const connect = async (gateway: (typeof gateways)[number]) => {
      const connection = new pg.Client({ connectionString: await gateway.ready });
      connection.on('error', () => undefined); // the gateway killed under it
      await connection.connect();
      connections.push(connection);
      return connection;
    };
    try {
      const setup = await connect(gateways[0]!);
      await setup.query('CREATE QUEUE work WITH (staged_bytes_max = 0)');
      const producers = await Promise.all([0, 1, 2, 3].map((index) => connect(gateways[index % 2]!)));
      const acknowledged = new Set<string>();
      const maybe = new Set<string>();
      let producing = true;
      const produce = async (connection: pg.Client, producer: number) => {
        for (let batch = 0; producing; batch++) {
          const bodies = [0, 1, 2].map((index) => `p${producer}-${batch}-${index}-${'x'.repeat(200)}`);
          try {
            await connection.query(`ENQUEUE INTO work VALUES ${bodies.map((body) => `('${body}')`).join(', ')}`);
            for (const body of bodies) acknowledged.add(body);
          } catch {
            for (const body of bodies) maybe.add(body);
            await new Promise((resolve) => setTimeout(resolve, 20));
          }
        }
      };
      const running = producers.map((connection, index) => produce(connection, index));
      const pause = (milliseconds: number) => new Promise((resolve) => setTimeout(resolve, milliseconds));
      await pause(400);
      await cluster.kill('n2');
      await pause(400);
      await cluster.start('n2');
      await pause(300);
      gateways[1]!.child.kill('SIGKILL');
      await pause(300);
      producing = false;
      await Promise.all(running);
      expect(acknowledged.size).toBeGreaterThan(30);

      // Two consumers through the surviving gateway take everything: each message once.
      const consumers = await Promise.all([0, 1].map(() => connect(gateways[0]!)));
      const taken: string[] = [];
      await Promise.all(
        consumers.map(async (connection) => {
          for (;;) {
            const { rows } = await connection.query('DEQUEUE FROM work LIMIT 25');
            if (rows.length === 0) return;
            taken.push(...rows.map((row) => row.body as string));
          }
        }),
      );
      expect(new Set(taken).size).toBe(taken.length);
      const got = new Set(taken);
      expect([...acknowledged].filter((body) => !got.has(body))).toEqual([]);
      expect(taken.filter((body) => !acknowledged.has(body) && !maybe.has(body))).toEqual([]);
    } finally {
      await Promise.all(connections.map((connection) => connection.end().catch(() => undefined)));
      await stopGateways(gateways, 'SIGKILL');
    }
  }, 60_000);

  it('pages range and resource scans across the replicas, in order, every word once, with a node down and a word deleted', async () => {
    cluster = await Cluster.create(directory());
    const memory = new ClusterMemory(cluster.file, { timeoutMilliseconds: 1000 });
    try {
      const at = (key: string, sortKey?: bigint) => wordAddress({ account: 'acme', resource: 'paged', resourceType: 'rnd', primaryKey: key, sortKey });
      for (let index = 0; index < 12; index++) await memory.write(at('series', BigInt(index)), Buffer.from(`s${index}`));
      for (let index = 0; index < 9; index++) await memory.write(at(`k${index}`), Buffer.from(`k${index}`));
      await memory.delete(at('series', 5n));
      await cluster.kill('n2');
      const page = async (request: ScanRequest) => {
        const seen: string[] = [];
        let after: ScanCursor | undefined;
        for (let pages = 0; pages < 50; pages++) {
          const result = await memory.scan({ ...request, after });
          expect(result.words.length).toBeLessThanOrEqual(3);
          seen.push(...result.words.map((word) => word.value.toString()));
          after = result.next;
          if (after === undefined) break;
        }
        return seen;
      };
      const series = Array.from({ length: 12 }, (_, index) => `s${index}`).filter((value) => value !== 's5');
      expect(await page({ kind: 'sortKeyRange', address: at('series'), limit: 3 })).toEqual(series);
      expect(await page({ kind: 'sortKeyRange', address: at('series'), limit: 3, reverse: true })).toEqual([...series].reverse());
      const everything = await page({ kind: 'resource', account: 'acme', resource: 'paged', resourceType: 'rnd', limit: 3 });
      expect([...everything].sort()).toEqual([...series, ...Array.from({ length: 9 }, (_, index) => `k${index}`)].sort());
      expect(new Set(everything).size).toBe(everything.length);
    } finally {
      await memory.close();
    }
  }, 60_000);

  it('gives a linearizable history to 8 clients through two gateways, leased reads included, while a node is killed and another stopped', async () => {
    cluster = await Cluster.create(directory());
    const gateways = [proposerFor(cluster, 'g1', client()), proposerFor(cluster, 'g2', client())];
    const history: RegisterOperation[] = [];
    const started = performance.now();
    let written = 0;
    const worker = async (index: number) => {
      for (let count = 0; count < (soakOperations ?? 25); count++) {
        // 'calm' is mostly read (so its leases are held), written once midway; a, b and c are contended.
        const calm = count % 4 === 3;
        const key = calm ? 'calm' : ['a', 'b', 'c'][Math.floor(Math.random() * 3)]!;
        const roll = calm ? (index === 0 && count === 11 ? 0.5 : 0) : Math.random();
        const fresh = `w${index}-${written++}`;
        const input: RegisterInput =
          roll < 0.4 ? { kind: 'read', key } : roll < 0.7 ? { kind: 'write', key, value: fresh } : { kind: 'cas', key, expected: Math.random() < 0.5 ? null : fresh, next: `${fresh}*` };
        const call = performance.now() - started;
        try {
          // Reads take each path in turn: a change that keeps the value, a quorum read, a leased read.
          const gateway = gateways[index % 2]!;
          const read = (path: number) =>
            path === 0 ? gateway.change(word(key), changeOf(input)) : gateway.read(word(key), { lease: path === 2 }).then((value) => ({ kind: 'read' as const, value: text(value) }));
          const output = input.kind === 'read' ? await read(calm ? 2 : count % 3) : await gateway.change(word(key), changeOf(input));
          history.push({ input, output, call, return: performance.now() - started });
        } catch (error) {
          if (!(error instanceof SqlError)) throw error;
          if (error.sqlstate === '40003') history.push({ input, output: undefined, call, return: undefined });
          else expect(['57P03', '40001']).toContain(error.sqlstate); // changed nothing
        }
      }
    };
    // One kill-and-restart and one stop-and-continue per cycle, on different nodes each cycle,
    // until the workers are done (one cycle in npm test; CLUSTER_SOAK_OPERATIONS runs more).
    let working = true;
    const faults = (async () => {
      const pause = (milliseconds: number) => new Promise((resolve) => setTimeout(resolve, milliseconds));
      for (let cycle = 0; working; cycle++) {
        const [killed, stopped] = [`n${(cycle % 3) + 1}`, `n${((cycle + 1) % 3) + 1}`];
        await pause(150);
        await cluster!.kill(killed);
        await pause(200);
        await cluster!.start(killed);
        cluster!.signal(stopped, 'SIGSTOP');
        await pause(300);
        cluster!.signal(stopped, 'SIGCONT');
        if (soakOperations === undefined) return;
      }
    })();
    await Promise.all(Array.from({ length: 8 }, (_, index) => worker(index)));
    working = false;
    await faults;
    const verdict = checkLinearizable(registerModel, history);
    expect(verdict.result, JSON.stringify(verdict)).toBe('ok');
    expect(history.filter((operation) => operation.output !== undefined).length).toBeGreaterThan(100);
    expect(gateways[0]!.stats.leasedReads + gateways[1]!.stats.leasedReads).toBeGreaterThan(0);
    // Every acknowledged write is readable at the end: the final reads agree with the history.
    const finalReads = await Promise.all(['a', 'b', 'c', 'calm'].map(async (key) => {
      const output = await gateways[0]!.change(word(key), changeOf({ kind: 'read', key }));
      return { input: { kind: 'read', key } as RegisterInput, output, call: performance.now() - started, return: performance.now() - started + 1 };
    }));
    expect(checkLinearizable(registerModel, [...history, ...finalReads]).result).toBe('ok');
  }, 60_000 + (soakOperations ?? 0) * 500);
});
