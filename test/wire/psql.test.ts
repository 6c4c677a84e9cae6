/** psql drives a scripted session with ON_ERROR_STOP; its output is checked. */
import { describe, expect, it } from 'vitest';
import { runProgram, serverPerTest } from './server-fixture.js';

describe('psql', () => {
  const running = serverPerTest();

  it('runs a scripted session: DDL, inserts, selects, conditional updates, EXPLAIN', async () => {
    const script = [
      'CREATE TABLE accounts (id int PRIMARY KEY, owner text NOT NULL, balance int8);',
      "INSERT INTO accounts (id, owner, balance) VALUES (1, 'ann', 100), (2, 'bob', 50), (3, 'cy', 0);",
      'SELECT id, owner, balance FROM accounts WHERE id = 2;',
      'SELECT owner FROM accounts WHERE balance >= 50;',
      'UPDATE accounts SET balance = balance - 30 WHERE id = 1 AND balance >= 30;',
      'UPDATE accounts SET balance = balance - 80 WHERE id = 2 AND balance >= 80;',
      'SELECT owner, balance FROM accounts WHERE id = 1;',
      'SELECT owner, balance FROM accounts WHERE id = 2;',
      'SELECT 1 AS one; SELECT 2 AS two;',
      'EXPLAIN SELECT * FROM accounts WHERE id = 1;',
      'SHOW server_version;',
      'SET application_name = \'scripted\';',
      'SHOW application_name;',
      'DELETE FROM accounts WHERE balance = 0;',
      'SELECT id AS remaining FROM accounts WHERE id = 3;',
      'SELECT id AS kept FROM accounts WHERE id = 1;',
    ].join('\n');
    const result = await runProgram('psql', [running().url(), '-v', 'ON_ERROR_STOP=1', '-X', '-q', '-A', '-F', '|', '-P', 'footer=off'], { input: script });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const out = result.stdout;
    expect(out).toContain('id|owner|balance\n2|bob|50\n');
    const owners = /owner\n((?:\w+\n)+)/.exec(out)![1]!.trim().split('\n').sort();
    expect(owners).toEqual(['ann', 'bob']);
    expect(out).toContain('owner|balance\nann|70\nowner|balance\nbob|50\n');
    expect(out).toContain('one\n1\ntwo\n2\n');
    expect(out).toMatch(/addr\|opcode\|args\|comment\n0\|const\|/);
    expect(out).toContain('mem.load');
    expect(out).toContain('server_version\n15.0\n');
    expect(out).toContain('application_name\nscripted\n');
    expect(out).toContain('remaining\nkept\n1\n');
  });

  it('reports errors with SQLSTATE, message and position, and stops on them', async () => {
    const script = ['CREATE TABLE t (id int PRIMARY KEY);', 'SELECT 1;', 'SELECT nosuchcolumn FROM t;', 'SELECT 2;'].join('\n');
    const result = await runProgram('psql', [running().url(), '-v', 'ON_ERROR_STOP=1', '-v', 'VERBOSITY=verbose', '-X', '-A', '-t'], { input: script });
    expect(result.code).toBe(3); // psql's exit code for a script stopped by an error
    expect(result.stderr).toMatch(/ERROR:\s+42703: column "nosuchcolumn" does not exist/);
    expect(result.stderr).toContain('LINE 1: SELECT nosuchcolumn FROM t;');
    expect(result.stdout).not.toContain('2');
  });

  it('answers BEGIN with 0A000 and explains that each statement is atomic per row', async () => {
    const result = await runProgram('psql', [running().url(), '-X', '-v', 'VERBOSITY=verbose', '-c', 'BEGIN']);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/0A000: .*each statement is atomic per row/);
  });
});
