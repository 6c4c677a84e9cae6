/**
 * Queues over real TCP with node-postgres against the in-process server
 * (docs/queues.md): many producers and consumers at once (each acknowledged
 * message handed out exactly once, each producer's messages in its order),
 * READ/ACK leases, EXPLAIN of the claims, errors that leave the connection
 * usable, and the lnr log rolling over to new segments.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type pg from 'pg';
import { seededRandom } from '../seeded-random.js';
import { serverPerTest } from './server-fixture.js';


interface Message {
  readonly id: number;
  readonly body: string;
}

const placeholders = (k: number) => Array.from({ length: k }, (_, index) => `($${index + 1})`).join(', ');

/** `p<producer>-<n>` → [producer, n]. */
function parseBody(body: string): [number, number] {
  const match = /^p(\d+)-(\d+)$/.exec(body);
  if (match === null) throw new Error(`unexpected body ${JSON.stringify(body)}`);
  return [Number(match[1]), Number(match[2])];
}

describe('queues over the wire', () => {
  const running = serverPerTest();

  it('hands 4 producers × 5,000 messages to 4 parallel consumers exactly once, each producer in its order', async () => {
    const producersCount = 4;
    const perProducer = 5_000;
    const consumersCount = 4;
    const seed = 20_240_601;
    const setup = await running().client();
    await setup.query('CREATE QUEUE jobs');
    const producerClients = await Promise.all(Array.from({ length: producersCount }, () => running().client()));
    const consumerClients = await Promise.all(Array.from({ length: consumersCount }, () => running().client()));

    // What each producer saw acknowledged (ENQUEUE returned), in its order.
    const acknowledged: Message[][] = producerClients.map(() => []);
    const producerErrors: string[] = [];
    let producersDone = 0;
    const produce = async (client: pg.Client, p: number): Promise<void> => {
      const next = seededRandom(seed + p);
      try {
        for (let n = 0; n < perProducer; ) {
          // A third of the statements carry one message; the others a batch of 2–20.
          const k = Math.min(perProducer - n, next() < 1 / 3 ? 1 : 2 + Math.floor(next() * 19));
          const bodies = Array.from({ length: k }, (_, index) => `p${p}-${n + index}`);
          try {
            const result = await client.query(`ENQUEUE INTO jobs VALUES ${placeholders(k)} RETURNING id, body`, bodies);
            expect(result.command).toBe('ENQUEUE');
            expect(result.rowCount).toBe(k);
            for (const row of result.rows as { id: string; body: string }[]) acknowledged[p]!.push({ id: Number(row.id), body: row.body });
          } catch (error) {
            producerErrors.push(`p${p} at ${n}: ${(error as Error).message}`);
          }
          n += k;
        }
      } finally {
        producersDone++;
      }
    };

    // What each consumer received, in the order it received it.
    const received: Message[][] = consumerClients.map(() => []);
    let receivedWhileProducing = 0;
    const consume = async (client: pg.Client, c: number): Promise<void> => {
      const next = seededRandom(seed + 100 + c);
      for (;;) {
        const allProduced = producersDone === producersCount; // read before the DEQUEUE: an empty answer after it means drained
        const limit = 1 + Math.floor(next() * 16);
        const result = await client.query('DEQUEUE FROM jobs LIMIT $1', [limit]);
        expect(result.rowCount).toBe(result.rows.length);
        expect(result.rows.length).toBeLessThanOrEqual(limit);
        for (const row of result.rows as { id: string; body: string }[]) received[c]!.push({ id: Number(row.id), body: row.body });
        if (producersDone < producersCount) receivedWhileProducing += result.rows.length;
        if (result.rows.length === 0) {
          if (allProduced) return;
          await new Promise((resolve) => setTimeout(resolve, 2)); // producers are behind: let them run
        }
      }
    };

    await Promise.all([...producerClients.map(produce), ...consumerClients.map(consume)]);

    expect(producerErrors).toEqual([]);
    // Each producer's acknowledged ids increase with n, and its bodies are all there in order.
    for (let p = 0; p < producersCount; p++) {
      const mine = acknowledged[p]!;
      expect(mine.map((message) => message.body)).toEqual(Array.from({ length: perProducer }, (_, n) => `p${p}-${n}`));
      for (let index = 1; index < mine.length; index++) expect(mine[index]!.id).toBeGreaterThan(mine[index - 1]!.id);
    }
    const acknowledgedById = new Map(acknowledged.flat().map((message) => [message.id, message.body]));
    expect(acknowledgedById.size).toBe(producersCount * perProducer);

    // Every acknowledged message dequeued exactly once, with the body it was enqueued with.
    const all = received.flat();
    const seenIds = new Map<number, number>();
    for (const message of all) seenIds.set(message.id, (seenIds.get(message.id) ?? 0) + 1);
    const duplicates = [...seenIds].filter(([, count]) => count > 1).map(([id]) => id);
    expect(duplicates).toEqual([]);
    const missing = [...acknowledgedById.keys()].filter((id) => !seenIds.has(id));
    expect(missing).toEqual([]);
    expect(all).toHaveLength(producersCount * perProducer);
    for (const message of all) expect(message.body).toBe(acknowledgedById.get(message.id));

    // Within each consumer's sequence, each producer's messages come in its order (and so do the ids).
    for (const share of received) {
      const lastN = new Map<number, number>();
      for (const message of share) {
        const [p, n] = parseBody(message.body);
        expect(n, `consumer got p${p}-${n} after p${p}-${lastN.get(p)}`).toBeGreaterThan(lastN.get(p) ?? -1);
        lastN.set(p, n);
      }
      for (let index = 1; index < share.length; index++) expect(share[index]!.id).toBeGreaterThan(share[index - 1]!.id);
    }
    expect(received.every((share) => share.length > 0)).toBe(true);
    expect(receivedWhileProducing, 'consumers ran while producers still enqueued').toBeGreaterThan(0);
    expect((await setup.query('SELECT count(*) FROM jobs')).rows).toEqual([{ count: '0' }]);
    expect((await setup.query('DEQUEUE FROM jobs LIMIT 100')).rows).toEqual([]);
  });

  it('READ leases a message, gives it back after VISIBILITY 0 with read_count + 1, and never after ACK', async () => {
    const client = await running().client();
    await client.query('CREATE QUEUE work');
    const enqueued = await client.query("ENQUEUE INTO work VALUES ('a'), ('b') RETURNING id");
    expect(enqueued.rows).toEqual([{ id: '0' }, { id: '1' }]);

    const first = await client.query('READ FROM work LIMIT 1 VISIBILITY 0');
    expect(first.command).toBe('READ');
    expect(first.fields.map((field) => field.name)).toEqual(['id', 'enqueued_at', 'body', 'read_count']);
    expect(first.rows.map((row) => [row.id, row.body, row.read_count])).toEqual([['0', 'a', '1']]);
    expect(first.rows[0].enqueued_at).toBeInstanceOf(Date);
    // The lease ran out at once: the next READ takes the same message again.
    const second = await client.query('READ FROM work LIMIT 1 VISIBILITY 0');
    expect(second.rows.map((row) => [row.id, row.body, row.read_count])).toEqual([['0', 'a', '2']]);
    // An ACK after the lease expired is refused.
    const late = await client.query('ACK work 0');
    expect(late.command).toBe('ACK');
    expect(late.rowCount).toBe(0);
    expect(late.rows).toEqual([{ id: '0', status: 'expired' }]);

    // Read again with a lease that holds, then ACK: acknowledged once, unknown ids are not leased.
    const third = await client.query('READ FROM work LIMIT 1');
    expect(third.rows.map((row) => [row.id, row.read_count])).toEqual([['0', '3']]);
    expect((await client.query('READ FROM work LIMIT 0')).rows).toEqual([]);
    const acked = await client.query('ACK work $1, 999', [0]);
    expect(acked.rowCount).toBe(1);
    expect(acked.rows).toEqual([
      { id: '0', status: 'acknowledged' },
      { id: '999', status: 'not leased' },
    ]);
    expect((await client.query('ACK work 0')).rows).toEqual([{ id: '0', status: 'not leased' }]);

    // The acknowledged message never comes back, even when every lease runs out at once.
    for (let round = 0; round < 3; round++) {
      const again = await client.query('READ FROM work LIMIT 10 VISIBILITY 0');
      expect(again.rows.map((row) => [row.id, row.body, row.read_count])).toEqual([['1', 'b', String(round + 1)]]);
    }
    expect((await client.query('ACK work 1')).rows).toEqual([{ id: '1', status: 'expired' }]);
    const last = await client.query('READ FROM work LIMIT 10 VISIBILITY 60');
    expect(last.rows.map((row) => [row.id, row.read_count])).toEqual([['1', '4']]);
    expect((await client.query('ACK work 1')).rows).toEqual([{ id: '1', status: 'acknowledged' }]);
    expect((await client.query('READ FROM work LIMIT 10 VISIBILITY 0')).rows).toEqual([]);
    expect((await client.query('DEQUEUE FROM work LIMIT 10')).rows).toEqual([]);
    expect((await client.query('SELECT count(*) FROM work')).rows).toEqual([{ count: '0' }]);
  });

  it('EXPLAIN shows the claim of DEQUEUE and the COMPARE&SWAP loop of ENQUEUE', async () => {
    const client = await running().client();
    await client.query('CREATE QUEUE jobs');
    const opcodes = async (sql: string): Promise<string[]> => {
      const result = await client.query(sql);
      expect(result.fields.map((field) => field.name)).toEqual(['addr', 'opcode', 'args', 'comment']);
      return (result.rows as { opcode: string }[]).map((row) => row.opcode.trim());
    };
    const dequeue = await opcodes('EXPLAIN DEQUEUE FROM jobs LIMIT 5');
    expect(dequeue).toContain('mem.cas');
    expect(dequeue).toContain('loop');
    const claimComment = (await client.query('EXPLAIN DEQUEUE FROM jobs LIMIT 5')).rows.find((row) => row.opcode.trim() === 'mem.cas');
    expect(claimComment.comment).toMatch(/COMPARE&SWAP from absent/);

    const enqueue = await opcodes("EXPLAIN ENQUEUE INTO jobs VALUES ('a'), ('b')");
    const comments = ((await client.query("EXPLAIN ENQUEUE INTO jobs VALUES ('a'), ('b')")).rows as { comment: string | null }[]).map((row) => row.comment ?? '');
    // The claim loop (after the append; an earlier loop checks the bodies).
    const loop = enqueue.findIndex((opcode, index) => opcode === 'loop' && comments[index]!.includes('claim'));
    expect(loop).toBeGreaterThan(enqueue.indexOf('lnr.append'));
    const cas = enqueue.indexOf('mem.cas', loop);
    expect(cas).toBeGreaterThan(loop);
    // The loop goes back (br) to try the next batch word when the claim was not applied.
    expect(enqueue.indexOf('br', cas)).toBeGreaterThan(cas);
    // EXPLAIN ran nothing.
    expect((await client.query('SELECT count(*) FROM jobs')).rows).toEqual([{ count: '0' }]);
  });

  it('keeps the connection usable after queue errors (42P01, 54000), simple and extended', async () => {
    const client = await running().client();
    await client.query('CREATE QUEUE small WITH (body_bytes_max = 16)');
    await expect(client.query("ENQUEUE INTO missing VALUES ('x')")).rejects.toMatchObject({ code: '42P01' });
    await expect(client.query('ENQUEUE INTO missing VALUES ($1)', ['x'])).rejects.toMatchObject({ code: '42P01' });
    expect((await client.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    await expect(client.query("ENQUEUE INTO small VALUES ('12345678901234567')")).rejects.toMatchObject({
      code: '54000',
      message: 'a message body of queue "small" is over body_bytes_max, 16 bytes',
    });
    await expect(client.query('ENQUEUE INTO small VALUES ($1), ($2)', ['ok', 'x'.repeat(17)])).rejects.toMatchObject({ code: '54000' });
    // Nothing of the failed statements was enqueued; the same connection goes on.
    const exact = await client.query('ENQUEUE INTO small VALUES ($1) RETURNING id, body', ['x'.repeat(16)]);
    expect(exact.rows).toEqual([{ id: '0', body: 'x'.repeat(16) }]);
    expect((await client.query('DEQUEUE FROM small LIMIT 10')).rows.map((row) => row.body)).toEqual(['x'.repeat(16)]);
    await expect(client.query('DEQUEUE FROM missing')).rejects.toMatchObject({ code: '42P01' });
    expect((await client.query('SELECT count(*) FROM small')).rows).toEqual([{ count: '0' }]);
  });
});

describe('queues over the wire with 4 KiB lnr segments', () => {
  const running = serverPerTest({}, { lnr: { segmentBytesMax: 4096 } });

  it('rolls the log over to several .seg files and still dequeues every body in order', async () => {
    const client = await running().client();
    await client.query('CREATE QUEUE big WITH (staged_bytes_max = 0)'); // every batch to the log
    const bodies: string[] = [];
    for (let batch = 0; batch < 60; batch++) {
      const k = 1 + (batch % 7);
      const these = Array.from({ length: k }, (_, index) => `m${bodies.length + index}-${'y'.repeat(40 + ((batch * 13 + index) % 60))}`);
      const result = await client.query(`ENQUEUE INTO big VALUES ${placeholders(k)} RETURNING id`, these);
      expect(result.rows.map((row) => Number(row.id))).toEqual(these.map((_, index) => bodies.length + index));
      bodies.push(...these);
    }
    const logDirectory = join(running().directory, 'data', 'lnr', 'admin', 'big');
    const segments = readdirSync(logDirectory).filter((name) => name.endsWith('.seg'));
    expect(segments.length).toBeGreaterThanOrEqual(4);

    const dequeued: string[] = [];
    for (;;) {
      const { rows } = await client.query('DEQUEUE FROM big LIMIT 25');
      if (rows.length === 0) break;
      dequeued.push(...rows.map((row) => row.body as string));
    }
    expect(dequeued).toEqual(bodies);
    expect((await client.query('SELECT count(*) FROM big')).rows).toEqual([{ count: '0' }]);
  });
});
