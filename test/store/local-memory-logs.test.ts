/**
 * LocalMemory's lnr logs (the Memory's append / readRecord / dropRecordsBefore /
 * dropLog): one SegmentLog per `account/resource`, opened on first use, in real
 * segment files under the data directory. The log itself (durability, torn tails,
 * SIGKILL) is tested in lnr-*.test.ts.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LocalMemory } from '../../store/local-memory.js';
import { temporaryDirectoryPerTest } from './helpers.js';

const directory = temporaryDirectoryPerTest('local-memory-logs');
const jobs = { account: 'acme', resource: 'jobs' };

describe('LocalMemory lnr logs', () => {
  it('appends records numbered from 0 and reads each back, across a reopen', async () => {
    let memory = LocalMemory.open(directory());
    const numbers = await Promise.all(['a', 'bb', 'ccc'].map((text) => memory.append(jobs, Buffer.from(text))));
    expect([...numbers].sort()).toEqual([0, 1, 2]);
    expect(Buffer.from((await memory.readRecord(jobs, numbers[1]!))!).toString()).toBe('bb');
    expect(await memory.readRecord(jobs, 3)).toBeUndefined();
    expect(await memory.readRecord(jobs, -1)).toBeUndefined();
    await memory.close();
    memory = LocalMemory.open(directory());
    expect(Buffer.from((await memory.readRecord(jobs, numbers[2]!))!).toString()).toBe('ccc');
    expect(await memory.append(jobs, Buffer.from('d'))).toBe(3);
    await memory.close();
  });

  it('keeps the logs of accounts and resources apart, whatever their names', async () => {
    const memory = LocalMemory.open(directory());
    const odd = { account: 'acme', resource: '..' };
    const other = { account: 'other/acct', resource: 'jobs' };
    await memory.append(jobs, Buffer.from('mine'));
    await memory.append(odd, Buffer.from('dots'));
    await memory.append(other, Buffer.from('theirs'));
    expect(Buffer.from((await memory.readRecord(odd, 0))!).toString()).toBe('dots');
    expect(Buffer.from((await memory.readRecord(other, 0))!).toString()).toBe('theirs');
    expect(readdirSync(join(directory(), 'lnr')).sort()).toEqual(['acme', 'other%2Facct']);
    expect(readdirSync(join(directory(), 'lnr', 'acme')).sort()).toEqual(['%2E%2E', 'jobs']);
    await memory.close();
  });

  it('rolls segments at the configured size and drops whole ones by retention', async () => {
    const memory = LocalMemory.open(directory(), { lnr: { segmentBytesMax: 256 } });
    for (let index = 0; index < 20; index++) await memory.append(jobs, Buffer.alloc(60, index));
    const segments = () => readdirSync(join(directory(), 'lnr', 'acme', 'jobs')).filter((name) => name.endsWith('.seg'));
    const before = segments().length;
    expect(before).toBeGreaterThan(4);
    expect(await memory.dropRecordsBefore(jobs, 10)).toBeGreaterThan(0);
    expect(segments().length).toBeLessThan(before);
    expect(await memory.readRecord(jobs, 0)).toBeUndefined();
    expect((await memory.readRecord(jobs, 19))![0]).toBe(19);
    await memory.close();
  });

  it('drops a whole log, and a new one starts again from 0', async () => {
    const memory = LocalMemory.open(directory());
    await memory.append(jobs, Buffer.from('x'));
    expect(await memory.dropLog(jobs)).toBe(true);
    expect(existsSync(join(directory(), 'lnr', 'acme', 'jobs'))).toBe(false);
    expect(await memory.dropLog(jobs)).toBe(false);
    expect(await memory.append(jobs, Buffer.from('y'))).toBe(0);
    await memory.close();
    await expect(memory.append(jobs, Buffer.from('z'))).rejects.toMatchObject({ sqlstate: '55000' });
  });
});
