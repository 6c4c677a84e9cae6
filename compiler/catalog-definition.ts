/**
 * Table definitions as the catalog stores them (DESIGN §5 "Catalog"): the shape,
 * the checks a definition passes before it is ever written, and its canonical
 * byte encoding.
 *
 * The encoding is canonical JSON — fixed key order, optional keys omitted rather
 * than null, no whitespace — as UTF-8. Canonical matters: the catalog changes only
 * by COMPARE&SWAP and caches are validated by COMPARE, both of which compare exact
 * bytes, so one definition must have exactly one encoding. Decoding checks the
 * round trip (decode → encode gives the same bytes) as well as every field.
 */
import { nameBytesMax, wordBytesMax } from '../common/limits.js';
import { SqlError, SqlState } from '../common/sql-error.js';
import { sqlTypeNames } from '../vm/sql-operations.js';
import { sqlTypes, type SqlType } from '../vm/sql-values.js';


/** PostgreSQL's MaxHeapAttributeNumber. */
export const tableColumnsMax = 1600;

/** Names starting with this belong to the system: `dm_catalog` and whatever comes after it. */
export const reservedNamePrefix = 'dm_';

/** Types a primary-key column may have: those with one canonical key text (float8: -0/NaN; jsonb: no order). */
const keyUnusableTypes: ReadonlySet<string> = new Set(['float8', 'jsonb']);


export interface ColumnDefinition {
  readonly name: string;
  readonly type: SqlType;
  readonly notNull: boolean;
  /** The SQL text of the DEFAULT expression; the compiler parses it where it is used. */
  readonly defaultExpression?: string | undefined;
}

/** Column positions (0-based) of the hashed key column and the optional sort-key column. */
export interface PrimaryKeyDefinition {
  readonly hashColumn: number;
  readonly sortColumn?: number | undefined;
}

/** A relation (table or queue) is 'dropping' from DROP's first CAS until its words are gone. */
export type RelationState = 'ready' | 'dropping';
export type TableState = RelationState;

export interface TableDefinition {
  readonly kind: 'table';
  readonly name: string;
  /** A random 16-hex-digit generation id: a dropped and re-created table gets a new one. */
  readonly id: string;
  /** Starts at 1; each change of the definition (later: ALTER TABLE) adds one. */
  readonly version: number;
  readonly columns: readonly ColumnDefinition[];
  readonly primaryKey: PrimaryKeyDefinition;
  readonly state: TableState;
}

/** What CREATE TABLE says; the catalog adds the id, the version and the state. */
export interface TableSpec {
  readonly name: string;
  readonly columns: readonly ColumnDefinition[];
  readonly primaryKey: PrimaryKeyDefinition;
}

const generationIdPattern = /^[0-9a-f]{16}$/;
const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

// ---------------------------------------------------------------------------
// Names

/** Checks the name of a user object (table or queue): a key component, not reserved. */
export function checkRelationName(name: string, what: 'table' | 'queue' = 'table'): void {
  checkIdentifier(name, what);
  if (name.startsWith(reservedNamePrefix)) {
    throw new SqlError(
      SqlState.reservedName,
      `${what} name "${name}" is reserved for the system`,
      `names starting with "${reservedNamePrefix}" are reserved for the system`,
    );
  }
}

/** A name must be usable as a key component, and is never silently truncated (unlike PostgreSQL). */
function checkIdentifier(name: string, what: string): void {
  if (typeof name !== 'string' || name.length === 0) {
    throw new SqlError(SqlState.invalidName, `${what} name must not be empty`);
  }
  if (name.includes('\u0000') || loneSurrogate.test(name)) {
    throw new SqlError(SqlState.characterNotInRepertoire, `${what} name "${name}" is not well-formed text`);
  }
  const bytes = Buffer.byteLength(name, 'utf8');
  if (bytes > nameBytesMax) {
    throw new SqlError(
      SqlState.nameTooLong,
      `${what} name "${name}" is ${bytes} bytes, over the limit of ${nameBytesMax} bytes`,
    );
  }
}

// ---------------------------------------------------------------------------
// Construction: every definition is checked before it exists

/**
 * Checks a definition and returns it normalized and frozen: primary-key columns
 * are NOT NULL implicitly (as in PostgreSQL). Errors use PostgreSQL's SQLSTATEs.
 */
export function makeTableDefinition(input: TableDefinition): TableDefinition {
  checkRelationName(input.name);
  checkGenerationId(input.id, 'table');
  if (!Number.isSafeInteger(input.version) || input.version < 1) {
    throw new SqlError(SqlState.invalidTableDefinition, `table version ${input.version} is not a positive integer`);
  }
  if (input.state !== 'ready' && input.state !== 'dropping') {
    throw new SqlError(SqlState.invalidTableDefinition, `unknown table state "${String(input.state)}"`);
  }
  checkColumns(input.columns);
  const { hashColumn, sortColumn } = input.primaryKey;
  const keyColumns = sortColumn === undefined ? [hashColumn] : [hashColumn, sortColumn];
  keyColumns.forEach((position) => checkKeyColumn(input.columns, position));
  if (sortColumn !== undefined && sortColumn === hashColumn) {
    const name = input.columns[hashColumn]!.name;
    throw new SqlError(SqlState.duplicateColumn, `column "${name}" appears twice in primary key constraint`);
  }
  const columns = input.columns.map((column, position) =>
    Object.freeze({
      name: column.name,
      type: column.type,
      notNull: column.notNull || keyColumns.includes(position),
      ...(column.defaultExpression === undefined ? {} : { defaultExpression: column.defaultExpression }),
    }),
  );
  return Object.freeze({
    kind: 'table',
    name: input.name,
    id: input.id,
    version: input.version,
    columns: Object.freeze(columns),
    primaryKey: Object.freeze(sortColumn === undefined ? { hashColumn } : { hashColumn, sortColumn }),
    state: input.state,
  });
}

export function checkGenerationId(id: unknown, what: 'table' | 'queue'): void {
  if (typeof id !== 'string' || !generationIdPattern.test(id)) {
    throw new SqlError(SqlState.invalidTableDefinition, `${what} generation id "${String(id)}" is not 16 hex digits`);
  }
}

function checkColumns(columns: readonly ColumnDefinition[]): void {
  if (!Array.isArray(columns) || columns.length === 0) {
    throw new SqlError(SqlState.invalidTableDefinition, 'a table needs at least one column (its primary key)');
  }
  if (columns.length > tableColumnsMax) {
    throw new SqlError(SqlState.tooManyColumns, `tables can have at most ${tableColumnsMax} columns`);
  }
  const seen = new Set<string>();
  for (const column of columns) {
    checkIdentifier(column.name, 'column');
    if (seen.has(column.name)) {
      throw new SqlError(SqlState.duplicateColumn, `column "${column.name}" specified more than once`);
    }
    seen.add(column.name);
    if (!(sqlTypes as readonly string[]).includes(column.type)) {
      throw new SqlError(SqlState.undefinedObject, `type "${String(column.type)}" does not exist`);
    }
    if (typeof column.notNull !== 'boolean') {
      throw new SqlError(SqlState.invalidTableDefinition, `column "${column.name}": notNull must be a boolean`);
    }
    if (column.defaultExpression !== undefined && typeof column.defaultExpression !== 'string') {
      throw new SqlError(SqlState.invalidTableDefinition, `column "${column.name}": the default must be SQL text`);
    }
  }
}

function checkKeyColumn(columns: readonly ColumnDefinition[], position: number): void {
  const column = Number.isInteger(position) && position >= 0 ? columns[position] : undefined;
  if (column === undefined) {
    throw new SqlError(SqlState.undefinedColumn, `column number ${position} named in key does not exist`);
  }
  if (keyUnusableTypes.has(column.type)) {
    throw new SqlError(
      SqlState.invalidTableDefinition,
      `column "${column.name}" of type ${sqlTypeNames[column.type]} cannot be part of a primary key`,
      'a key column must be integer, bigint, text, bytea, boolean or timestamp with time zone',
    );
  }
}

// ---------------------------------------------------------------------------
// Encoding

/** The canonical bytes of a definition; over one word → 54000 naming both sizes. */
export function encodeTableDefinition(definition: TableDefinition): Buffer {
  const canonical = {
    kind: definition.kind,
    name: definition.name,
    id: definition.id,
    version: definition.version,
    columns: definition.columns.map((column) => ({
      name: column.name,
      type: column.type,
      notNull: column.notNull,
      ...(column.defaultExpression === undefined ? {} : { defaultExpression: column.defaultExpression }),
    })),
    primaryKey:
      definition.primaryKey.sortColumn === undefined
        ? { hashColumn: definition.primaryKey.hashColumn }
        : { hashColumn: definition.primaryKey.hashColumn, sortColumn: definition.primaryKey.sortColumn },
    state: definition.state,
  };
  const bytes = Buffer.from(JSON.stringify(canonical), 'utf8');
  if (bytes.byteLength > wordBytesMax) {
    throw new SqlError(
      SqlState.programLimitExceeded,
      `definition of table "${definition.name}" is ${bytes.byteLength} bytes, over the limit of ${wordBytesMax} bytes`,
      'a table definition is stored as one word; use fewer or shorter columns and defaults',
    );
  }
  return bytes;
}

const tableKeys = ['kind', 'name', 'id', 'version', 'columns', 'primaryKey', 'state'];
const columnKeys = ['name', 'type', 'notNull', 'defaultExpression'];
const primaryKeyKeys = ['hashColumn', 'sortColumn'];

/**
 * A table definition from its parsed JSON (compiler/relation-definition.ts parses
 * and checks the round trip); `corrupted` makes the error for malformed fields.
 */
export function tableFromJson(parsed: unknown, corrupted: (reason: string) => SqlError): TableDefinition {
  if (!isRecord(parsed, tableKeys)) throw corrupted('not a table definition object');
  const columns = parsed['columns'];
  if (!Array.isArray(columns) || !columns.every((column) => isRecord(column, columnKeys))) {
    throw corrupted('malformed columns');
  }
  if (!isRecord(parsed['primaryKey'], primaryKeyKeys)) throw corrupted('malformed primary key');
  try {
    return makeTableDefinition(parsed as unknown as TableDefinition);
  } catch (error) {
    if (error instanceof SqlError) throw corrupted(error.message);
    throw error;
  }
}

/** An object (not an array) whose keys are all among `allowedKeys`. */
export function isRecord(value: unknown, allowedKeys: readonly string[]): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  return Object.keys(value).every((key) => allowedKeys.includes(key));
}
