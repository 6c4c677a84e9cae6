/**
 * The compiled tier against the interpreter: every program runs on both, each on
 * its own LocalMemory with the same history, and everything observable must be
 * equal (rows, row count, stats, failure kind, SQLSTATE, message and address,
 * and what is left in memory). Fuel exhaustion is compared by kind and message:
 * the compiled tier charges a straight-line run at its start (vm/compiled-tier.ts).
 * The VM spec scripts (test/vm/spec/*.dmspec) run against the compiled tier too.
 */
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { wordAddress, type ResourceType } from '../../store/key.js';
import { LocalMemory } from '../../store/local-memory.js';
import { compileProgram } from '../../vm/compiled-tier.js';
import { VmFailure } from '../../vm/failures.js';
import { execute, scanPageWordsDefault, type ExecutionContext, type ExecutionResult } from '../../vm/interpreter.js';
import { instructions, valueTypeCodes, type InstructionInfo, type InstructionName, type ValueType } from '../../vm/isa.js';
import { prepareProgram } from '../../vm/prepared-program.js';
import type { Constant, Instruction, Program } from '../../vm/program.js';
import { decodeRow, encodeRow } from '../../vm/row-codec.js';
import { sqlTypeCodes, type SqlValue } from '../../vm/sql-values.js';
import { temporaryDirectoryPerTest } from '../store/helpers.js';
import { emptyBlockType, op, program } from './program-literals.js';
import { atomicCounter, samplePrograms } from './sample-programs.js';
import { describeSpecScripts } from './spec-script.js';
import { exerciseParams, exerciseProgram } from './opcode-exercises.js';
import { wordLifecycle } from './memory-programs.js';

/** One memory per engine, given the same writes, so that each sees the history the other saw. */
let interpreterMemory: LocalMemory;
let compiledMemory: LocalMemory;
let directory: () => string;

/**
 * Each test of the calling describe gets a fresh directory and the two memories.
 * Called per describe rather than at the top: the spec suite at the end brings
 * its own memory, and would otherwise open two for each of its thousand cases.
 */
function useTwoMemories(): void {
  const temporaryDirectory = temporaryDirectoryPerTest('compiled-tier');
  beforeEach(() => {
    directory = temporaryDirectory;
    interpreterMemory = LocalMemory.open(join(directory(), 'interpreter'));
    compiledMemory = LocalMemory.open(join(directory(), 'compiled'));
  });
  afterEach(async () => {
    await interpreterMemory.close();
    await compiledMemory.close();
  });
}

type RunContext = Omit<ExecutionContext, 'memory' | 'account'> & { readonly account?: string };

/** What a run shows its caller. Stats exist only for runs that complete. */
type Outcome =
  | {
      readonly outcome: 'completed';
      readonly rows: SqlValue[][];
      readonly rowCount: number;
      readonly instructions: number;
      readonly counts: number[];
      readonly memory: ExecutionResult['stats']['memory'];
    }
  | { readonly outcome: 'failed'; readonly kind: string; readonly sqlstate: string; readonly message: string; readonly address: number | undefined; readonly detail: string | undefined };

async function outcomeOf(run: () => Promise<ExecutionResult>): Promise<Outcome> {
  try {
    const { rows, rowCount, stats } = await run();
    return { outcome: 'completed', rows, rowCount, instructions: stats.instructions, counts: Array.from(stats.counts), memory: { ...stats.memory } };
  } catch (error) {
    if (!(error instanceof VmFailure)) throw error;
    return { outcome: 'failed', kind: error.kind, sqlstate: error.sqlstate, message: error.message, address: error.address, detail: error.detail };
  }
}

/** Runs a program on both engines. */
async function runBoth(code: Program, context: RunContext = {}): Promise<{ interpreted: Outcome; compiled: Outcome }> {
  const prepared = prepareProgram(code);
  const compiledProgram = compileProgram(prepared);
  const account = context.account ?? 'acme';
  const interpreted = await outcomeOf(() => execute(prepared, { ...context, memory: interpreterMemory, account }));
  const compiled = await outcomeOf(() => compiledProgram.run({ ...context, memory: compiledMemory, account }));
  return { interpreted, compiled };
}

/** Runs a program on both engines and expects the same outcome; returns it. */
async function expectSameBehaviour(code: Program, context: RunContext = {}): Promise<Outcome> {
  const { interpreted, compiled } = await runBoth(code, context);
  if (interpreted.outcome === 'failed' && interpreted.kind === 'exhaustion' && interpreted.message.includes('fuel')) {
    expect(compiled).toMatchObject({ outcome: 'failed', kind: 'exhaustion', sqlstate: interpreted.sqlstate, message: interpreted.message });
  } else {
    expect(compiled).toEqual(interpreted);
  }
  return interpreted;
}

/** Gives both memories the same word. */
async function writeBoth(account: string, resource: string, primaryKey: SqlValue, value: Uint8Array, sortKey?: SqlValue): Promise<void> {
  const address = wordAddress({ account, resource, resourceType: 'rnd', primaryKey: primaryKey as never, sortKey: sortKey as never });
  await interpreterMemory.write(address, value);
  await compiledMemory.write(address, value);
}

/** Every word of the resources, as both memories hold them: they must agree after the same programs ran. */
async function expectSameMemory(account: string, resources: readonly string[], resourceType: ResourceType = 'rnd'): Promise<void> {
  const dump = async (memory: LocalMemory) => {
    const words: [string, string][] = [];
    for (const resource of resources) {
      const page = await memory.scan({ kind: 'resource', account, resource, resourceType, limit: 10_000 });
      for (const word of page.words) words.push([`${resource} ${word.address.pointer.toString('hex')} ${word.address.sortKey?.bytes.toString('hex') ?? ''}`, word.value.toString('hex')]);
    }
    return words;
  };
  expect(await dump(compiledMemory)).toEqual(await dump(interpreterMemory));
}

// --- the shared sample programs -------------------------------------------------------

/** Parameter sets to run each sample with: NULLs, integers, texts, and mixed. */
function parameterSets(count: number): SqlValue[][] {
  const sets: SqlValue[][] = [
    Array.from({ length: count }, () => null),
    Array.from({ length: count }, (_, index) => BigInt(index + 3)),
    Array.from({ length: count }, (_, index) => `key${index}`),
    Array.from({ length: count }, (_, index) => (index % 2 === 0 ? 'a' : 2.5)),
  ];
  return count === 0 ? [[]] : sets;
}

describe('the compiled tier runs the sample programs as the interpreter does', () => {
  useTwoMemories();

  for (const { name, program: code } of samplePrograms) {
    it(name, async () => {
      // Words the memory samples read: events under 'a' with sort keys, and a table scan's rows of three fields.
      for (let ts = 8n; ts <= 22n; ts++) await writeBoth('acme', 'events', 'a', encodeRow(['a', ts, 'x']), ts);
      for (const params of parameterSets(code.paramCount)) {
        // Twice: the second run sees what the first left (an existing counter, a duplicate key, a word that is not a row).
        await expectSameBehaviour(code, { params });
        await expectSameBehaviour(code, { params });
      }
      await expectSameMemory('acme', ['counters', 'events', 'jobs', 'users', 't']);
    });
  }
});

// --- the interpreter's own tests, on both engines ---------------------------------------------

/** Code that emits the i64 on top of the stack as a one-field row. */
const emitI64: Instruction[] = [op('sql.from_i64'), op('local.set', 0), op('row.new', 1), op('local.get', 0), op('row.set', 0), op('row.emit')];
const users = { kind: 'name', value: 'users' } as const;

describe('the compiled tier runs the interpreter’s test programs as the interpreter does', () => {
  useTwoMemories();

  it('computes, loops, takes if/else arms, branches with a carried value, selects', async () => {
    const loop = program(
      [op('i32.const', 10), op('local.set', 0), op('loop', emptyBlockType), op('local.get', 0), op('i32.const', 1), op('i32.sub'), op('local.tee', 0), op('br_if', 0), op('end')],
      { locals: ['i32'] },
    );
    const looped = await expectSameBehaviour(loop);
    expect(looped).toMatchObject({ outcome: 'completed', instructions: 2 + 1 + 10 * 5 + 1 + 1 });
    expect(looped.outcome === 'completed' && looped.counts[3]).toBe(10);

    expect(await expectSameBehaviour(program([op('i64.const', 2n), op('i64.const', 40n), op('i64.add'), ...emitI64], { locals: ['sql'] }))).toMatchObject({ rows: [[42n]] });
    for (const condition of [0, 1]) {
      const choose = program(
        [op('i32.const', condition), op('if', valueTypeCodes.i64), op('i64.const', 1n), op('else'), op('i64.const', 2n), op('end'), ...emitI64],
        { locals: ['sql'] },
      );
      expect(await expectSameBehaviour(choose)).toMatchObject({ rows: [[condition ? 1n : 2n]] });
    }
    const nested = program(
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
    expect(await expectSameBehaviour(nested)).toMatchObject({ rows: [[99n]] });
    const select = program([op('i64.const', 5n), op('i64.const', 6n), op('i32.const', 0), op('select'), ...emitI64], { locals: ['sql'] });
    expect(await expectSameBehaviour(select)).toMatchObject({ rows: [[6n]] });
  });

  it('reads parameters, refuses a wrong count, adds to the row count', async () => {
    const code = program([op('row.new', 2), op('param.get', 1), op('row.set', 0), op('param.get', 0), op('row.set', 1), op('row.emit')], { paramCount: 2 });
    expect(await expectSameBehaviour(code, { params: ['a', 3n] })).toMatchObject({ rows: [[3n, 'a']] });
    expect(await expectSameBehaviour(code, { params: ['a'] })).toMatchObject({ sqlstate: '08P01' });
    const counted = program([op('i32.const', 2), op('result.add_count'), op('i32.const', 3), op('result.add_count')]);
    expect(await expectSameBehaviour(counted)).toMatchObject({ rowCount: 5 });
  });

  it('traps, raises, crashes and runs out of fuel, rows and stack slots', async () => {
    expect(await expectSameBehaviour(program([op('i64.const', 1n), op('i64.const', 0n), op('i64.div_s'), op('drop')]))).toMatchObject({ kind: 'trap', sqlstate: '22012', address: 2 });
    const raise = program([op('error.raise', 0, 1)], {
      constants: [{ kind: 'name', value: '23505' }, { kind: 'name', value: 'duplicate key value violates unique constraint' }],
    });
    expect(await expectSameBehaviour(raise)).toMatchObject({ kind: 'trap', sqlstate: '23505', address: 0 });
    expect(await expectSameBehaviour(program([op('unreachable')]))).toMatchObject({ kind: 'crash', sqlstate: 'XX000', address: 0 });
    const endless = program([op('loop', emptyBlockType), op('br', 0), op('end')]);
    expect(await expectSameBehaviour(endless, { limits: { fuel: 1000 } })).toMatchObject({ kind: 'exhaustion', sqlstate: '54000' });
    const rows = program([op('loop', emptyBlockType), op('row.new', 1), op('row.emit'), op('br', 0), op('end')]);
    expect(await expectSameBehaviour(rows, { limits: { rowsMax: 5 } })).toMatchObject({ kind: 'exhaustion', address: 2 });
    expect(await expectSameBehaviour(rows, { limits: { rowBytesMax: 10 } })).toMatchObject({ kind: 'exhaustion', address: 2 });
    const deep = program([op('i32.const', 1), op('i32.const', 2), op('i32.const', 3), op('drop'), op('drop'), op('drop')]);
    expect(await expectSameBehaviour(deep, { limits: { stackHeightMax: 2 } })).toMatchObject({ kind: 'exhaustion' });
  });

  it('reports a memory it cannot reach as unavailable', async () => {
    // One closed memory for both engines: the failure message names the store's file.
    await interpreterMemory.close();
    const load = prepareProgram(program([op('const', 0), op('ptr.make', 1, 0), op('mem.load'), op('drop')], { constants: [{ kind: 'sql', value: 'k' }, users] }));
    const interpreted = await outcomeOf(() => execute(load, { memory: interpreterMemory, account: 'acme' }));
    expect(interpreted).toMatchObject({ kind: 'unavailable', address: 2 });
    expect(await outcomeOf(() => compileProgram(load).run({ memory: interpreterMemory, account: 'acme' }))).toEqual(interpreted);
    interpreterMemory = LocalMemory.open(join(directory(), 'interpreter'));
  });

  it('appends to and reads lnr logs, with the same record numbers, stats and traps', async () => {
    const jobs = { kind: 'name', value: 'jobs' } as const;
    const code = program(
      [
        op('row.new', 1), op('row.new', 2), op('row.encode'), op('lnr.append', 0), op('sql.from_i64'), op('row.set', 0), op('row.emit'),
        op('row.new', 3), op('row.encode'), op('lnr.append', 0), op('lnr.read', 0), op('row.decode_all'), op('row.emit'),
        op('i64.const', 9n), op('lnr.read', 0), op('bytes.is_null'), op('result.add_count'),
      ],
      { constants: [jobs] },
    );
    expect(await expectSameBehaviour(code)).toMatchObject({ rows: [[0n], [null, null, null]], rowCount: 1, memory: { appends: 2, recordReads: 2 } });
    expect(await expectSameBehaviour(code)).toMatchObject({ rows: [[2n], [null, null, null]] });
    const appendNull = program([op('bytes.null'), op('lnr.append', 0), op('drop')], { constants: [jobs] });
    expect(await expectSameBehaviour(appendNull)).toMatchObject({ kind: 'trap', sqlstate: '22004', address: 1 });
    // One closed memory for both engines, as for mem.load.
    await interpreterMemory.close();
    const read = prepareProgram(program([op('i64.const', 0n), op('lnr.read', 0), op('drop')], { constants: [jobs] }));
    const interpreted = await outcomeOf(() => execute(read, { memory: interpreterMemory, account: 'acme' }));
    expect(interpreted).toMatchObject({ kind: 'unavailable', address: 1 });
    expect(await outcomeOf(() => compileProgram(read).run({ memory: interpreterMemory, account: 'acme' }))).toEqual(interpreted);
    interpreterMemory = LocalMemory.open(join(directory(), 'interpreter'));
  });

  it('reads the clock once per run and pushes that instant at every sql.now', async () => {
    const code = program([op('row.new', 2), op('sql.now'), op('row.set', 0), op('sql.now'), op('row.set', 1), op('row.emit')]);
    expect(await expectSameBehaviour(code, { clock: () => 1_700_000_000_123 })).toMatchObject({ outcome: 'completed' });
    let reads = 0;
    const result = await compileProgram(prepareProgram(code)).run({ memory: compiledMemory, account: 'acme', clock: () => 1_700_000_000_000 + reads++ });
    expect(reads).toBe(1);
    expect(result.rows[0]![0]).toBe(result.rows[0]![1]);
    expect(await expectSameBehaviour(code, { clock: () => Number.NaN })).toMatchObject({ kind: 'crash', address: 1 });
  });

  it('writes, loads, compares, compare-and-swaps and deletes', async () => {
    const code = wordLifecycle;
    expect(await expectSameBehaviour(code)).toMatchObject({ rows: [['Alice'], [true], ['Alice'], [false], [true]] });
    const tooBig = program(
      [op('const', 0), op('ptr.make', 1, 0), op('row.new', 1), op('const', 2), op('row.set', 0), op('row.encode'), op('mem.write')],
      { constants: [{ kind: 'sql', value: 'alice' }, users, { kind: 'sql', value: 'x'.repeat(5000) }] },
    );
    expect(await expectSameBehaviour(tooBig)).toMatchObject({ kind: 'trap', sqlstate: '54000', address: 6 });
    expect(await expectSameBehaviour(program([op('sql.null'), op('ptr.make', 0, 0), op('drop')], { constants: [users] }))).toMatchObject({ sqlstate: '22004', address: 1 });
    await expectSameMemory('acme', ['users']);
  });

  it('scans a sort-key range and a whole resource across pages', async () => {
    for (let ts = 1n; ts <= 10n; ts++) await writeBoth('acme', 'events', 'alice', encodeRow([ts]), ts);
    const range = program(
      [
        op('const', 0), op('ptr.make', 1, 0), op('const', 2), op('const', 3), op('i32.const', 4), op('mem.scan_range', 1 | 4 | 8 | 16), op('local.set', 0),
        op('block', emptyBlockType), op('loop', emptyBlockType),
        op('local.get', 0), op('scan.next'), op('i32.eqz'), op('br_if', 1),
        op('local.get', 0), op('scan.value'), op('row.decode', 1), op('row.emit'),
        op('br', 0),
        op('end'), op('end'),
      ],
      { locals: ['scan'], constants: [{ kind: 'sql', value: 'alice' }, { kind: 'name', value: 'events' }, { kind: 'sql', value: 3n }, { kind: 'sql', value: 8n }] },
    );
    expect(await expectSameBehaviour(range)).toMatchObject({ rows: [[8n], [7n], [6n], [5n]] });

    const total = scanPageWordsDefault * 2 + 17;
    for (const memory of [interpreterMemory, compiledMemory]) {
      await Promise.all(
        Array.from({ length: total }, (_, index) =>
          memory.write(wordAddress({ account: 'acme', resource: 'orders', resourceType: 'rnd', primaryKey: BigInt(index) }), encodeRow([BigInt(index)])),
        ),
      );
    }
    await writeBoth('globex', 'orders', 1n, encodeRow([-1n]));
    const scanOrders = (limit: number) =>
      program(
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
    const all = await expectSameBehaviour(scanOrders(0));
    expect(all).toMatchObject({ outcome: 'completed', memory: { scanPages: 3 } });
    expect(all.outcome === 'completed' && all.rows.length).toBe(total);
    await expectSameBehaviour(scanOrders(5));
    await expectSameBehaviour(scanOrders(scanPageWordsDefault));
    expect(await expectSameBehaviour(scanOrders(0), { account: 'globex' })).toMatchObject({ rows: [[-1n]] });
  });

  it('runs every instruction of the table alone as the interpreter does', async () => {
    for (const info of instructions) {
      await expectSameBehaviour(exerciseProgram(info), { params: exerciseParams(info) });
    }
  });
});

// --- numeric edges --------------------------------------------------------------------------

const edgeValues = {
  i32: [0, 1, -1, 2, 0x7fff_ffff, -0x8000_0000, 0x4000_0001, -0x7fff_ffff],
  i64: [0n, 1n, -1n, 3n, 2n ** 63n - 1n, -(2n ** 63n), 2n ** 32n + 1n, -(2n ** 62n) - 5n],
  f64: [0, -0, 1.5, -2.5, NaN, Infinity, -Infinity, 2 ** 63, -(2 ** 63), 1e-310],
} as const;
const toSql = { i32: 'sql.from_i32', i64: 'sql.from_i64', f64: 'sql.from_f64' } as const;
type EdgeType = keyof typeof edgeValues;

/** Applies `name` to every pair (or value) of edge operands, emitting each result, except those `traps` picks out. */
function edgeProgram(name: InstructionName, operand: EdgeType, result: EdgeType, arity: 1 | 2, traps: (a: unknown, b: unknown) => boolean): Program {
  const push = (value: number | bigint) => op(`${operand}.const`, value);
  const code: Instruction[] = [];
  const values: readonly (number | bigint)[] = edgeValues[operand];
  const pairs = arity === 1 ? values.map((a) => [a] as const) : values.flatMap((a) => values.map((b) => [a, b] as const));
  for (const pair of pairs) {
    if (traps(pair[0], pair[1])) continue;
    code.push(op('row.new', 1), ...pair.map(push), op(name), op(toSql[result]), op('row.set', 0), op('row.emit'));
  }
  return program(code);
}

describe('the compiled tier at the edges of i32, i64 and f64', () => {
  useTwoMemories();

  const binary: [InstructionName, EdgeType, EdgeType][] = [
    ...(['i32.add', 'i32.sub', 'i32.mul', 'i32.and', 'i32.or', 'i32.xor'] as const).map((name): [InstructionName, EdgeType, EdgeType] => [name, 'i32', 'i32']),
    ...(['i32.eq', 'i32.ne', 'i32.lt_s', 'i32.gt_s', 'i32.le_s', 'i32.ge_s'] as const).map((name): [InstructionName, EdgeType, EdgeType] => [name, 'i32', 'i32']),
    ...(['i64.add', 'i64.sub', 'i64.mul', 'i64.div_s', 'i64.rem_s'] as const).map((name): [InstructionName, EdgeType, EdgeType] => [name, 'i64', 'i64']),
    ...(['i64.eq', 'i64.ne', 'i64.lt_s', 'i64.gt_s', 'i64.le_s', 'i64.ge_s'] as const).map((name): [InstructionName, EdgeType, EdgeType] => [name, 'i64', 'i32']),
    ...(['f64.add', 'f64.sub', 'f64.mul', 'f64.div'] as const).map((name): [InstructionName, EdgeType, EdgeType] => [name, 'f64', 'f64']),
    ...(['f64.eq', 'f64.ne', 'f64.lt', 'f64.gt', 'f64.le', 'f64.ge'] as const).map((name): [InstructionName, EdgeType, EdgeType] => [name, 'f64', 'i32']),
  ];
  const unary: [InstructionName, EdgeType, EdgeType][] = [
    ['i32.eqz', 'i32', 'i32'], ['i64.eqz', 'i64', 'i32'], ['i32.wrap_i64', 'i64', 'i32'], ['i64.extend_i32_s', 'i32', 'i64'],
    ['f64.convert_i64_s', 'i64', 'f64'], ['i64.trunc_f64_s', 'f64', 'i64'],
  ];
  const int64Min = -(2n ** 63n);
  const division = (name: InstructionName) => (a: unknown, b: unknown) =>
    (name === 'i64.div_s' || name === 'i64.rem_s') && (b === 0n || (name === 'i64.div_s' && a === int64Min && b === -1n));
  const truncation = (name: InstructionName) => (a: unknown) =>
    name === 'i64.trunc_f64_s' && (Number.isNaN(a) || (a as number) >= 2 ** 63 || (a as number) < -(2 ** 63));

  it('computes what the interpreter computes for every pair of edge operands', async () => {
    for (const [name, operand, result] of binary) {
      expect(await expectSameBehaviour(edgeProgram(name, operand, result, 2, division(name)))).toMatchObject({ outcome: 'completed' });
    }
    for (const [name, operand, result] of unary) {
      expect(await expectSameBehaviour(edgeProgram(name, operand, result, 1, truncation(name)))).toMatchObject({ outcome: 'completed' });
    }
  });

  it('traps where the interpreter traps, at the same address', async () => {
    const trapping = [
      [op('i64.const', 5n), op('i64.const', 0n), op('i64.div_s')],
      [op('i64.const', 5n), op('i64.const', 0n), op('i64.rem_s')],
      [op('i64.const', int64Min), op('i64.const', -1n), op('i64.div_s')],
      [op('i64.const', int64Min), op('i64.const', -1n), op('i64.rem_s')],
      [op('f64.const', NaN), op('i64.trunc_f64_s')],
      [op('f64.const', 2 ** 63), op('i64.trunc_f64_s')],
      [op('f64.const', -Infinity), op('i64.trunc_f64_s')],
    ];
    for (const code of trapping) await expectSameBehaviour(program([op('nop'), ...code, op('drop')]));
  });
});

// --- fuel -----------------------------------------------------------------------------------

describe('fuel in the compiled tier', () => {
  useTwoMemories();

  const straight = program([op('i64.const', 1n), op('i64.const', 2n), op('i64.add'), op('drop')]);

  it('is exact for a run that completes, and runs out where the interpreter does or at the start of that run', async () => {
    // Two runs: 0..3, and the final end (where branches to the body land).
    expect(await expectSameBehaviour(straight, { limits: { fuel: 5 } })).toMatchObject({ outcome: 'completed', instructions: 5 });
    const exhausted = { kind: 'exhaustion', message: 'program ran out of fuel after 4 instructions', address: 4 };
    expect(await runBoth(straight, { limits: { fuel: 4 } })).toMatchObject({ interpreted: exhausted, compiled: exhausted });
    const { interpreted, compiled } = await runBoth(straight, { limits: { fuel: 3 } });
    expect(interpreted).toMatchObject({ kind: 'exhaustion', message: 'program ran out of fuel after 3 instructions', address: 3 });
    // The compiled tier cannot pay for the run 0..3 as a whole, so it reports the run's first address.
    expect(compiled).toMatchObject({ kind: 'exhaustion', message: 'program ran out of fuel after 3 instructions', address: 0 });
  });

  it('may run out at the start of a run in which the interpreter would have trapped (documented)', async () => {
    const division = program([op('i64.const', 1n), op('i64.const', 0n), op('i64.div_s'), op('drop')]);
    const { interpreted, compiled } = await runBoth(division, { limits: { fuel: 3 } });
    expect(interpreted).toMatchObject({ kind: 'trap', sqlstate: '22012', address: 2 });
    expect(compiled).toMatchObject({ kind: 'exhaustion', address: 0 });
  });
});

// --- random well-typed programs --------------------------------------------------------------

type Numeric = 'i32' | 'i64' | 'f64' | 'sql';
const numerics: readonly Numeric[] = ['i32', 'i64', 'f64', 'sql'];

/** A typed expression: lowers to code that pushes one value of its type. */
type Expression =
  | { readonly k: 'const'; readonly type: Numeric; readonly value: number | bigint | SqlValue }
  | { readonly k: 'local'; readonly type: Numeric; readonly slot: number }
  | { readonly k: 'tee'; readonly type: Numeric; readonly slot: number; readonly value: Expression }
  | { readonly k: 'op'; readonly op: InstructionName; readonly args: readonly Expression[]; readonly immediate?: number }
  | { readonly k: 'select'; readonly type: Numeric; readonly first: Expression; readonly second: Expression; readonly condition: Expression }
  | { readonly k: 'if'; readonly type: Numeric; readonly condition: Expression; readonly then: readonly Statement[]; readonly thenValue: Expression; readonly else: readonly Statement[]; readonly elseValue: Expression }
  | { readonly k: 'block'; readonly type: Numeric; readonly body: readonly Statement[]; readonly value: Expression }
  /** block (result t) [under] block [body] [early] [condition] br_if 1 drop end drop [late] end: a carried value changes height. */
  | { readonly k: 'breakWith'; readonly type: Numeric; readonly under: Expression; readonly body: readonly Statement[]; readonly early: Expression; readonly condition: Expression; readonly late: Expression };

/** A statement: lowers to code that leaves the stack as it found it. */
type Statement =
  | { readonly k: 'set'; readonly type: Numeric; readonly slot: number; readonly value: Expression }
  | { readonly k: 'emit'; readonly value: Expression }
  | { readonly k: 'count'; readonly value: Expression }
  | { readonly k: 'drop'; readonly value: Expression }
  | { readonly k: 'block'; readonly body: readonly Statement[] }
  | { readonly k: 'if'; readonly condition: Expression; readonly then: readonly Statement[]; readonly else: readonly Statement[] | null }
  | { readonly k: 'loop'; readonly iterations: number; readonly body: readonly Statement[] }
  /** br_if to the enclosing label `levels` out (modulo the labels there are), carrying a constant if the label takes one. */
  | { readonly k: 'exit'; readonly condition: Expression; readonly levels: number }
  /** br: what follows it in the block is dead code, which must compile too. */
  | { readonly k: 'jump'; readonly levels: number }
  | { readonly k: 'return'; readonly condition: Expression };

/** The ops that make a value of each type, with their operand types. */
const operations: Record<Numeric, readonly (readonly [InstructionName, ...Numeric[]])[]> = {
  i32: [
    ...(['i32.add', 'i32.sub', 'i32.mul', 'i32.and', 'i32.or', 'i32.xor', 'i32.eq', 'i32.ne', 'i32.lt_s', 'i32.gt_s', 'i32.le_s', 'i32.ge_s'] as const).map((name) => [name, 'i32', 'i32'] as const),
    ...(['i64.eq', 'i64.ne', 'i64.lt_s', 'i64.gt_s', 'i64.le_s', 'i64.ge_s'] as const).map((name) => [name, 'i64', 'i64'] as const),
    ...(['f64.eq', 'f64.ne', 'f64.lt', 'f64.gt', 'f64.le', 'f64.ge'] as const).map((name) => [name, 'f64', 'f64'] as const),
    ['i32.eqz', 'i32'], ['i64.eqz', 'i64'], ['i32.wrap_i64', 'i64'], ['sql.is_null', 'sql'], ['sql.is_true', 'sql'],
  ],
  i64: [
    ...(['i64.add', 'i64.sub', 'i64.mul', 'i64.div_s', 'i64.rem_s'] as const).map((name) => [name, 'i64', 'i64'] as const),
    ['i64.extend_i32_s', 'i32'], ['i64.trunc_f64_s', 'f64'], ['sql.to_i64', 'sql'],
  ],
  f64: [...(['f64.add', 'f64.sub', 'f64.mul', 'f64.div'] as const).map((name) => [name, 'f64', 'f64'] as const), ['f64.convert_i64_s', 'i64'], ['sql.to_f64', 'sql']],
  sql: [
    ...(['sql.add', 'sql.sub', 'sql.mul', 'sql.div', 'sql.mod', 'sql.eq', 'sql.ne', 'sql.lt', 'sql.le', 'sql.gt', 'sql.ge', 'sql.and', 'sql.or', 'sql.concat'] as const).map(
      (name) => [name, 'sql', 'sql'] as const,
    ),
    ...(['sql.not', 'sql.neg', 'sql.length', 'sql.lower', 'sql.upper', 'sql.cast'] as const).map((name) => [name, 'sql'] as const),
    ['sql.from_i32', 'i32'], ['sql.from_i64', 'i64'], ['sql.from_f64', 'f64'], ['sql.from_bool', 'i32'],
  ],
};

const constantValues: Record<Numeric, fc.Arbitrary<number | bigint | SqlValue>> = {
  i32: fc.oneof(fc.constantFrom(0, 1, -1, 2, 3, 7, 0x7fff_ffff, -0x8000_0000), fc.integer({ min: -0x8000_0000, max: 0x7fff_ffff })),
  i64: fc.oneof(fc.constantFrom(0n, 1n, -1n, 2n, 5n, 2n ** 63n - 1n, -(2n ** 63n)), fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n })),
  f64: fc.oneof(fc.constantFrom(0, -0, 1.5, -2, NaN, Infinity, -Infinity, 1e300, 2 ** 63), fc.double()),
  sql: fc.oneof(
    { arbitrary: fc.oneof(fc.constantFrom(0n, 1n, -1n, 3n, 2n ** 63n - 1n, -(2n ** 63n)), fc.bigInt({ min: -1000n, max: 1000n })), weight: 4 },
    { arbitrary: fc.constantFrom<SqlValue>(null, true, false, 2.5, -0, NaN, 'ab', '', 'Ünï', '12', Uint8Array.of(1, 2)), weight: 2 },
  ),
};

const sqlTypeCodeList = Object.values(sqlTypeCodes);
const depth = { depthSize: 'medium', maxDepth: 5, depthIdentifier: 'program' } as const;

const arbitraries = fc.letrec<Record<Numeric | 'statement', Expression | Statement>>((tie) => {
  const expression = (type: Numeric) => tie(type) as fc.Arbitrary<Expression>;
  const statement = tie('statement') as fc.Arbitrary<Statement>;
  const statements = fc.array(statement, { maxLength: 3, depthIdentifier: 'program' });
  const condition = expression('i32');
  const slot = fc.integer({ min: 0, max: 1 });
  const expressionOf = (type: Numeric): fc.Arbitrary<Expression> =>
    fc.oneof(
      depth,
      { arbitrary: constantValues[type].map((value): Expression => ({ k: 'const', type, value })), weight: 3 },
      { arbitrary: slot.map((index): Expression => ({ k: 'local', type, slot: index })), weight: 3 },
      {
        arbitrary: fc
          .constantFrom(...operations[type])
          .chain(([name, ...argumentTypes]) =>
            fc
              .tuple(fc.tuple(...argumentTypes.map(expression)), fc.constantFrom(...sqlTypeCodeList))
              .map(([args, immediate]): Expression => ({ k: 'op', op: name, args, ...(name === 'sql.cast' ? { immediate } : {}) })),
          ),
        weight: 8,
      },
      fc.record({ slot, value: expression(type) }).map(({ slot: index, value }): Expression => ({ k: 'tee', type, slot: index, value })),
      fc.record({ first: expression(type), second: expression(type), condition }).map((parts): Expression => ({ k: 'select', type, ...parts })),
      fc
        .record({ condition, then: statements, thenValue: expression(type), else: statements, elseValue: expression(type) })
        .map((parts): Expression => ({ k: 'if', type, ...parts })),
      fc.record({ body: statements, value: expression(type) }).map((parts): Expression => ({ k: 'block', type, ...parts })),
      fc
        .record({ under: expression('i32'), body: statements, early: expression(type), condition, late: expression(type) })
        .map((parts): Expression => ({ k: 'breakWith', type, ...parts })),
    );
  const anyType = fc.constantFrom(...numerics);
  return {
    i32: expressionOf('i32'),
    i64: expressionOf('i64'),
    f64: expressionOf('f64'),
    sql: expressionOf('sql'),
    statement: fc.oneof(
      depth,
      {
        arbitrary: anyType.chain((type) => fc.record({ slot, value: expression(type) }).map(({ slot: index, value }): Statement => ({ k: 'set', type, slot: index, value }))),
        weight: 4,
      },
      { arbitrary: expression('sql').map((value): Statement => ({ k: 'emit', value })), weight: 2 },
      expression('i32').map((value): Statement => ({ k: 'count', value })),
      anyType.chain((type) => expression(type).map((value): Statement => ({ k: 'drop', value }))),
      { arbitrary: statements.map((body): Statement => ({ k: 'block', body })), weight: 2 },
      { arbitrary: fc.record({ condition, then: statements, else: fc.option(statements) }).map((parts): Statement => ({ k: 'if', ...parts })), weight: 2 },
      { arbitrary: fc.record({ iterations: fc.integer({ min: 0, max: 4 }), body: statements }).map((parts): Statement => ({ k: 'loop', ...parts })), weight: 3 },
      { arbitrary: fc.record({ condition, levels: fc.nat(6) }).map((parts): Statement => ({ k: 'exit', ...parts })), weight: 2 },
      fc.nat(6).map((levels): Statement => ({ k: 'jump', levels })),
      condition.map((value): Statement => ({ k: 'return', condition: value })),
    ),
  };
});

/** The first local of each type; each type has two. Loop counters follow them. */
const localBase: Record<Numeric, number> = { i32: 0, i64: 2, f64: 4, sql: 6 };
const fixedLocals: ValueType[] = ['i32', 'i32', 'i64', 'i64', 'f64', 'f64', 'sql', 'sql'];

/** Lowers statements to a program that ends by emitting its eight locals. */
function lower(body: readonly Statement[]): Program {
  const code: Instruction[] = [];
  const locals = [...fixedLocals];
  const constants: Constant[] = [];
  /** Enclosing labels, innermost last: the type a branch to it carries, if any. */
  const labels: (Numeric | null)[] = [null]; // the body

  const pushConstant = (type: Numeric, value: number | bigint | SqlValue) => {
    if (type === 'sql') {
      constants.push({ kind: 'sql', value: value as SqlValue });
      code.push(op('const', constants.length - 1));
    } else code.push(op(`${type}.const`, value as number | bigint));
  };
  const sampleOf: Record<Numeric, number | bigint | SqlValue> = { i32: 7, i64: 7n, f64: 7.5, sql: 7n };
  const branch = (levels: number) => {
    const depth = levels % labels.length;
    const carried = labels[labels.length - 1 - depth]!;
    return { depth, carried };
  };

  const expression = (node: Expression): void => {
    switch (node.k) {
      case 'const':
        return pushConstant(node.type, node.value);
      case 'local':
        code.push(op('local.get', localBase[node.type] + node.slot));
        return;
      case 'tee':
        expression(node.value);
        code.push(op('local.tee', localBase[node.type] + node.slot));
        return;
      case 'op':
        node.args.forEach(expression);
        code.push(node.immediate === undefined ? op(node.op) : op(node.op, node.immediate));
        return;
      case 'select':
        expression(node.first);
        expression(node.second);
        expression(node.condition);
        code.push(op('select'));
        return;
      case 'if':
        expression(node.condition);
        code.push(op('if', valueTypeCodes[node.type]));
        labels.push(node.type);
        node.then.forEach(statement);
        expression(node.thenValue);
        code.push(op('else'));
        node.else.forEach(statement);
        expression(node.elseValue);
        labels.pop();
        code.push(op('end'));
        return;
      case 'block':
        code.push(op('block', valueTypeCodes[node.type]));
        labels.push(node.type);
        node.body.forEach(statement);
        expression(node.value);
        labels.pop();
        code.push(op('end'));
        return;
      case 'breakWith':
        code.push(op('block', valueTypeCodes[node.type]));
        labels.push(node.type);
        expression(node.under);
        code.push(op('block', emptyBlockType));
        labels.push(null);
        node.body.forEach(statement);
        expression(node.early);
        expression(node.condition);
        code.push(op('br_if', 1), op('drop'));
        labels.pop();
        code.push(op('end'), op('drop'));
        expression(node.late);
        labels.pop();
        code.push(op('end'));
        return;
    }
  };

  const statement = (node: Statement): void => {
    switch (node.k) {
      case 'set':
        expression(node.value);
        code.push(op('local.set', localBase[node.type] + node.slot));
        return;
      case 'emit':
        code.push(op('row.new', 1));
        expression(node.value);
        code.push(op('row.set', 0), op('row.emit'));
        return;
      case 'count':
        expression(node.value);
        code.push(op('result.add_count'));
        return;
      case 'drop':
        expression(node.value);
        code.push(op('drop'));
        return;
      case 'block':
        code.push(op('block', emptyBlockType));
        labels.push(null);
        node.body.forEach(statement);
        labels.pop();
        code.push(op('end'));
        return;
      case 'if':
        expression(node.condition);
        code.push(op('if', emptyBlockType));
        labels.push(null);
        node.then.forEach(statement);
        if (node.else !== null) {
          code.push(op('else'));
          node.else.forEach(statement);
        }
        labels.pop();
        code.push(op('end'));
        return;
      case 'loop': {
        // The counter goes up at the top, so a branch back to the loop cannot make it endless.
        const counter = locals.push('i32') - 1;
        code.push(op('i32.const', 0), op('local.set', counter), op('block', emptyBlockType), op('loop', emptyBlockType));
        labels.push(null, null);
        code.push(op('local.get', counter), op('i32.const', 1), op('i32.add'), op('local.tee', counter), op('i32.const', node.iterations), op('i32.gt_s'), op('br_if', 1));
        node.body.forEach(statement);
        code.push(op('br', 0));
        labels.pop();
        labels.pop();
        code.push(op('end'), op('end'));
        return;
      }
      case 'exit': {
        const { depth, carried } = branch(node.levels);
        if (carried !== null) pushConstant(carried, sampleOf[carried]);
        expression(node.condition);
        code.push(op('br_if', depth));
        if (carried !== null) code.push(op('drop'));
        return;
      }
      case 'jump': {
        const { depth, carried } = branch(node.levels);
        if (carried !== null) pushConstant(carried, sampleOf[carried]);
        code.push(op('br', depth));
        return;
      }
      case 'return':
        expression(node.condition);
        code.push(op('if', emptyBlockType), op('return'), op('end'));
        return;
    }
  };

  body.forEach(statement);
  code.push(op('row.new', fixedLocals.length));
  fixedLocals.forEach((type, index) => {
    const conversion = type === 'i32' ? [op('sql.from_i32')] : type === 'i64' ? [op('sql.from_i64')] : type === 'f64' ? [op('sql.from_f64')] : [];
    code.push(op('local.get', index), ...conversion, op('row.set', index));
  });
  code.push(op('row.emit'), op('end'));
  return { paramCount: 0, locals, constants, code, comments: {} };
}

/** A passing run takes about a second; a failing one reports what shrinking found within the limit. */
const shrinkingTimeLimit = { interruptAfterTimeLimit: 30_000, markInterruptAsFailure: true } as const;

const randomProgram = fc.array(arbitraries.statement as fc.Arbitrary<Statement>, { minLength: 1, maxLength: 8 }).map(lower);

describe('the compiled tier on random well-typed programs', () => {
  useTwoMemories();

  it('behaves as the interpreter does', async () => {
    let completed = 0;
    await fc.assert(
      fc.asyncProperty(randomProgram, async (code) => {
        const outcome = await expectSameBehaviour(code);
        if (outcome.outcome === 'completed') completed++;
      }),
      { numRuns: 300, ...shrinkingTimeLimit },
    );
    // The generator must not make programs that nearly all trap: most should run to the end.
    expect(completed).toBeGreaterThan(60);
  });

  it('runs out of fuel no later than the interpreter, and never differently otherwise', async () => {
    await fc.assert(
      fc.asyncProperty(randomProgram, fc.integer({ min: 1, max: 400 }), async (code, fuel) => {
        const { interpreted, compiled } = await runBoth(code, { limits: { fuel } });
        if (compiled.outcome === 'failed' && compiled.kind === 'exhaustion' && compiled.message.includes('fuel')) {
          expect(compiled.message).toBe(`program ran out of fuel after ${fuel} instructions`);
          // The interpreter ran out too, or failed within the run the compiled tier could not pay for.
          expect(interpreted.outcome).toBe('failed');
          if (interpreted.outcome === 'failed' && !(interpreted.kind === 'exhaustion' && interpreted.message === compiled.message)) {
            expect(interpreted.address).toBeGreaterThanOrEqual(compiled.address!);
          }
        } else {
          expect(compiled).toEqual(interpreted);
        }
      }),
      { numRuns: 150, ...shrinkingTimeLimit },
    );
  });
});

// --- concurrency, generated source ------------------------------------------------------------------

describe('the compiled tier’s runs', () => {
  useTwoMemories();

  it('increment one counter atomically from 50 concurrent runs', async () => {
    const counter = compileProgram(prepareProgram(atomicCounter));
    expect(counter.awaitsMemory).toBe(true);
    const results = await Promise.all(Array.from({ length: 50 }, () => counter.run({ memory: compiledMemory, account: 'acme', params: ['hits'] })));
    const word = await compiledMemory.load(wordAddress({ account: 'acme', resource: 'counters', resourceType: 'rnd', primaryKey: 'hits' }));
    expect(decodeRow(word!.value, 2)).toEqual(['hits', 50n]);
    expect(results.every((result) => result.rowCount === 1)).toBe(true);
    const swaps = results.reduce((sum, result) => sum + result.stats.memory.compareAndSwaps, 0);
    const conflicts = results.reduce((sum, result) => sum + result.stats.memory.compareAndSwapConflicts, 0);
    expect(swaps - conflicts).toBe(50);
  });

  it('copy emitted rows, so a row changed after row.emit stays as it was emitted', async () => {
    const code = program(
      [op('row.new', 1), op('local.tee', 0), op('row.emit'), op('local.get', 0), op('const', 0), op('row.set', 0), op('row.emit')],
      { locals: ['row'], constants: [{ kind: 'sql', value: 'later' }] },
    );
    expect(await expectSameBehaviour(code)).toMatchObject({ rows: [[null], ['later']] });
  });
});

describe('the generated source', () => {
  useTwoMemories();

  /** A program that uses its constants everywhere one can: a resource name, an error message, emitted text, comments. */
  const shaped = (text: string, comment: string): Program =>
    program(
      [
        op('const', 1), op('ptr.make', 0, 0), op('row.new', 1), op('const', 1), op('row.set', 0), op('row.encode'), op('mem.write'),
        op('row.new', 1), op('const', 1), op('row.set', 0), op('row.emit'),
        op('i32.const', 1), op('if', emptyBlockType), op('error.raise', 2, 0), op('end'),
      ],
      {
        constants: [
          { kind: 'name', value: text },
          { kind: 'sql', value: text },
          { kind: 'name', value: 'P0001' },
        ],
        comments: { 0: comment, 13: comment },
      },
    );
  const hostile = ['*/ throw 1; /*', '`${globalThis.process.exit(1)}`', "'); throw 1; ('", 'two\nlines\r\u2028\u2029', '\\', '"', '</script>'];

  it('does not change with the program’s constants and comments, which never become source text', async () => {
    const benign = compileProgram(prepareProgram(shaped('plain', 'plain'))).source;
    for (const text of hostile) {
      const compiled = compileProgram(prepareProgram(shaped(text, text)));
      expect(compiled.source).toBe(benign);
      const result = await outcomeOf(() => compiled.run({ memory: compiledMemory, account: 'acme' }));
      expect(result).toMatchObject({ outcome: 'failed', kind: 'trap', sqlstate: 'P0001', message: text, address: 13 });
    }
    for (const text of hostile) expect(await expectSameBehaviour(shaped(text, text))).toMatchObject({ message: text });
    await expectSameMemory('acme', hostile);
  });

  it('has one line per instruction, with its address and name', () => {
    const { program: code } = samplePrograms.find((sample) => sample.name === 'i64 arithmetic')!;
    const compiled = compileProgram(prepareProgram(code));
    expect(compiled.awaitsMemory).toBe(false);
    expect(compiled.exactCounts).toBe(true);
    code.code.forEach((instruction, address) => {
      expect(compiled.source.split('\n').filter((line) => line.endsWith(`// ${address} ${instruction.op}`))).toHaveLength(1);
    });
  });

  it('leaves counts zero when asked not to count', async () => {
    const { program: code } = samplePrograms.find((sample) => sample.name === 'control flow')!;
    const compiled = compileProgram(prepareProgram(code), { countExecutions: false });
    expect(compiled.exactCounts).toBe(false);
    const result = await compiled.run({ memory: compiledMemory, account: 'acme' });
    expect(result.stats.counts.every((count) => count === 0)).toBe(true);
    expect(result.stats.instructions).toBe((await execute(prepareProgram(code), { memory: interpreterMemory, account: 'acme' })).stats.instructions);
  });
});

// --- the VM spec scripts ------------------------------------------------------------------------

describeSpecScripts((prepared, context) => compileProgram(prepared).run(context), { title: 'compiled tier: ' });
