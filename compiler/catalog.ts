/**
 * The catalog: table definitions kept as words in the global memory itself
 * (DESIGN §5 "Catalog"), so every gateway sees one catalog and DDL races are
 * settled by COMPARE&SWAP. See docs/catalog.md.
 *
 * The definition of table `t` of an account is the word `account/dm_catalog/rnd/t`
 * (no sort key); its rows are the words of resource `t`, type rnd. Tables and
 * (later) queues share this one namespace, like PostgreSQL relations.
 *
 * Life of a definition word:
 *
 *     absent ──CREATE (CAS absent→ready)──▶ ready
 *     ready ──DROP (CAS ready→dropping)──▶ dropping ──delete every row──▶
 *     dropping ──CAS dropping→absent──▶ absent
 *
 * CREATE refuses while the word says 'dropping' (55006), and the word disappears
 * only after the rows are gone, so a re-created table never sees an old row.
 *
 * Each Catalog keeps a per-process cache of definitions with their exact bytes;
 * a lookup re-validates the cached bytes with one COMPARE and reloads on mismatch.
 */
import { randomBytes } from 'node:crypto';
import { SqlError, SqlState, assert } from '../common/sql-error.js';
import { formatAddress, wordAddress, type WordAddress } from '../store/key.js';
import type { Memory, ScanCursor } from '../store/memory.js';
import {
  checkRelationName,
  decodeTableDefinition,
  encodeTableDefinition,
  makeTableDefinition,
  type TableDefinition,
  type TableSpec,
} from './catalog-definition.js';

export * from './catalog-definition.js';

/** The resource holding every catalog word of an account. */
export const catalogResource = 'dm_catalog';

/** Row words one DROP scan page reads and deletes at once (deletes of a page run concurrently). */
export const dropPageWordsMax = 256;

/**
 * Full passes over a dropping table's rows before DROP gives up. A pass that
 * finds nothing ends the drop; more passes are needed only while statements
 * compiled before the DROP still write rows (see docs/catalog.md).
 */
export const dropPassesMax = 8;

/** COMPARE&SWAP attempts on one catalog word before a DDL statement gives up. */
export const catalogCasAttemptsMax = 16;

/** Catalog words one listTables scan page reads. */
export const listPageWordsMax = 1000;

/** Definitions (and known absences) a Catalog caches; the oldest is evicted beyond this. */
export const catalogCacheEntriesMax = 10_000;

/** The injected source of randomness (STYLE 11): `count` random bytes. */
export type RandomSource = (count: number) => Uint8Array;

export interface CatalogOptions {
  readonly memory: Memory;
  /** For generation ids; defaults to node:crypto. */
  readonly random?: RandomSource | undefined;
  readonly cacheEntriesMax?: number | undefined;
}

export interface CatalogCounters {
  /** Lookups answered from the cache after one COMPARE said it is current. */
  hits: number;
  /** Lookups of a name not cached: one LOAD. */
  misses: number;
  /** Lookups whose cached bytes were stale (another gateway changed the word): COMPARE then LOAD. */
  reloads: number;
}

export type CreateTableResult =
  | { readonly created: true; readonly definition: TableDefinition }
  /** IF NOT EXISTS found the name taken: the caller emits a NOTICE. */
  | { readonly created: false; readonly definition: TableDefinition };

export interface DropTableResult {
  /** False only for IF EXISTS on a missing table: the caller emits a NOTICE. */
  readonly dropped: boolean;
  /** Row words this call deleted (a resumed or concurrent drop may have deleted others). */
  readonly rowsDeleted: number;
}

/** A cached catalog word: its exact bytes (null: known absent) and what they decode to. */
interface CacheEntry {
  readonly bytes: Buffer | null;
  readonly definition: TableDefinition | undefined;
}

export class Catalog {
  readonly counters: CatalogCounters = { hits: 0, misses: 0, reloads: 0 };
  private readonly memory: Memory;
  private readonly random: RandomSource;
  private readonly cacheEntriesMax: number;
  /** Keyed by the catalog word's textual key, which includes the account. */
  private readonly cache = new Map<string, CacheEntry>();

  constructor(options: CatalogOptions) {
    this.memory = options.memory;
    this.random = options.random ?? randomBytes;
    this.cacheEntriesMax = options.cacheEntriesMax ?? catalogCacheEntriesMax;
    assert(this.cacheEntriesMax >= 1, 'the catalog cache holds at least one entry');
  }

  /**
   * CREATE TABLE [IF NOT EXISTS]: one COMPARE&SWAP from absent. The loser of a race
   * (or a name already taken) gets 42P07; a table still being dropped, 55006.
   */
  async createTable(account: string, spec: TableSpec, options: { ifNotExists?: boolean } = {}): Promise<CreateTableResult> {
    const definition = makeTableDefinition({
      kind: 'table',
      name: spec.name,
      id: this.generationId(),
      version: 1,
      columns: spec.columns,
      primaryKey: spec.primaryKey,
      state: 'ready',
    });
    const bytes = encodeTableDefinition(definition);
    const address = catalogAddress(account, definition.name);
    const result = await this.memory.cas(address, null, bytes);
    if (result.applied) {
      this.remember(address, bytes, definition);
      return { created: true, definition };
    }
    assert(result.current !== null, 'a COMPARE&SWAP from absent fails only over a word');
    const existing = decodeTableDefinition(result.current, describe(account, definition.name));
    this.remember(address, result.current, existing);
    if (existing.state === 'dropping') throw beingDropped(definition.name);
    if (options.ifNotExists) return { created: false, definition: existing };
    throw new SqlError(SqlState.duplicateTable, `relation "${definition.name}" already exists`);
  }

  /**
   * DROP TABLE [IF EXISTS]: mark the definition 'dropping', delete every row word,
   * then remove the definition. Finding 'dropping' (a crashed or concurrent DROP)
   * resumes the deletion, so the operation is idempotent.
   */
  async dropTable(account: string, name: string, options: { ifExists?: boolean } = {}): Promise<DropTableResult> {
    checkRelationName(name);
    const address = catalogAddress(account, name);
    const where = describe(account, name);
    let current: Buffer | null = (await this.memory.load(address))?.value ?? null;
    let dropping: Buffer | undefined;
    for (let attempt = 0; dropping === undefined; attempt++) {
      if (current === null) {
        this.remember(address, null, undefined);
        if (options.ifExists) return { dropped: false, rowsDeleted: 0 };
        throw tableMissing(name);
      }
      const definition = decodeTableDefinition(current, where);
      if (definition.state === 'dropping') {
        dropping = current;
        break;
      }
      if (attempt >= catalogCasAttemptsMax) throw contended(name);
      const marked = encodeTableDefinition({ ...definition, state: 'dropping' });
      const result = await this.memory.cas(address, current, marked);
      if (result.applied) dropping = marked;
      else current = result.current;
    }
    this.remember(address, dropping, decodeTableDefinition(dropping, where));
    const rowsDeleted = await this.deleteRows(account, name);
    // Failing here means another DROP finished first (and maybe a CREATE followed):
    // either way this table generation is gone, which is what was asked.
    await this.memory.cas(address, dropping, null);
    this.cache.delete(formatAddress(address));
    return { dropped: true, rowsDeleted };
  }

  /**
   * The definition of a ready table, or undefined (a table being dropped does not
   * exist: the caller reports 42P01). A cached definition costs one COMPARE.
   */
  async lookupTable(account: string, name: string): Promise<TableDefinition | undefined> {
    const address = catalogAddress(account, name);
    const key = formatAddress(address);
    const cached = this.cache.get(key);
    if (cached !== undefined) {
      if (await this.memory.compare(address, cached.bytes)) {
        this.counters.hits++;
        this.remember(address, cached.bytes, cached.definition);
        return readyOnly(cached.definition);
      }
      this.counters.reloads++;
    } else {
      this.counters.misses++;
    }
    const bytes = (await this.memory.load(address))?.value ?? null;
    const definition = bytes === null ? undefined : decodeTableDefinition(bytes, describe(account, name));
    this.remember(address, bytes, definition);
    return readyOnly(definition);
  }

  /** Every ready table of an account, by name (for `\d`): a scan of its dm_catalog resource. */
  async listTables(account: string): Promise<TableDefinition[]> {
    const tables: TableDefinition[] = [];
    let after: ScanCursor | undefined;
    do {
      const page = await this.memory.scan({
        kind: 'resource',
        account,
        resource: catalogResource,
        resourceType: 'rnd',
        limit: listPageWordsMax,
        after,
      });
      for (const word of page.words) {
        const definition = decodeTableDefinition(word.value, describe(account, word.address.primaryKey));
        if (definition.state === 'ready') tables.push(definition);
      }
      after = page.next;
    } while (after !== undefined);
    return tables.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** Forgets every cached definition (tests; or a gateway that wants to start cold). */
  clearCache(): void {
    this.cache.clear();
  }

  /**
   * Deletes every row word of a table, page by page. Passes repeat until one
   * finds no row, catching rows written during the previous pass by statements
   * that read the definition before it was marked 'dropping'.
   */
  private async deleteRows(account: string, name: string): Promise<number> {
    let deleted = 0;
    for (let pass = 0; pass < dropPassesMax; pass++) {
      let found = 0;
      let after: ScanCursor | undefined;
      do {
        const page = await this.memory.scan({
          kind: 'resource',
          account,
          resource: name,
          resourceType: 'rnd',
          limit: dropPageWordsMax,
          after,
        });
        found += page.words.length;
        const results = await Promise.all(page.words.map((word) => this.memory.delete(word.address)));
        deleted += results.filter(Boolean).length;
        after = page.next;
      } while (after !== undefined);
      if (found === 0) return deleted;
    }
    throw new SqlError(
      SqlState.objectInUse,
      `table "${name}" is still being written while it is dropped`,
      'retry DROP TABLE once the statements writing to it have finished; the table stays dropped meanwhile',
    );
  }

  private generationId(): string {
    const bytes = this.random(8);
    assert(bytes.byteLength === 8, 'the random source returns the bytes asked for');
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
  }

  private remember(address: WordAddress, bytes: Buffer | null, definition: TableDefinition | undefined): void {
    const key = formatAddress(address);
    this.cache.delete(key); // re-inserting moves the entry to the young end: least recently used goes first
    this.cache.set(key, { bytes, definition });
    if (this.cache.size > this.cacheEntriesMax) {
      const oldest = this.cache.keys().next().value as string;
      this.cache.delete(oldest);
    }
  }
}

/** The word holding the definition of `name` in an account's catalog. */
export function catalogAddress(account: string, name: string): WordAddress {
  return wordAddress({ account, resource: catalogResource, resourceType: 'rnd', primaryKey: name });
}

function readyOnly(definition: TableDefinition | undefined): TableDefinition | undefined {
  return definition?.state === 'ready' ? definition : undefined;
}

function describe(account: string, name: string): string {
  return `"${name}" of account "${account}"`;
}

function tableMissing(name: string): SqlError {
  return new SqlError(SqlState.undefinedTable, `table "${name}" does not exist`);
}

function beingDropped(name: string): SqlError {
  return new SqlError(
    SqlState.objectInUse,
    `table "${name}" is being dropped`,
    'retry once the DROP TABLE has finished; DROP TABLE resumes an interrupted drop',
  );
}

function contended(name: string): SqlError {
  return new SqlError(
    SqlState.objectInUse,
    `the definition of table "${name}" kept changing during DROP TABLE`,
    'retry the statement',
  );
}
