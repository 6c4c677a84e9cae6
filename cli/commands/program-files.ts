/**
 * Reading and writing program files for `asm`, `disasm` and `run`: a file is a
 * binary program when it starts with the binary magic, else a text listing.
 */
import { readFileSync } from 'node:fs';
import { decodeProgram } from '../../vm/binary-format.js';
import type { Program } from '../../vm/program.js';
import { assemble } from '../../vm/text-format.js';

const binaryMagic = Buffer.from('\0dmp', 'latin1');

export function isBinaryProgram(bytes: Uint8Array): boolean {
  return Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.byteLength, 4)).equals(binaryMagic);
}

/** Reads a program from a binary or text file. */
export function readProgramFile(path: string): Program {
  const bytes = readFileSync(path);
  return isBinaryProgram(bytes) ? decodeProgram(bytes) : assemble(bytes.toString('utf8'));
}
