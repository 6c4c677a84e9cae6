/**
 * Statements racing on one LocalMemory: UPDATE by key is a COMPARE&SWAP loop
 * (docs/compiler.md, "UPDATE / DELETE by key"), so concurrent increments are
 * never lost, a conditional update applies exactly as often as its condition
 * allows, and CREATE TABLE succeeds once, the others answering 42P07. Callers
 * are separate sessions (as separate connections would be), sharing one
 * catalog or each with its own (as separate gateways would).
 */
import { describe, expect, it } from 'vitest';
import { SqlError } from '../../common/sql-error.js';
import { Catalog } from '../../compiler/catalog.js';
import { SqlSession, type StatementResult } from '../../compiler/session.js';
import { LocalMemory } from '../../store/local-memory.js';
import { openSessionPerTest } from './session-fixture.js';

let memory: LocalMemory;
let session: SqlSession;
const directory = openSessionPerTest('compiler-sql-concurrency', (opened, created) => {
  memory = opened;
  session = created;
});

type CatalogSharing = 'shared catalog' | 'catalog per session';
const sharings: readonly CatalogSharing[] = ['shared catalog', 'catalog per session'];

/** `count` sessions on the test's memory. */
function sessions(count: number, sharing: CatalogSharing): SqlSession[] {
  const shared = new Catalog({ memory });
  return Array.from({ length: count }, () => new SqlSession({ memory, account: 'acme', catalog: sharing === 'shared catalog' ? shared : new Catalog({ memory }) }));
}

async function only(results: Promise<StatementResult[]>): Promise<StatementResult> {
  const all = await results;
  expect(all).toHaveLength(1);
  return all[0]!;
}

/** The SQLSTATE of a failed execute, or 'ok'; anything but an SqlError is rethrown. */
async function outcome(run: Promise<StatementResult[]>): Promise<string> {
  try {
    await run;
    return 'ok';
  } catch (error) {
    if (error instanceof SqlError) return error.sqlstate;
    throw error;
  }
}

describe.each(sharings)('concurrent statements (%s)', (sharing) => {
  it('50 concurrent UPDATE c SET n = n + 1 lose no increment', async () => {
    await session.execute("CREATE TABLE c (id text PRIMARY KEY, n int NOT NULL); INSERT INTO c (id, n) VALUES ('x', 0), ('y', 0)");
    const callers = sessions(50, sharing);
    const tags = await Promise.all(callers.map(async (caller) => (await only(caller.execute("UPDATE c SET n = n + 1 WHERE id = 'x'"))).commandTag));
    expect(tags).toEqual(Array(50).fill('UPDATE 1'));
    // The callers really raced: some COMPARE&SWAPs found another caller's value and retried.
    const conflicts = callers.reduce((sum, caller) => sum + caller.lastRuns[0]!.stats.memory.compareAndSwapConflicts, 0);
    expect(conflicts).toBeGreaterThan(0);
    expect((await only(session.execute("SELECT n FROM c WHERE id = 'x'"))).rows).toEqual([[50n]]);
    expect((await only(session.execute("SELECT n FROM c WHERE id = 'y'"))).rows).toEqual([[0n]]);
  });

  it('50 concurrent increments through one session, with parameters and RETURNING, return each value once', async () => {
    await session.execute("CREATE TABLE c (id text PRIMARY KEY, n int NOT NULL); INSERT INTO c (id, n) VALUES ('x', 0)");
    const runs = Array.from({ length: 50 }, () => only(session.execute('UPDATE c SET n = n + $2 WHERE id = $1 RETURNING n', ['x', 1n])));
    const returned = (await Promise.all(runs)).map((result) => result.rows[0]![0] as bigint);
    expect([...returned].sort((a, b) => Number(a - b))).toEqual(Array.from({ length: 50 }, (_, index) => BigInt(index + 1)));
    expect((await only(session.execute("SELECT n FROM c WHERE id = 'x'"))).rows).toEqual([[50n]]);
  });

  it('30 concurrent conditional withdrawals of 10 from 100: exactly 10 apply, the balance ends at 0', async () => {
    await session.execute("CREATE TABLE accounts (id text PRIMARY KEY, balance int NOT NULL); INSERT INTO accounts (id, balance) VALUES ('a', 100)");
    const callers = sessions(30, sharing);
    const tags = await Promise.all(
      callers.map(async (caller) => (await only(caller.execute("UPDATE accounts SET balance = balance - 10 WHERE id = 'a' AND balance >= 10 RETURNING balance"))).commandTag),
    );
    expect(tags.filter((tag) => tag === 'UPDATE 1')).toHaveLength(10);
    expect(tags.filter((tag) => tag === 'UPDATE 0')).toHaveLength(20);
    expect((await only(session.execute("SELECT balance FROM accounts WHERE id = 'a'"))).rows).toEqual([[0n]]);
  });

  it('conditional withdrawals never take the balance below zero, and RETURNING shows each balance once', async () => {
    await session.execute("CREATE TABLE accounts (id text PRIMARY KEY, balance int NOT NULL); INSERT INTO accounts (id, balance) VALUES ('a', 100)");
    const callers = sessions(30, sharing);
    const results = await Promise.all(
      callers.map((caller) => only(caller.execute("UPDATE accounts SET balance = balance - 10 WHERE id = 'a' AND balance >= 10 RETURNING balance"))),
    );
    const balances = results.flatMap((result) => result.rows.map((row) => row[0] as bigint));
    expect(balances.every((balance) => balance >= 0n)).toBe(true);
    expect([...balances].sort((a, b) => Number(a - b))).toEqual([0n, 10n, 20n, 30n, 40n, 50n, 60n, 70n, 80n, 90n]);
    expect(results.filter((result) => result.commandTag === 'UPDATE 1')).toHaveLength(10);
    expect((await only(session.execute("SELECT balance FROM accounts WHERE id = 'a'"))).rows).toEqual([[0n]]);
  });

  it('20 concurrent CREATE TABLE t: one succeeds, 19 answer 42P07', async () => {
    const callers = sessions(20, sharing);
    const outcomes = await Promise.all(callers.map((caller) => outcome(caller.execute('CREATE TABLE t (id text PRIMARY KEY, v int)'))));
    expect(outcomes.filter((result) => result === 'ok')).toHaveLength(1);
    expect(outcomes.filter((result) => result === '42P07')).toHaveLength(19);
    // The table that exists is usable by everyone.
    await callers[3]!.execute("INSERT INTO t (id, v) VALUES ('k', 1)");
    expect((await only(callers[17]!.execute("SELECT v FROM t WHERE id = 'k'"))).rows).toEqual([[1n]]);
  });

  it('20 concurrent CREATE TABLE IF NOT EXISTS: all succeed, one creates, 19 notice', async () => {
    const callers = sessions(20, sharing);
    const results = await Promise.all(callers.map((caller) => only(caller.execute('CREATE TABLE IF NOT EXISTS t (id text PRIMARY KEY)'))));
    expect(results.map((result) => result.commandTag)).toEqual(Array(20).fill('CREATE TABLE'));
    expect(results.filter((result) => result.notices.length === 0)).toHaveLength(1);
  });

  it('concurrent INSERT of one key: one INSERT 0 1, the others 23505; with DO NOTHING, one INSERT 0 1 and the others INSERT 0 0', async () => {
    await session.execute('CREATE TABLE u (id text PRIMARY KEY, who int)');
    const callers = sessions(20, sharing);
    const outcomes = await Promise.all(callers.map((caller, index) => outcome(caller.execute(`INSERT INTO u (id, who) VALUES ('k', ${index})`))));
    expect(outcomes.filter((result) => result === 'ok')).toHaveLength(1);
    expect(outcomes.filter((result) => result === '23505')).toHaveLength(19);
    const tags = await Promise.all(callers.map(async (caller, index) => (await only(caller.execute(`INSERT INTO u (id, who) VALUES ('m', ${index}) ON CONFLICT DO NOTHING`))).commandTag));
    expect(tags.filter((tag) => tag === 'INSERT 0 1')).toHaveLength(1);
    expect(tags.filter((tag) => tag === 'INSERT 0 0')).toHaveLength(19);
  });

  it('concurrent increments and deletes of one row: every increment before the delete counts, none after it resurrects the row', async () => {
    await session.execute("CREATE TABLE c (id text PRIMARY KEY, n int NOT NULL); INSERT INTO c (id, n) VALUES ('x', 0)");
    const callers = sessions(21, sharing);
    const runs = callers.map((caller, index) =>
      index === 10 ? only(caller.execute("DELETE FROM c WHERE id = 'x' RETURNING n")) : only(caller.execute("UPDATE c SET n = n + 1 WHERE id = 'x'")),
    );
    const results = await Promise.all(runs);
    const deleted = results[10]!;
    expect(deleted.commandTag).toBe('DELETE 1');
    const applied = results.filter((result, index) => index !== 10 && result.commandTag === 'UPDATE 1').length;
    expect(deleted.rows[0]![0]).toBe(BigInt(applied));
    expect((await only(session.execute("SELECT n FROM c WHERE id = 'x'"))).rows).toEqual([]);
  });
});
