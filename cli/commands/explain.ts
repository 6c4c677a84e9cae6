/**
 * `dmachine explain "SQL" [--schema FILE] [--account NAME]` and
 * `dmachine compile "SQL" [--schema FILE] [--account NAME] -o OUT`: a SQL
 * statement's program, offline. The statement compiles against a throwaway
 * memory in a temporary directory (removed on exit), holding only the tables of
 * the CREATE TABLE statements in FILE, so no data directory is touched. explain
 * prints the text listing; compile writes the binary program, which
 * `dmachine disasm OUT` prints as the same listing.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Catalog } from '../../compiler/catalog.js';
import { SqlSession } from '../../compiler/session.js';
import { LocalMemory } from '../../store/local-memory.js';
import { encodeProgram } from '../../vm/binary-format.js';
import type { Program } from '../../vm/program.js';
import { disassemble } from '../../vm/text-format.js';
import { UsageError } from '../arguments.js';

const accountDefault = 'admin';

export const explainUsage = `dmachine explain "SQL" [--schema FILE] [--account NAME]
    Print the program listing the statement SQL compiles to, without running it
    and without touching a data directory. FILE holds the CREATE TABLE statements
    the statement refers to; NAME (default ${accountDefault}) is the account in its keys.`;

export const compileUsage = `dmachine compile "SQL" [--schema FILE] [--account NAME] -o OUT
    Write the binary program the statement SQL compiles to into OUT, offline as
    explain is; dmachine disasm OUT prints the listing dmachine explain prints.`;

export async function explainCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, options: offlineOptions, allowPositionals: true });
  const program = await compileOffline(singleStatement(positionals, 'explain'), values);
  process.stdout.write(disassemble(program));
  return 0;
}

export async function compileCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: { ...offlineOptions, output: { type: 'string', short: 'o' } },
    allowPositionals: true,
  });
  const sql = singleStatement(positionals, 'compile');
  if (values.output === undefined) throw new UsageError('compile needs -o OUT');
  const program = await compileOffline(sql, values);
  writeFileSync(values.output, encodeProgram(program));
  process.stdout.write(`${values.output}: ${program.code.length} instructions\n`);
  return 0;
}

const offlineOptions = { schema: { type: 'string' }, account: { type: 'string' } } as const;

function singleStatement(positionals: string[], command: string): string {
  if (positionals.length !== 1) throw new UsageError(`${command} takes exactly one "SQL" argument`);
  return positionals[0]!;
}

/** Compiles SQL in a session on a temporary memory that holds only FILE's tables. */
async function compileOffline(sql: string, options: { schema?: string | undefined; account?: string | undefined }): Promise<Program> {
  const schema = options.schema === undefined ? undefined : readFileSync(options.schema, 'utf8');
  const directory = mkdtempSync(join(tmpdir(), 'dmachine-explain-'));
  try {
    const memory = LocalMemory.open(directory);
    try {
      // Generation ids of zeros: the catalog check's definition bytes, and so the listing, are the same on every run.
      const catalog = new Catalog({ memory, random: (count) => new Uint8Array(count) });
      const session = new SqlSession({ memory, account: options.account ?? accountDefault, catalog });
      if (schema !== undefined) await session.execute(schema);
      return await session.compileProgram(sql);
    } finally {
      await memory.close();
    }
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}
