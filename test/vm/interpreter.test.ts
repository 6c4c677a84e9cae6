import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { wordAddress } from '../../store/key.js';
import { LocalMemory } from '../../store/local-memory.js';
import { VmFailure } from '../../vm/failures.js';
import { execute, scanPageWordsDefault, type ExecutionContext, type ExecutionResult } from '../../vm/interpreter.js';
import { instructions, valueTypeCodes, type InstructionInfo, type ValueType } from '../../vm/isa.js';
import { prepareProgram } from '../../vm/prepared-program.js';
import type { Instruction, Program } from '../../vm/program.js';
import { encodeRow } from '../../vm/row-codec.js';
import type { Timestamptz } from '../../vm/sql-values.js';
import { temporaryDirectoryPerTest } from '../store/helpers.js';
import { emptyBlockType, op, program } from './program-literals.js';
import { exerciseParams, exerciseProgram } from './opcode-exercises.js';
import { wordLifecycle } from './memory-programs.js';

const directory = temporaryDirectoryPerTest('vm');
let memory: LocalMemory;
beforeEach(() => {
  memory = LocalMemory.open(directory());
});
afterEach(async () => {
  await memory.close();
});

function run(code: Program, context: Partial<ExecutionContext> = {}): Promise<ExecutionResult> {
  return execute(prepareProgram(code), { memory, account: 'acme', ...context });
}

async function failure(code: Program, context: Partial<ExecutionContext> = {}): Promise<VmFailure> {
  try {
    await run(code, context);
  } catch (error) {
    if (error instanceof VmFailure) return error;
    throw error;
  }
  throw new Error('expected the program to fail');
}

/** Code that emits the i64 on top of the stack as a one-field row. */
const emitI64: Instruction[] = [op('sql.from_i64'), op('local.set', 0), op('row.new', 1), op('local.get', 0), op('row.set', 0), op('row.emit')];

describe('the interpreter: values and control', () => {
  it('computes and emits', async () => {
    const result = await run(program([op('i64.const', 2n), op('i64.const', 40n), op('i64.add'), ...emitI64], { locals: ['sql'] }));
    expect(result.rows).toEqual([[42n]]);
  });

  it('loops with br_if and counts every instruction it runs', async () => {
    // i = 10; do { i = i - 1 } while (i != 0)
    const code = program(
      [
        op('i32.const', 10), op('local.set', 0),
        op('loop', emptyBlockType),
        op('local.get', 0), op('i32.const', 1), op('i32.sub'), op('local.tee', 0),
        op('br_if', 0),
        op('end'),
      ],
      { locals: ['i32'] },
    );
    const result = await run(code);
    expect(result.stats.counts[3]).toBe(10); // local.get inside the loop
    expect(result.stats.counts[0]).toBe(1);
    expect(result.stats.instructions).toBe(2 + 1 + 10 * 5 + 1 + 1);
  });

  it('takes the arms of if/else with results', async () => {
    const choose = (condition: number) =>
      program(
        [
          op('i32.const', condition),
          op('if', valueTypeCodes.i64), op('i64.const', 1n), op('else'), op('i64.const', 2n), op('end'),
          ...emitI64,
        ],
        { locals: ['sql'] },
      );
    expect((await run(choose(1))).rows).toEqual([[1n]]);
    expect((await run(choose(0))).rows).toEqual([[2n]]);
  });

  it('branches out of nested blocks carrying the result and dropping the rest', async () => {
    const code = program(
      [
        op('block', valueTypeCodes.i64),
        op('i64.const', 7n),
        op('block', emptyBlockType), op('i64.const', 1n), op('i64.const', 99n), op('br', 1), op('end'),
        op('drop'), op('i64.const', 0n),
        op('end'),
        ...emitI64,
      ],
      { locals: ['sql'] },
    );
    expect((await run(code)).rows).toEqual([[99n]]);
  });

  it('selects and drops', async () => {
    const code = program([op('i64.const', 5n), op('i64.const', 6n), op('i32.const', 0), op('select'), ...emitI64], { locals: ['sql'] });
    expect((await run(code)).rows).toEqual([[6n]]);
  });

  it('reads parameters and refuses a wrong parameter count', async () => {
    const code = program([op('row.new', 2), op('param.get', 1), op('row.set', 0), op('param.get', 0), op('row.set', 1), op('row.emit')], {
      paramCount: 2,
    });
    expect((await run(code, { params: ['a', 3n] })).rows).toEqual([[3n, 'a']]);
    expect((await failure(code, { params: ['a'] })).sqlstate).toBe('08P01');
  });

  it('adds to the row count', async () => {
    const result = await run(program([op('i32.const', 2), op('result.add_count'), op('i32.const', 3), op('result.add_count')]));
    expect(result.rowCount).toBe(5);
  });
});

describe('the interpreter: failures by kind', () => {
  it('traps with the SQLSTATE and the address of the instruction', async () => {
    const error = await failure(program([op('i64.const', 1n), op('i64.const', 0n), op('i64.div_s'), op('drop')]));
    expect(error).toMatchObject({ kind: 'trap', sqlstate: '22012', address: 2 });
  });

  it('raises a SQL error from constants', async () => {
    const code = program([op('error.raise', 0, 1)], {
      constants: [
        { kind: 'name', value: '23505' },
        { kind: 'name', value: 'duplicate key value violates unique constraint' },
      ],
    });
    expect(await failure(code)).toMatchObject({ kind: 'trap', sqlstate: '23505', message: 'duplicate key value violates unique constraint', address: 0 });
  });

  it('crashes on unreachable', async () => {
    expect(await failure(program([op('unreachable')]))).toMatchObject({ kind: 'crash', sqlstate: 'XX000', address: 0 });
  });

  it('runs out of fuel in an endless loop', async () => {
    const endless = program([op('loop', emptyBlockType), op('br', 0), op('end')]);
    const error = await failure(endless, { limits: { fuel: 1000 } });
    expect(error).toMatchObject({ kind: 'exhaustion', sqlstate: '54000' });
    expect(error.message).toContain('fuel');
  });

  it('stops at the row limit and the stack limit', async () => {
    const rows = program([op('loop', emptyBlockType), op('row.new', 1), op('row.emit'), op('br', 0), op('end')]);
    expect((await failure(rows, { limits: { rowsMax: 5 } })).message).toContain('more than 5 rows');
    const deep = program([op('i32.const', 1), op('i32.const', 2), op('i32.const', 3), op('drop'), op('drop'), op('drop')]);
    expect(await failure(deep, { limits: { stackHeightMax: 2 } })).toMatchObject({ kind: 'exhaustion' });
  });

  it('reports a memory it cannot reach as unavailable', async () => {
    await memory.close();
    const load = program([op('const', 0), op('ptr.make', 1, 0), op('mem.load'), op('drop')], {
      constants: [{ kind: 'sql', value: 'k' }, { kind: 'name', value: 'users' }],
    });
    expect(await failure(load)).toMatchObject({ kind: 'unavailable', address: 2 });
    memory = LocalMemory.open(directory());
  });
});

describe('the interpreter: lnr logs and the clock', () => {
  const jobs = { kind: 'name', value: 'jobs' } as const;
  const payload = { kind: 'bytes', value: Uint8Array.of(7, 8) } as const;
  it('appends records numbered from 0 to the session account\'s log, reads them back, and counts both', async () => {
    const code = program(
      [op('const', 1), op('lnr.append', 0), op('drop'), op('const', 1), op('lnr.append', 0), op('lnr.read', 0), op('drop'), op('i64.const', 5n), op('lnr.read', 0), op('drop')],
      { constants: [jobs, payload] },
    );
    const result = await run(code);
    expect(result.stats.memory).toMatchObject({ appends: 2, recordReads: 2, loads: 0, writes: 0 });
    expect(await memory.readRecord({ account: 'acme', resource: 'jobs' }, 0)).toEqual(Buffer.from([7, 8]));
    expect(await memory.readRecord({ account: 'acme', resource: 'jobs' }, 1)).toEqual(Buffer.from([7, 8]));
    expect(await memory.readRecord({ account: 'acme', resource: 'jobs' }, 2)).toBeUndefined();
    expect(await memory.readRecord({ account: 'globex', resource: 'jobs' }, 0)).toBeUndefined();
  });

  it('reports a log the memory cannot reach as unavailable, and a memory that rejects as the memory\'s failure', async () => {
    const append = program([op('const', 1), op('lnr.append', 0), op('drop')], { constants: [jobs, payload] });
    const read = program([op('i64.const', 0n), op('lnr.read', 0), op('drop')], { constants: [jobs] });
    const rejecting = Object.assign(Object.create(memory) as LocalMemory, {
      append: () => Promise.reject(new Error('disk gone')),
      readRecord: () => Promise.reject(new Error('disk gone')),
    });
    expect(await failure(append, { memory: rejecting })).toMatchObject({ kind: 'unavailable', sqlstate: '08006', address: 1 });
    expect(await failure(read, { memory: rejecting })).toMatchObject({ kind: 'unavailable', sqlstate: '08006', address: 1 });
    await memory.close();
    expect(await failure(append)).toMatchObject({ kind: 'unavailable', address: 1 });
    expect(await failure(read)).toMatchObject({ kind: 'unavailable', address: 1 });
    memory = LocalMemory.open(directory());
  });

  it('reads the clock once per run, at the first sql.now', async () => {
    let reads = 0;
    const clock = () => 1_700_000_000_000 + 1000 * reads++;
    const code = program([op('row.new', 2), op('sql.now'), op('row.set', 0), op('sql.now'), op('row.set', 1), op('row.emit')]);
    const first = await run(code, { clock });
    expect(reads).toBe(1);
    expect(first.rows[0]![0]).toBe(first.rows[0]![1]);
    expect((first.rows[0]![0] as Timestamptz).microseconds).toBe(1_700_000_000_000_000n);
    const second = await run(code, { clock });
    expect(reads).toBe(2);
    expect((second.rows[0]![0] as Timestamptz).microseconds).toBe(1_700_000_001_000_000n);
    expect(await run(program([op('i32.const', 1), op('drop')]), { clock })).toBeDefined();
    expect(reads).toBe(2); // a run without sql.now does not read it
    expect(await failure(code, { clock: () => Number.NaN })).toMatchObject({ kind: 'crash', address: 1 });
  });
});

describe('the interpreter: global memory', () => {
  const users = { kind: 'name', value: 'users' } as const;
  const alice = wordAddress({ account: 'acme', resource: 'users', resourceType: 'rnd', primaryKey: 'alice' });

  it('writes, loads, compares, compare-and-swaps and deletes a word built in the program', async () => {
    const code = wordLifecycle;
    const result = await run(code);
    expect(result.rows).toEqual([['Alice'], [true], ['Alice'], [false], [true]]);
    expect(result.stats.memory).toMatchObject({ loads: 2, writes: 1, compares: 1, compareAndSwaps: 1, compareAndSwapConflicts: 1, deletes: 1 });
    expect(await memory.load(alice)).toBeUndefined();
  });

  it('refuses a word over 4096 bytes with 54000', async () => {
    const code = program(
      [op('const', 0), op('ptr.make', 1, 0), op('row.new', 1), op('const', 2), op('row.set', 0), op('row.encode'), op('mem.write')],
      { constants: [{ kind: 'sql', value: 'alice' }, users, { kind: 'sql', value: 'x'.repeat(5000) }] },
    );
    expect(await failure(code)).toMatchObject({ kind: 'trap', sqlstate: '54000', address: 6 });
  });

  it('scans a sort-key range with bounds, direction and limit', async () => {
    for (let ts = 1n; ts <= 10n; ts++) {
      const address = wordAddress({ account: 'acme', resource: 'events', resourceType: 'rnd', primaryKey: 'alice', sortKey: ts });
      await memory.write(address, encodeRow([ts]));
    }
    // ts > 3 AND ts <= 8, descending, limit 4
    const flags = 1 | 4 | 8 | 16;
    const code = program(
      [
        op('const', 0), op('ptr.make', 1, 0), op('const', 2), op('const', 3), op('i32.const', 4), op('mem.scan_range', flags), op('local.set', 0),
        op('block', emptyBlockType), op('loop', emptyBlockType),
        op('local.get', 0), op('scan.next'), op('i32.eqz'), op('br_if', 1),
        op('local.get', 0), op('scan.value'), op('row.decode', 1), op('row.emit'),
        op('br', 0),
        op('end'), op('end'),
      ],
      {
        locals: ['scan'],
        constants: [{ kind: 'sql', value: 'alice' }, { kind: 'name', value: 'events' }, { kind: 'sql', value: 3n }, { kind: 'sql', value: 8n }],
      },
    );
    expect((await run(code)).rows).toEqual([[8n], [7n], [6n], [5n]]);
  });

  /** Emits [primaryKey] of every word of resource `orders`, up to `limit` (0: all). */
  function scanOrders(limit: number): Program {
    return program(
      [
        op('i32.const', limit), op('mem.scan_resource', 0, 0), op('local.set', 0),
        op('block', emptyBlockType), op('loop', emptyBlockType),
        op('local.get', 0), op('scan.next'), op('i32.eqz'), op('br_if', 1),
        op('local.get', 0), op('scan.value'), op('row.decode', 1), op('row.emit'),
        op('br', 0),
        op('end'), op('end'),
      ],
      { locals: ['scan'], constants: [{ kind: 'name', value: 'orders' }] },
    );
  }

  it('scans a whole resource across pages, and only the session account’s', async () => {
    const total = scanPageWordsDefault * 2 + 17;
    await Promise.all(
      Array.from({ length: total }, (_, index) =>
        memory.write(wordAddress({ account: 'acme', resource: 'orders', resourceType: 'rnd', primaryKey: BigInt(index) }), encodeRow([BigInt(index)])),
      ),
    );
    await memory.write(wordAddress({ account: 'globex', resource: 'orders', resourceType: 'rnd', primaryKey: 1n }), encodeRow([-1n]));
    const all = await run(scanOrders(0));
    expect(all.rows.length).toBe(total);
    expect(new Set(all.rows.map((row) => row[0])).size).toBe(total);
    expect(all.stats.memory.scanPages).toBe(3);
    expect((await run(scanOrders(5))).rows.length).toBe(5);
    expect((await run(scanOrders(0), { account: 'globex' })).rows).toEqual([[-1n]]);
  });

  it('traps 22004 on a NULL key', async () => {
    const code = program([op('sql.null'), op('ptr.make', 0, 0), op('drop')], { constants: [users] });
    expect(await failure(code)).toMatchObject({ kind: 'trap', sqlstate: '22004', address: 1 });
  });
});

describe('the interpreter covers the instruction table', () => {
  it('has a handler for every opcode', async () => {
    const missing: string[] = [];
    for (const info of instructions) {
      try {
        await run(exerciseProgram(info), { params: exerciseParams(info) });
      } catch (error) {
        // Traps and crashes on zero operands are fine (division by zero, no current word): only a missing case is not.
        if (!(error instanceof VmFailure)) throw error;
        if (error.message.startsWith('no handler')) missing.push(info.name);
      }
    }
    expect(missing).toEqual([]);
  });
});
