/**
 * The validator, in the spirit of the WebAssembly spec suite's assert_invalid:
 * small programs written as literals, each rule with a valid and an invalid
 * case, and every error checked for its address and reason.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../vm/failures.js';
import { emptyBlockTypeCode, instructions, valueTypeCodes, valueTypes, type InstructionInfo, type ValueType } from '../../vm/isa.js';
import type { Constant, Immediate, Program } from '../../vm/program.js';
import { sqlTypeCodes } from '../../vm/sql-values.js';
import { rowFieldsMax, validate, type ValidationResult } from '../../vm/validator.js';

type Line = readonly [op: string, ...immediates: Immediate[]];

interface Setup {
  readonly paramCount?: number;
  readonly locals?: readonly ValueType[];
  readonly constants?: readonly Constant[];
}

const empty = emptyBlockTypeCode;
const i32 = valueTypeCodes.i32;

/** Constant pool of every test program unless a test gives its own. */
const names = { users: 0, sqlValue: 1, bytesValue: 2, sqlState: 3, message: 4, badSqlState: 5, lowerSqlState: 6 } as const;
const defaultConstants: readonly Constant[] = [
  { kind: 'name', value: 'users' },
  { kind: 'sql', value: 42n },
  { kind: 'bytes', value: new Uint8Array([1, 2]) },
  { kind: 'name', value: '23505' },
  { kind: 'name', value: 'duplicate key' },
  { kind: 'name', value: 'oops' },
  { kind: 'name', value: '2350a' },
];

/** One local of each value type, in `valueTypes` order, so `local.set` can check any type. */
const localOf = (type: ValueType): number => valueTypes.indexOf(type);

function programWith(setup: Setup, ...lines: Line[]): Program {
  return {
    paramCount: setup.paramCount ?? 2,
    locals: setup.locals ?? valueTypes,
    constants: setup.constants ?? defaultConstants,
    code: lines.map(([op, ...immediates]) => ({ op, immediates }) as Program['code'][number]),
    comments: {},
  };
}

const prog = (...lines: Line[]): Program => programWith({}, ...lines);

function rejection(program: Program): ValidationError {
  try {
    validate(program);
  } catch (error) {
    if (error instanceof ValidationError) return error;
    throw error;
  }
  throw new Error('expected the program to be invalid');
}

function expectInvalid(program: Program, address: number, reason: string): void {
  const error = rejection(program);
  expect({ address: error.address, reason: error.reason }).toEqual({ address, reason });
}

function expectValid(program: Program): ValidationResult {
  return validate(program);
}

/** Instructions leaving exactly one value of each type. */
const producers: Record<ValueType, readonly Line[]> = {
  i32: [['i32.const', 7]],
  i64: [['i64.const', 7n]],
  f64: [['f64.const', 1.5]],
  sql: [['sql.null']],
  bytes: [['bytes.null']],
  row: [['row.new', 2]],
  ptr: [['sql.null'], ['ptr.make', names.users, 0]],
  scan: [['i32.const', 0], ['mem.scan_resource', names.users, 0]],
  rowset: [['i64.const', -1n], ['rowset.new', 0, 0, 0]],
};

const otherType = (type: ValueType): ValueType => (type === 'i32' ? 'i64' : 'i32');

/** Immediates any instruction of the table accepts in the default setup. */
function sampleImmediates(info: InstructionInfo): Immediate[] {
  return info.immediates.map((kind) => {
    switch (kind) {
      case 's64':
        return 0n;
      case 'blockType':
        return empty;
      case 'sqlType':
        return sqlTypeCodes.int4;
      case 'constant':
        return names.users;
      default:
        return 0;
    }
  });
}

const fixedInstructions = instructions.filter((info) => info.effect.kind === 'fixed');

function fixedEffect(info: InstructionInfo): { pops: readonly ValueType[]; pushes: readonly ValueType[] } {
  if (info.effect.kind !== 'fixed') throw new Error(`${info.name} is not fixed`);
  return info.effect;
}

describe('fixed stack effects, from the instruction table', () => {
  it.each(fixedInstructions.map((info) => [info.name, info] as const))('%s: takes and leaves what the table says', (_, info) => {
    const { pops, pushes } = fixedEffect(info);
    const consume: Line[] = [...pushes].reverse().map((type) => ['local.set', localOf(type)]);
    expectValid(prog(...pops.flatMap((type) => producers[type]), [info.name, ...sampleImmediates(info)], ...consume, ['end']));
  });

  it.each(fixedInstructions.filter((info) => fixedEffect(info).pops.length > 0).map((info) => [info.name, info] as const))(
    '%s: refuses a wrong operand type and an empty stack',
    (_, info) => {
      const { pops } = fixedEffect(info);
      const top = pops.at(-1)!;
      const operands = [...pops.slice(0, -1), otherType(top)].flatMap((type) => producers[type]);
      const wrong = prog(...operands, [info.name, ...sampleImmediates(info)], ['end']);
      expectInvalid(wrong, operands.length, `expected ${top} but found ${otherType(top)}`);
      expectInvalid(prog([info.name, ...sampleImmediates(info)], ['end']), 0, `stack underflow: expected ${top}`);
    },
  );

  it.each(fixedInstructions.filter((info) => fixedEffect(info).pushes.length > 0).map((info) => [info.name, info] as const))(
    '%s: its result has the type the table says',
    (_, info) => {
      const { pops, pushes } = fixedEffect(info);
      const operands = pops.flatMap((type) => producers[type]);
      const top = pushes.at(-1)!;
      const wrong = prog(...operands, [info.name, ...sampleImmediates(info)], ['local.set', localOf(otherType(top))], ['end']);
      expectInvalid(wrong, operands.length + 1, `expected ${otherType(top)} but found ${top}`);
    },
  );
});

describe('type mismatch per family', () => {
  it.each<[family: string, lines: Line[], address: number, reason: string]>([
    ['i32', [['i32.const', 1], ['i64.const', 2n], ['i32.add']], 2, 'expected i32 but found i64'],
    ['i64', [['i64.const', 1n], ['i32.const', 2], ['i64.lt_s']], 2, 'expected i64 but found i32'],
    ['f64', [['f64.const', 1], ['i64.const', 2n], ['f64.div']], 2, 'expected f64 but found i64'],
    ['convert', [['i32.const', 1], ['i64.trunc_f64_s']], 1, 'expected f64 but found i32'],
    ['sql', [['sql.null'], ['i64.const', 1n], ['sql.add']], 2, 'expected sql but found i64'],
    ['row', [['sql.null'], ['row.get', 0]], 1, 'expected row but found sql'],
    ['row.set operand order', [['sql.null'], ['row.new', 1], ['row.set', 0]], 2, 'expected sql but found row'],
    ['memory', [['sql.null'], ['ptr.make', names.users, 0], ['bytes.null'], ['i32.const', 0], ['mem.cas']], 4, 'expected bytes but found i32'],
    ['memory: write takes [ptr bytes]', [['bytes.null'], ['sql.null'], ['ptr.make', names.users, 0], ['mem.write']], 3, 'expected bytes but found ptr'],
    ['result', [['bytes.null'], ['row.emit']], 1, 'expected row but found bytes'],
    ['result count', [['i64.const', 1n], ['result.add_count']], 1, 'expected i32 but found i64'],
    ['stack', [['i64.const', 1n], ['local.set', localOf('i32')]], 1, 'expected i32 but found i64'],
    ['control', [['sql.null'], ['if', empty], ['end']], 1, 'expected i32 but found sql'],
  ])('%s', (_, lines, address, reason) => {
    expectInvalid(prog(...lines, ['end']), address, reason);
  });

  it('underflows when a binary operator has one operand', () => {
    expectInvalid(prog(['i32.const', 1], ['i32.add'], ['end']), 1, 'stack underflow: expected i32');
  });
});

describe('memory instruction signatures', () => {
  const ptr = producers.ptr;

  it('mem.cas takes [ptr expected new] and pushes [i32 bytes]', () => {
    expectValid(prog(...ptr, ['bytes.null'], ['bytes.null'], ['mem.cas'], ['local.set', localOf('bytes')], ['local.set', localOf('i32')], ['end']));
    expectInvalid(prog(...ptr, ['bytes.null'], ['bytes.null'], ['mem.cas'], ['local.set', localOf('i32')], ['end']), 5, 'expected i32 but found bytes');
  });

  it('scan.next takes a scan', () => {
    expectValid(prog(...producers.scan, ['scan.next'], ['drop'], ['end']));
    expectInvalid(prog(...ptr, ['scan.next'], ['end']), 2, 'expected scan but found ptr');
  });

  it('mem.scan_range takes [ptr lower upper limit] and pushes a scan', () => {
    expectValid(prog(...ptr, ['sql.null'], ['sql.null'], ['i32.const', 10], ['mem.scan_range', 0b1111], ['scan.value'], ['drop'], ['end']));
    expectInvalid(prog(...ptr, ['sql.null'], ['i32.const', 10], ['sql.null'], ['mem.scan_range', 0], ['end']), 5, 'expected i32 but found sql');
  });

  it('ptr.make_sorted takes [primaryKey sortKey]', () => {
    expectValid(prog(['sql.null'], ['sql.null'], ['ptr.make_sorted', names.users, 1], ['mem.load'], ['drop'], ['end']));
    expectInvalid(prog(['sql.null'], ['ptr.make_sorted', names.users, 1], ['end']), 1, 'stack underflow: expected sql');
  });
});

describe('blocks', () => {
  it('matches every block, loop and if to its end', () => {
    const result = expectValid(
      prog(
        ['block', i32], // 0
        ['loop', empty], // 1
        ['i32.const', 1], // 2
        ['br_if', 0], // 3
        ['end'], // 4
        ['i32.const', 3], // 5
        ['end'], // 6
        ['if', empty], // 7
        ['nop'], // 8
        ['else'], // 9
        ['end'], // 10
        ['end'], // 11
      ),
    );
    expect([...result.blockEnds]).toEqual([6, 4, -1, -1, -1, -1, -1, 10, -1, -1, -1, -1]);
    expect([...result.elseOf]).toEqual([-1, -1, -1, -1, -1, -1, -1, 9, -1, -1, -1, -1]);
    expect(result.maxControlDepth).toBe(3);
  });

  it('reports the deepest operand stack', () => {
    const result = expectValid(prog(['i32.const', 1], ['i32.const', 2], ['i32.const', 3], ['i32.add'], ['i32.add'], ['drop'], ['end']));
    expect(result.maxStackHeight).toBe(3);
    expect(expectValid(prog(['end'])).maxStackHeight).toBe(0);
  });

  it('refuses an empty program', () => {
    expectInvalid(prog(), 0, 'empty program: the code must end with the end that closes the body');
  });

  it('refuses a program whose last instruction does not close the body', () => {
    expectInvalid(prog(['i32.const', 1], ['drop']), 2, 'unclosed block: the program has no final end');
    expectInvalid(prog(['block', empty], ['end']), 2, 'unclosed block: the program has no final end');
  });

  it('refuses a block without its end, at the address the end is missing', () => {
    expectInvalid(prog(['block', empty], ['loop', empty], ['end']), 3, 'unclosed block: the block at 0 has no end');
  });

  it('refuses instructions after the final end', () => {
    expectInvalid(prog(['nop'], ['end'], ['end']), 2, 'instructions after the final end');
    expectInvalid(prog(['end'], ['nop']), 1, 'instructions after the final end');
  });

  it('refuses else outside an if', () => {
    expectInvalid(prog(['else'], ['end']), 0, 'else without if');
    expectInvalid(prog(['block', empty], ['else'], ['end'], ['end']), 1, 'else without if');
    expectInvalid(prog(['i32.const', 1], ['if', empty], ['else'], ['else'], ['end'], ['end']), 3, 'else without if');
  });

  it('keeps a block from popping the values outside it', () => {
    expectInvalid(prog(['i32.const', 1], ['block', empty], ['drop'], ['end'], ['drop'], ['end']), 2, 'stack underflow');
  });

  it('requires a block to leave exactly its result', () => {
    expectValid(prog(['block', i32], ['i32.const', 1], ['end'], ['drop'], ['end']));
    expectInvalid(prog(['block', i32], ['end'], ['drop'], ['end']), 1, 'stack underflow: expected i32');
    expectInvalid(prog(['block', i32], ['sql.null'], ['end'], ['drop'], ['end']), 2, 'expected i32 but found sql');
    expectInvalid(prog(['block', empty], ['i32.const', 1], ['end'], ['end']), 2, 'values left on the stack at end of block: i32');
    expectInvalid(prog(['loop', i32], ['i32.const', 1], ['i64.const', 1n], ['end'], ['drop'], ['end']), 3, 'expected i32 but found i64');
    expectInvalid(prog(['i32.const', 1], ['sql.null'], ['end']), 2, 'values left on the stack at end of program: i32 sql');
  });

  it('takes every value type, and only known codes, as a block type', () => {
    for (const type of valueTypes) {
      expectValid(prog(['block', valueTypeCodes[type]], ...producers[type], ['end'], ['local.set', localOf(type)], ['end']));
    }
    expectInvalid(prog(['block', 0x12], ['end'], ['end']), 0, 'unknown block type 0x12');
    expectInvalid(prog(['i32.const', 1], ['if', 0x7b], ['end'], ['end']), 1, 'unknown block type 0x7b');
  });
});

describe('if and else', () => {
  const condition: Line = ['i32.const', 1];

  it('types both arms with the result type', () => {
    const result = expectValid(prog(condition, ['if', i32], ['i32.const', 2], ['else'], ['i32.const', 3], ['end'], ['drop'], ['end']));
    expect(result.elseOf[1]).toBe(3);
    expect(result.blockEnds[1]).toBe(5);
    expectInvalid(prog(condition, ['if', i32], ['i64.const', 2n], ['else'], ['i32.const', 3], ['end'], ['drop'], ['end']), 3, 'expected i32 but found i64');
    expectInvalid(prog(condition, ['if', i32], ['i32.const', 2], ['else'], ['sql.null'], ['end'], ['drop'], ['end']), 5, 'expected i32 but found sql');
    expectInvalid(prog(condition, ['if', i32], ['i32.const', 2], ['else'], ['end'], ['drop'], ['end']), 4, 'stack underflow: expected i32');
  });

  it('needs an else when the if has a result', () => {
    expectInvalid(prog(condition, ['if', i32], ['i32.const', 2], ['end'], ['drop'], ['end']), 3, 'if with a result type needs an else');
  });

  it('needs no else without a result', () => {
    const result = expectValid(prog(condition, ['if', empty], ['nop'], ['end'], ['end']));
    expect(result.elseOf[1]).toBe(-1);
    expect(result.blockEnds[1]).toBe(3);
    expectInvalid(prog(condition, ['if', empty], ['i32.const', 2], ['end'], ['end']), 3, 'values left on the stack at end of if: i32');
  });

  it('pops an i32 condition before the arms', () => {
    expectInvalid(prog(['if', empty], ['end'], ['end']), 0, 'stack underflow: expected i32');
    expectInvalid(prog(['f64.const', 1], ['if', empty], ['end'], ['end']), 1, 'expected i32 but found f64');
  });

  it('starts the else arm from the height of the if', () => {
    expectInvalid(prog(condition, ['if', empty], ['i32.const', 2], ['drop'], ['else'], ['drop'], ['end'], ['end']), 5, 'stack underflow');
  });
});

describe('branches', () => {
  it('refuses a depth beyond the labels', () => {
    expectValid(prog(['block', empty], ['br', 1], ['end'], ['end']));
    expectInvalid(prog(['br', 1], ['end']), 0, 'br depth 1 but only 1 label');
    expectInvalid(prog(['block', empty], ['block', empty], ['block', empty], ['br', 4], ['end'], ['end'], ['end'], ['end']), 3, 'br depth 4 but only 4 labels');
    expectInvalid(prog(['block', empty], ['i32.const', 1], ['br_if', 2], ['end'], ['end']), 2, 'br_if depth 2 but only 2 labels');
  });

  it('carries the block result to a block label', () => {
    expectValid(prog(['block', i32], ['i32.const', 1], ['br', 0], ['end'], ['drop'], ['end']));
    expectInvalid(prog(['block', i32], ['br', 0], ['end'], ['drop'], ['end']), 1, 'stack underflow: expected i32');
    expectInvalid(prog(['block', i32], ['i64.const', 1n], ['br', 0], ['end'], ['drop'], ['end']), 2, 'expected i32 but found i64');
  });

  it('carries no values to a loop label, whatever the loop results', () => {
    expectValid(prog(['loop', i32], ['br', 0], ['end'], ['drop'], ['end']));
    expectValid(prog(['loop', i32], ['i64.const', 1n], ['br', 0], ['end'], ['drop'], ['end']));
    expectValid(prog(['loop', i32], ['i32.const', 1], ['br_if', 0], ['i32.const', 2], ['end'], ['drop'], ['end']));
  });

  it('br_if pops a condition and keeps the label values', () => {
    expectValid(prog(['block', i32], ['i32.const', 5], ['i32.const', 1], ['br_if', 0], ['end'], ['drop'], ['end']));
    expectInvalid(prog(['block', i32], ['i32.const', 1], ['br_if', 0], ['end'], ['drop'], ['end']), 2, 'stack underflow: expected i32');
    expectInvalid(prog(['block', empty], ['sql.null'], ['br_if', 0], ['end'], ['end']), 2, 'expected i32 but found sql');
    expectInvalid(prog(['block', i32], ['sql.null'], ['i32.const', 1], ['br_if', 0], ['end'], ['drop'], ['end']), 3, 'expected i32 but found sql');
  });

  it('branches through an if to an outer label', () => {
    expectValid(prog(['block', i32], ['i32.const', 1], ['if', empty], ['i32.const', 9], ['br', 1], ['end'], ['i32.const', 2], ['end'], ['drop'], ['end']));
  });
});

describe('dead code after an unconditional transfer is stack-polymorphic', () => {
  it('accepts any pops after br, unreachable, return and error.raise', () => {
    expectValid(prog(['block', empty], ['br', 0], ['i32.add'], ['drop'], ['end'], ['end']));
    expectValid(prog(['unreachable'], ['i32.add'], ['drop'], ['end']));
    expectValid(prog(['return'], ['sql.add'], ['drop'], ['end']));
    expectValid(prog(['error.raise', names.sqlState, names.message], ['row.emit'], ['end']));
    expectValid(prog(['block', i32], ['unreachable'], ['end'], ['drop'], ['end']));
    expectValid(prog(['unreachable'], ['select'], ['drop'], ['end']));
  });

  it('still checks the values dead code pushes itself', () => {
    expectInvalid(prog(['block', empty], ['br', 0], ['i64.const', 0n], ['i32.add'], ['drop'], ['end'], ['end']), 3, 'expected i32 but found i64');
    expectInvalid(prog(['block', empty], ['br', 0], ['i32.const', 1], ['end'], ['end']), 3, 'values left on the stack at end of block: i32');
    expectInvalid(prog(['unreachable'], ['i64.const', 1n], ['i32.const', 1], ['select'], ['i32.eqz'], ['end']), 4, 'expected i32 but found i64');
  });

  it('ends with the block', () => {
    expectInvalid(prog(['block', empty], ['br', 0], ['end'], ['i32.add'], ['end']), 3, 'stack underflow: expected i32');
  });
});

describe('select and drop', () => {
  it.each(valueTypes.map((type) => [type]))('select and drop take %s', (type) => {
    const value = producers[type];
    expectValid(prog(...value, ...value, ['i32.const', 1], ['select'], ['local.set', localOf(type)], ['end']));
    expectValid(prog(...value, ['drop'], ['end']));
    const other = otherType(type);
    const mixed = [...value, ...producers[other]];
    expectInvalid(prog(...mixed, ['i32.const', 1], ['select'], ['end']), mixed.length + 1, `expected ${other} but found ${type}`);
  });

  it('select needs an i32 condition and two operands', () => {
    expectInvalid(prog(['i64.const', 1n], ['i64.const', 2n], ['i64.const', 3n], ['select'], ['end']), 3, 'expected i32 but found i64');
    expectInvalid(prog(['i64.const', 1n], ['i32.const', 1], ['select'], ['end']), 2, 'stack underflow: expected i64');
    expectInvalid(prog(['i32.const', 1], ['select'], ['end']), 1, 'stack underflow');
  });

  it('drop needs an operand', () => {
    expectInvalid(prog(['drop'], ['end']), 0, 'stack underflow');
  });
});

describe('constants', () => {
  it('pushes sql entries as sql and bytes entries as bytes', () => {
    expectValid(prog(['const', names.sqlValue], ['sql.is_null'], ['drop'], ['const', names.bytesValue], ['bytes.is_null'], ['drop'], ['end']));
    expectInvalid(prog(['const', names.sqlValue], ['bytes.is_null'], ['end']), 1, 'expected bytes but found sql');
    expectInvalid(prog(['const', names.bytesValue], ['sql.is_null'], ['end']), 1, 'expected sql but found bytes');
  });

  it('refuses an index outside the pool', () => {
    expectInvalid(prog(['const', 9], ['drop'], ['end']), 0, 'constant 9 out of range (7 constants)');
    expectInvalid(programWith({ constants: [] }, ['const', 0], ['drop'], ['end']), 0, 'constant 0 out of range (0 constants)');
  });

  it('refuses to push a name', () => {
    expectInvalid(prog(['const', names.users], ['drop'], ['end']), 0, 'constant 0 is a name and cannot be pushed');
  });
});

describe('locals and params', () => {
  it('gets, sets and tees with the local type', () => {
    expectValid(prog(['sql.null'], ['ptr.make', names.users, 0], ['local.set', localOf('ptr')], ['local.get', localOf('ptr')], ['mem.load'], ['local.tee', localOf('bytes')], ['local.set', localOf('bytes')], ['end']));
    expectInvalid(prog(['local.get', localOf('ptr')], ['mem.load'], ['drop'], ['end']), 0, `local ${localOf('ptr')} (ptr) is read before it is set on every path`);
    expectInvalid(prog(['local.get', localOf('sql')], ['i32.eqz'], ['end']), 1, 'expected i32 but found sql');
    expectInvalid(prog(['sql.null'], ['local.tee', localOf('sql')], ['local.set', localOf('i32')], ['end']), 2, 'expected i32 but found sql');
    expectInvalid(prog(['local.tee', 0], ['end']), 0, 'stack underflow: expected i32');
  });

  it('refuses a local out of range', () => {
    const setup = { locals: ['i32', 'i64', 'sql'] as const };
    expectValid(programWith(setup, ['local.get', 2], ['drop'], ['end']));
    expectInvalid(programWith(setup, ['local.get', 5], ['drop'], ['end']), 0, 'local 5 out of range (3 locals)');
    expectInvalid(programWith(setup, ['i32.const', 1], ['local.set', 3], ['end']), 1, 'local 3 out of range (3 locals)');
  });

  it('refuses a param out of range', () => {
    expectValid(programWith({ paramCount: 2 }, ['param.get', 1], ['drop'], ['end']));
    expectInvalid(programWith({ paramCount: 2 }, ['param.get', 3], ['drop'], ['end']), 0, 'param.get 3 but the program has 2 params');
    expectInvalid(programWith({ paramCount: 0 }, ['param.get', 0], ['drop'], ['end']), 0, 'param.get 0 but the program has 0 params');
  });
});

describe('immediates', () => {
  it('ptr.make, ptr.make_sorted and mem.scan_resource name a resource and its type', () => {
    expectValid(prog(['sql.null'], ['ptr.make', names.users, 1], ['drop'], ['end']));
    expectInvalid(prog(['sql.null'], ['ptr.make', names.sqlValue, 0], ['drop'], ['end']), 1, 'ptr.make resource name: constant 1 is a sql, not a name');
    expectInvalid(prog(['sql.null'], ['ptr.make', 9, 0], ['drop'], ['end']), 1, 'constant 9 out of range (7 constants)');
    expectInvalid(prog(['sql.null'], ['ptr.make', names.users, 2], ['drop'], ['end']), 1, 'resource type 2 is not one of 0 (rnd), 1 (lnr)');
    expectInvalid(
      prog(['sql.null'], ['sql.null'], ['ptr.make_sorted', names.bytesValue, 0], ['drop'], ['end']),
      2,
      'ptr.make_sorted resource name: constant 2 is a bytes, not a name',
    );
    expectInvalid(prog(['i32.const', 0], ['mem.scan_resource', names.users, 7], ['drop'], ['end']), 1, 'resource type 7 is not one of 0 (rnd), 1 (lnr)');
  });

  it('error.raise names a SQLSTATE and a message', () => {
    expectValid(prog(['error.raise', names.sqlState, names.message], ['end']));
    expectInvalid(prog(['error.raise', names.badSqlState, names.message], ['end']), 0, "SQLSTATE 'oops' is not 5 characters of 0-9 and A-Z");
    expectInvalid(prog(['error.raise', names.lowerSqlState, names.message], ['end']), 0, "SQLSTATE '2350a' is not 5 characters of 0-9 and A-Z");
    expectInvalid(prog(['error.raise', names.sqlValue, names.message], ['end']), 0, 'error.raise SQLSTATE: constant 1 is a sql, not a name');
    expectInvalid(prog(['error.raise', names.sqlState, names.bytesValue], ['end']), 0, 'error.raise message: constant 2 is a bytes, not a name');
    expectInvalid(prog(['error.raise', names.sqlState, 99], ['end']), 0, 'constant 99 out of range (7 constants)');
  });

  it('sql.cast takes a known SQL type code', () => {
    expectValid(prog(['sql.null'], ['sql.cast', sqlTypeCodes.text], ['drop'], ['end']));
    expectInvalid(prog(['sql.null'], ['sql.cast', 0x09], ['drop'], ['end']), 1, 'unknown SQL type code 0x09');
  });

  it('mem.scan_range flags stay within 0..31', () => {
    const operands = [...producers.ptr, ['sql.null'], ['sql.null'], ['i32.const', 0]] as Line[];
    expectValid(prog(...operands, ['mem.scan_range', 31], ['drop'], ['end']));
    expectInvalid(prog(...operands, ['mem.scan_range', 32], ['drop'], ['end']), 5, 'scan flags 32 outside 0..31');
  });

  it('row fields stay below the column limit', () => {
    expect(rowFieldsMax).toBe(1600);
    expectValid(prog(['row.new', 1600], ['row.get', 1599], ['drop'], ['end']));
    expectInvalid(prog(['row.new', 1], ['row.get', 1600], ['drop'], ['end']), 1, 'row field 1600 out of range (rows have at most 1600 fields)');
    expectInvalid(prog(['row.new', 1], ['sql.null'], ['row.set', 5000], ['drop'], ['end']), 2, 'row field 5000 out of range (rows have at most 1600 fields)');
    expectInvalid(prog(['row.new', 1601], ['drop'], ['end']), 0, 'row of 1601 fields exceeds the limit of 1600');
    expectInvalid(prog(['bytes.null'], ['row.decode', 2000], ['drop'], ['end']), 1, 'row of 2000 fields exceeds the limit of 1600');
  });

  it('match the table in count and kind', () => {
    expectInvalid(prog(['block'], ['end'], ['end']), 0, 'block takes 1 immediate but has 0');
    expectInvalid(prog(['i32.const', 1], ['drop', 1], ['end']), 1, 'drop takes 0 immediates but has 1');
    expectInvalid(prog(['ptr.make', 0], ['end']), 0, 'ptr.make takes 2 immediates but has 1');
    expectInvalid(prog(['i32.const', 1.5], ['drop'], ['end']), 0, 'i32.const immediate 1.5 is not a signed 32-bit integer');
    expectInvalid(prog(['i32.const', 2 ** 31], ['drop'], ['end']), 0, 'i32.const immediate 2147483648 is not a signed 32-bit integer');
    expectInvalid(prog(['i64.const', 1], ['drop'], ['end']), 0, 'i64.const immediate 1 is not a signed 64-bit integer (bigint)');
    expectInvalid(prog(['i64.const', 2n ** 63n], ['drop'], ['end']), 0, 'i64.const immediate 9223372036854775808n is not a signed 64-bit integer (bigint)');
    expectInvalid(prog(['f64.const', 1n], ['drop'], ['end']), 0, 'f64.const immediate 1n is not a 64-bit float');
    expectInvalid(prog(['block', empty], ['br', -1], ['end'], ['end']), 1, 'br immediate -1 is not a label depth');
    expectInvalid(prog(['local.get', 0.5], ['end']), 0, 'local.get immediate 0.5 is not a local index');
    expectValid(prog(['i32.const', -(2 ** 31)], ['drop'], ['i64.const', -(2n ** 63n)], ['drop'], ['f64.const', Number.NaN], ['drop'], ['end']));
  });

  it('refuses an unknown instruction', () => {
    expectInvalid(prog(['nop'], ['frobnicate'], ['end']), 1, "unknown instruction 'frobnicate'");
  });
});

/** A valid program for each instruction whose effect is not fixed, so a new one needs a test here. */
const samplesByName: Record<string, readonly Line[]> = {
  unreachable: [['unreachable']],
  block: [['block', empty], ['end']],
  loop: [['loop', empty], ['end']],
  if: [['i32.const', 1], ['if', empty], ['end']],
  else: [['i32.const', 1], ['if', empty], ['else'], ['end']],
  end: [],
  br: [['br', 0]],
  br_if: [['i32.const', 1], ['br_if', 0]],
  return: [['return']],
  drop: [['i32.const', 1], ['drop']],
  select: [['i32.const', 1], ['i32.const', 2], ['i32.const', 1], ['select'], ['drop']],
  'local.get': [['local.get', 0], ['drop']],
  'local.set': [['i32.const', 1], ['local.set', 0]],
  'local.tee': [['i32.const', 1], ['local.tee', 0], ['drop']],
  const: [['const', names.sqlValue], ['drop']],
  'error.raise': [['error.raise', names.sqlState, names.message]],
};

describe('every instruction of the table', () => {
  it.each(instructions.filter((info) => info.effect.kind !== 'fixed').map((info) => [info.name]))('%s has a validator test', (name) => {
    const sample = samplesByName[name];
    expect(sample, `add a sample program for ${name}`).toBeDefined();
    expectValid(prog(...sample!, ['end']));
  });
});

// --- properties ---

const controlOps = new Set(['block', 'loop', 'if']);

/**
 * The jump tables agree with the nesting: each block, loop and if maps to an
 * `end` at its own depth with nothing in between closing it, each if's else
 * sits directly inside it, and every other address maps to -1.
 */
function expectJumpTablesConsistent(program: Program, result: ValidationResult): void {
  const code = program.code;
  expect(result.blockEnds).toHaveLength(code.length);
  expect(result.elseOf).toHaveLength(code.length);
  const depthBefore: number[] = [];
  let depth = 1;
  for (const { op } of code) {
    depthBefore.push(depth);
    if (controlOps.has(op)) depth++;
    else if (op === 'end') depth--;
  }
  expect(depth).toBe(0);
  const endsClaimed = new Set<number>();
  code.forEach(({ op }, address) => {
    const end = result.blockEnds[address]!;
    const elseAddress = result.elseOf[address]!;
    if (!controlOps.has(op)) {
      expect(end).toBe(-1);
      expect(elseAddress).toBe(-1);
      return;
    }
    expect(end).toBeGreaterThan(address);
    expect(code[end]!.op).toBe('end');
    expect(depthBefore[end]).toBe(depthBefore[address]! + 1);
    for (let inner = address + 1; inner < end; inner++) expect(depthBefore[inner]).toBeGreaterThan(depthBefore[address]!);
    endsClaimed.add(end);
    if (op !== 'if' || elseAddress === -1) {
      expect(elseAddress).toBe(-1);
      return;
    }
    expect(code[elseAddress]!.op).toBe('else');
    expect(elseAddress).toBeGreaterThan(address);
    expect(elseAddress).toBeLessThan(end);
    expect(depthBefore[elseAddress]).toBe(depthBefore[address]! + 1);
  });
  const ends = code.flatMap(({ op }, address) => (op === 'end' ? [address] : []));
  expect([...endsClaimed].sort((a, b) => a - b)).toEqual(ends.slice(0, -1));
  expect(ends.at(-1)).toBe(code.length - 1);
}

/** Validates, allowing only ValidationError; checks the jump tables when the program is valid. */
function validatesOrRefusesCleanly(program: Program): boolean {
  let result: ValidationResult;
  try {
    result = validate(program);
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    expect(error.address).toBeGreaterThanOrEqual(0);
    expect(error.address).toBeLessThanOrEqual(program.code.length);
    return false;
  }
  expectJumpTablesConsistent(program, result);
  return true;
}

/** An immediate of any shape, mostly small and plausible. */
const anyImmediate: fc.Arbitrary<Immediate> = fc.oneof(
  { arbitrary: fc.nat(8), weight: 8 },
  { arbitrary: fc.constantFrom(empty, i32, valueTypeCodes.sql, 0x12, 31, 32, 1599, 1600), weight: 2 },
  { arbitrary: fc.integer(), weight: 1 },
  { arbitrary: fc.double(), weight: 1 },
  { arbitrary: fc.bigInt({ min: -(2n ** 64n), max: 2n ** 64n }), weight: 1 },
);

const structuralOps = ['block', 'loop', 'if', 'else', 'end', 'end', 'br', 'br_if', 'i32.const', 'i32.const', 'drop'];
const anyOp = fc.oneof(
  { arbitrary: fc.constantFrom(...instructions.map((info) => info.name)), weight: 6 },
  { arbitrary: fc.constantFrom(...structuralOps), weight: 6 },
  { arbitrary: fc.constant('no.such_op'), weight: 1 },
);

/** An instruction with the table's immediate count most of the time, and sometimes another. */
const anyInstruction: fc.Arbitrary<Line> = anyOp.chain((op) => {
  const count = instructions.find((info) => info.name === op)?.immediates.length ?? 0;
  const counts = fc.oneof({ arbitrary: fc.constant(count), weight: 9 }, { arbitrary: fc.nat(3), weight: 1 });
  return counts.chain((n) => fc.array(anyImmediate, { minLength: n, maxLength: n }).map((immediates): Line => [op, ...immediates]));
});

/** Statements that leave the stack as they found it, nested freely: always valid. */
const { body: validBody } = fc.letrec<{ statement: Line[]; body: Line[] }>((tie) => ({
  statement: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant<Line[]>([['nop']]),
    fc.integer().map((n): Line[] => [['i32.const', n], ['drop']]),
    fc.constant<Line[]>([['local.get', localOf('sql')], ['sql.is_null'], ['local.set', localOf('i32')]]),
    tie('body').map((body): Line[] => [['block', empty], ...body, ['end']]),
    tie('body').map((body): Line[] => [['loop', empty], ...body, ['i32.const', 0], ['br_if', 0], ['end']]),
    tie('body').map((body): Line[] => [['block', empty], ...body, ['br', 0], ['i32.add'], ['drop'], ['end']]),
    tie('body').map((body): Line[] => [['block', empty], ['block', empty], ...body, ['i32.const', 1], ['br_if', 1], ['end'], ['end']]),
    tie('body').map((body): Line[] => [['i32.const', 0], ['if', empty], ...body, ['end']]),
    fc
      .tuple(tie('body'), tie('body'))
      .map(([then, otherwise]): Line[] => [['i32.const', 1], ['if', i32], ...then, ['i32.const', 2], ['else'], ...otherwise, ['i32.const', 3], ['end'], ['drop']]),
    tie('body').map((body): Line[] => [['block', i32], ...body, ['unreachable'], ['end'], ['drop']]),
  ),
  body: fc.array(tie('statement'), { maxLength: 4 }).map((statements) => statements.flat()),
}));

const validProgram = validBody.map((body) => prog(...body, ['end']));

describe('properties', () => {
  it('random instruction sequences are valid or refused with ValidationError', () => {
    fc.assert(
      fc.property(fc.array(anyInstruction, { maxLength: 30 }), fc.boolean(), (lines, closed) => {
        validatesOrRefusesCleanly(prog(...lines, ...(closed ? [['end'] as Line] : [])));
      }),
      { numRuns: 2000 },
    );
  });

  it('generated well-formed programs are valid, with consistent jump tables', () => {
    fc.assert(
      fc.property(validProgram, (program) => {
        expect(validatesOrRefusesCleanly(program)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('mutated well-formed programs are valid or refused with ValidationError', () => {
    const mutation = fc.tuple(fc.constantFrom('delete', 'duplicate', 'replace', 'insert'), fc.nat(), anyInstruction);
    fc.assert(
      fc.property(validProgram, fc.array(mutation, { minLength: 1, maxLength: 3 }), (program, mutations) => {
        const code = [...program.code];
        for (const [kind, position, [op, ...immediates]] of mutations) {
          const at = position % (code.length + 1);
          const instruction = { op, immediates } as Program['code'][number];
          if (kind === 'delete') code.splice(at, 1);
          else if (kind === 'duplicate' && at < code.length) code.splice(at, 0, code[at]!);
          else if (kind === 'replace') code.splice(at, 1, instruction);
          else code.splice(at, 0, instruction);
        }
        validatesOrRefusesCleanly({ ...program, code });
      }),
      { numRuns: 1000 },
    );
  });
});
