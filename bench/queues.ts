/**
 * Queue throughput: messages per second with 64-byte bodies and 8 clients, each its
 * own node-postgres connection, over the PostgreSQL wire protocol.
 *
 *   npm run bench:queues      (BENCH_SECONDS=3 per measurement, BENCH_ROUNDS=3, BENCH_MB=256)
 *   BENCH_NODES=3 npm run bench:queues    the same against a local cluster (`dmachine start --nodes 3`)
 *
 * dmachine: `dmachine start` as its own process (as PostgreSQL's server is its own
 * processes, so neither shares a CPU thread with the 8 clients in this one), data in a
 * temporary directory, `CREATE QUEUE bench`; every statement is a named prepared
 * statement (extended protocol, parsed once per connection):
 *
 *   enqueue only     ENQUEUE INTO bench VALUES ($1)                  1 message per statement
 *   dequeue only     DEQUEUE FROM bench                              1 per statement, queue pre-filled
 *   50/50 mix        each client alternates the two                  1 per statement
 *   batched enqueue  ENQUEUE INTO bench VALUES ($1), ..., ($1000)    1,000 per statement
 *   batched, large   the same into queue bench_large with 4 KiB bodies  1,000 per statement
 *
 * PostgreSQL 15 in the same run (test/postgres-server.ts, durable: fsync and
 * synchronous_commit on, its defaults, since dmachine acknowledges only durable
 * writes), a table queue `q (id bigserial PRIMARY KEY, body text)`:
 *
 *   enqueue          INSERT INTO q (body) VALUES ($1)
 *   dequeue          DELETE FROM q WHERE id = (SELECT id FROM q ORDER BY id FOR UPDATE SKIP LOCKED LIMIT 1) RETURNING id, body
 *   batched insert   INSERT INTO q (body) VALUES ($1), ..., ($1000)   (4 KiB bodies: table q_large)
 *
 * Baseline for batched enqueue: the disk's sequential write speed, BENCH_MB MiB in
 * 1 MiB writes with one fsync at the end, into the dmachine data directory's
 * filesystem (bench/measure.ts, shared with bench:lnr). Payload MiB/s counts body
 * bytes only; the bandwidth target is judged on the 4 KiB bodies (64-byte bodies
 * measure per-message costs, not bandwidth). Large bodies are random base64, so
 * PostgreSQL's TOAST compression gains nothing.
 *
 * Rounds interleave every measurement (disk, dmachine, PostgreSQL) so drifts of the
 * shared disk and CPU hit all alike; each figure is its best round. `VACUUM q` runs
 * (untimed) before each PostgreSQL measurement so every round starts from the same
 * state rather than from the previous round's dead tuples.
 */
import { randomBytes, randomInt } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { startServer } from '../test/dmachine-process.js';
import { startPostgres, type PostgresServer } from '../test/postgres-server.js';
import { formatRate, writeSequentialFile } from './measure.js';

const seconds = Number(process.env.BENCH_SECONDS ?? 3);
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const diskMebibytes = Number(process.env.BENCH_MB ?? 256);
/** 0: the embedded default; otherwise `--nodes N`, a local cluster. */
const nodes = Number(process.env.BENCH_NODES ?? 0);
for (const [name, value] of [['BENCH_SECONDS', seconds], ['BENCH_ROUNDS', rounds], ['BENCH_MB', diskMebibytes]] as const) {
  if (!(value > 0) || (name !== 'BENCH_SECONDS' && !Number.isSafeInteger(value))) throw new Error(`${name}=${value} is not a positive number`);
}
const clientCount = 8;
const bodyBytes = 64;
const largeBodyBytes = 4096;
const batchSize = 1000;
const mebibyte = 1024 * 1024;
const mixTarget = 3; // dmachine / PostgreSQL, one message per statement, 50/50 mix
const batchedTarget = 0.5; // batched enqueue payload MiB/s / disk MiB/s

/** A 64-byte body, distinct per message (the sequence number in front, padding after). */
function body(sequence: number): string {
  return `m${sequence}`.padEnd(bodyBytes, '.');
}

const randomText = randomBytes(largeBodyBytes).toString('base64');

/**
 * The parameters of a batch of 4 KiB bodies of random text, distinct within the batch. Built
 * once and sent by every large-batch statement: building 4 MiB of strings per statement would
 * make the client process the bottleneck of a bandwidth measurement (neither side dedupes).
 */
const largeBatch = Array.from({ length: batchSize }, (_, index) => `m${index}-${randomText}`.slice(0, largeBodyBytes));

const batchPlaceholders = Array.from({ length: batchSize }, (_, index) => `($${index + 1})`).join(', ');

interface Side {
  readonly name: string;
  readonly clients: readonly pg.Client[];
  enqueue(client: pg.Client, sequence: number): Promise<number>;
  enqueueBatch(client: pg.Client, sequence: number): Promise<number>;
  /** The batch with 4 KiB bodies, into a queue (table) of its own. */
  enqueueLargeBatch(client: pg.Client): Promise<number>;
  /** Messages taken: 1, or 0 when the queue was empty. */
  dequeue(client: pg.Client): Promise<number>;
  depth(): Promise<number>;
  /** Untimed preparation before each measurement. */
  settle(): Promise<void>;
}

let sequence = 0;

/**
 * Each client runs `operation` back to back, independently of the others, until
 * `seconds` have passed; returns the messages per second over all of them, and how
 * many operations found the queue empty.
 */
async function clientsRate(side: Side, operation: (client: pg.Client, index: number) => Promise<number>): Promise<{ rate: number; empty: number }> {
  await side.settle();
  const started = performance.now();
  const deadline = started + seconds * 1000;
  let messages = 0;
  let empty = 0;
  await Promise.all(
    side.clients.map(async (client) => {
      for (let index = 0; performance.now() < deadline; index++) {
        const taken = await operation(client, index);
        messages += taken;
        if (taken === 0) empty++;
      }
    }),
  );
  return { rate: messages / ((performance.now() - started) / 1000), empty };
}

async function connectAll(config: pg.ClientConfig): Promise<pg.Client[]> {
  return Promise.all(
    Array.from({ length: clientCount }, async () => {
      const client = new pg.Client(config);
      await client.connect();
      return client;
    }),
  );
}

function dmachineSide(clients: pg.Client[]): Side {
  return {
    name: 'dmachine',
    clients,
    async enqueue(client, sequence) {
      return (await client.query({ name: 'enqueue', text: 'ENQUEUE INTO bench VALUES ($1)', values: [body(sequence)] })).rowCount ?? 0;
    },
    async enqueueBatch(client, first) {
      const values = Array.from({ length: batchSize }, (_, index) => body(first + index));
      return (await client.query({ name: 'enqueue-batch', text: `ENQUEUE INTO bench VALUES ${batchPlaceholders}`, values })).rowCount ?? 0;
    },
    async enqueueLargeBatch(client) {
      return (await client.query({ name: 'enqueue-large', text: `ENQUEUE INTO bench_large VALUES ${batchPlaceholders}`, values: largeBatch })).rowCount ?? 0;
    },
    async dequeue(client) {
      return (await client.query({ name: 'dequeue', text: 'DEQUEUE FROM bench' })).rows.length;
    },
    async depth() {
      return Number((await clients[0]!.query('SELECT count(*) AS n FROM bench')).rows[0].n);
    },
    async settle() {},
  };
}

function postgresSide(clients: pg.Client[]): Side {
  return {
    name: 'PostgreSQL',
    clients,
    async enqueue(client, sequence) {
      return (await client.query({ name: 'enqueue', text: 'INSERT INTO q (body) VALUES ($1)', values: [body(sequence)] })).rowCount ?? 0;
    },
    async enqueueBatch(client, first) {
      const values = Array.from({ length: batchSize }, (_, index) => body(first + index));
      return (await client.query({ name: 'enqueue-batch', text: `INSERT INTO q (body) VALUES ${batchPlaceholders}`, values })).rowCount ?? 0;
    },
    async enqueueLargeBatch(client) {
      return (await client.query({ name: 'enqueue-large', text: `INSERT INTO q_large (body) VALUES ${batchPlaceholders}`, values: largeBatch })).rowCount ?? 0;
    },
    async dequeue(client) {
      const text = 'DELETE FROM q WHERE id = (SELECT id FROM q ORDER BY id FOR UPDATE SKIP LOCKED LIMIT 1) RETURNING id, body';
      return (await client.query({ name: 'dequeue', text })).rows.length;
    },
    async depth() {
      return Number((await clients[0]!.query('SELECT count(*) AS n FROM q')).rows[0].n);
    },
    async settle() {
      await clients[0]!.query('VACUUM q');
    },
  };
}

/** Tops the queue up with batches of 1,000 (8 clients at once) until it holds at least `messages`. */
async function fill(side: Side, messages: number): Promise<void> {
  let depth = await side.depth();
  while (depth < messages) {
    const batches = Math.ceil((messages - depth) / batchSize);
    let next = 0;
    await Promise.all(
      side.clients.map(async (client) => {
        while (next < batches) {
          next++;
          await side.enqueueBatch(client, (sequence += batchSize));
        }
      }),
    );
    depth = await side.depth();
  }
}

interface Figures {
  enqueue: number;
  dequeue: number;
  mix: number;
  batched: number;
  batchedLarge: number;
  emptyDequeues: number;
}

/** One round of the four workloads on one side; `dequeueGuess` sizes the pre-fill. */
async function measureSide(side: Side, dequeueGuess: number): Promise<Figures> {
  const enqueue = await clientsRate(side, (client) => side.enqueue(client, sequence++));
  const batched = await clientsRate(side, (client) => side.enqueueBatch(client, (sequence += batchSize)));
  const batchedLarge = await clientsRate(side, (client) => side.enqueueLargeBatch(client));
  // Enough for the dequeue run at up to twice the rate guessed (the enqueue runs above left some already).
  await fill(side, Math.ceil(2 * dequeueGuess * seconds));
  const dequeue = await clientsRate(side, (client) => side.dequeue(client));
  const mix = await clientsRate(side, (client, index) => (index % 2 === 0 ? side.enqueue(client, sequence++) : side.dequeue(client)));
  return {
    enqueue: enqueue.rate,
    dequeue: dequeue.rate,
    mix: mix.rate,
    batched: batched.rate,
    batchedLarge: batchedLarge.rate,
    emptyDequeues: dequeue.empty + mix.empty,
  };
}

function best(samples: Figures[]): Figures {
  const pick = (field: keyof Figures) => Math.max(...samples.map((sample) => sample[field]));
  return {
    enqueue: pick('enqueue'),
    dequeue: pick('dequeue'),
    mix: pick('mix'),
    batched: pick('batched'),
    batchedLarge: pick('batchedLarge'),
    emptyDequeues: samples.reduce((sum, sample) => sum + sample.emptyDequeues, 0),
  };
}

function row(cells: string[], widths: number[]): string {
  return cells.map((cell, index) => (index === 0 ? cell.padEnd(widths[index]!) : cell.padStart(widths[index]!))).join('  ');
}

async function main(): Promise<void> {
  const directory = mkdtempSync(join(tmpdir(), 'dmachine-bench-queues-'));
  let postgres: PostgresServer | undefined;
  let server: ReturnType<typeof startServer> | undefined;
  const clients: pg.Client[] = [];
  try {
    const cluster = nodes > 0 ? ['--nodes', String(nodes)] : [];
    server = startServer(['--port', '0', '--data', join(directory, 'data'), ...cluster], { cwd: directory });
    const dmClients = await connectAll({ connectionString: await server.ready });
    clients.push(...dmClients);
    await dmClients[0]!.query('CREATE QUEUE bench; CREATE QUEUE bench_large');

    postgres = startPostgres(40000 + randomInt(20000), { durable: true });
    const pgClients = await connectAll({ host: postgres.socketDirectory, port: postgres.port, user: postgres.user, database: 'postgres' });
    clients.push(...pgClients);
    const settings = await pgClients[0]!.query("SELECT current_setting('server_version') AS v, current_setting('fsync') AS f, current_setting('synchronous_commit') AS s");
    await pgClients[0]!.query('CREATE TABLE q (id bigserial PRIMARY KEY, body text); CREATE TABLE q_large (id bigserial PRIMARY KEY, body text)');

    const sides = [dmachineSide(dmClients), postgresSide(pgClients)] as const;
    console.log(
      `queue benchmark: ${clientCount} clients, ${bodyBytes}-byte bodies, batch sizes 1 and ${batchSize} messages per statement, ` +
        `${seconds}s per measurement, best of ${rounds} rounds`,
    );
    console.log(`dmachine ${nodes > 0 ? `cluster of ${nodes} nodes` : 'embedded'}, data in ${directory}; PostgreSQL ${settings.rows[0].v} (fsync=${settings.rows[0].f}, synchronous_commit=${settings.rows[0].s}), Unix socket`);

    const diskFile = join(directory, 'disk-baseline');
    const disk: number[] = [];
    const samples: [Figures[], Figures[]] = [[], []];
    for (let round = 0; round < rounds; round++) {
      const started = performance.now();
      await writeSequentialFile(diskFile, diskMebibytes, false);
      disk.push(diskMebibytes / ((performance.now() - started) / 1000));
      rmSync(diskFile);
      for (const [index, side] of sides.entries()) {
        const previous = samples[index]!.at(-1);
        samples[index]!.push(await measureSide(side, previous?.dequeue ?? 10_000));
      }
      process.stderr.write(`round ${round + 1}/${rounds} done\n`);
    }
    const diskRate = Math.max(...disk);
    const [dm, pgFigures] = [best(samples[0]), best(samples[1])];

    const widths = [34, 14, 14, 8, 22];
    console.log('');
    console.log(row(['workload (msgs/s)', 'dmachine', 'PostgreSQL', 'ratio', 'target'], widths));
    const verdict = (ratio: number, target: number | undefined) => (target === undefined ? '' : `≥ ${target}x: ${ratio >= target ? 'met' : 'MISSED'}`);
    for (const [label, field, target] of [
      ['enqueue only, 1 per statement', 'enqueue', undefined],
      ['dequeue only, 1 per statement', 'dequeue', undefined],
      ['50/50 mix, 1 per statement', 'mix', mixTarget],
      [`batched enqueue, ${batchSize} per statement`, 'batched', undefined],
      [`batched, ${batchSize} x ${largeBodyBytes / 1024} KiB per statement`, 'batchedLarge', undefined],
    ] as const) {
      const ratio = dm[field] / pgFigures[field];
      console.log(row([label, formatRate(dm[field]), formatRate(pgFigures[field]), `${ratio.toFixed(2)}x`, verdict(ratio, target)], widths));
    }
    const payload = (rate: number, bytes: number) => (rate * bytes) / mebibyte;
    const batchedRatio = payload(dm.batchedLarge, largeBodyBytes) / diskRate;
    console.log('');
    console.log(`disk sequential write (${diskMebibytes} MiB, 1 MiB writes, one fsync)  ${diskRate.toFixed(1)} MiB/s  (runs: ${disk.map((rate) => rate.toFixed(0)).join(', ')})`);
    for (const [name, figures] of [['dmachine batched enqueue', dm], ['PostgreSQL batched insert', pgFigures]] as const) {
      const small = payload(figures.batched, bodyBytes);
      const large = payload(figures.batchedLarge, largeBodyBytes);
      console.log(`${name.padEnd(26)} payload  64 B bodies ${small.toFixed(1)} MiB/s (ratio to disk ${(small / diskRate).toFixed(3)}), 4 KiB bodies ${large.toFixed(1)} MiB/s (ratio ${(large / diskRate).toFixed(3)})`);
    }
    console.log(`batched enqueue target (4 KiB bodies): ratio to disk ≥ ${batchedTarget}: ${batchedRatio >= batchedTarget ? 'met' : 'MISSED'}`);
    console.log(`batch sizes: 1 message per statement (enqueue, dequeue, mix); ${batchSize} per statement (batched enqueue / insert, and the pre-fill)`);
    for (const [name, figures] of [['dmachine', dm], ['PostgreSQL', pgFigures]] as const) {
      if (figures.emptyDequeues > 0) console.log(`note: ${figures.emptyDequeues} ${name} dequeues found the queue empty (not counted as messages)`);
    }
  } finally {
    await Promise.all(clients.map((client) => client.end().catch(() => {})));
    server?.child.kill('SIGTERM');
    await server?.exited;
    postgres?.stop();
    rmSync(directory, { recursive: true, force: true });
  }
}

await main();
