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
import { checkRelationName, makeTableDefinition, type TableDefinition, type TableSpec } from './catalog-definition.js';
import { makeQueueDefinition, type QueueDefinition, type QueueSettings } from './queue-definition.js';
import { decodeRelation, encodeRelation, type RelationDefinition } from './relation-definition.js';

export * from './catalog-definition.js';
export * from './queue-definition.js';
export * from './relation-definition.js';

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

export type CreateResult<Definition extends RelationDefinition> =
  | { readonly created: true; readonly definition: Definition }
  /** IF NOT EXISTS found the name taken (by a table or a queue): the caller emits a NOTICE. */
  | { readonly created: false; readonly definition: RelationDefinition };
export type CreateTableResult = CreateResult<TableDefinition>;

export interface DropResult {
  /** False only for IF EXISTS on a missing relation: the caller emits a NOTICE. */
  readonly dropped: boolean;
  /** rnd words this call deleted (a resumed or concurrent drop may have deleted others). */
  readonly rowsDeleted: number;
}
export type DropTableResult = DropResult;

/** A cached catalog word: its exact bytes (null: known absent) and what they decode to. */
interface CacheEntry {
  readonly bytes: Buffer | null;
  readonly definition: RelationDefinition | undefined;
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
   * (or a name already taken, by a table or a queue) gets 42P07; a relation still
   * being dropped, 55006.
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
    return this.create(account, definition, options);
  }

  /** CREATE QUEUE [IF NOT EXISTS], as CREATE TABLE: the same namespace, the same COMPARE&SWAP from absent. */
  async createQueue(account: string, name: string, settings: QueueSettings, options: { ifNotExists?: boolean } = {}): Promise<CreateResult<QueueDefinition>> {
    const definition = makeQueueDefinition({ kind: 'queue', name, id: this.generationId(), version: 1, settings, state: 'ready' });
    return this.create(account, definition, options);
  }

  private async create<Definition extends RelationDefinition>(
    account: string,
    definition: Definition,
    options: { ifNotExists?: boolean },
  ): Promise<CreateResult<Definition>> {
    const bytes = encodeRelation(definition);
    const address = catalogAddress(account, definition.name);
    const result = await this.memory.cas(address, null, bytes);
    if (result.applied) {
      this.remember(address, bytes, definition);
      return { created: true, definition };
    }
    assert(result.current !== null, 'a COMPARE&SWAP from absent fails only over a word');
    const existing = decodeRelation(result.current, describe(account, definition.name));
    this.remember(address, result.current, existing);
    if (existing.state === 'dropping') throw beingDropped(existing);
    if (options.ifNotExists) return { created: false, definition: existing };
    throw new SqlError(SqlState.duplicateTable, `relation "${definition.name}" already exists`);
  }

  /**
   * DROP TABLE [IF EXISTS]: mark the definition 'dropping', delete every row word,
   * then remove the definition. Finding 'dropping' (a crashed or concurrent DROP)
   * resumes the deletion, so the operation is idempotent.
   */
  dropTable(account: string, name: string, options: { ifExists?: boolean } = {}): Promise<DropResult> {
    return this.drop(account, name, 'table', options);
  }

  /** DROP QUEUE [IF EXISTS], as DROP TABLE, deleting the queue's lnr log with its rnd words. */
  dropQueue(account: string, name: string, options: { ifExists?: boolean } = {}): Promise<DropResult> {
    return this.drop(account, name, 'queue', options);
  }

  private async drop(account: string, name: string, kind: RelationDefinition['kind'], options: { ifExists?: boolean }): Promise<DropResult> {
    checkRelationName(name, kind);
    const address = catalogAddress(account, name);
    const where = describe(account, name);
    let current: Buffer | null = (await this.memory.load(address))?.value ?? null;
    let dropping: Buffer | undefined;
    for (let attempt = 0; dropping === undefined; attempt++) {
      if (current === null) {
        this.remember(address, null, undefined);
        if (options.ifExists) return { dropped: false, rowsDeleted: 0 };
        throw relationMissing(kind, name);
      }
      const definition = decodeRelation(current, where);
      if (definition.kind !== kind) throw wrongKind(name, kind);
      if (definition.state === 'dropping') {
        dropping = current;
        break;
      }
      if (attempt >= catalogCasAttemptsMax) throw contended(definition);
      const marked = encodeRelation({ ...definition, state: 'dropping' });
      const result = await this.memory.cas(address, current, marked);
      if (result.applied) dropping = marked;
      else current = result.current;
    }
    this.remember(address, dropping, decodeRelation(dropping, where));
    const rowsDeleted = await this.deleteRows(account, name, kind);
    if (kind === 'queue') await this.memory.dropLog({ account, resource: name });
    // Failing here means another DROP finished first (and maybe a CREATE followed):
    // either way this generation is gone, which is what was asked.
    await this.memory.cas(address, dropping, null);
    this.cache.delete(formatAddress(address));
    return { dropped: true, rowsDeleted };
  }

  /**
   * The definition of a ready table, or undefined (a table being dropped does not
   * exist: the caller reports 42P01; a queue of that name is not a table either).
   */
  async lookupTable(account: string, name: string): Promise<TableDefinition | undefined> {
    const relation = await this.lookupRelation(account, name);
    return relation?.kind === 'table' ? relation : undefined;
  }

  /** The definition of a ready table or queue, or undefined. A cached definition costs one COMPARE. */
  async lookupRelation(account: string, name: string): Promise<RelationDefinition | undefined> {
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
    // Statements compile against this definition: it must not be DDL a crash could still undo.
    await this.memory.durable();
    const definition = bytes === null ? undefined : decodeRelation(bytes, describe(account, name));
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
        const definition = decodeRelation(word.value, describe(account, word.address.primaryKey));
        if (definition.kind === 'table' && definition.state === 'ready') tables.push(definition);
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
  private async deleteRows(account: string, name: string, kind: RelationDefinition['kind']): Promise<number> {
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
      `${kind} "${name}" is still being written while it is dropped`,
      `retry DROP ${kind.toUpperCase()} once the statements writing to it have finished; the ${kind} stays dropped meanwhile`,
    );
  }

  private generationId(): string {
    const bytes = this.random(8);
    assert(bytes.byteLength === 8, 'the random source returns the bytes asked for');
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
  }

  private remember(address: WordAddress, bytes: Buffer | null, definition: RelationDefinition | undefined): void {
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

function readyOnly(definition: RelationDefinition | undefined): RelationDefinition | undefined {
  return definition?.state === 'ready' ? definition : undefined;
}

function describe(account: string, name: string): string {
  return `"${name}" of account "${account}"`;
}

function relationMissing(kind: RelationDefinition['kind'], name: string): SqlError {
  return new SqlError(SqlState.undefinedTable, `${kind} "${name}" does not exist`);
}

/** DROP TABLE of a queue, or DROP QUEUE of a table: PostgreSQL's 42809 `"v" is not a table`, with its hint. */
function wrongKind(name: string, kind: RelationDefinition['kind']): SqlError {
  const other = kind === 'table' ? 'queue' : 'table';
  return new SqlError('42809', `"${name}" is not a ${kind}`, { hint: `Use DROP ${other.toUpperCase()} to remove a ${other}.` });
}

function beingDropped(definition: RelationDefinition): SqlError {
  const what = definition.kind;
  return new SqlError(
    SqlState.objectInUse,
    `${what} "${definition.name}" is being dropped`,
    `retry once the DROP ${what.toUpperCase()} has finished; DROP ${what.toUpperCase()} resumes an interrupted drop`,
  );
}

function contended(definition: RelationDefinition): SqlError {
  return new SqlError(
    SqlState.objectInUse,
    `the definition of ${definition.kind} "${definition.name}" kept changing during DROP ${definition.kind.toUpperCase()}`,
    'retry the statement',
  );
}
