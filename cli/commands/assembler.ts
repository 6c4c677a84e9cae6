/**
 * `dmachine asm FILE [-o OUT]` and `dmachine disasm FILE`: between a program's
 * text listing and its binary form. Both validate, so a file that converts is a
 * program the VM would run.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { encodeProgram } from '../../vm/binary-format.js';
import { prepareProgram } from '../../vm/prepared-program.js';
import { assemble, disassemble } from '../../vm/text-format.js';
import { UsageError } from '../arguments.js';
import { readProgramFile } from './program-files.js';

export const asmUsage = `dmachine asm FILE [-o OUT]
    Assemble the text listing FILE into a binary program (default OUT: FILE with
    its extension replaced by .dmp). The program is validated first.`;

export const disasmUsage = `dmachine disasm FILE
    Print the text listing of the program FILE (binary or text).`;

export function asmCommand(args: string[]): number {
  const { values, positionals } = parseArgs({ args, options: { output: { type: 'string', short: 'o' } }, allowPositionals: true });
  const file = singleFile(positionals, 'asm');
  const program = assemble(readFileSync(file, 'utf8'));
  prepareProgram(program);
  const output = values.output ?? `${file.replace(/\.[^./]*$/, '')}.dmp`;
  writeFileSync(output, encodeProgram(program));
  process.stdout.write(`${output}: ${program.code.length} instructions\n`);
  return 0;
}

export function disasmCommand(args: string[]): number {
  const { positionals } = parseArgs({ args, options: {}, allowPositionals: true });
  const program = readProgramFile(singleFile(positionals, 'disasm'));
  prepareProgram(program);
  process.stdout.write(disassemble(program));
  return 0;
}

export function singleFile(positionals: string[], command: string): string {
  if (positionals.length !== 1) throw new UsageError(`${command} takes exactly one FILE`);
  return positionals[0]!;
}
