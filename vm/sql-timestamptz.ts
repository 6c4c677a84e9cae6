/**
 * timestamp with time zone from and to text, as PostgreSQL 15 does with
 * TimeZone = UTC and DateStyle = ISO (timestamptz_in / timestamptz_out).
 *
 * Input is the ISO 8601 subset: optional whitespace, then
 *   YYYY-MM-DD                              midnight UTC
 *   YYYY-MM-DD[T| ]HH:MM[:SS[.fraction]]    UTC unless an offset follows
 * then an optional offset (optionally after spaces): Z, UTC, GMT, ±HH, ±HHMM,
 * ±HH:MM, ±HH:MM:SS; then an optional BC or AD; then optional whitespace.
 * Also 'infinity', '+infinity', '-infinity', 'epoch' in any case. Years have
 * 4 to 6 digits, hours 0-24 (24 only for 24:00:00), seconds 0-60 (60 rolls
 * over, as PostgreSQL allows for leap seconds), a fraction beyond 6 digits
 * rounds half to even on its double value, as PostgreSQL's rint does.
 *
 * Failures: 22007 invalid_datetime_format on syntax, 22008
 * datetime_field_overflow on a field out of range (month 13, February 30,
 * year 0) and on an instant outside 4714-11-24 BC .. 294276-12-31 AD, 22009
 * on an offset beyond ±15:59:59.
 *
 * Departures from PostgreSQL, whose parser is far more liberal: no time zone
 * names or abbreviations other than UTC/GMT/Z (TimeZone is UTC anyway), no
 * other date orders or month names, no Julian dates; 'now', 'today',
 * 'tomorrow', 'yesterday' trap 0A000, since the VM has no clock.
 */
import { VmFailure } from './failures.js';
import { Timestamptz } from './sql-values.js';

const microsecondsPerSecond = 1_000_000n;
const microsecondsPerDay = 86_400_000_000n;
/** ±15:59:59, PostgreSQL's MAX_TZDISP_HOUR bound on an offset. */
const offsetSecondsMax = 15 * 3600 + 59 * 60 + 59;

function invalidTimestamptz(input: string): VmFailure {
  return new VmFailure('trap', `invalid input syntax for type timestamp with time zone: "${input}"`, { sqlstate: '22007' });
}

function fieldOutOfRange(input: string): VmFailure {
  return new VmFailure('trap', `date/time field value out of range: "${input}"`, { sqlstate: '22008' });
}

function timestampOutOfRange(input: string): VmFailure {
  return new VmFailure('trap', `timestamp out of range: "${input}"`, { sqlstate: '22008' });
}

function isSpaceCode(code: number): boolean {
  return code === 0x20 || (code >= 0x09 && code <= 0x0d);
}

function isDigitCode(code: number): boolean {
  return code >= 0x30 && code <= 0x39;
}

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

const daysInMonth = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * Days from 1970-01-01 to a proleptic Gregorian date, with astronomical years
 * (1 BC is year 0): Howard Hinnant's days_from_civil, exact in doubles here.
 */
function daysFromCivil(year: number, month: number, day: number): number {
  const shiftedYear = month <= 2 ? year - 1 : year;
  const era = Math.floor(shiftedYear / 400);
  const yearOfEra = shiftedYear - era * 400;
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146097 + dayOfEra - 719468;
}

/** The inverse of daysFromCivil. */
function civilFromDays(days: number): { year: number; month: number; day: number } {
  const shifted = days + 719468;
  const era = Math.floor(shifted / 146097);
  const dayOfEra = shifted - era * 146097;
  const yearOfEra = Math.floor((dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36524) - Math.floor(dayOfEra / 146096)) / 365);
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const monthIndex = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * monthIndex + 2) / 5) + 1;
  const month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9;
  return { year: yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day };
}

/** Reads text left to right; every read returns -1 or undefined when the expected thing is not there. */
class TextCursor {
  index = 0;
  constructor(readonly text: string) {}

  get atEnd(): boolean {
    return this.index >= this.text.length;
  }

  code(offset = 0): number {
    return this.text.charCodeAt(this.index + offset);
  }

  skipSpace(): void {
    while (!this.atEnd && isSpaceCode(this.code())) this.index++;
  }

  /** A run of digits of length in [lengthMin, lengthMax] as a number, or -1. */
  digits(lengthMin: number, lengthMax: number): number {
    const start = this.index;
    while (!this.atEnd && isDigitCode(this.code()) && this.index - start < lengthMax) this.index++;
    if (this.index - start < lengthMin || (!this.atEnd && isDigitCode(this.code()))) {
      this.index = start;
      return -1;
    }
    return Number(this.text.slice(start, this.index));
  }

  /** Consumes the character when it is there. */
  accept(code: number): boolean {
    if (this.code() !== code) return false;
    this.index++;
    return true;
  }

  /** Consumes the ASCII word, in any case, when it is there and no letter follows it. */
  acceptWord(word: string): boolean {
    if (this.index + word.length > this.text.length) return false;
    for (let offset = 0; offset < word.length; offset++) {
      if ((this.code(offset) | 0x20) !== word.charCodeAt(offset)) return false;
    }
    const after = this.code(word.length) | 0x20;
    if (after >= 0x61 && after <= 0x7a) return false;
    this.index += word.length;
    return true;
  }
}

const specialWords: readonly (readonly [string, Timestamptz])[] = [
  ['infinity', Timestamptz.infinity],
  ['+infinity', Timestamptz.infinity],
  ['-infinity', Timestamptz.minusInfinity],
  ['epoch', Timestamptz.fromMicroseconds(0n)],
];

const clockWords = ['now', 'today', 'tomorrow', 'yesterday'];

/** timestamptz_in with TimeZone = UTC, for the forms the header lists. */
export function parseTimestamptzText(input: string): Timestamptz {
  const trimmed = input.trim().toLowerCase();
  for (const [word, value] of specialWords) if (trimmed === word) return value;
  if (clockWords.includes(trimmed)) {
    throw new VmFailure('trap', `"${trimmed}" depends on the current time, which the VM does not have`, { sqlstate: '0A000' });
  }

  const cursor = new TextCursor(input);
  cursor.skipSpace();
  const yearText = cursor.digits(4, 6);
  if (yearText < 0 || !cursor.accept(0x2d /* - */)) throw invalidTimestamptz(input);
  const month = cursor.digits(1, 2);
  if (month < 0 || !cursor.accept(0x2d)) throw invalidTimestamptz(input);
  const day = cursor.digits(1, 2);
  if (day < 0) throw invalidTimestamptz(input);

  let hour = 0;
  let minute = 0;
  let second = 0;
  let fractionMicroseconds = 0;
  const afterDate = cursor.index;
  if (!cursor.accept(0x54 /* T */) && !cursor.accept(0x74 /* t */)) cursor.skipSpace();
  if (isDigitCode(cursor.code())) {
    hour = cursor.digits(1, 2);
    if (hour < 0 || !cursor.accept(0x3a /* : */)) throw invalidTimestamptz(input);
    minute = cursor.digits(2, 2);
    if (minute < 0) throw invalidTimestamptz(input);
    if (cursor.accept(0x3a)) {
      second = cursor.digits(2, 2);
      if (second < 0) throw invalidTimestamptz(input);
      if (cursor.accept(0x2e /* . */)) {
        const fractionStart = cursor.index;
        while (!cursor.atEnd && isDigitCode(cursor.code())) cursor.index++;
        // PostgreSQL: fsec = rint(strtod("0.ddd") * 1000000), in doubles; "05." is 5 seconds there too
        fractionMicroseconds = roundHalfToEven(Number(`0.${input.slice(fractionStart, cursor.index)}0`) * 1e6);
      }
    }
  } else {
    cursor.index = afterDate;
  }

  let offsetSeconds = 0;
  cursor.skipSpace();
  const sign = cursor.code();
  if (sign === 0x2b /* + */ || sign === 0x2d /* - */) {
    cursor.index++;
    offsetSeconds = readOffset(cursor, input) * (sign === 0x2d ? -1 : 1);
  } else if (cursor.acceptWord('z') || cursor.acceptWord('utc') || cursor.acceptWord('gmt')) {
    offsetSeconds = 0;
  }
  cursor.skipSpace();
  let bc = false;
  if (cursor.acceptWord('bc')) bc = true;
  else cursor.acceptWord('ad');
  cursor.skipSpace();
  if (!cursor.atEnd) throw invalidTimestamptz(input);

  if (yearText === 0 || month < 1 || month > 12) throw fieldOutOfRange(input);
  const monthDays = month === 2 && isLeapYear(bc ? 1 - yearText : yearText) ? 29 : daysInMonth[month - 1]!;
  if (day < 1 || day > monthDays) throw fieldOutOfRange(input);
  if (hour > 24 || minute > 59 || second > 60 || (hour === 24 && (minute !== 0 || second !== 0 || fractionMicroseconds !== 0))) {
    throw fieldOutOfRange(input);
  }

  const year = bc ? 1 - yearText : yearText;
  const days = BigInt(daysFromCivil(year, month, day));
  const secondsOfDay = BigInt(hour * 3600 + minute * 60 + second - offsetSeconds);
  const microseconds = days * microsecondsPerDay + secondsOfDay * microsecondsPerSecond + BigInt(fractionMicroseconds);
  if (!Timestamptz.isInRange(microseconds)) throw timestampOutOfRange(input);
  return Timestamptz.fromMicroseconds(microseconds);
}

/** HH, HHMM, HH:MM or HH:MM:SS after the sign, in seconds; 22009 beyond ±15:59:59. */
function readOffset(cursor: TextCursor, input: string): number {
  let hours: number;
  let minutes = 0;
  let seconds = 0;
  const start = cursor.index;
  const compact = cursor.digits(3, 4);
  if (compact >= 0) {
    hours = Math.floor(compact / 100);
    minutes = compact % 100;
    if (cursor.index - start === 3) throw invalidTimestamptz(input);
  } else {
    hours = cursor.digits(1, 2);
    if (hours < 0) throw invalidTimestamptz(input);
    if (cursor.accept(0x3a)) {
      minutes = cursor.digits(2, 2);
      if (minutes < 0) throw invalidTimestamptz(input);
      if (cursor.accept(0x3a)) {
        seconds = cursor.digits(2, 2);
        if (seconds < 0) throw invalidTimestamptz(input);
      }
    }
  }
  if (minutes > 59 || seconds > 59) throw fieldOutOfRange(input);
  const total = hours * 3600 + minutes * 60 + seconds;
  if (total > offsetSecondsMax) {
    throw new VmFailure('trap', `time zone displacement out of range: "${input}"`, { sqlstate: '22009' });
  }
  return total;
}

/** rint: round half to even. */
function roundHalfToEven(value: number): number {
  const rounded = Math.round(value);
  return rounded - value === 0.5 && rounded % 2 !== 0 ? rounded - 1 : rounded;
}

function pad(value: number, width: number): string {
  return String(value).padStart(width, '0');
}

/**
 * timestamptz_out with DateStyle = ISO and TimeZone = UTC:
 * `YYYY-MM-DD HH:MM:SS[.ffffff]+00[ BC]`, the fraction with its trailing
 * zeros dropped, the year at least 4 digits; 'infinity' and '-infinity'.
 */
export function formatTimestamptz(value: Timestamptz): string {
  if (value === Timestamptz.infinity) return 'infinity';
  if (value === Timestamptz.minusInfinity) return '-infinity';
  const microseconds = value.microseconds;
  let days = microseconds / microsecondsPerDay;
  let microsecondsOfDay = microseconds % microsecondsPerDay;
  if (microsecondsOfDay < 0n) {
    microsecondsOfDay += microsecondsPerDay;
    days -= 1n;
  }
  const { year, month, day } = civilFromDays(Number(days));
  const secondsOfDay = Number(microsecondsOfDay / microsecondsPerSecond);
  const fraction = Number(microsecondsOfDay % microsecondsPerSecond);
  const hour = Math.floor(secondsOfDay / 3600);
  const minute = Math.floor(secondsOfDay / 60) % 60;
  const second = secondsOfDay % 60;
  const bc = year <= 0;
  let text = `${pad(bc ? 1 - year : year, 4)}-${pad(month, 2)}-${pad(day, 2)} ${pad(hour, 2)}:${pad(minute, 2)}:${pad(second, 2)}`;
  if (fraction !== 0) text += `.${pad(fraction, 6).replace(/0+$/, '')}`;
  return `${text}+00${bc ? ' BC' : ''}`;
}
