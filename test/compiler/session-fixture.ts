/**
 * The setup the SQL session tests share: a fresh LocalMemory in a temporary
 * directory and a session of account `acme` on it for every test, and helpers
 * that run a statement and return its one result, its rows, or its error.
 */
import { afterEach, beforeEach, expect } from 'vitest';
import { SqlError } from '../../common/sql-error.js';
import { SqlSession, type StatementResult } from '../../compiler/session.js';
import { LocalMemory } from '../../store/local-memory.js';
import type { SqlValue } from '../../vm/sql-values.js';
import { temporaryDirectoryPerTest } from '../store/helpers.js';

/** Opens a memory and a session before each test (handed to `opened`), closes the memory after; returns the directory getter. */
export function openSessionPerTest(prefix: string, opened: (memory: LocalMemory, session: SqlSession) => void): () => string {
  const directory = temporaryDirectoryPerTest(prefix);
  let memory: LocalMemory | undefined;
  beforeEach(() => {
    memory = LocalMemory.open(directory());
    opened(memory, new SqlSession({ memory, account: 'acme' }));
  });
  afterEach(async () => {
    await memory?.close();
  });
  return directory;
}

/** Statement helpers over the current test's session. */
export function sessionQueries(session: () => SqlSession) {
  async function one(sql: string, params: SqlValue[] = []): Promise<StatementResult> {
    const results = await session().execute(sql, params);
    expect(results).toHaveLength(1);
    return results[0]!;
  }

  async function rows(sql: string, params: SqlValue[] = []): Promise<SqlValue[][]> {
    return (await one(sql, params)).rows;
  }

  async function failure(sql: string, params: SqlValue[] = []): Promise<{ sqlstate: string; message: string }> {
    try {
      await session().execute(sql, params);
    } catch (error) {
      if (!(error instanceof SqlError)) throw error;
      return { sqlstate: error.sqlstate, message: error.message };
    }
    throw new Error(`expected ${sql} to fail`);
  }

  return { one, rows, failure };
}
