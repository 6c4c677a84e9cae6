/**
 * The catalog word of a relation — a table or a queue, one namespace per account,
 * as PostgreSQL's relations — decoded by its `kind`.
 *
 * Anything malformed — not JSON, an unknown kind, a missing or extra field, a
 * definition that would not pass construction, a non-canonical encoding — is
 * XX001: the catalog word is corrupted, not the user's input. Bytes that are not
 * what their definition encodes to would defeat COMPARE&SWAP, so they count as
 * corruption too.
 */
import { SqlError, SqlState } from '../common/sql-error.js';
import { encodeTableDefinition, isRecord, tableFromJson, type TableDefinition } from './catalog-definition.js';
import { encodeQueueDefinition, makeQueueDefinition, queueKeys, type QueueDefinition } from './queue-definition.js';

export type RelationDefinition = TableDefinition | QueueDefinition;

export function encodeRelation(definition: RelationDefinition): Buffer {
  return definition.kind === 'table' ? encodeTableDefinition(definition) : encodeQueueDefinition(definition);
}

export function decodeRelation(bytes: Uint8Array, where: string): RelationDefinition {
  const corrupted = (reason: string): SqlError => new SqlError(SqlState.dataCorrupted, `catalog entry ${where} is corrupted: ${reason}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    throw corrupted('not UTF-8 JSON');
  }
  const kind = typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>)['kind'] : undefined;
  let definition: RelationDefinition;
  if (kind === 'table') definition = tableFromJson(parsed, corrupted);
  else if (kind === 'queue') definition = queueFromJson(parsed, corrupted);
  else throw corrupted(kind === undefined ? 'not a definition object' : `unknown kind ${JSON.stringify(kind)}`);
  if (Buffer.compare(encodeRelation(definition), bytes) !== 0) throw corrupted('not in canonical form');
  return definition;
}

/** A table's catalog word; a queue there is corruption for a caller that knows it holds a table. */
export function decodeTableDefinition(bytes: Uint8Array, where: string): TableDefinition {
  const definition = decodeRelation(bytes, where);
  if (definition.kind !== 'table') throw new SqlError(SqlState.dataCorrupted, `catalog entry ${where} is corrupted: a ${definition.kind}, not a table`);
  return definition;
}

function queueFromJson(parsed: unknown, corrupted: (reason: string) => SqlError): QueueDefinition {
  if (!isRecord(parsed, queueKeys)) throw corrupted('not a queue definition object');
  try {
    return makeQueueDefinition(parsed as unknown as QueueDefinition);
  } catch (error) {
    if (error instanceof SqlError) throw corrupted(error.message);
    throw error;
  }
}
