/**
 * EXPLAIN and EXPLAIN ANALYZE as rows (DESIGN §5, docs/compiler.md §EXPLAIN):
 * one row per instruction of the compiled program, `addr | opcode | args |
 * comment`, the opcode indented two spaces per nesting level as the text listing
 * indents it, so a loop body reads as one. ANALYZE adds `count`, the executions
 * of each instruction, then summary rows (opcode empty) for the memory
 * operations, the instructions run and the elapsed time.
 */
import type { Program } from '../vm/program.js';
import type { ExecutionStats } from '../vm/run-state.js';
import type { SqlValue } from '../vm/sql-values.js';
import { listingRows } from '../vm/text-format.js';
import { typeOids } from './sql-types.js';

export interface ExplainField {
  readonly name: string;
  readonly typeOid: number;
}

const indentUnit = '  ';

export const explainFields: readonly ExplainField[] = [
  { name: 'addr', typeOid: typeOids.int4 },
  { name: 'opcode', typeOid: typeOids.text },
  { name: 'args', typeOid: typeOids.text },
  { name: 'comment', typeOid: typeOids.text },
];

export const explainAnalyzeFields: readonly ExplainField[] = [...explainFields, { name: 'count', typeOid: typeOids.int8 }];

/** The listing of a program as EXPLAIN rows: addr, indented opcode, args, comment (NULL when there is none). */
export function explainRows(program: Program): SqlValue[][] {
  return listingRows(program).map((row) => {
    // The constant annotation carries the textual key of a pointer known at compile time.
    const parts = [row.comment, row.annotation].filter((part): part is string => part !== undefined);
    return [BigInt(row.address), `${indentUnit.repeat(row.depth)}${row.opcode}`, row.args, parts.length === 0 ? null : parts.join('  ; ')];
  });
}

/** EXPLAIN ANALYZE rows: the listing with each instruction's execution count, then the summary rows. */
export function explainAnalyzeRows(program: Program, stats: ExecutionStats, elapsedMilliseconds: number): SqlValue[][] {
  const instructionRows = explainRows(program).map((row, address) => [...row, BigInt(stats.counts[address] ?? 0)]);
  const summary = explainSummaryLines(stats, elapsedMilliseconds).map((line) => [null, '', '', line, null]);
  return [...instructionRows, ...summary];
}

/** `memory: ...`, `instructions: N`, `time: T ms`: what a run cost, as the summary rows' comments. */
export function explainSummaryLines(stats: ExecutionStats, elapsedMilliseconds: number): string[] {
  const memory = stats.memory;
  // lnr counts only for runs that used a log (queues), so the line of every other statement keeps its form.
  const records =
    memory.appends + memory.recordReads + memory.trims > 0 ? `, ${memory.appends} appends, ${memory.recordReads} record reads, ${memory.trims} trims` : '';
  return [
    `memory: ${memory.loads} loads, ${memory.writes} writes, ${memory.compareAndSwaps} CAS ` +
      `(${memory.compareAndSwapConflicts} retries), ${memory.deletes} deletes, ${memory.scans} scans${records}`,
    `instructions: ${stats.instructions}`,
    `time: ${elapsedMilliseconds.toFixed(3)} ms`,
  ];
}
