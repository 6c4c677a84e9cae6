/**
 * `dmachine run FILE [--data DIR] [--account NAME] [--param VALUE]...`: runs a
 * program against the local memory in DIR and prints its rows, its row count and
 * what it cost.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { LocalMemory } from '../../store/local-memory.js';
import { programRunner, type EngineName } from '../../vm/engine.js';
import { prepareProgram } from '../../vm/prepared-program.js';
import { sqlCast, sqlTextOutput } from '../../vm/sql-operations.js';
import { sqlTypes, type SqlType, type SqlValue } from '../../vm/sql-values.js';
import { readProgramFile } from './program-files.js';
import { singleFile } from './assembler.js';
import { dataDirectoryDefault } from './start.js';

export const runUsage = `dmachine run FILE [--data DIR] [--account NAME] [--param VALUE]... [--interpret]
    Run the program FILE (binary or text) against the memory in DIR (default
    ${dataDirectoryDefault}) as account NAME (default admin) and print its rows. Each --param
    is $1, $2, ... in order: null, true, false, an integer, a float, or TYPE:TEXT
    with TYPE one of ${sqlTypes.join(', ')}; anything else is text. Programs run on
    the compiled tier; --interpret runs them on the reference interpreter.`;

export async function runCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      data: { type: 'string' },
      account: { type: 'string' },
      param: { type: 'string', multiple: true },
      interpret: { type: 'boolean' },
    },
    allowPositionals: true,
  });
  const engine: EngineName = values.interpret ? 'interpreter' : 'compiled';
  const runner = programRunner(prepareProgram(readProgramFile(singleFile(positionals, 'run'))), engine);
  const memory = LocalMemory.open(resolve(values.data ?? dataDirectoryDefault));
  try {
    const params = (values.param ?? []).map(parseParam);
    const result = await runner.run({ memory, account: values.account ?? 'admin', params });
    for (const row of result.rows) process.stdout.write(`${row.map((value) => sqlTextOutput(value) ?? 'NULL').join('\t')}\n`);
    const { instructions, memory: operations } = result.stats;
    process.stdout.write(
      `(${result.rows.length} rows, row count ${result.rowCount}, ${instructions} instructions, ` +
        `${operations.loads} loads, ${operations.writes} writes, ${operations.compareAndSwaps} CAS ` +
        `(${operations.compareAndSwapConflicts} conflicts), ${operations.deletes} deletes, ${operations.scans} scans)\n`,
    );
  } finally {
    await memory.close();
  }
  return 0;
}

/** `null`, `true`, `42`, `1.5`, `int4:7`, `text:42`, or text. */
export function parseParam(text: string): SqlValue {
  const typed = /^([a-z0-9]+):(.*)$/s.exec(text);
  if (typed && (sqlTypes as readonly string[]).includes(typed[1]!)) return sqlCast(typed[2]!, typed[1] as SqlType);
  if (text === 'null') return null;
  if (text === 'true' || text === 'false') return text === 'true';
  if (/^-?\d+$/.test(text)) return BigInt(text);
  if (/^-?\d*\.\d+(e[-+]?\d+)?$/i.test(text)) return Number(text);
  return text;
}
