import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { wordAddressOfText } from '../../store/key.js';
import { LocalMemory } from '../../store/local-memory.js';
import { temporaryDirectoryPerTest } from '../store/helpers.js';
import { runCli } from './run-cli.js';

describe('dmachine start', () => {
  const directory = temporaryDirectoryPerTest('start');

  it('creates ./data by default and reports durable settings', () => {
    const result = runCli(['start'], { cwd: directory() });
    expect(result.status).toBe(0);
    expect(existsSync(join(directory(), 'data', 'rnd.sqlite'))).toBe(true);
    expect(result.stdout).toContain('journal_mode=wal, synchronous=full');
    expect(result.stdout).toContain('words stored: 0');
  });

  it('opens an existing data directory given with --data and counts its words', async () => {
    const data = join(directory(), 'elsewhere');
    const memory = LocalMemory.open(data);
    await memory.write(wordAddressOfText('acme/users/rnd/alice'), Buffer.from('x'));
    await memory.close();
    const result = runCli(['start', '--data', data]);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('words stored: 1');
  });
});
