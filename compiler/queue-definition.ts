/**
 * Queue definitions as the catalog stores them, next to tables in the one
 * namespace of an account's relations (docs/queues.md, docs/catalog.md): the
 * settings CREATE QUEUE may give, their checks, and the canonical encoding
 * (canonical JSON, as table definitions: COMPARE and COMPARE&SWAP compare bytes).
 */
import { segmentBytesMaxDefault, wordBytesMax } from '../common/limits.js';
import { SqlError, SqlState } from '../common/sql-error.js';
import { checkGenerationId, checkRelationName, isRecord, type RelationState } from './catalog-definition.js';

export interface QueueSettings {
  /** How long READ hides a message when the statement gives no VISIBILITY. */
  readonly visibilitySeconds: number;
  /** The largest body ENQUEUE accepts, in UTF-8 bytes (54000 past it). */
  readonly bodyBytesMax: number;
  /**
   * A batch whose bodies add up to at most this many bytes is staged in its batch word instead
   * of an lnr record (docs/queues.md, "Staging"); 0 puts every batch in the log.
   */
  readonly stagedBytesMax: number;
}

export interface QueueDefinition {
  readonly kind: 'queue';
  readonly name: string;
  /** A random 16-hex-digit generation id: a dropped and re-created queue gets a new one. */
  readonly id: string;
  readonly version: number;
  readonly settings: QueueSettings;
  readonly state: RelationState;
}

export const queueVisibilitySecondsDefault = 30;
/** A message's body and its framing must fit one lnr record, and a batch of them a segment. */
export const queueBodyBytesMaxDefault = 64 * 1024;
/** Leases longer than a day are a mistake more often than a need (SQS allows 12 hours). */
export const queueVisibilitySecondsMax = 24 * 60 * 60;
export const queueBodyBytesMaxHighest = segmentBytesMaxDefault / 4;
/** Half a word: a staged batch's header and the bodies' own lengths always fit in the rest. */
export const queueStagedBytesMaxHighest = wordBytesMax / 2;

/** The settings CREATE QUEUE ... WITH (...) may name, with their bounds. */
export const queueSettingBounds: Readonly<Record<string, { key: keyof QueueSettings; lowest: number; highest: number }>> = {
  visibility: { key: 'visibilitySeconds', lowest: 0, highest: queueVisibilitySecondsMax },
  body_bytes_max: { key: 'bodyBytesMax', lowest: 1, highest: queueBodyBytesMaxHighest },
  staged_bytes_max: { key: 'stagedBytesMax', lowest: 0, highest: queueStagedBytesMaxHighest },
};

export const queueSettingsDefault: QueueSettings = Object.freeze({
  visibilitySeconds: queueVisibilitySecondsDefault,
  bodyBytesMax: queueBodyBytesMaxDefault,
  stagedBytesMax: queueStagedBytesMaxHighest,
});

/** Checks a definition and returns it frozen. */
export function makeQueueDefinition(input: QueueDefinition): QueueDefinition {
  checkRelationName(input.name, 'queue');
  checkGenerationId(input.id, 'queue');
  if (!Number.isSafeInteger(input.version) || input.version < 1) {
    throw new SqlError(SqlState.invalidTableDefinition, `queue version ${input.version} is not a positive integer`);
  }
  if (input.state !== 'ready' && input.state !== 'dropping') {
    throw new SqlError(SqlState.invalidTableDefinition, `unknown queue state "${String(input.state)}"`);
  }
  if (!isRecord(input.settings, ['visibilitySeconds', 'bodyBytesMax', 'stagedBytesMax'])) throw new SqlError(SqlState.invalidTableDefinition, 'malformed queue settings');
  // Queues defined before staging existed have no stagedBytesMax: they get the default.
  const given: Partial<QueueSettings> = input.settings;
  const settings: QueueSettings = { ...input.settings, stagedBytesMax: given.stagedBytesMax ?? queueSettingsDefault.stagedBytesMax };
  for (const [name, bound] of Object.entries(queueSettingBounds)) checkSetting(name, settings[bound.key]);
  return Object.freeze({
    kind: 'queue',
    name: input.name,
    id: input.id,
    version: input.version,
    settings: Object.freeze({
      visibilitySeconds: settings.visibilitySeconds,
      bodyBytesMax: settings.bodyBytesMax,
      stagedBytesMax: settings.stagedBytesMax,
    }),
    state: input.state,
  });
}

/** A setting's value, checked against its bounds (22023 outside them, 42704 for an unknown name). */
export function checkSetting(name: string, value: unknown): number {
  const bound = queueSettingBounds[name];
  if (bound === undefined) {
    throw new SqlError(SqlState.undefinedObject, `unrecognized queue setting "${name}"`, { hint: `settings are ${Object.keys(queueSettingBounds).join(', ')}` });
  }
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < bound.lowest || value > bound.highest) {
    throw new SqlError(SqlState.invalidParameterValue, `queue setting ${name} = ${String(value)} is out of range`, `${name} must be an integer from ${bound.lowest} to ${bound.highest}`);
  }
  return value;
}

/** The canonical bytes of a queue definition. */
export function encodeQueueDefinition(definition: QueueDefinition): Buffer {
  const canonical = {
    kind: definition.kind,
    name: definition.name,
    id: definition.id,
    version: definition.version,
    settings: {
      visibilitySeconds: definition.settings.visibilitySeconds,
      bodyBytesMax: definition.settings.bodyBytesMax,
      stagedBytesMax: definition.settings.stagedBytesMax,
    },
    state: definition.state,
  };
  const bytes = Buffer.from(JSON.stringify(canonical), 'utf8');
  if (bytes.byteLength > wordBytesMax) {
    throw new SqlError(SqlState.programLimitExceeded, `definition of queue "${definition.name}" is ${bytes.byteLength} bytes, over the limit of ${wordBytesMax} bytes`);
  }
  return bytes;
}

export const queueKeys = ['kind', 'name', 'id', 'version', 'settings', 'state'];
