import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeProgram, encodeProgram } from '../../vm/binary-format.js';
import { DecodeError } from '../../vm/failures.js';
import { emptyBlockTypeCode, instructions, valueTypeCodes, type ImmediateKind, type InstructionName } from '../../vm/isa.js';
import type { Immediate, Program } from '../../vm/program.js';
import { Jsonb, sqlTypeCodes, sqlTypeOf, Timestamptz } from '../../vm/sql-values.js';
import { arbitraryProgram, samplePrograms } from './sample-programs.js';

const header = [0x00, 0x64, 0x6d, 0x70, 0x01];
/** params 0, no locals, no constants, code [end], no comments. */
const minimal = [...header, 0x00, 0x00, 0x00, 0x01, 0x0b, 0x00];

/** Decodes, and when the bytes are refused, insists it is a DecodeError within the input. */
function decodeOrFailure(bytes: Uint8Array): Program | DecodeError {
  try {
    return decodeProgram(bytes);
  } catch (error) {
    if (!(error instanceof DecodeError)) throw error;
    expect(error.offset).toBeGreaterThanOrEqual(0);
    expect(error.offset).toBeLessThanOrEqual(bytes.length);
    return error;
  }
}

function refusal(bytes: readonly number[]): DecodeError {
  const result = decodeOrFailure(Uint8Array.from(bytes));
  if (!(result instanceof DecodeError)) throw new Error('expected a DecodeError');
  return result;
}

const sampleImmediates: Record<ImmediateKind, Immediate> = {
  u32: 0xffff_ffff,
  local: 3,
  label: 1,
  constant: 300,
  s32: -0x8000_0000,
  s64: -(2n ** 63n),
  f64: -0,
  blockType: valueTypeCodes.scan,
  sqlType: sqlTypeCodes.bytea,
};

describe('binary format', () => {
  it('lays a program out as documented', () => {
    const program: Program = {
      paramCount: 2,
      locals: ['i64', 'scan'],
      constants: [
        { kind: 'sql', value: null },
        { kind: 'sql', value: true },
        { kind: 'sql', value: -1n },
        { kind: 'sql', value: 1.5 },
        { kind: 'sql', value: 'é' },
        { kind: 'sql', value: Uint8Array.of(9) },
        { kind: 'bytes', value: new Uint8Array(0) },
        { kind: 'name', value: 'n' },
      ],
      code: [
        { op: 'i32.const', immediates: [-1] },
        { op: 'f64.const', immediates: [1] },
        { op: 'block', immediates: [valueTypeCodes.i32] },
        { op: 'sql.cast', immediates: [sqlTypeCodes.int8] },
        { op: 'ptr.make', immediates: [7, 1] },
        { op: 'end', immediates: [] },
      ],
      comments: { 1: 'x' },
    };
    // prettier-ignore
    const expected = [
      ...header,
      0x02,                                   // params
      0x02, 0x7e, 0x6c,                       // locals: i64 scan
      0x08,                                   // constants
      0x01, 0x00,                             //   sql NULL
      0x01, 0x01, 0x01,                       //   sql boolean true
      0x01, 0x03, 0x7f,                       //   sql int8 -1
      0x01, 0x04, 0, 0, 0, 0, 0, 0, 0xf8, 0x3f, //   sql float8 1.5
      0x01, 0x05, 0x02, 0xc3, 0xa9,           //   sql text "é"
      0x01, 0x06, 0x01, 0x09,                 //   sql bytea \x09
      0x02, 0x00,                             //   bytes (empty)
      0x03, 0x01, 0x6e,                       //   name "n"
      0x06,                                   // instructions
      0x41, 0x7f,                             //   i32.const -1
      0x44, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f,     //   f64.const 1
      0x02, 0x7f,                             //   block (result i32)
      0xed, 0x03,                             //   sql.cast int8
      0xc2, 0x07, 0x01,                       //   ptr.make #7 1
      0x0b,                                   //   end
      0x01, 0x01, 0x01, 0x78,                 // comments: 1 "x"
    ];
    expect([...encodeProgram(program)]).toEqual(expected);
    expect(decodeProgram(Uint8Array.from(expected))).toEqual(program);
  });

  it.each(samplePrograms.map((sample) => [sample.name, sample.program] as const))('round-trips the sample %s, canonically', (_, program) => {
    const bytes = encodeProgram(program);
    const decoded = decodeProgram(bytes);
    expect(decoded).toEqual(program);
    expect(encodeProgram(decoded)).toEqual(bytes);
  });

  it('has samples that cover every instruction, immediate kind, block type, SQL type, local type and constant kind', () => {
    const programs = samplePrograms.map((sample) => sample.program);
    const code = programs.flatMap((program) => program.code);
    const immediates = (op: string): Immediate[] => code.filter((instruction) => instruction.op === op).map((instruction) => instruction.immediates[0]!);
    expect(new Set(code.map((instruction) => instruction.op))).toEqual(new Set(instructions.map((info) => info.name)));
    expect(new Set(immediates('block'))).toEqual(new Set([emptyBlockTypeCode, ...Object.values(valueTypeCodes)]));
    expect(new Set(immediates('sql.cast'))).toEqual(new Set(Object.values(sqlTypeCodes)));
    expect(new Set(programs.flatMap((program) => program.locals))).toEqual(new Set(Object.keys(valueTypeCodes)));
    const constants = programs.flatMap((program) => program.constants);
    expect(new Set(constants.map((constant) => constant.kind))).toEqual(new Set(['sql', 'bytes', 'name']));
    const sqlValueKinds = constants.flatMap((constant) => (constant.kind === 'sql' ? [constant.value === null ? 'null' : sqlTypeOf(constant.value)] : []));
    expect(new Set(sqlValueKinds)).toEqual(new Set(['null', 'boolean', 'int8', 'float8', 'text', 'bytea', 'timestamptz', 'jsonb']));
  });

  it('round-trips random programs', () => {
    fc.assert(
      fc.property(arbitraryProgram, (program) => {
        expect(decodeProgram(encodeProgram(program))).toEqual(program);
      }),
    );
  });

  it('has an encoder and decoder case for every opcode in the table', () => {
    for (const info of instructions) {
      const immediates = info.immediates.map((kind) => sampleImmediates[kind]);
      const program: Program = {
        paramCount: 0,
        locals: [],
        constants: [],
        code: [{ op: info.name as InstructionName, immediates }, { op: 'end', immediates: [] }],
        comments: {},
      };
      const bytes = encodeProgram(program);
      expect(bytes[9], info.name).toBe(info.code); // after header, params, locals, constants, count
      expect(decodeProgram(bytes), info.name).toEqual(program);
    }
  });

  it('decodes from a Buffer slice without aliasing it', () => {
    const program: Program = { paramCount: 0, locals: [], constants: [{ kind: 'bytes', value: Uint8Array.of(1, 2) }], code: [{ op: 'end', immediates: [] }], comments: {} };
    const backing = Buffer.concat([Buffer.from([0xee, 0xee, 0xee]), encodeProgram(program)]);
    const decoded = decodeProgram(backing.subarray(3));
    expect(decoded).toEqual(program);
    backing.fill(0);
    expect(decoded.constants[0]).toEqual({ kind: 'bytes', value: Uint8Array.of(1, 2) });
  });
});

describe('binary format refusals', () => {
  const oneInstruction = (...instruction: number[]): number[] => [...header, 0x00, 0x00, 0x00, 0x01, ...instruction, 0x00];
  const oneConstant = (...constant: number[]): number[] => [...header, 0x00, 0x00, 0x01, ...constant, 0x01, 0x0b, 0x00];

  // prettier-ignore
  const cases: [string, number[], number, RegExp][] = [
    ['an empty input', [], 0, /end of input/],
    ['a bad magic number', [0x00, 0x64, 0x6d, 0x71, 0x01], 3, /magic/],
    ['an unknown version', [0x00, 0x64, 0x6d, 0x70, 0x02, ...minimal.slice(5)], 4, /version 2/],
    ['an overlong parameter count', [...header, 0x80, 0x00], 6, /shortest/],
    ['an unknown local type', [...header, 0x00, 0x01, 0x99, 0x00, 0x01, 0x0b, 0x00], 7, /value type code 0x99/],
    ['a local count past the end', [...header, 0x00, 0xff, 0xff, 0xff, 0xff, 0x0f], 6, /cannot fit/],
    ['a constant count past the end', [...header, 0x00, 0x00, 0x05, 0x01, 0x00], 7, /cannot fit/],
    ['an unknown constant kind', oneConstant(0x09), 8, /constant kind 0x09/],
    ['an int4 SQL tag (integers are int8)', oneConstant(0x01, 0x02, 0x05), 9, /SQL value tag 0x02/],
    ['a boolean other than 0 or 1', oneConstant(0x01, 0x01, 0x02), 10, /boolean/],
    ['a text length past the end', [...header, 0x00, 0x00, 0x01, 0x01, 0x05, 0x05, 0x61], 10, /runs past the end/],
    ['an overlong UTF-8 name', oneConstant(0x03, 0x02, 0xc0, 0x80), 10, /UTF-8/],
    ['a UTF-8 surrogate in a text', oneConstant(0x01, 0x05, 0x03, 0xed, 0xa0, 0x80), 11, /UTF-8/],
    ['an instruction count past the end', [...header, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0x0f], 8, /cannot fit/],
    ['an unknown opcode', oneInstruction(0xff), 9, /opcode 0xff/],
    ['a bad block type', oneInstruction(0x02, 0x41), 10, /blockType 0x41/],
    ['a bad SQL type', oneInstruction(0xed, 0x09), 10, /sqlType 0x09/],
    ['an i32.const over 32 bits', oneInstruction(0x41, 0x80, 0x80, 0x80, 0x80, 0x70), 14, /overflows 32/],
    ['an i64.const over 64 bits', oneInstruction(0x42, ...Array(9).fill(0x80), 0x01), 19, /overflows 64/],
    ['a cut-off f64.const', [...header, 0x00, 0x00, 0x00, 0x01, 0x44, 0x00, 0x00], 12, /8 bytes needed/],
    ['a comment past the last instruction', [...header, 0x00, 0x00, 0x00, 0x01, 0x0b, 0x01, 0x01, 0x00], 11, /past the last instruction/],
    ['comments out of order', [...header, 0x00, 0x00, 0x00, 0x02, 0x01, 0x0b, 0x02, 0x01, 0x00, 0x00, 0x00], 14, /must increase/],
    ['a missing comments section', [...header, 0x00, 0x00, 0x00, 0x01, 0x0b], 10, /end of input/],
    ['trailing bytes', [...minimal, 0x00], 11, /trailing/],
    // int8 max - 1 is no instant: PostgreSQL's range ends below it, and infinity is int8 max itself
    ['a timestamptz out of range', oneConstant(0x01, 0x07, 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00), 10, /timestamptz .* out of range/],
    ['a jsonb that is not JSON', oneConstant(0x01, 0x08, 0x01, 0x7b), 10, /not valid JSON/],
    ['a jsonb not in canonical form', oneConstant(0x01, 0x08, 0x03, 0x7b, 0x20, 0x7d), 10, /canonical/],
  ];

  it.each(cases)('refuses %s', (_, bytes, offset, reason) => {
    const failure = refusal(bytes);
    expect(failure.message).toMatch(reason);
    expect(failure.offset).toBe(offset);
    expect(failure.sqlstate).toBe('22P03');
  });

  it('refuses every truncation of every sample', () => {
    for (const { name, program } of samplePrograms) {
      const bytes = encodeProgram(program);
      for (let length = 0; length < bytes.length; length++) {
        expect(decodeOrFailure(bytes.subarray(0, length)), `${name} cut at ${length}`).toBeInstanceOf(DecodeError);
      }
    }
  });

  it('gives a program or a DecodeError for any corruption, and a decoded program re-encodes to itself', () => {
    const binaries = samplePrograms.map(({ program }) => encodeProgram(program));
    const corruption = fc
      .constantFrom(...binaries)
      .chain((bytes) => fc.tuple(fc.constant(bytes), fc.array(fc.tuple(fc.nat(bytes.length - 1), fc.nat(255)), { minLength: 1, maxLength: 4 })));
    fc.assert(
      fc.property(corruption, ([bytes, flips]) => {
        const corrupted = Uint8Array.from(bytes);
        for (const [at, value] of flips) corrupted[at] = value;
        const result = decodeOrFailure(corrupted);
        if (!(result instanceof DecodeError)) expect(decodeProgram(encodeProgram(result))).toEqual(result);
      }),
      { numRuns: 3000 },
    );
  });

  it('gives a program or a DecodeError for random bytes after a valid header', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), (tail) => {
        decodeOrFailure(Uint8Array.from([...header, ...tail]));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('encoding an ill-formed program is a bug, refused by an assertion', () => {
  const base: Program = { paramCount: 0, locals: [], constants: [], code: [{ op: 'end', immediates: [] }], comments: {} };
  const cases: [string, Program][] = [
    ['an unknown opcode', { ...base, code: [{ op: 'jump' as InstructionName, immediates: [] }] }],
    ['a missing immediate', { ...base, code: [{ op: 'br', immediates: [] }] }],
    ['a u32 immediate out of range', { ...base, code: [{ op: 'row.new', immediates: [2 ** 32] }] }],
    ['an s64 immediate given as a number', { ...base, code: [{ op: 'i64.const', immediates: [1] }] }],
    ['a bad block type', { ...base, code: [{ op: 'block', immediates: [0x41] }] }],
    ['a comment on no instruction', { ...base, comments: { 1: 'x' } }],
    ['a lone surrogate', { ...base, constants: [{ kind: 'name', value: '\ud800' }] }],
    ['a negative parameter count', { ...base, paramCount: -1 }],
  ];

  it.each(cases)('refuses %s', (_, program) => {
    expect(() => encodeProgram(program)).toThrow(/assertion failed/);
  });

  it('keeps the empty block type distinct from every value type', () => {
    expect(Object.values(valueTypeCodes)).not.toContain(emptyBlockTypeCode);
  });
});

describe('timestamptz and jsonb constants', () => {
  it('store timestamptz as PostgreSQL does, in microseconds since 2000 with the infinities at the int8 extremes', () => {
    const program = (value: Timestamptz): Program => ({ paramCount: 0, locals: [], constants: [{ kind: 'sql', value }], code: [{ op: 'end', immediates: [] }], comments: {} });
    const epoch2000 = Timestamptz.fromMicroseconds(946_684_800_000_001n); // 2000-01-01 00:00:00.000001 UTC
    expect([...encodeProgram(program(epoch2000)).subarray(8, 11)]).toEqual([0x01, 0x07, 0x01]);
    expect([...encodeProgram(program(Timestamptz.infinity)).subarray(8, 20)]).toEqual([0x01, 0x07, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00]);
    expect(decodeProgram(encodeProgram(program(Timestamptz.minusInfinity))).constants[0]!.value).toBe(Timestamptz.minusInfinity);
  });

  it('store jsonb as its canonical text', () => {
    const value = new Jsonb(null, 'null');
    const encoded = encodeProgram({ paramCount: 0, locals: [], constants: [{ kind: 'sql', value }], code: [{ op: 'end', immediates: [] }], comments: {} });
    expect([...encoded.subarray(8, 15)]).toEqual([0x01, 0x08, 0x04, 0x6e, 0x75, 0x6c, 0x6c]);
  });
});
