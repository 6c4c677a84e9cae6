/**
 * The settings a session has (SET / SHOW / RESET, startup parameters), as one table: name,
 * default, whether the server reports it with ParameterStatus, and how a new value is
 * checked. dmachine computes in UTC with ISO output and UTF-8, so most settings accept
 * only the values that describe what it already does; docs/wire.md lists them.
 */
import { SqlError } from '../common/sql-error.js';

/** The PostgreSQL version clients are told (DESIGN §6: 15.x deliberately). */
export const serverVersion = '15.0';

/** statement_timeout bound: PostgreSQL's INT_MAX milliseconds. */
export const statementTimeoutMillisecondsMax = 2_147_483_647;

export interface SettingDefinition {
  /** As PostgreSQL spells it (DateStyle, TimeZone): the name ParameterStatus and SHOW use. */
  readonly name: string;
  readonly description: string;
  /** Sent as ParameterStatus at startup and whenever it changes. */
  readonly reported: boolean;
  /** undefined: read-only (55P02 on SET). Returns the value as SHOW prints it. */
  readonly check?: (value: string) => string;
}

function cannotChange(name: string): SqlError {
  return new SqlError('55P02', `parameter "${name}" cannot be changed`);
}

function invalidValue(name: string, value: string, hint?: string): SqlError {
  return new SqlError('22023', `invalid value for parameter "${name}": "${value}"`, hint === undefined ? undefined : { hint });
}

/** statement_timeout as milliseconds: an integer (ms) or with a unit (ms, s, min, h). */
export function parseMilliseconds(value: string): number | undefined {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|min|h|d)?\s*$/i.exec(value);
  if (match === null) return undefined;
  const factor = { ms: 1, s: 1000, min: 60_000, h: 3_600_000, d: 86_400_000 }[(match[2] ?? 'ms').toLowerCase() as 'ms'];
  const milliseconds = Math.round(Number(match[1]) * factor);
  return milliseconds <= statementTimeoutMillisecondsMax ? milliseconds : undefined;
}

function formatMilliseconds(milliseconds: number): string {
  if (milliseconds === 0) return '0';
  if (milliseconds % 3_600_000 === 0) return `${milliseconds / 3_600_000}h`;
  if (milliseconds % 60_000 === 0) return `${milliseconds / 60_000}min`;
  if (milliseconds % 1000 === 0) return `${milliseconds / 1000}s`;
  return `${milliseconds}ms`;
}

const definitions: readonly SettingDefinition[] = [
  { name: 'application_name', description: 'Sets the application name to be reported.', reported: true, check: (value) => value },
  {
    name: 'client_encoding',
    description: 'Sets the client-side encoding (UTF8 only).',
    reported: true,
    check: (value) => {
      if (/^(utf-?8|unicode|sql_ascii)$/i.test(value.trim())) return 'UTF8';
      throw new SqlError('0A000', `conversion between ${value} and UTF8 is not supported`, { hint: 'dmachine speaks UTF8 only.' });
    },
  },
  {
    name: 'DateStyle',
    description: 'Sets the display format for date and time values (ISO only).',
    reported: true,
    check: (value) => {
      const parts = value.split(',').map((part) => part.trim().toUpperCase());
      if (!parts.every((part) => ['ISO', 'MDY', 'DMY', 'YMD', 'US', 'EURO', 'EUROPEAN', 'NONEURO', 'NONEUROPEAN', 'DEFAULT'].includes(part))) {
        throw invalidValue('DateStyle', value);
      }
      if (parts.some((part) => part === 'US' || part === 'EURO')) throw invalidValue('DateStyle', value, 'dmachine prints dates in ISO format only.');
      const order = parts.find((part) => part === 'DMY' || part === 'YMD') ?? 'MDY';
      return `ISO, ${order}`;
    },
  },
  { name: 'extra_float_digits', description: 'Accepted for compatibility: float8 output is always the shortest exact form.', reported: false, check: integerIn('extra_float_digits', -15, 3) },
  { name: 'integer_datetimes', description: 'Shows whether datetimes are integer based.', reported: true },
  { name: 'IntervalStyle', description: 'Sets the display format for interval values.', reported: true, check: (value) => {
    if (value.toLowerCase() !== 'postgres') throw invalidValue('IntervalStyle', value);
    return 'postgres';
  } },
  { name: 'is_superuser', description: 'Shows whether the current user is the administrator.', reported: true },
  { name: 'search_path', description: 'Accepted for compatibility: every table is in the user\'s own namespace.', reported: false, check: (value) => value },
  { name: 'server_encoding', description: 'Shows the server (database) character set encoding.', reported: true },
  { name: 'server_version', description: 'Shows the server version.', reported: true },
  { name: 'session_authorization', description: 'Shows the session user name.', reported: true },
  { name: 'standard_conforming_strings', description: "Causes '...' strings to treat backslashes literally (on only).", reported: true, check: (value) => {
    if (/^(on|true|yes|1)$/i.test(value)) return 'on';
    throw new SqlError('0A000', 'standard_conforming_strings cannot be turned off');
  } },
  {
    name: 'statement_timeout',
    description: 'Sets the maximum allowed duration of any statement (0 turns this off).',
    reported: false,
    check: (value) => {
      const milliseconds = parseMilliseconds(value);
      if (milliseconds === undefined) throw invalidValue('statement_timeout', value, 'Valid units are "ms", "s", "min", "h" and "d".');
      return formatMilliseconds(milliseconds);
    },
  },
  { name: 'TimeZone', description: 'Sets the time zone for displaying and interpreting time stamps (UTC only).', reported: true, check: (value) => {
    if (/^(utc|gmt|etc\/utc|etc\/gmt|z|zulu|universal|0|\+?0?0(:00)?)$/i.test(value.trim())) return 'UTC';
    throw invalidValue('TimeZone', value, 'dmachine computes in UTC only.');
  } },
  { name: 'transaction_isolation', description: 'Shows the isolation of a statement: each statement is atomic per row.', reported: false },
];

function integerIn(name: string, low: number, high: number): (value: string) => string {
  return (value) => {
    const number = Number(value);
    if (!Number.isInteger(number) || number < low || number > high) throw invalidValue(name, value, `Between ${low} and ${high}.`);
    return String(number);
  };
}

export const settingDefinitions: ReadonlyMap<string, SettingDefinition> = new Map(
  definitions.map((definition) => [definition.name.toLowerCase(), definition]),
);

/** The values a session starts from; `user` and `admin` fill the read-only ones. */
function defaults(user: string, admin: boolean): Map<string, string> {
  return new Map([
    ['application_name', ''],
    ['client_encoding', 'UTF8'],
    ['datestyle', 'ISO, MDY'],
    ['extra_float_digits', '1'],
    ['integer_datetimes', 'on'],
    ['intervalstyle', 'postgres'],
    ['is_superuser', admin ? 'on' : 'off'],
    ['search_path', '"$user", public'],
    ['server_encoding', 'UTF8'],
    ['server_version', serverVersion],
    ['session_authorization', user],
    ['standard_conforming_strings', 'on'],
    ['statement_timeout', '0'],
    ['timezone', 'UTC'],
    ['transaction_isolation', 'read committed'],
  ]);
}

/** One session's settings. Custom settings with a dot (`app.tenant`) are kept as given, as PostgreSQL does. */
export class SessionSettings {
  private readonly values: Map<string, string>;
  private readonly initial: Map<string, string>;
  /** Reported settings changed since the last `takeChangedReported`. */
  private readonly changed = new Set<string>();

  constructor(user: string, admin: boolean, statementTimeoutMilliseconds = 0) {
    this.values = defaults(user, admin);
    this.values.set('statement_timeout', formatMilliseconds(statementTimeoutMilliseconds));
    this.initial = new Map(this.values);
  }

  /** SET name = value (also startup parameters). Returns the value as stored. */
  set(name: string, value: string): string {
    const key = name.toLowerCase();
    const definition = settingDefinitions.get(key);
    if (definition === undefined) {
      if (!key.includes('.')) throw new SqlError('42704', `unrecognized configuration parameter "${name}"`);
      this.values.set(key, value);
      return value;
    }
    if (definition.check === undefined) throw cannotChange(definition.name);
    const stored = definition.check(value);
    if (this.values.get(key) !== stored && definition.reported) this.changed.add(key);
    this.values.set(key, stored);
    return stored;
  }

  /** Values given at startup become what RESET goes back to, as in PostgreSQL. */
  setAtStartup(name: string, value: string): void {
    const stored = this.set(name, value);
    this.initial.set(name.toLowerCase(), stored);
    this.changed.clear();
  }

  reset(name: string): void {
    const key = name.toLowerCase();
    if (key === 'all') {
      for (const [settingKey, definition] of settingDefinitions) if (definition.check !== undefined) this.resetOne(settingKey);
      return;
    }
    const definition = settingDefinitions.get(key);
    if (definition === undefined) {
      if (!key.includes('.')) throw new SqlError('42704', `unrecognized configuration parameter "${name}"`);
      this.values.delete(key);
      return;
    }
    if (definition.check === undefined) throw cannotChange(definition.name);
    this.resetOne(key);
  }

  private resetOne(key: string): void {
    const value = this.initial.get(key)!;
    if (this.values.get(key) !== value && settingDefinitions.get(key)!.reported) this.changed.add(key);
    this.values.set(key, value);
  }

  /** SHOW name: [column name, value]. */
  show(name: string): [string, string] {
    const key = name.toLowerCase();
    const definition = settingDefinitions.get(key);
    const value = this.values.get(key);
    if (value === undefined) throw new SqlError('42704', `unrecognized configuration parameter "${name}"`);
    return [definition?.name ?? key, value];
  }

  /** SHOW ALL: every defined setting, by name. */
  all(): [string, string, string][] {
    return [...settingDefinitions.values()].map((definition) => [definition.name, this.values.get(definition.name.toLowerCase())!, definition.description]);
  }

  /** The settings ParameterStatus reports, as [name, value]. */
  reported(): [string, string][] {
    return [...settingDefinitions.values()].filter((definition) => definition.reported).map((definition) => [definition.name, this.values.get(definition.name.toLowerCase())!]);
  }

  /** Reported settings changed since the last call, for ParameterStatus. */
  takeChangedReported(): [string, string][] {
    const changed = [...this.changed].map((key): [string, string] => [settingDefinitions.get(key)!.name, this.values.get(key)!]);
    this.changed.clear();
    return changed;
  }

  get statementTimeoutMilliseconds(): number {
    return parseMilliseconds(this.values.get('statement_timeout')!) ?? 0;
  }
}
