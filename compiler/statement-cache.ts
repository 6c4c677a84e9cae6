/**
 * The session's statement cache (docs/compiler.md, "Statement cache"): the parsed
 * statements of a query text and, per statement, its compiled program and the
 * runner prepared from it (the compiled tier), so a repeated query skips parsing,
 * the catalog lookup, binding, compiling and preparing.
 *
 * This first version is keyed by the exact query text: the session passes no
 * declared parameter types (they are all inferred from the text), so the text
 * alone determines the programs. Lifting literals into parameters, so that
 * statements differing only in constants share a program, is a later step (it
 * belongs in the binder, docs/compiler.md "Bind").
 *
 * Bounded: least recently used texts are evicted past `entriesMax`. Invalidation is
 * the session's job: it clears the cache when it runs DDL itself. DDL run by another
 * gateway (or another session on its own Catalog) is NOT detected yet; a cached
 * program keeps the table layout it was compiled against until the catalog check in
 * programs lands.
 */
import { assert } from '../common/sql-error.js';
import type * as ast from '../parser/ast.js';
import type { ProgramRunner } from '../vm/engine.js';
import type { CompiledTableStatement } from './insert.js';

export const statementCacheEntriesMaxDefault = 1000;

/** A statement's compiled form and the runner prepared from it, made once. */
export interface CachedProgram {
  readonly compiled: CompiledTableStatement;
  readonly runner: ProgramRunner;
}

/** One query text: its statements, and the programs of those compiled so far (by statement index). */
export interface CachedText {
  readonly statements: readonly ast.Statement[];
  readonly programs: (CachedProgram | undefined)[];
}

export interface StatementCacheStats {
  /** Statements whose program came from the cache. */
  readonly hits: number;
  /** Statements compiled (and then cached). */
  readonly misses: number;
  /** Query texts evicted to stay within the bound. */
  readonly evictions: number;
  /** Times the whole cache was dropped (DDL). */
  readonly invalidations: number;
  readonly entries: number;
}

export class StatementCache {
  // A Map iterates in insertion order: re-inserting on use keeps the least recently used first.
  private readonly texts = new Map<string, CachedText>();
  private hits = 0;
  private misses = 0;
  private evictions = 0;
  private invalidations = 0;

  constructor(readonly entriesMax: number = statementCacheEntriesMaxDefault) {
    assert(Number.isInteger(entriesMax) && entriesMax >= 1, `statement cache bound ${entriesMax} must be a positive integer`);
  }

  /** The parsed statements of `sql`, parsing (with `parse`) and caching them on a miss. */
  text(sql: string, parse: (sql: string) => ast.Statement[]): CachedText {
    const cached = this.texts.get(sql);
    if (cached !== undefined) {
      this.texts.delete(sql);
      this.texts.set(sql, cached);
      return cached;
    }
    const statements = parse(sql);
    const entry: CachedText = { statements, programs: new Array<CachedProgram | undefined>(statements.length).fill(undefined) };
    this.texts.set(sql, entry);
    while (this.texts.size > this.entriesMax) {
      const oldest = this.texts.keys().next().value as string;
      this.texts.delete(oldest);
      this.evictions++;
    }
    assert(this.texts.size <= this.entriesMax, 'statement cache exceeds its bound');
    return entry;
  }

  /** The program of statement `index` of `text`, or undefined (counted as a miss: the caller compiles and stores it). */
  program(text: CachedText, index: number): CachedProgram | undefined {
    assert(index >= 0 && index < text.statements.length, `statement ${index} of ${text.statements.length}`);
    const program = text.programs[index];
    if (program === undefined) this.misses++;
    else this.hits++;
    return program;
  }

  store(text: CachedText, index: number, program: CachedProgram): void {
    assert(index >= 0 && index < text.statements.length, `statement ${index} of ${text.statements.length}`);
    text.programs[index] = program;
  }

  /** Drops every entry: the catalog changed under the programs. */
  invalidate(): void {
    this.texts.clear();
    this.invalidations++;
  }

  get stats(): StatementCacheStats {
    return { hits: this.hits, misses: this.misses, evictions: this.evictions, invalidations: this.invalidations, entries: this.texts.size };
  }
}
