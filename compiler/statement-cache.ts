/**
 * The session's statement cache (docs/compiler.md, "Statement cache"), in two
 * levels:
 *
 * - by exact query text: its parsed statements and, per statement, the program it
 *   runs with the literal values lifted out of this text, so a repeated query
 *   skips parsing too;
 * - by lifted statement (compiler/literal-lifting.ts): the compiled program and the
 *   runner prepared from it (the compiled tier), shared by every text that differs
 *   only in lifted literals, so `... WHERE id = 7` and `... WHERE id = 8` compile once.
 *
 * Both are bounded: least recently used entries are evicted past `entriesMax`.
 * Invalidation is the session's job: it clears the cache when it runs DDL itself,
 * and when a program's catalog check finds the table changed by DDL elsewhere.
 */
import { assert } from '../common/sql-error.js';
import type * as ast from '../parser/ast.js';
import type { ProgramRunner } from '../vm/engine.js';
import type { CompiledTableStatement } from './insert.js';
import type { SqlType } from '../vm/sql-values.js';
import type { LiftedLiteral } from './literal-lifting.js';

export const statementCacheEntriesMaxDefault = 1000;

/** A statement's compiled form and the runner prepared from it, made once. */
export interface CachedProgram {
  readonly compiled: CompiledTableStatement;
  readonly runner: ProgramRunner;
}

/** A statement of one query text: the (shared) program it runs and the literals lifted from this text. */
export interface CachedStatement {
  readonly program: CachedProgram;
  readonly literals: readonly LiftedLiteral[];
}

/** One query text: its statements, and those prepared so far (by statement index). */
export interface CachedText {
  readonly statements: readonly ast.Statement[];
  readonly prepared: (CachedStatement | undefined)[];
}

export interface StatementCacheStats {
  /** Statements of a repeated query text: neither parsed nor compiled. */
  readonly hits: number;
  /** Statements of a new text that run a program compiled for other literals. */
  readonly sharedHits: number;
  /** Statements compiled (and then cached). */
  readonly misses: number;
  /** Query texts evicted to stay within the bound. */
  readonly evictions: number;
  /** Times the whole cache was dropped (DDL). */
  readonly invalidations: number;
  /** Query texts held. */
  readonly entries: number;
  /** Compiled programs held. */
  readonly programs: number;
}

export class StatementCache {
  private readonly texts = new Map<string, CachedText>();
  private readonly programs = new Map<string, CachedProgram>();
  private hits = 0;
  private sharedHits = 0;
  private misses = 0;
  private evictions = 0;
  private invalidations = 0;

  constructor(readonly entriesMax: number = statementCacheEntriesMaxDefault) {
    assert(Number.isInteger(entriesMax) && entriesMax >= 1, `statement cache bound ${entriesMax} must be a positive integer`);
  }

  /** The parsed statements of `sql` (with these declared parameter types), parsing (with `parse`) and caching them on a miss. */
  text(sql: string, parse: (sql: string) => ast.Statement[], declared: readonly (SqlType | undefined)[] = []): CachedText {
    const key = declared.length === 0 ? sql : `${declared.map((type) => type ?? '').join(',')}\0${sql}`;
    const cached = used(this.texts, key);
    if (cached !== undefined) return cached;
    const statements = parse(sql);
    const entry: CachedText = { statements, prepared: new Array<CachedStatement | undefined>(statements.length).fill(undefined) };
    this.evictions += remember(this.texts, key, entry, this.entriesMax);
    return entry;
  }

  /** Statement `index` of `text` as prepared before, or undefined (the caller looks for its program and stores it). */
  statement(text: CachedText, index: number): CachedStatement | undefined {
    assert(index >= 0 && index < text.statements.length, `statement ${index} of ${text.statements.length}`);
    const prepared = text.prepared[index];
    if (prepared !== undefined) this.hits++;
    return prepared;
  }

  /** The program compiled for a lifted statement's key, or undefined (counted as a miss: the caller compiles and stores it). */
  program(key: string): CachedProgram | undefined {
    const program = used(this.programs, key);
    if (program === undefined) this.misses++;
    else this.sharedHits++;
    return program;
  }

  store(text: CachedText, index: number, prepared: CachedStatement, key: string): void {
    assert(index >= 0 && index < text.statements.length, `statement ${index} of ${text.statements.length}`);
    text.prepared[index] = prepared;
    this.evictions += remember(this.programs, key, prepared.program, this.entriesMax);
  }

  /** Drops every entry: the catalog changed under the programs. */
  invalidate(): void {
    this.texts.clear();
    this.programs.clear();
    this.invalidations++;
  }

  get stats(): StatementCacheStats {
    const { hits, sharedHits, misses, evictions, invalidations } = this;
    return { hits, sharedHits, misses, evictions, invalidations, entries: this.texts.size, programs: this.programs.size };
  }
}

/** The entry, moved to the most recently used end (a Map iterates in insertion order). */
function used<T>(map: Map<string, T>, key: string): T | undefined {
  const value = map.get(key);
  if (value !== undefined) {
    map.delete(key);
    map.set(key, value);
  }
  return value;
}

/** Stores the entry and evicts the least recently used past `entriesMax`; how many were evicted. */
function remember<T>(map: Map<string, T>, key: string, value: T, entriesMax: number): number {
  map.delete(key);
  map.set(key, value);
  let evicted = 0;
  while (map.size > entriesMax) {
    map.delete(map.keys().next().value as string);
    evicted++;
  }
  assert(map.size <= entriesMax, 'statement cache exceeds its bound');
  return evicted;
}
