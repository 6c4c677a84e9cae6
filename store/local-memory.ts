/**
 * The single-node Memory: the whole global memory lives in one node's rnd store.
 * This is what `dmachine start` runs on; the cluster's Memory replaces it without
 * the VM noticing.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { WordAddress } from './key.js';
import type { Memory, ScanPage, ScanRequest } from './memory.js';
import { RndStore } from './rnd-store.js';
import type { CasResult, Word } from './word.js';

export const rndStoreFileName = 'rnd.sqlite';

export class LocalMemory implements Memory {
  readonly store: RndStore;

  constructor(store: RndStore) {
    this.store = store;
  }

  /** Opens (creating if needed) the memory kept in a data directory. */
  static open(dataDirectory: string): LocalMemory {
    mkdirSync(dataDirectory, { recursive: true });
    return new LocalMemory(RndStore.open(join(dataDirectory, rndStoreFileName)));
  }

  // Reads are synchronous underneath; `async` turns a thrown error into a rejection
  // so callers see one failure path.

  async load(address: WordAddress): Promise<Word | undefined> {
    return this.store.load(address);
  }

  async compare(address: WordAddress, expected: Uint8Array | null): Promise<boolean> {
    return this.store.compare(address, expected);
  }

  async scan(request: ScanRequest): Promise<ScanPage> {
    return request.kind === 'sortKeyRange' ? this.store.scanSortKeys(request) : this.store.scanResource(request);
  }

  async write(address: WordAddress, value: Uint8Array): Promise<void> {
    return this.store.write(address, value);
  }

  async cas(address: WordAddress, expected: Uint8Array | null, next: Uint8Array | null): Promise<CasResult> {
    return this.store.cas(address, expected, next);
  }

  async delete(address: WordAddress): Promise<boolean> {
    return this.store.delete(address);
  }

  close(): Promise<void> {
    return this.store.close();
  }
}
