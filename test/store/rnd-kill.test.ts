import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { wordAddress } from '../../store/key.js';
import { LocalMemory } from '../../store/local-memory.js';
import { typescriptNodeArguments } from '../typescript-child.js';
import { temporaryDirectoryPerTest } from './helpers.js';
import { killTestValue } from './rnd-kill-value.js';

const childScript = fileURLToPath(new URL('./rnd-kill-child.ts', import.meta.url));
const acknowledgementsBeforeKill = 2000;

/** Runs the child until it has acknowledged enough writes, kills it with SIGKILL, returns what it acknowledged. */
function writeThenKill(directory: string): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, typescriptNodeArguments(childScript, directory), { stdio: ['ignore', 'pipe', 'pipe'] });
    const acknowledged: number[] = [];
    let partialLine = '';
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout.on('data', (chunk: Buffer) => {
      const lines = (partialLine + chunk.toString()).split('\n');
      partialLine = lines.pop()!;
      for (const line of lines) acknowledged.push(Number(line.slice('ack '.length)));
      if (acknowledged.length >= acknowledgementsBeforeKill) child.kill('SIGKILL');
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (signal === 'SIGKILL') resolve(acknowledged);
      else reject(new Error(`child exited with ${code} before it was killed: ${stderr}`));
    });
  });
}

describe('rnd store durability under SIGKILL', () => {
  const directory = temporaryDirectoryPerTest('rnd-kill');

  it('finds every acknowledged word after the writer is killed', async () => {
    const acknowledged = await writeThenKill(directory());
    expect(acknowledged.length).toBeGreaterThanOrEqual(acknowledgementsBeforeKill);
    const memory = LocalMemory.open(directory());
    for (const index of acknowledged) {
      const address = wordAddress({ account: 'acme', resource: 'kill', resourceType: 'rnd', primaryKey: BigInt(index) });
      const word = await memory.load(address);
      expect(word?.value.equals(killTestValue(index)), `acknowledged word ${index}`).toBe(true);
    }
    await memory.close();
  });
});
