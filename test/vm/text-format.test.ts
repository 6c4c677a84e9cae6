import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeProgram } from '../../vm/binary-format.js';
import { AssembleError } from '../../vm/failures.js';
import { emptyBlockTypeCode, valueTypeCodes } from '../../vm/isa.js';
import type { Instruction, Program } from '../../vm/program.js';
import { assemble, disassemble, formatFloat, listingRows } from '../../vm/text-format.js';
import { arbitraryProgram, atomicCounter, samplePrograms } from './sample-programs.js';

/** The atomic counter as disassemble writes it: the canonical listing. */
const atomicCounterListing = `.params 1
.local ptr                      ; $0
.local bytes                    ; $1
.local row                      ; $2
.local bytes                    ; $3
.const name "counters"          ; #0
.const sql 0                    ; #1
.const sql 1                    ; #2

 0  param.get 0                 ; the key, $1
 1  ptr.make #0 0               ; name "counters"
 2  local.set $0
 3  loop                        ; retry until the COMPARE&SWAP applies
 4    local.get $0
 5    mem.load                  ; LOAD
 6    local.tee $1
 7    bytes.is_null
 8    if (result row)           ; no word yet: start from 0
 9      row.new 2
10      param.get 0
11      row.set 0
12      const #1                ; sql 0
13      row.set 1
14    else
15      local.get $1
16      row.decode 2
17    end
18    local.tee $2
19    local.get $2
20    row.get 1
21    const #2                  ; sql 1
22    sql.add                   ; n + 1
23    row.set 1
24    row.encode
25    local.set $3
26    local.get $0
27    local.get $1
28    local.get $3
29    mem.cas                   ; COMPARE&SWAP [applied current]
30    drop
31    i32.eqz
32    br_if 0                   ; lost a race: load again
33  end
34  i32.const 1
35  result.add_count
36  end
`;

function assembleError(text: string): AssembleError {
  try {
    assemble(text);
  } catch (error) {
    if (error instanceof AssembleError) return error;
    throw error;
  }
  throw new Error(`expected an AssembleError for:\n${text}`);
}

const ins = (op: Instruction['op'], ...immediates: Instruction['immediates']): Instruction => ({ op, immediates });

describe('text format', () => {
  it('assembles a hand-written atomic counter to the expected instructions, and writes it back unchanged', () => {
    const program = assemble(atomicCounterListing);
    expect(program).toEqual(atomicCounter);
    expect(program.code.slice(3, 8)).toEqual([ins('loop', emptyBlockTypeCode), ins('local.get', 0), ins('mem.load'), ins('local.tee', 1), ins('bytes.is_null')]);
    expect(program.code[29]).toEqual(ins('mem.cas'));
    expect(disassemble(program)).toBe(atomicCounterListing);
  });

  it('reads a loose listing: no addresses, free spacing, CRLF, blank and comment-only lines', () => {
    const text = [
      '; increments a counter word, retrying on a lost race',
      '.params 1',
      '.local ptr',
      '.local bytes   ; current word',
      "\t.const name \"counters\"  ; #0 the table",
      '',
      'param.get 0',
      'ptr.make #0 0',
      '   local.set $0',
      'loop',
      '  ; body',
      '  local.get $0',
      '  mem.load     ;  LOAD  ',
      '  local.set $1',
      '  local.get $0 ',
      '  local.get $1',
      '  local.get $1',
      'mem.cas',
      'drop',
      'i32.eqz',
      'br_if 0',
      '  end',
      '15 end',
    ].join('\r\n');
    const program = assemble(text);
    expect(program).toEqual({
      paramCount: 1,
      locals: ['ptr', 'bytes'],
      constants: [{ kind: 'name', value: 'counters' }],
      code: [
        ins('param.get', 0),
        ins('ptr.make', 0, 0),
        ins('local.set', 0),
        ins('loop', emptyBlockTypeCode),
        ins('local.get', 0),
        ins('mem.load'),
        ins('local.set', 1),
        ins('local.get', 0),
        ins('local.get', 1),
        ins('local.get', 1),
        ins('mem.cas'),
        ins('drop'),
        ins('i32.eqz'),
        ins('br_if', 0),
        ins('end'),
        ins('end'),
      ],
      comments: { 5: 'LOAD' },
    } satisfies Program);
  });

  it.each(samplePrograms.map((sample) => [sample.name, sample.program] as const))('round-trips the sample %s', (_, program) => {
    const text = disassemble(program);
    const assembled = assemble(text);
    expect(assembled).toEqual(program);
    expect(disassemble(assembled)).toBe(text);
  });

  it('round-trips random programs', () => {
    fc.assert(
      fc.property(arbitraryProgram, (program) => {
        expect(assemble(disassemble(program))).toEqual(program);
      }),
      { numRuns: 300 },
    );
  });

  it('prints immediates readably and constants with their values', () => {
    const program: Program = {
      paramCount: 0,
      locals: ['i64'],
      constants: [
        { kind: 'name', value: '23505' },
        { kind: 'name', value: 'duplicate "key"' },
      ],
      code: [
        ins('block', valueTypeCodes.i64),
        ins('local.get', 0),
        ins('end'),
        ins('sql.cast', 0x03),
        ins('f64.const', -0),
        ins('error.raise', 0, 1),
        ins('end'),
      ],
      comments: { 5: 'unique violation' },
    };
    expect(disassemble(program).split('\n').slice(5)).toEqual([
      '0  block (result i64)',
      '1    local.get $0',
      '2  end',
      '3  sql.cast int8',
      '4  f64.const -0.0',
      '5  error.raise #0 #1            ; unique violation  ; name "23505", name "duplicate \\"key\\""',
      '6  end',
      '',
    ]);
  });

  it('indents by nesting and clamps unbalanced code at the left margin', () => {
    const program: Program = {
      paramCount: 0,
      locals: [],
      constants: [],
      code: [ins('end'), ins('else'), ins('block', emptyBlockTypeCode), ins('if', emptyBlockTypeCode), ins('else'), ins('nop'), ins('end'), ins('end'), ins('end')],
      comments: {},
    };
    expect(listingRows(program).map((row) => row.depth)).toEqual([0, 0, 0, 1, 1, 2, 1, 0, 0]);
  });

  it('writes floats so that they read back exactly and always look like floats', () => {
    expect([0, -0, 1, -1.5, 0.1, 1e21, 123456789012345680000, 5e-324, NaN, Infinity, -Infinity].map(formatFloat)).toEqual([
      '0.0',
      '-0.0',
      '1.0',
      '-1.5',
      '0.1',
      '1e+21',
      '123456789012345680000.0',
      '5e-324',
      'nan',
      'inf',
      '-inf',
    ]);
    fc.assert(
      fc.property(fc.double(), (value) => {
        const program = assemble(`.params 0\nf64.const ${formatFloat(value)}\n`);
        expect(program.code[0]!.immediates[0]).toEqual(value);
      }),
    );
  });
});

describe('assembler refusals', () => {
  const header = '.params 0\n.local i32\n.const sql 1\n';
  // prettier-ignore
  const cases: [string, string, number, RegExp][] = [
    ['an unknown opcode', `${header}i32.frobnicate`, 4, /unknown opcode "i32.frobnicate"/],
    ['a missing immediate', `${header}br`, 4, /br takes immediates label: the label is missing/],
    ['an extra immediate', `${header}i32.add 1`, 4, /i32.add takes no immediates; unexpected "1"/],
    ['a local without $', `${header}local.get 0`, 4, /written \$n/],
    ['a constant without #', `${header}const 0`, 4, /written #n/],
    ['a negative u32', `${header}row.new -1`, 4, /unsigned integer/],
    ['a u32 out of range', `${header}row.new 4294967296`, 4, /out of range/],
    ['an s32 out of range', `${header}i32.const 2147483648`, 4, /out of range/],
    ['an s64 out of range', `${header}i64.const -9223372036854775809`, 4, /out of range/],
    ['an integer with a leading zero', `${header}i32.const 007`, 4, /must be an integer/],
    ['a float out of range', `${header}f64.const 1e400`, 4, /out of the float range/],
    ['a malformed float', `${header}f64.const 1.5.5`, 4, /must be a float/],
    ['an unknown block type', `${header}block (result i8)`, 4, /unknown value type "i8"/],
    ['a malformed block type', `${header}block (i32)`, 4, /expected \(result TYPE\)/],
    ['an unknown SQL type', `${header}sql.cast varchar`, 4, /unknown SQL type "varchar"/],
    ['a wrong address', `${header}0 nop\n2 nop`, 5, /address 2 does not match the instruction's position 1/],
    ['an address without an opcode', `${header}0`, 4, /expected an opcode/],
    ['a missing .params', '.local i32\n', 1, /before \.params/],
    ['an empty text', '', 1, /missing \.params/],
    ['a second .params', '.params 1\n.params 2', 2, /second \.params/],
    ['a directive after the code', `${header}nop\n.local i64`, 5, /after the first instruction/],
    ['an unknown directive', `${header}.function f`, 4, /unknown directive/],
    ['an unknown local type', '.params 0\n.local i128', 2, /unknown value type/],
    ['a wrong index comment', '.params 0\n.local i32  ; $1', 2, /says \$1 but this is \$0/],
    ['an unknown constant kind', '.params 0\n.const blob x""', 2, /unknown constant kind "blob"/],
    ['an unterminated text constant', '.params 0\n.const sql "abc', 2, /unterminated text/],
    ['a bad escape in a text constant', '.params 0\n.const sql "\\q"', 2, /not a JSON string/],
    ['an odd hex string', '.params 0\n.const bytes x"abc"', 2, /pairs of lower-case hex digits/],
    ['an upper-case hex string', '.params 0\n.const sql x"AB"', 2, /lower-case/],
    ['a bytes constant that is not hex', '.params 0\n.const bytes "ab"', 2, /x"hex"/],
    ['a name that is not a string', '.params 0\n.const name users', 2, /JSON string/],
    ['an int8 constant out of range', '.params 0\n.const sql 9223372036854775808', 2, /out of range/],
    ['a bare word as a SQL value', '.params 0\n.const sql null', 2, /must be a float/],
    ['a missing SQL value', '.params 0\n.const sql', 2, /missing value/],
    ['text after a constant', '.params 0\n.const sql 1 2', 2, /unexpected "2"/],
    ['a bad quoted comment', `${header}nop  ; "abc" def`, 4, /bad quoted comment/],
    ['a lone surrogate in a comment', `${header}nop  ; "\\ud800"`, 4, /bad quoted comment/],
    ['a raw lone surrogate', `${header}nop  ; \ud800`, 4, /lone surrogate/],
    ['a lone surrogate in a name', '.params 0\n.const name "\\udc00x"', 2, /well-formed Unicode/],
    ['a timestamptz that is not one', '.params 0\n.const sql timestamptz "2024-13-01"', 2, /bad timestamptz "2024-13-01": date\/time field value out of range/],
    ['a timestamptz without its text', '.params 0\n.const sql timestamptz 5', 2, /written timestamptz "TEXT"/],
    ['a jsonb that is not JSON', '.params 0\n.const sql jsonb "{"', 2, /bad jsonb "\{": invalid input syntax for type json/],
    ['text after a jsonb', '.params 0\n.const sql jsonb "1" 2', 2, /unexpected "2"/],
  ];

  it.each(cases)('refuses %s', (_, text, line, reason) => {
    const failure = assembleError(text);
    expect(failure.line).toBe(line);
    expect(failure.message).toMatch(reason);
    expect(failure.sqlstate).toBe('42601');
  });

  it('never fails with anything but an AssembleError, whatever the edit to a listing', () => {
    const listings = samplePrograms.map(({ program }) => disassemble(program));
    const edits = fc
      .constantFrom(...listings)
      .chain((text) => fc.tuple(fc.constant(text), fc.nat(text.length), fc.nat(8), fc.string({ unit: fc.constantFrom(...'0123456789 .;#$"\\x()-einafu\n'), maxLength: 6 })));
    fc.assert(
      fc.property(edits, ([text, from, length, insert]) => {
        const edited = text.slice(0, from) + insert + text.slice(from + length);
        let program: Program;
        try {
          program = assemble(edited);
        } catch (error) {
          expect(error).toBeInstanceOf(AssembleError);
          return;
        }
        expect(assemble(disassemble(program))).toEqual(program); // whatever assembles is a well-formed program
        encodeProgram(program);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('timestamptz and jsonb constants', () => {
  it('read any input form and print the output form, which reads back the same', () => {
    const program = assemble(
      ['.params 0', '.const sql timestamptz "2024-01-02T03:04:05.5+02"', '.const sql timestamptz "-infinity"', '.const sql jsonb  "{\\"b\\": 1e2, \\"a\\": [true]}"', 'end'].join('\n'),
    );
    const listing = disassemble(program);
    expect(listing.split('\n').slice(1, 4)).toEqual([
      '.const sql timestamptz "2024-01-02 01:04:05.5+00"  ; #0',
      '.const sql timestamptz "-infinity"  ; #1',
      '.const sql jsonb "{\\"a\\": [true], \\"b\\": 100}"  ; #2',
    ]);
    expect(assemble(listing)).toEqual(program);
  });
});
