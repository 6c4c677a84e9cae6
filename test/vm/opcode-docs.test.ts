/**
 * docs/opcodes.md is generated; this test keeps it in step with the instruction
 * table. Regenerate after a reviewed change with:
 *   UPDATE_DOCS=1 npx vitest run test/vm/opcode-docs.test.ts
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { instructions } from '../../vm/isa.js';
import { opcodeDocsPath, regenerateOpcodeDocsCommand, renderOpcodeDocs } from '../../vm/opcode-docs.js';

const docsFile = join(dirname(fileURLToPath(import.meta.url)), '..', '..', opcodeDocsPath);

describe('docs/opcodes.md', () => {
  it('matches the instruction table', () => {
    const rendered = renderOpcodeDocs();
    if (process.env['UPDATE_DOCS'] === '1') writeFileSync(docsFile, rendered);
    const written = existsSync(docsFile) ? readFileSync(docsFile, 'utf8') : '';
    expect(written === rendered, `${opcodeDocsPath} is out of date with vm/isa.ts; regenerate it with: ${regenerateOpcodeDocsCommand}`).toBe(true);
  });

  it('lists every opcode once', () => {
    const rendered = renderOpcodeDocs();
    for (const info of instructions) expect(rendered.split('\n').filter((line) => line.startsWith(`| \`${info.name}\` |`)), info.name).toHaveLength(1);
  });
});

describe('the instruction table', () => {
  it('gives every opcode a synopsis and a doc line', () => {
    const missing = instructions.filter((info) => info.synopsis.trim() === '' || info.doc.trim() === '').map((info) => info.name);
    expect(missing, 'opcodes without a synopsis or doc in vm/isa.ts').toEqual([]);
  });

  it('gives every opcode its own name and its own one-byte code', () => {
    const duplicates = (values: readonly (string | number)[]) => values.filter((value, index) => values.indexOf(value) !== index);
    expect(duplicates(instructions.map((info) => info.name))).toEqual([]);
    expect(duplicates(instructions.map((info) => info.code))).toEqual([]);
    for (const info of instructions) expect(Number.isInteger(info.code) && info.code >= 0 && info.code <= 0xff, info.name).toBe(true);
  });
});
