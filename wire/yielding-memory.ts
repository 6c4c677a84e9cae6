/**
 * A Memory that hands the event loop back every few operations. The local memory answers
 * from SQLite synchronously, so a long statement would otherwise run as one unbroken
 * chain of microtasks: no socket would be read (a CancelRequest, other sessions) and no
 * timer would fire (statement_timeout) until it ended. Yielding at a macrotask boundary
 * every `operationsPerYield` operations keeps the server responsive at a small cost.
 */
import type { WordAddress } from '../store/key.js';
import type { LogAddress, Memory, ScanPage, ScanRequest } from '../store/memory.js';
import type { CasResult, Word } from '../store/word.js';

export const operationsPerYield = 64;

export class YieldingMemory implements Memory {
  private operations = 0;

  constructor(private readonly inner: Memory) {}

  private async turn(): Promise<void> {
    if (++this.operations % operationsPerYield === 0) await new Promise<void>((resolve) => setImmediate(resolve));
  }

  async load(address: WordAddress): Promise<Word | undefined> {
    await this.turn();
    return this.inner.load(address);
  }

  async write(address: WordAddress, value: Uint8Array): Promise<void> {
    await this.turn();
    return this.inner.write(address, value);
  }

  async compare(address: WordAddress, expected: Uint8Array | null): Promise<boolean> {
    await this.turn();
    return this.inner.compare(address, expected);
  }

  async cas(address: WordAddress, expected: Uint8Array | null, next: Uint8Array | null): Promise<CasResult> {
    await this.turn();
    return this.inner.cas(address, expected, next);
  }

  async delete(address: WordAddress): Promise<boolean> {
    await this.turn();
    return this.inner.delete(address);
  }

  async scan(request: ScanRequest): Promise<ScanPage> {
    await this.turn();
    return this.inner.scan(request);
  }

  async append(log: LogAddress, payload: Uint8Array): Promise<number> {
    await this.turn();
    return this.inner.append(log, payload);
  }

  async readRecord(log: LogAddress, record: number): Promise<Uint8Array | undefined> {
    await this.turn();
    return this.inner.readRecord(log, record);
  }

  async dropRecordsBefore(log: LogAddress, record: number): Promise<number> {
    await this.turn();
    return this.inner.dropRecordsBefore(log, record);
  }

  async dropLog(log: LogAddress): Promise<boolean> {
    await this.turn();
    return this.inner.dropLog(log);
  }

  durable(): Promise<void> {
    return this.inner.durable();
  }

  session(): Memory {
    return new YieldingMemory(this.inner.session());
  }
}
