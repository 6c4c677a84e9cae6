import { describe, expect, it } from 'vitest';
import { ProgramBuilder } from '../../compiler/program-builder.js';
import { ValidationError } from '../../vm/failures.js';
import { disassemble } from '../../vm/text-format.js';

describe('the program builder', () => {
  it('computes branch depths from labels and closes the body', () => {
    const b = new ProgramBuilder();
    const counter = b.local('i32');
    const done = b.block();
    const again = b.loop();
    b.emit('local.get', counter);
    b.emit('i32.const', 3);
    b.emit('i32.ge_s');
    b.brIf(done);
    b.comment('three rounds');
    b.emit('local.get', counter);
    b.emit('i32.const', 1);
    b.emit('i32.add');
    b.emit('local.set', counter);
    b.br(again);
    b.end(again);
    b.end(done);
    const program = b.finish();
    expect(program.code.map((instruction) => [instruction.op, ...instruction.immediates])).toEqual([
      ['block', 0x40],
      ['loop', 0x40],
      ['local.get', 0],
      ['i32.const', 3],
      ['i32.ge_s'],
      ['br_if', 1],
      ['local.get', 0],
      ['i32.const', 1],
      ['i32.add'],
      ['local.set', 0],
      ['br', 0],
      ['end'],
      ['end'],
      ['end'],
    ]);
    expect(program.comments).toEqual({ 5: 'three rounds' });
    expect(disassemble(program)).toContain('br_if 1');
  });

  it('interns constants by type and value', () => {
    const b = new ProgramBuilder();
    expect(b.sqlConstant(1n)).toBe(b.sqlConstant(1n));
    expect(b.sqlConstant(1)).not.toBe(b.sqlConstant(1n));
    expect(b.sqlConstant('1')).not.toBe(b.sqlConstant(1n));
    expect(b.nameConstant('users')).not.toBe(b.sqlConstant('users'));
    expect(b.sqlConstant(Uint8Array.of(1, 2))).toBe(b.sqlConstant(Uint8Array.of(1, 2)));
    expect(b.sqlConstant(-0)).not.toBe(b.sqlConstant(0));
  });

  it('asserts labels are closed once, innermost first, and not branched to when closed', () => {
    const unclosed = new ProgramBuilder();
    unclosed.block();
    expect(() => unclosed.finish()).toThrow(/1 labels left open/);

    const crossed = new ProgramBuilder();
    const outer = crossed.block();
    crossed.block();
    expect(() => crossed.end(outer)).toThrow(/not the innermost open label/);

    const late = new ProgramBuilder();
    const closed = late.block();
    late.end(closed);
    expect(() => late.br(closed)).toThrow(/which is closed/);
  });

  it('refuses to finish an ill-typed program', () => {
    const b = new ProgramBuilder();
    b.emit('i32.const', 1);
    b.emit('i64.const', 1n);
    b.emit('i32.add');
    b.emit('drop');
    expect(() => b.finish()).toThrow(ValidationError);
  });
});
