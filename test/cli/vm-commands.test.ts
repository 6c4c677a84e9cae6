import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { wordAddress } from '../../store/key.js';
import { LocalMemory } from '../../store/local-memory.js';
import { decodeRow } from '../../vm/row-codec.js';
import { assemble, disassemble } from '../../vm/text-format.js';
import { temporaryDirectoryPerTest } from '../store/helpers.js';
import { runCli } from './run-cli.js';

const counterListing = fileURLToPath(new URL('../../vm/programs/atomic-counter.dmasm', import.meta.url));
const updateListing = fileURLToPath(new URL('../../vm/programs/conditional-update.dmasm', import.meta.url));

describe('dmachine asm and disasm', () => {
  const directory = temporaryDirectoryPerTest('cli-vm');

  it('assembles a listing into a binary that disassembles to the canonical listing', () => {
    const binary = join(directory(), 'counter.dmp');
    const assembled = runCli(['asm', counterListing, '-o', binary]);
    expect(assembled.status).toBe(0);
    expect(assembled.stdout).toContain('37 instructions');
    expect(readFileSync(binary).subarray(0, 4).toString('latin1')).toBe('\0dmp');
    const listed = runCli(['disasm', binary]);
    expect(listed.status).toBe(0);
    expect(listed.stdout).toBe(disassemble(assemble(readFileSync(counterListing, 'utf8'))));
    expect(runCli(['disasm', counterListing]).stdout).toBe(listed.stdout);
  });

  it('reports a bad listing with its line, a corrupted binary with its offset, an invalid program with its address', () => {
    const bad = join(directory(), 'bad.dmasm');
    writeFileSync(bad, '.params 0\n 0  i32.frobnicate\n 1  end\n');
    const badListing = runCli(['asm', bad]);
    expect(badListing.status).toBe(1);
    expect(badListing.stderr).toMatch(/ERROR 42601: assembler: line 2/);

    const binary = join(directory(), 'counter.dmp');
    runCli(['asm', counterListing, '-o', binary]);
    writeFileSync(binary, readFileSync(binary).subarray(0, 30));
    expect(runCli(['disasm', binary]).stderr).toMatch(/ERROR 22P03: invalid program binary at byte \d+/);

    const illTyped = join(directory(), 'ill-typed.dmasm');
    writeFileSync(illTyped, '.params 0\n 0  i32.const 1\n 1  i64.const 2\n 2  i32.add\n 3  drop\n 4  end\n');
    expect(runCli(['asm', illTyped]).stderr).toMatch(/invalid program at instruction 2: expected i32 but found i64/);
  });
});

describe('dmachine run', () => {
  const directory = temporaryDirectoryPerTest('cli-run');

  it('runs a program against the data directory with parameters and prints rows and costs', async () => {
    const data = join(directory(), 'data');
    for (let round = 0; round < 3; round++) {
      const result = runCli(['run', counterListing, '--data', data, '--account', 'acme', '--param', 'hits']);
      expect(result.status).toBe(0);
      expect(result.stdout).toMatch(/\(0 rows, row count 1, \d+ instructions, 1 loads, 0 writes, 1 CAS \(0 conflicts\)/);
    }
    const update = runCli(['run', updateListing, '--data', data, '--account', 'acme', '--param', 'alice', '--param', '100', '--param', '90']);
    expect(update.stdout.split('\n')[0]).toBe('f'); // no such account row: not applied
    const memory = LocalMemory.open(data);
    const word = await memory.load(wordAddress({ account: 'acme', resource: 'counters', resourceType: 'rnd', primaryKey: 'hits' }));
    expect(decodeRow(word!.value, 2)).toEqual(['hits', 3n]);
    await memory.close();
  });

  it('gives the same answer on the interpreter', () => {
    const data = join(directory(), 'data');
    const args = ['run', updateListing, '--data', data, '--param', 'alice', '--param', '1', '--param', '2'];
    const compiled = runCli(args);
    const interpreted = runCli([...args, '--interpret']);
    expect(compiled.status).toBe(0);
    expect(interpreted.stdout).toBe(compiled.stdout);
  });

  it('reports a trap with its SQLSTATE and a wrong parameter count', () => {
    const divide = join(directory(), 'divide.dmasm');
    writeFileSync(divide, '.params 0\n 0  i64.const 1\n 1  i64.const 0\n 2  i64.div_s\n 3  drop\n 4  end\n');
    const result = runCli(['run', divide, '--data', join(directory(), 'data')]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('ERROR 22012: division by zero');
    expect(runCli(['run', counterListing, '--data', join(directory(), 'data')]).stderr).toContain('program takes 1 parameter, 0 given');
  });
});
