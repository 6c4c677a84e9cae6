/**
 * Queues through SqlSession.execute on a real LocalMemory (rnd words and lnr
 * segment files): ENQUEUE / DEQUEUE / READ / ACK / peek / depth, their errors, the
 * exactly-once handout under concurrent consumers, leases with an injected clock,
 * and segments rolling over (docs/queues.md).
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SqlSession } from '../../compiler/session.js';
import { LocalMemory } from '../../store/local-memory.js';
import type { SqlValue } from '../../vm/sql-values.js';
import { openSessionPerTest, sessionQueries } from './session-fixture.js';

let memory: LocalMemory;
let session: SqlSession;
const directory = openSessionPerTest('compiler-queues', (opened, created) => {
  memory = opened;
  session = created;
});
const { one, rows, failure } = sessionQueries(() => session);

const ids = (result: SqlValue[][]) => result.map((row) => Number(row[0]));

describe('ENQUEUE, DEQUEUE and peeks', () => {
  it('gives increasing ids, hands each message out once in order, and counts the depth', async () => {
    await session.execute('CREATE QUEUE jobs');
    const first = await one("ENQUEUE INTO jobs VALUES ('a'), ('b'), ('c') RETURNING id, body");
    expect(first.commandTag).toBe('ENQUEUE 3');
    expect(first.rows).toEqual([[0n, 'a'], [1n, 'b'], [2n, 'c']]);
    expect(first.fields.map((field) => [field.name, field.typeOid])).toEqual([['id', 20], ['body', 25]]);
    expect((await one("ENQUEUE INTO jobs VALUES ('{\"task\": 4}')")).commandTag).toBe('ENQUEUE 1');
    expect(await rows('SELECT count(*) FROM jobs')).toEqual([[4n]]);
    expect((await one('SELECT count(*) FROM jobs')).fields.map((field) => field.name)).toEqual(['count']);
    expect((await one('SELECT count(*) AS depth FROM jobs')).fields.map((field) => field.name)).toEqual(['depth']);
    expect((await rows('SELECT body FROM jobs LIMIT 2')).map((row) => row[0])).toEqual(['a', 'b']);

    const dequeued = await one('DEQUEUE FROM jobs');
    expect(dequeued.commandTag).toBe('DEQUEUE 1');
    expect(dequeued.fields.map((field) => field.name)).toEqual(['id', 'enqueued_at', 'body']);
    expect(dequeued.rows.map((row) => row[2])).toEqual(['a']);
    expect(ids(await rows('DEQUEUE FROM jobs LIMIT 2'))).toEqual([1, 2]);
    expect(await rows('SELECT count(*) FROM jobs')).toEqual([[1n]]);
    expect((await rows('DEQUEUE FROM jobs LIMIT 10')).map((row) => row[2])).toEqual(['{"task": 4}']);
    expect(await rows('DEQUEUE FROM jobs')).toEqual([]);
    expect(await rows('SELECT count(*) FROM jobs')).toEqual([[0n]]);
  });

  it('refuses what is not a queue operation with clear SQLSTATEs', async () => {
    await session.execute("CREATE QUEUE small WITH (body_bytes_max = 8); CREATE TABLE t (id int PRIMARY KEY)");
    expect((await failure("ENQUEUE INTO nope VALUES ('x')")).sqlstate).toBe('42P01');
    expect((await failure("ENQUEUE INTO t VALUES ('x')")).sqlstate).toBe('42809');
    expect((await failure('INSERT INTO small VALUES (1)')).sqlstate).toBe('42809');
    expect(await failure("ENQUEUE INTO small VALUES ('123456789')")).toEqual({ sqlstate: '54000', message: 'a message body of queue "small" is over body_bytes_max, 8 bytes' });
    expect((await failure("ENQUEUE INTO small VALUES ('ü1234567')")).sqlstate).toBe('54000'); // 9 bytes in UTF-8
    expect((await failure('ENQUEUE INTO small VALUES (NULL)')).sqlstate).toBe('23502');
    expect((await failure('DEQUEUE FROM small LIMIT -1')).sqlstate).toBe('2201W');
    expect((await failure("CREATE QUEUE q2 WITH (visibility = -5)")).sqlstate).toBe('22023');
    expect((await failure('CREATE QUEUE q2 WITH (retention = 5)')).sqlstate).toBe('42704');
    expect((await failure('CREATE QUEUE q2 WITH (visibility = 5, visibility = 6)')).sqlstate).toBe('42601');
    expect((await failure('SELECT body FROM small WHERE id > 1')).sqlstate).toBe('0A000');
    expect(await rows("SELECT count(*) FROM small")).toEqual([[0n]]);
  });

  it('takes parameters, and caches one program for bodies that differ', async () => {
    await session.execute('CREATE QUEUE jobs');
    for (let index = 0; index < 5; index++) await session.execute(`ENQUEUE INTO jobs VALUES ('body ${index}')`);
    await session.execute('ENQUEUE INTO jobs VALUES ($1), ($2)', ['p1', 'p2']);
    expect((await rows('DEQUEUE FROM jobs LIMIT $1', [10])).map((row) => row[2])).toEqual(['body 0', 'body 1', 'body 2', 'body 3', 'body 4', 'p1', 'p2']);
    expect(session.statementCacheStats!.sharedHits).toBeGreaterThanOrEqual(4);
  });

  it('hands each message to exactly one of many concurrent consumers', async () => {
    await session.execute('CREATE QUEUE jobs');
    const producers = Array.from({ length: 4 }, () => new SqlSession({ memory, account: 'acme' }));
    await Promise.all(
      producers.map(async (producer, p) => {
        for (let batch = 0; batch < 10; batch++) {
          const values = Array.from({ length: 5 }, (_, index) => `('p${p}-${batch * 5 + index}')`).join(', ');
          await producer.execute(`ENQUEUE INTO jobs VALUES ${values}`);
        }
      }),
    );
    const consumers = Array.from({ length: 8 }, () => new SqlSession({ memory, account: 'acme' }));
    const taken: string[][] = consumers.map(() => []);
    await Promise.all(
      consumers.map(async (consumer, c) => {
        for (;;) {
          const [result] = await consumer.execute('DEQUEUE FROM jobs LIMIT 3');
          if (result!.rows.length === 0) return;
          taken[c]!.push(...result!.rows.map((row) => row[2] as string));
        }
      }),
    );
    const all = taken.flat();
    expect(all).toHaveLength(200);
    expect(new Set(all).size).toBe(200);
    // Each producer's messages come out in its order within each consumer's share.
    for (const share of taken) {
      for (let p = 0; p < 4; p++) {
        const mine = share.filter((body) => body.startsWith(`p${p}-`)).map((body) => Number(body.split('-')[1]));
        expect(mine).toEqual([...mine].sort((a, b) => a - b));
      }
    }
    expect(await rows('SELECT count(*) FROM jobs')).toEqual([[0n]]);
  });
});

describe('READ and ACK', () => {
  it('hides a read message for its lease, gives it back with read_count + 1, and never after ACK', async () => {
    let now = 1_700_000_000_000;
    const leased = new SqlSession({ memory, account: 'acme', wallClock: () => now });
    await leased.execute("CREATE QUEUE jobs WITH (visibility = 30); ENQUEUE INTO jobs VALUES ('a'), ('b')");
    const [first] = await leased.execute('READ FROM jobs LIMIT 2');
    expect(first!.fields.map((field) => field.name)).toEqual(['id', 'enqueued_at', 'body', 'read_count']);
    expect(first!.rows.map((row) => [row[0], row[3]])).toEqual([[0n, 1n], [1n, 1n]]);
    expect((await leased.execute('READ FROM jobs'))[0]!.rows).toEqual([]);
    expect((await leased.execute('SELECT count(*) FROM jobs'))[0]!.rows).toEqual([[2n]]);
    const [acked] = await leased.execute('ACK jobs 0, 5');
    expect(acked!.commandTag).toBe('ACK 1');
    expect(acked!.rows).toEqual([[0n, 'acknowledged'], [5n, 'not leased']]);

    now += 31_000;
    const [again] = await leased.execute('READ FROM jobs LIMIT 5 VISIBILITY 10');
    expect(again!.rows.map((row) => [row[0], row[2], row[3]])).toEqual([[1n, 'b', 2n]]);
    now += 11_000;
    expect((await leased.execute('ACK jobs 1'))[0]!.rows).toEqual([[1n, 'expired']]);
    const [third] = await leased.execute('READ FROM jobs');
    expect(third!.rows.map((row) => [row[0], row[3]])).toEqual([[1n, 3n]]);
    expect((await leased.execute('ACK jobs 1, 1'))[0]!.rows).toEqual([[1n, 'acknowledged'], [1n, 'not leased']]);
    now += 3_600_000;
    expect((await leased.execute('READ FROM jobs LIMIT 10'))[0]!.rows).toEqual([]);
    expect((await leased.execute('SELECT count(*) FROM jobs'))[0]!.rows).toEqual([[0n]]);
  });
});

describe('staging', () => {
  it('keeps small batches in their batch words and larger ones in the log, and hands both out in order', async () => {
    const memory = LocalMemory.open(join(directory(), 'staging'));
    const queues = new SqlSession({ memory, account: 'acme' });
    await queues.execute('CREATE QUEUE jobs WITH (staged_bytes_max = 100)');
    const logDirectory = join(directory(), 'staging', 'lnr', 'acme', 'jobs');
    const [small] = await queues.execute("ENQUEUE INTO jobs VALUES ('a'), ('b') RETURNING id");
    expect(small!.rows).toEqual([[0n], [1n]]);
    expect(existsSync(logDirectory)).toBe(false); // staged: nothing appended
    const large = 'x'.repeat(101);
    const [big] = await queues.execute(`ENQUEUE INTO jobs VALUES ('${large}') RETURNING id`);
    expect(big!.rows).toEqual([[2n]]);
    expect(existsSync(logDirectory)).toBe(true);
    const seventeen = Array.from({ length: 17 }, (_, index) => `('s${index}')`).join(', ');
    await queues.execute(`ENQUEUE INTO jobs VALUES ${seventeen}`); // over 16 messages: the log, however small
    await queues.execute("ENQUEUE INTO jobs VALUES ('c')");
    const expected = ['a', 'b', large, ...Array.from({ length: 17 }, (_, index) => `s${index}`), 'c'];
    expect((await queues.execute('SELECT body FROM jobs LIMIT 100'))[0]!.rows.map((row) => row[0])).toEqual(expected);
    expect((await queues.execute('SELECT count(*) FROM jobs'))[0]!.rows).toEqual([[21n]]);
    const [read] = await queues.execute('READ FROM jobs LIMIT 2');
    expect(read!.rows.map((row) => row[2])).toEqual(['a', 'b']);
    expect((await queues.execute('ACK jobs 0, 1'))[0]!.rows).toEqual([[0n, 'acknowledged'], [1n, 'acknowledged']]);
    const [rest] = await queues.execute('DEQUEUE FROM jobs LIMIT 100');
    expect(rest!.rows.map((row) => row[2])).toEqual(expected.slice(2));
    expect(await queues.explain("ENQUEUE INTO jobs VALUES ('a')")).toContain('staged in the batch word');
    await memory.close();
  });

  it('refuses staged_bytes_max over half a word (22023) and defaults to it', async () => {
    const memory = LocalMemory.open(join(directory(), 'staging-setting'));
    const queues = new SqlSession({ memory, account: 'acme' });
    await expect(queues.execute('CREATE QUEUE q WITH (staged_bytes_max = 2049)')).rejects.toMatchObject({ sqlstate: '22023' });
    await queues.execute('CREATE QUEUE q');
    expect(await queues.explain("ENQUEUE INTO q VALUES ('a')")).toContain('at most 2048 bytes of bodies: staged in the batch word');
    await memory.close();
  });
});

describe('segments', () => {
  it('rolls the log over at the configured segment size and still reads every body', async () => {
    const small = LocalMemory.open(join(directory(), 'small'), { lnr: { segmentBytesMax: 512 } });
    const queues = new SqlSession({ memory: small, account: 'acme' });
    await queues.execute('CREATE QUEUE jobs WITH (staged_bytes_max = 0)'); // every batch to the log
    for (let index = 0; index < 30; index++) await queues.execute(`ENQUEUE INTO jobs VALUES ('${'x'.repeat(40)}${index}'), ('second ${index}')`);
    const segments = readdirSync(join(directory(), 'small', 'lnr', 'acme', 'jobs')).filter((name) => name.endsWith('.seg'));
    expect(segments.length).toBeGreaterThan(3);
    const [all] = await queues.execute('DEQUEUE FROM jobs LIMIT 100');
    expect(all!.rows).toHaveLength(60);
    expect(all!.rows[59]![2]).toBe('second 29');
    await small.close();
  });

  it('drops consumed segments when head crosses 1024 messages, keeping those a lease still needs', async () => {
    let now = 1_700_000_000_000;
    const small = LocalMemory.open(join(directory(), 'retention'), { lnr: { segmentBytesMax: 4096 } });
    const queues = new SqlSession({ memory: small, account: 'acme', wallClock: () => now });
    await queues.execute('CREATE QUEUE jobs');
    for (let batch = 0; batch < 21; batch++) {
      const values = Array.from({ length: 100 }, (_, index) => `('message ${String(batch * 100 + index).padStart(6, '0')}')`);
      await queues.execute(`ENQUEUE INTO jobs VALUES ${values.join(', ')}`);
    }
    const segments = () => readdirSync(join(directory(), 'retention', 'lnr', 'acme', 'jobs')).filter((name) => name.endsWith('.seg')).length;
    const before = segments();
    expect(before).toBeGreaterThanOrEqual(10);
    const [first] = await queues.execute('DEQUEUE FROM jobs LIMIT 1100');
    expect(first!.rows.map((row) => row[2])).toEqual(Array.from({ length: 1100 }, (_, index) => `message ${String(index).padStart(6, '0')}`));
    const afterFirst = segments();
    expect(afterFirst).toBeLessThan(before - 3);
    // Message 1100 goes to a READ and stays leased across the next crossing (2048): its record stays.
    expect((await queues.execute('READ FROM jobs LIMIT 1 VISIBILITY 60'))[0]!.rows.map((row) => row[2])).toEqual(['message 001100']);
    const [second] = await queues.execute('DEQUEUE FROM jobs LIMIT 999');
    expect(second!.rows.at(-1)![2]).toBe('message 002099');
    now += 61_000;
    const [again] = await queues.execute('READ FROM jobs LIMIT 1');
    expect(again!.rows.map((row) => [row[2], row[3]])).toEqual([['message 001100', 2n]]);
    expect(await queues.execute('SELECT count(*) FROM jobs').then((results) => results[0]!.rows)).toEqual([[1n]]);
    await small.close();
  });
});
