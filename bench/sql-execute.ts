/**
 * SQL throughput: statements per second through `SqlSession.execute` on a
 * LocalMemory in a temporary directory, with the statement cache on and off, for
 * a point SELECT by key (as a parameter, and as a literal that makes every text new), a
 * sort-key range SELECT of 10 rows, a single-row UPDATE by
 * key (1 caller, and 32 concurrent callers each on its own session as a gateway's
 * connections would be) and INSERT of new keys.
 *
 * Baselines, measured in the same run on the same disk: the raw `LocalMemory.load`
 * rate for the point SELECT, and raw load + `cas` (the read-modify-write an UPDATE
 * does) for the UPDATE; the ratio SQL / raw is what the SQL layer costs.
 *
 *   npx tsx bench/sql-execute.ts      (best of 3 rounds of BENCH_SECONDS=2 per measurement by default)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Catalog } from '../compiler/catalog.js';
import { SqlSession } from '../compiler/session.js';
import { wordAddress, type WordAddress } from '../store/key.js';
import { LocalMemory } from '../store/local-memory.js';
import { asyncRate, formatRate, printRow, roundsDefault } from './measure.js';

const seconds = Number(process.env.BENCH_SECONDS ?? 2);
const keyCount = 10_000;
const rangeUsers = 100;
const rowsPerUser = 100;
const rangeRows = 10;
const concurrentCallers = 32;
const pointSelectTarget = 50_000;
const concurrentUpdateTarget = 20_000;
const directory = mkdtempSync(join(tmpdir(), 'dmachine-bench-sql-'));

const pointSelect = 'SELECT v FROM kv WHERE id = $1';
const rangeSelect = 'SELECT * FROM events WHERE user_id = $1 AND ts >= $2 AND ts < $3';
const updateByKey = 'UPDATE kv SET v = $2 WHERE id = $1';
const insertNew = 'INSERT INTO fresh VALUES ($1, $2)';

/** A key spread over the table (a stride co-prime with keyCount, so successive keys are not neighbours). */
function keyAt(step: number): number {
  return (step * 7919) % keyCount;
}

async function sqlRate(sessions: readonly SqlSession[], statement: (session: SqlSession, step: number) => Promise<unknown>): Promise<number> {
  let step = 0;
  if (sessions.length === 1) {
    const session = sessions[0]!;
    return asyncRate(async () => {
      for (let index = 0; index < 100; index++) await statement(session, step++);
    }, 100, seconds);
  }
  return asyncRate(async () => {
    await Promise.all(sessions.map((session) => statement(session, step++)));
  }, sessions.length, seconds);
}

async function rawLoadRate(memory: LocalMemory, addresses: readonly WordAddress[]): Promise<number> {
  let step = 0;
  return asyncRate(async () => {
    for (let index = 0; index < 100; index++) await memory.load(addresses[keyAt(step++)]!);
  }, 100, seconds);
}

/** Load then compare-and-swap a new value: an UPDATE's memory traffic without the SQL. */
async function rawCasRate(memory: LocalMemory, addresses: readonly WordAddress[], callers: number): Promise<number> {
  let step = 0;
  const next = Buffer.alloc(32, 9);
  const updateOne = async (address: WordAddress) => {
    const word = await memory.load(address);
    const result = await memory.cas(address, word?.value ?? null, word === undefined ? next : Buffer.from(word.value).reverse());
    if (!result.applied) throw new Error('raw cas lost a race on a key only it touches');
  };
  return asyncRate(async () => {
    // Distinct keys per batch, as the SQL UPDATE callers use.
    await Promise.all(Array.from({ length: callers }, () => updateOne(addresses[keyAt(step++)]!)));
  }, callers, seconds);
}

function verdict(rate: number, target: number): string {
  return `target ≥ ${formatRate(target)}: ${rate >= target ? 'met' : 'MISSED'}`;
}

try {
  const memory = LocalMemory.open(join(directory, 'node'));
  const catalog = new Catalog({ memory });
  const sessionsOf = (statementCache: boolean, count: number) =>
    Array.from({ length: count }, () => new SqlSession({ memory, account: 'bench', catalog, statementCache }));
  const [setup] = sessionsOf(true, 1) as [SqlSession];
  await setup.execute('CREATE TABLE kv (id bigint PRIMARY KEY, v text NOT NULL)');
  await setup.execute('CREATE TABLE events (user_id text, ts bigint, kind text, PRIMARY KEY (user_id, ts))');
  await setup.execute('CREATE TABLE fresh (id bigint PRIMARY KEY, v text NOT NULL)');
  const loader = sessionsOf(true, concurrentCallers);
  for (let first = 0; first < keyCount; first += concurrentCallers) {
    await Promise.all(loader.map((session, offset) => (first + offset < keyCount ? session.execute('INSERT INTO kv VALUES ($1, $2)', [first + offset, `value ${first + offset}`]) : undefined)));
  }
  for (let user = 0; user < rangeUsers; user++) {
    await Promise.all(Array.from({ length: rowsPerUser }, (_, ts) => loader[ts % concurrentCallers]!.execute('INSERT INTO events VALUES ($1, $2, $3)', [`u${user}`, ts, `kind ${ts}`])));
  }
  const check = await setup.execute(rangeSelect, ['u1', 10, 10 + rangeRows]);
  if (check[0]!.rows.length !== rangeRows) throw new Error(`range SELECT returned ${check[0]!.rows.length} rows, not ${rangeRows}`);
  if ((await setup.execute(pointSelect, [42]))[0]!.rows.length !== 1) throw new Error('point SELECT found no row');

  // Raw words of the same shape as the rows, in their own resource, for the baselines.
  const rawAddresses = Array.from({ length: keyCount }, (_, index) =>
    wordAddress({ account: 'bench', resource: 'raw', resourceType: 'rnd', primaryKey: BigInt(index) }),
  );
  await Promise.all(rawAddresses.map((address, index) => memory.write(address, Buffer.from(`value ${index}`.padEnd(24, ' ')))));
  const rawLoad = () => rawLoadRate(memory, rawAddresses);
  const rawCasOne = () => rawCasRate(memory, rawAddresses, 1);
  const rawCasConcurrent = () => rawCasRate(memory, rawAddresses, concurrentCallers);

  let insertKey = 0;
  const measured: { label: string; on: number; off: number; baseline?: { label: string; rate: number }; target?: number }[] = [];
  for (const [label, count, statement, baseline, target] of [
    ['point SELECT by key', 1, (session: SqlSession, step: number) => session.execute(pointSelect, [keyAt(step)]), { label: 'raw load', measure: rawLoad }, pointSelectTarget],
    // A new text each time, as pgbench's simple protocol sends: the cache parses it, lifts the literal and reuses the program.
    ['point SELECT, key as a literal', 1, (session: SqlSession, step: number) => session.execute(`SELECT v FROM kv WHERE id = ${keyAt(step)}`), { label: 'raw load', measure: rawLoad }, undefined],
    [`range SELECT of ${rangeRows} rows by sort key`, 1, (session: SqlSession, step: number) => {
      const from = step % (rowsPerUser - rangeRows);
      return session.execute(rangeSelect, [`u${step % rangeUsers}`, from, from + rangeRows]);
    }, undefined, undefined],
    ['UPDATE by key, 1 caller', 1, (session: SqlSession, step: number) => session.execute(updateByKey, [keyAt(step), `updated ${step}`]), { label: 'raw load+cas', measure: rawCasOne }, undefined],
    [`UPDATE by key, ${concurrentCallers} concurrent callers`, concurrentCallers, (session: SqlSession, step: number) => session.execute(updateByKey, [keyAt(step), `updated ${step}`]), { label: `raw load+cas x${concurrentCallers}`, measure: rawCasConcurrent }, concurrentUpdateTarget],
    ['INSERT of new keys, 1 caller', 1, (session: SqlSession) => session.execute(insertNew, [insertKey++, 'new']), undefined, undefined],
  ] as const) {
    const cached = sessionsOf(true, count);
    const uncached = sessionsOf(false, count);
    // Rounds interleave baseline, cache on and cache off, so the three see the same (shared, noisy) disk and
    // CPU; each figure is its best round (bench/measure.ts).
    let on = 0;
    let off = 0;
    let raw = 0;
    for (let round = 0; round < roundsDefault; round++) {
      if (baseline !== undefined) raw = Math.max(raw, await baseline.measure());
      on = Math.max(on, await sqlRate(cached, statement));
      off = Math.max(off, await sqlRate(uncached, statement));
    }
    measured.push({ label, on, off, ...(baseline === undefined ? {} : { baseline: { label: baseline.label, rate: raw } }), ...(target === undefined ? {} : { target }) });
  }
  await memory.close();

  for (const { label, on, off, baseline, target } of measured) {
    if (baseline !== undefined) printRow(`  baseline: ${baseline.label}`, formatRate(baseline.rate));
    const ratio = baseline === undefined ? '' : `SQL/raw ${(on / baseline.rate).toFixed(2)}  `;
    printRow(`${label}, cache on`, formatRate(on), `${ratio}on/off ${(on / off).toFixed(1)}x  ${target === undefined ? '' : verdict(on, target)}`);
    printRow(`${label}, cache off`, formatRate(off), baseline === undefined ? '' : `SQL/raw ${(off / baseline.rate).toFixed(2)}`);
  }
} finally {
  rmSync(directory, { recursive: true, force: true });
}
