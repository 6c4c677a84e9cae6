/**
 * `dmachine explain` and `dmachine compile`: offline (no data directory
 * appears in the working directory), the listing a session's explain gives,
 * and a compiled binary that `dmachine disasm` prints as the same listing.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { temporaryDirectoryPerTest } from '../store/helpers.js';
import { runCli } from './run-cli.js';

const schema = `CREATE TABLE users (id text PRIMARY KEY, name text NOT NULL, age int);
CREATE TABLE events (user_id text, ts bigint, kind text, PRIMARY KEY (user_id, ts));
`;

describe('dmachine explain and compile', () => {
  const directory = temporaryDirectoryPerTest('cli-explain');

  function schemaFile(): string {
    const file = join(directory(), 'schema.sql');
    writeFileSync(file, schema);
    return file;
  }

  it('prints the listing offline, with the account in the textual key', () => {
    const explained = runCli(['explain', "SELECT name FROM users WHERE id = 'a'", '--schema', schemaFile(), '--account', 'acme'], { cwd: directory() });
    expect(explained.stderr).toBe('');
    expect(explained.status).toBe(0);
    expect(explained.stdout).toMatch(/^\.params 0\n/);
    expect(explained.stdout).toMatch(/ptr\.make .*; acme\/users\/rnd\/a/);
    expect(explained.stdout).toMatch(/mem\.load/);
    expect(readdirSync(directory()).sort()).toEqual(['schema.sql']);
    expect(existsSync(join(directory(), 'data'))).toBe(false);
  });

  it('explains SELECT without FROM with no schema, and gives a compile error with its SQLSTATE', () => {
    expect(runCli(['explain', 'SELECT 1 + 2'], { cwd: directory() }).stdout).toMatch(/row\.emit/);
    const missing = runCli(['explain', 'SELECT * FROM nope'], { cwd: directory() });
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/42P01/);
    expect(runCli(['explain'], { cwd: directory() }).status).not.toBe(0);
  });

  it('compiles to a binary that disasm prints exactly as explain prints the listing', () => {
    const sql = "INSERT INTO events VALUES ('u', 1, 'a'), ('u', 2, 'b') ON CONFLICT (user_id, ts) DO NOTHING RETURNING kind";
    const output = join(directory(), 'insert.dmp');
    const compiled = runCli(['compile', sql, '--schema', schemaFile(), '-o', output]);
    expect(compiled.stderr).toBe('');
    expect(compiled.status).toBe(0);
    expect(compiled.stdout).toMatch(/insert\.dmp: \d+ instructions/);
    expect(readFileSync(output).subarray(0, 4).toString('latin1')).toBe('\0dmp');
    const explained = runCli(['explain', sql, '--schema', schemaFile()]);
    const disassembled = runCli(['disasm', output]);
    expect(disassembled.status).toBe(0);
    expect(disassembled.stdout).toBe(explained.stdout);
  });

  it('refuses compile without -o', () => {
    const result = runCli(['compile', 'SELECT 1'], { cwd: directory() });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/-o OUT/);
  });

  it('lists both commands in the help', () => {
    const help = runCli(['--help']).stdout;
    expect(help).toContain('dmachine explain "SQL"');
    expect(help).toContain('dmachine compile "SQL"');
  });
});
