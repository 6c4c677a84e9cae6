/**
 * The VM spec scripts (docs/vm-spec-tests.md), in the spirit of the WebAssembly
 * spec suite: `test/vm/spec/*.dmspec` hold cases, each one program in the text
 * listing format (vm/text-format.ts, passed to `assemble` unchanged) and one
 * assertion about it — it validates, it is refused for a reason, it runs to
 * given rows, or it fails with a given kind and SQLSTATE.
 *
 * This module parses the scripts and runs their cases against an execution
 * engine given as a parameter, so that every tier of the VM (the interpreter
 * today, a compiled tier next) answers to the same scripts:
 *
 *   describeSpecScripts(execute, { knownBugs })       // vitest: one describe per file, one it per case
 *   await runSpecScripts(compiledExecute)              // outside vitest: a report of what failed
 *
 * Cases stay independent although the memory is shared by the cases of a file:
 * every account a case names (the default is `acme`) is run and seeded as a
 * per-case account (`acme~42` for the case at line 42). Programs cannot see
 * the account, so the renaming is invisible to them.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { wordAddress, type KeyValue, type ResourceType, type WordAddress } from '../../store/key.js';
import { LocalMemory } from '../../store/local-memory.js';
import type { Memory } from '../../store/memory.js';
import { AssembleError, ValidationError, VmFailure, type FailureKind } from '../../vm/failures.js';
import type { ExecutionContext, ExecutionLimits, ExecutionResult } from '../../vm/interpreter.js';
import { instructions } from '../../vm/isa.js';
import { prepareProgram, type PreparedProgram } from '../../vm/prepared-program.js';
import type { Program } from '../../vm/program.js';
import { decodeRow, encodeRow } from '../../vm/row-codec.js';
import { Jsonb, Timestamptz, type SqlValue } from '../../vm/sql-values.js';
import { assemble, formatSqlValue } from '../../vm/text-format.js';

/** An execution engine: what the interpreter's `execute` is, and what every other tier must be. */
export type SpecEngine = (prepared: PreparedProgram, context: ExecutionContext) => Promise<ExecutionResult>;

/** Where the scripts live. */
export const specDirectory = fileURLToPath(new URL('./spec/', import.meta.url));

/** The account a case runs as when it names none. */
export const defaultAccount = 'acme';

// --- the parsed form ---------------------------------------------------------------

export type SpecAssertion =
  | { readonly kind: 'malformed'; readonly reason: string }
  | { readonly kind: 'valid' }
  | { readonly kind: 'invalid'; readonly reason: string; readonly address: number | undefined }
  | { readonly kind: 'result' }
  | {
      readonly kind: 'failure';
      readonly failure: Exclude<FailureKind, 'unavailable'>;
      readonly sqlstate: string | undefined;
      readonly message: string | undefined;
      readonly address: number | undefined;
    };

/** A word a case seeds before running, or expects to find afterwards. */
export interface SpecWord {
  readonly line: number;
  /** The account as the script names it; runs map it to a per-case account. */
  readonly account: string;
  readonly resource: string;
  readonly resourceType: ResourceType;
  readonly primaryKey: KeyValue;
  readonly sortKey: KeyValue | undefined;
  /** The word's bytes (an encoded row, or raw bytes); null: no word (only in expectations). */
  readonly value: Uint8Array | null;
  /** The line as written, for messages. */
  readonly text: string;
}

/** A record of an lnr log a case expects to find after running (`expect record`). */
export interface SpecRecord {
  readonly line: number;
  /** The account as the script names it; runs map it to a per-case account. */
  readonly account: string;
  readonly resource: string;
  readonly record: number;
  /** The record's bytes (an encoded row, or raw bytes); null: no such record. */
  readonly value: Uint8Array | null;
  readonly text: string;
}

export interface SpecCase {
  readonly file: string;
  /** 1-based line of the directive. */
  readonly line: number;
  /** The directive line as written, trimmed. */
  readonly directive: string;
  /** The `; label` of the directive line, if any. */
  readonly label: string | undefined;
  readonly assertion: SpecAssertion;
  /** 1-based script line of the listing's first line (of the reused listing for `...`). */
  readonly listingLine: number;
  /** The assembled listing, or why it did not assemble (a script error, reported by the case). */
  readonly program: Program | undefined;
  readonly listingError: string | undefined;
  readonly params: readonly SqlValue[];
  readonly paramsText: string | undefined;
  readonly account: string;
  readonly seeds: readonly SpecWord[];
  readonly limits: Partial<ExecutionLimits>;
  /** `clock MS`: the time sql.now reads, in milliseconds since 1970; undefined: the engine's default clock. */
  readonly clock: number | undefined;
  readonly rows: readonly { readonly line: number; readonly values: readonly SqlValue[] }[];
  readonly rowCount: { readonly line: number; readonly value: number } | undefined;
  /** `expect unordered`: the rows may come in any order (resource scans go by pointer, a hash). */
  readonly unordered: boolean;
  readonly words: readonly SpecWord[];
  readonly records: readonly SpecRecord[];
}

export interface SpecScript {
  readonly file: string;
  readonly cases: readonly SpecCase[];
}

/** A script the parser cannot read: the file and line are in the message. */
export class SpecScriptError extends Error {
  constructor(file: string, line: number, reason: string) {
    super(`${file}:${line}: ${reason}`);
    this.name = 'SpecScriptError';
  }
}

/** A case whose assertion does not hold: the file and line of the case are in the message. */
export class SpecCaseFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SpecCaseFailure';
  }
}

// --- parsing -------------------------------------------------------------------------

const setupKeywords = new Set(['params', 'account', 'seed', 'limit', 'clock']);
const limitNames: Readonly<Record<string, keyof ExecutionLimits>> = {
  fuel: 'fuel',
  rows: 'rowsMax',
  rowbytes: 'rowBytesMax',
  stack: 'stackHeightMax',
  collected: 'collectedRowsMax',
};
const caseEnd = '---';
const reuseListing = '...';

export function loadSpecScripts(directory: string = specDirectory): SpecScript[] {
  return readdirSync(directory)
    .filter((name) => name.endsWith('.dmspec'))
    .sort()
    .map((name) => parseSpecScript(readFileSync(join(directory, name), 'utf8'), name));
}

export function parseSpecScript(text: string, file: string): SpecScript {
  const lines = text.split('\n').map((line) => (line.endsWith('\r') ? line.slice(0, -1) : line));
  const cases: SpecCase[] = [];
  let previousListing: Pick<SpecCase, 'listingLine' | 'program' | 'listingError'> | undefined;
  let index = 0;
  const firstWord = (line: string): string => /^\S*/.exec(line.trim())![0];
  const isSkippable = (line: string): boolean => line.trim() === '' || line.trim().startsWith('#');

  while (index < lines.length) {
    if (isSkippable(lines[index]!)) {
      index++;
      continue;
    }
    const line = index + 1;
    const fail = (at: number, reason: string): never => {
      throw new SpecScriptError(file, at, reason);
    };
    const directive = lines[index]!.trim();
    const { assertion, label } = parseDirective(directive, (reason) => fail(line, reason));
    index++;

    // setup lines, until the listing starts
    const setup = new CaseSetup();
    while (index < lines.length && (isSkippable(lines[index]!) || setupKeywords.has(firstWord(lines[index]!)))) {
      if (!isSkippable(lines[index]!)) setup.read(lines[index]!.trim(), index + 1, (at, reason) => fail(at, reason));
      index++;
    }

    // the listing, until the expectations or the end of the case
    const listingStart = index;
    while (index < lines.length && firstWord(lines[index]!) !== 'expect' && lines[index]!.trim() !== caseEnd) {
      // No opcode is named like a setup keyword, so such a line is a setup line out of place.
      if (setupKeywords.has(firstWord(lines[index]!))) fail(index + 1, `${firstWord(lines[index]!)} belongs before the listing`);
      index++;
    }
    if (index >= lines.length) fail(line, `the case has no closing ${caseEnd}`);
    const listingLines = lines.slice(listingStart, index);
    const listingContent = listingLines.filter((text) => text.trim() !== '');
    let listing: Pick<SpecCase, 'listingLine' | 'program' | 'listingError'>;
    if (listingContent.length === 1 && listingContent[0]!.trim() === reuseListing) {
      listing = previousListing ?? fail(listingStart + 1, `${reuseListing} reuses the previous case's listing, but there is none`);
    } else {
      if (listingContent.length === 0) fail(line, `the case has no listing (write ${reuseListing} to reuse the previous case's)`);
      listing = assembleListing(listingLines.join('\n'), file, listingStart + 1);
      previousListing = listing;
    }

    // expectations, until ---
    const expectations = new CaseExpectations(assertion);
    while (lines[index]!.trim() !== caseEnd) {
      if (!isSkippable(lines[index]!)) {
        if (firstWord(lines[index]!) !== 'expect') fail(index + 1, `expected an expect line or ${caseEnd}`);
        expectations.read(lines[index]!.trim(), index + 1, setup.account, (at, reason) => fail(at, reason));
      }
      index++;
      if (index >= lines.length) fail(line, `the case has no closing ${caseEnd}`);
    }
    index++;

    cases.push({
      file,
      line,
      directive,
      label,
      assertion,
      ...listing,
      params: setup.params,
      paramsText: setup.paramsText,
      account: setup.account,
      seeds: setup.seeds,
      limits: setup.limits,
      clock: setup.clock,
      rows: expectations.rows,
      rowCount: expectations.rowCount,
      unordered: expectations.unordered,
      words: expectations.words,
      records: expectations.records,
    });
  }
  return { file, cases };
}

function assembleListing(text: string, file: string, firstLine: number): Pick<SpecCase, 'listingLine' | 'program' | 'listingError'> {
  try {
    return { listingLine: firstLine, program: assemble(text), listingError: undefined };
  } catch (error) {
    if (!(error instanceof AssembleError)) throw error;
    const reason = error.message.replace(/^assembler: line [0-9]+: /, '');
    const listingError = `the listing does not assemble at line ${firstLine + error.line - 1}: ${reason}`;
    return { listingLine: firstLine, program: undefined, listingError };
  }
}

function parseDirective(text: string, fail: (reason: string) => never): { assertion: SpecAssertion; label: string | undefined } {
  const { tokens, comment } = tokenize(text, fail);
  const name = tokens.shift()?.raw ?? '';
  const reader = new TokenReader(tokens, fail);
  let assertion: SpecAssertion;
  switch (name) {
    case 'assert_malformed':
      assertion = { kind: 'malformed', reason: reader.string('the reason') };
      break;
    case 'assert_valid':
      assertion = { kind: 'valid' };
      break;
    case 'assert_invalid':
      assertion = { kind: 'invalid', reason: reader.string('the reason'), address: reader.address() };
      break;
    case 'assert_result':
      assertion = { kind: 'result' };
      break;
    case 'assert_trap': {
      const sqlstate = reader.word('the SQLSTATE');
      if (!/^[0-9A-Z]{5}$/.test(sqlstate)) fail(`SQLSTATE ${JSON.stringify(sqlstate)} is not 5 characters of 0-9 and A-Z`);
      assertion = { kind: 'failure', failure: 'trap', sqlstate, message: reader.optionalString(), address: reader.address() };
      break;
    }
    case 'assert_exhaustion':
    case 'assert_crash': {
      const failure = name === 'assert_crash' ? 'crash' : 'exhaustion';
      assertion = { kind: 'failure', failure, sqlstate: undefined, message: reader.optionalString(), address: reader.address() };
      break;
    }
    default:
      return fail(
        `expected a directive (assert_malformed, assert_valid, assert_invalid, assert_result, assert_trap, assert_exhaustion, assert_crash), not ${JSON.stringify(name)}`,
      );
  }
  reader.end();
  return { assertion, label: comment };
}

/** The setup lines of a case: params, account, seed, limit, clock. */
class CaseSetup {
  params: SqlValue[] = [];
  paramsText: string | undefined;
  account = defaultAccount;
  readonly seeds: SpecWord[] = [];
  readonly limits: { -readonly [K in keyof ExecutionLimits]?: number } = {};
  clock: number | undefined;
  private seen = new Set<string>();

  read(text: string, line: number, fail: (line: number, reason: string) => never): void {
    const failHere = (reason: string): never => fail(line, reason);
    const { tokens } = tokenize(text, failHere);
    const keyword = tokens.shift()!.raw;
    if (keyword !== 'seed') {
      if (this.seen.has(keyword)) failHere(`a second ${keyword} line`);
      this.seen.add(keyword);
    }
    switch (keyword) {
      case 'params':
        this.params = parseSqlValues(tokens, failHere);
        this.paramsText = tokens.map((token) => token.raw).join(' ');
        return;
      case 'account': {
        const reader = new TokenReader(tokens, failHere);
        this.account = reader.word('the account');
        reader.end();
        if (this.seeds.length > 0) failHere('account must come before the seed lines that default to it');
        return;
      }
      case 'seed': {
        const word = parseWordSpec(tokens, line, text, this.account, failHere);
        if (word.value === null) failHere('a seed needs a value');
        this.seeds.push(word);
        return;
      }
      case 'limit': {
        const reader = new TokenReader(tokens, failHere);
        do {
          const name = reader.word('a limit name');
          const limit = limitNames[name] ?? failHere(`unknown limit ${JSON.stringify(name)} (expected ${Object.keys(limitNames).join(', ')})`);
          this.limits[limit] = reader.integer(`the ${name} limit`);
        } while (!reader.atEnd());
        return;
      }
      case 'clock': {
        const reader = new TokenReader(tokens, failHere);
        this.clock = reader.integer('the clock in milliseconds since 1970');
        reader.end();
        return;
      }
    }
  }
}

/** The expect lines of a case: rows and the row count (assert_result only) and words. */
class CaseExpectations {
  readonly rows: { line: number; values: SqlValue[] }[] = [];
  rowCount: { line: number; value: number } | undefined;
  unordered = false;
  readonly words: SpecWord[] = [];
  readonly records: SpecRecord[] = [];

  constructor(private readonly assertion: SpecAssertion) {}

  read(text: string, line: number, account: string, fail: (line: number, reason: string) => never): void {
    const failHere = (reason: string): never => fail(line, reason);
    const { tokens } = tokenize(text, failHere);
    tokens.shift(); // expect
    const what = tokens.shift()?.raw ?? '';
    const runs = this.assertion.kind === 'result' || this.assertion.kind === 'failure';
    if (!runs) failHere(`expect lines belong to cases that run the program`);
    switch (what) {
      case 'row':
        if (this.assertion.kind !== 'result') failHere('expect row belongs to assert_result');
        this.rows.push({ line, values: parseSqlValues(tokens, failHere) });
        return;
      case 'count': {
        if (this.assertion.kind !== 'result') failHere('expect count belongs to assert_result');
        if (this.rowCount !== undefined) failHere('a second expect count');
        const reader = new TokenReader(tokens, failHere);
        this.rowCount = { line, value: reader.integer('the row count') };
        reader.end();
        return;
      }
      case 'unordered':
        if (this.assertion.kind !== 'result') failHere('expect unordered belongs to assert_result');
        if (tokens.length > 0) failHere('nothing follows expect unordered');
        this.unordered = true;
        return;
      case 'word':
        this.words.push(parseWordSpec(tokens, line, text, account, failHere));
        return;
      case 'record':
        this.records.push(parseRecordSpec(tokens, line, text, account, failHere));
        return;
      default:
        failHere(`expected expect row, expect count, expect unordered, expect word or expect record, not expect ${JSON.stringify(what)}`);
    }
  }
}

/** `[@ACCOUNT] RESOURCE [rnd|lnr] KEY [SORTKEY] : VALUE...` or `: bytes x"..."` or `: absent`. */
function parseWordSpec(tokens: Token[], line: number, text: string, account: string, fail: (reason: string) => never): SpecWord {
  let index = 0;
  let wordAccount = account;
  if (tokens[index]?.kind === 'word' && tokens[index]!.raw.startsWith('@')) {
    wordAccount = tokens[index]!.raw.slice(1);
    index++;
  }
  const resourceToken = tokens[index++] ?? fail('missing the resource name');
  const resource = resourceToken.kind === 'string' ? parseJsonText(resourceToken.raw, fail) : resourceToken.raw;
  let resourceType: ResourceType = 'rnd';
  if (tokens[index]?.raw === 'rnd' || tokens[index]?.raw === 'lnr') resourceType = tokens[index++]!.raw as ResourceType;
  const colon = tokens.findIndex((token, position) => position >= index && token.raw === ':');
  if (colon < 0) fail('missing " : " between the key and the value');
  const keys = parseSqlValues(tokens.slice(index, colon), fail).map((value) => keyValueOf(value, fail));
  if (keys.length < 1 || keys.length > 2) fail(`a word has a primary key and an optional sort key, not ${keys.length} key values`);
  const value = parseStoredValue(tokens.slice(colon + 1), fail);
  return { line, account: wordAccount, resource, resourceType, primaryKey: keys[0]!, sortKey: keys[1], value, text };
}

/** `[@ACCOUNT] RESOURCE N : V... | bytes x"hex" | absent`: record N of the log account/RESOURCE. */
function parseRecordSpec(tokens: Token[], line: number, text: string, account: string, fail: (reason: string) => never): SpecRecord {
  let index = 0;
  let recordAccount = account;
  if (tokens[index]?.kind === 'word' && tokens[index]!.raw.startsWith('@')) {
    recordAccount = tokens[index]!.raw.slice(1);
    index++;
  }
  const resourceToken = tokens[index++] ?? fail('missing the log\'s resource name');
  const resource = resourceToken.kind === 'string' ? parseJsonText(resourceToken.raw, fail) : resourceToken.raw;
  const numberText = tokens[index++]?.raw ?? fail('missing the record number');
  if (!/^(0|[1-9][0-9]*)$/.test(numberText) || !Number.isSafeInteger(Number(numberText))) fail(`the record number must be an integer >= 0, not ${numberText}`);
  if (tokens[index]?.raw !== ':') fail('missing " : " between the record number and the value');
  const value = parseStoredValue(tokens.slice(index + 1), fail);
  return { line, account: recordAccount, resource, record: Number(numberText), value, text };
}

/** What follows ` : ` in a seed, word or record line: a row's values, `bytes x"hex"`, or `absent` (null). */
function parseStoredValue(valueTokens: Token[], fail: (reason: string) => never): Uint8Array | null {
  if (valueTokens[0]?.raw === 'absent') {
    if (valueTokens.length > 1) fail('nothing follows absent');
    return null;
  }
  if (valueTokens[0]?.raw === 'bytes') {
    const values = parseSqlValues(valueTokens.slice(1), fail);
    if (values.length !== 1 || !(values[0] instanceof Uint8Array)) fail('bytes is followed by one x"hex" value');
    return values[0] as Uint8Array;
  }
  return encodeRow(parseSqlValues(valueTokens, fail));
}

function keyValueOf(value: SqlValue, fail: (reason: string) => never): KeyValue {
  if (value === null || typeof value === 'number' || value instanceof Timestamptz || value instanceof Jsonb) {
    return fail(`a key value is an integer, text, bytea or boolean, not ${formatValue(value)}`);
  }
  return value;
}

/**
 * SQL values as the listing's `.const sql` lines write them: each token is read
 * by the assembler itself, so the scripts and the listings cannot disagree.
 */
function parseSqlValues(tokens: readonly Token[], fail: (reason: string) => never): SqlValue[] {
  if (tokens.length === 0) return [];
  // `timestamptz "..."` and `jsonb "..."` are one value written as two tokens
  const values: string[] = [];
  for (let index = 0; index < tokens.length; index++) {
    const token = tokens[index]!;
    const next = tokens[index + 1];
    const typed = token.kind === 'word' && (token.raw === 'timestamptz' || token.raw === 'jsonb') && next?.kind === 'string';
    values.push(typed ? `${token.raw} ${next.raw}` : token.raw);
    if (typed) index++;
  }
  const listing = ['.params 0', ...values.map((value) => `.const sql ${value}`)].join('\n');
  try {
    return assemble(listing).constants.map((constant) => constant.value as SqlValue);
  } catch (error) {
    if (!(error instanceof AssembleError)) throw error;
    const token = { raw: values[error.line - 2] };
    return fail(`bad SQL value ${token?.raw ?? ''}: ${error.message.replace(/^assembler: line [0-9]+: /, '')}`);
  }
}

function parseJsonText(raw: string, fail: (reason: string) => never): string {
  try {
    const value: unknown = JSON.parse(raw);
    if (typeof value === 'string') return value;
  } catch {
    // reported below
  }
  return fail(`bad string ${raw}: not a JSON string`);
}

// --- tokens -------------------------------------------------------------------------------

interface Token {
  /** A JSON string, an x"hex" literal, or a run of other characters up to a space or `;`. */
  readonly kind: 'string' | 'hex' | 'word';
  readonly raw: string;
}

/** Splits a script line into tokens and the `; comment` at its end. */
function tokenize(text: string, fail: (reason: string) => never): { tokens: Token[]; comment: string | undefined } {
  const tokens: Token[] = [];
  let position = 0;
  while (position < text.length) {
    const character = text[position]!;
    if (character === ' ' || character === '\t') {
      position++;
      continue;
    }
    if (character === ';') {
      const comment = text.slice(position + 1).trim();
      return { tokens, comment: comment === '' ? undefined : comment };
    }
    const start = position;
    if (character === '"' || (character === 'x' && text[position + 1] === '"')) {
      const kind = character === '"' ? 'string' : 'hex';
      position += kind === 'string' ? 1 : 2;
      while (position < text.length && text[position] !== '"') position += text[position] === '\\' && kind === 'string' ? 2 : 1;
      if (position >= text.length) fail(`unterminated ${kind === 'string' ? 'string' : 'hex string'} ${text.slice(start)}`);
      position++;
      tokens.push({ kind, raw: text.slice(start, position) });
      continue;
    }
    while (position < text.length && !' \t;'.includes(text[position]!)) position++;
    tokens.push({ kind: 'word', raw: text.slice(start, position) });
  }
  return { tokens, comment: undefined };
}

class TokenReader {
  private index = 0;

  constructor(
    private readonly tokens: readonly Token[],
    private readonly fail: (reason: string) => never,
  ) {}

  atEnd(): boolean {
    return this.index >= this.tokens.length;
  }

  word(what: string): string {
    const token = this.tokens[this.index];
    if (token?.kind !== 'word') return this.fail(`expected ${what}`);
    this.index++;
    return token.raw;
  }

  string(what: string): string {
    return this.optionalString() ?? this.fail(`expected ${what} as a JSON string`);
  }

  optionalString(): string | undefined {
    const token = this.tokens[this.index];
    if (token?.kind !== 'string') return undefined;
    this.index++;
    return parseJsonText(token.raw, this.fail);
  }

  integer(what: string): number {
    const text = this.word(what);
    if (!/^(0|-?[1-9][0-9]*)$/.test(text) || !Number.isSafeInteger(Number(text))) {
      this.fail(`${what} must be an integer, not ${JSON.stringify(text)}`);
    }
    return Number(text);
  }

  /** An optional `at N`: the instruction address a failure names. */
  address(): number | undefined {
    if (this.tokens[this.index]?.raw !== 'at') return undefined;
    this.index++;
    return this.integer('the address after at');
  }

  end(): void {
    const token = this.tokens[this.index];
    if (token !== undefined) this.fail(`unexpected ${token.raw}`);
  }
}

// --- running ----------------------------------------------------------------------------------

/** The account a case's memory operations use for an account the script names. */
export function caseAccount(specCase: SpecCase, account: string): string {
  return `${account}~${specCase.line}`;
}

/** Whether the case runs the program (and so counts towards opcode coverage). */
export function runsProgram(specCase: SpecCase): boolean {
  return specCase.assertion.kind === 'result' || specCase.assertion.kind === 'failure';
}

/** The name of a case in test reports: file:line, the directive, and the params when there are any. */
export function caseName(specCase: SpecCase): string {
  const params = specCase.paramsText === undefined ? '' : ` [params ${specCase.paramsText}]`;
  return `${specCase.file}:${specCase.line} ${specCase.directive}${params}`;
}

/** Runs one case; throws SpecCaseFailure (naming file and line) when its assertion does not hold. */
export async function runSpecCase(specCase: SpecCase, engine: SpecEngine, memory: Memory): Promise<void> {
  const where = `${specCase.file}:${specCase.line}`;
  const fail = (reason: string, line?: number): never => {
    throw new SpecCaseFailure(`${where}: ${specCase.directive}: ${reason}${line === undefined ? '' : ` (expected at line ${line})`}`);
  };
  const { assertion } = specCase;
  if (assertion.kind === 'malformed') {
    if (specCase.listingError === undefined) fail(`the listing assembles, but should be refused for "${assertion.reason}"`);
    else if (!specCase.listingError.includes(assertion.reason)) fail(`${specCase.listingError}; the reason does not contain "${assertion.reason}"`);
    return;
  }
  if (specCase.program === undefined) throw new SpecCaseFailure(`${where}: ${specCase.listingError ?? 'no listing'}`);

  let prepared: PreparedProgram;
  try {
    prepared = prepareProgram(specCase.program);
  } catch (error) {
    if (!(error instanceof ValidationError)) return fail(`prepareProgram threw ${describeError(error)}`);
    if (assertion.kind !== 'invalid') return fail(`the program does not validate: ${error.message}`);
    if (!error.reason.includes(assertion.reason)) fail(`refused for "${error.reason}", not for a reason containing "${assertion.reason}"`);
    if (assertion.address !== undefined && error.address !== assertion.address) {
      fail(`refused at instruction ${error.address}, not at ${assertion.address}: ${error.reason}`);
    }
    return;
  }
  if (assertion.kind === 'invalid') return fail(`the program validates, but should be refused for "${assertion.reason}"`);
  if (assertion.kind === 'valid') return;

  // Submitted together, the seeds share one commit of the store; they are applied in order.
  await Promise.all(specCase.seeds.map((seed) => memory.write(addressOf(specCase, seed), seed.value!)));
  const context: ExecutionContext = {
    memory,
    account: caseAccount(specCase, specCase.account),
    params: specCase.params,
    limits: specCase.limits,
    ...(specCase.clock === undefined ? {} : { clock: () => specCase.clock! }),
  };
  let result: ExecutionResult | undefined;
  let failure: unknown;
  try {
    result = await engine(prepared, context);
  } catch (error) {
    failure = error;
  }

  if (assertion.kind === 'result') {
    if (result === undefined) return fail(`expected the program to run, but it failed: ${describeError(failure)}`);
    checkRows(specCase, result, fail);
  } else {
    const expected = `a ${assertion.failure}${assertion.sqlstate === undefined ? '' : ` ${assertion.sqlstate}`}`;
    if (result !== undefined) return fail(`expected ${expected}, but the program ran and emitted ${formatRows(result.rows)}`);
    if (!(failure instanceof VmFailure)) return fail(`expected ${expected} VmFailure, but it threw ${describeError(failure)}`);
    if (failure.kind !== assertion.failure || (assertion.sqlstate !== undefined && failure.sqlstate !== assertion.sqlstate)) {
      fail(`expected ${expected}, but got ${describeError(failure)}`);
    }
    if (assertion.message !== undefined && !failure.message.includes(assertion.message)) {
      fail(`the ${failure.kind}'s message "${failure.message}" does not contain "${assertion.message}"`);
    }
    if (assertion.address !== undefined && failure.address !== assertion.address) {
      fail(`the ${failure.kind} is at instruction ${String(failure.address)}, not at ${assertion.address}: ${failure.message}`);
    }
  }

  for (const word of specCase.words) {
    const stored = (await memory.load(addressOf(specCase, word)))?.value ?? null;
    if (!sameBytes(stored, word.value)) fail(`${word.text.replace(/^expect\s+/, '')}: the word holds ${formatWord(stored)}`, word.line);
  }
  for (const record of specCase.records) {
    const log = { account: caseAccount(specCase, record.account), resource: record.resource };
    const stored = (await memory.readRecord(log, record.record)) ?? null;
    if (!sameBytes(stored, record.value)) {
      fail(`${record.text.replace(/^expect\s+/, '')}: the log holds ${stored === null ? 'no such record' : formatWord(stored)}`, record.line);
    }
  }
}

function checkRows(specCase: SpecCase, result: ExecutionResult, fail: (reason: string, line?: number) => never): void {
  let expected = specCase.rows;
  let actual: readonly (readonly unknown[])[] = result.rows;
  if (specCase.unordered) {
    // Compare as multisets: sort both sides by their printed form.
    expected = [...expected].sort((left, right) => compareText(formatRow(left.values), formatRow(right.values)));
    actual = [...actual].sort((left, right) => compareText(formatRow(left), formatRow(right)));
  }
  const order = specCase.unordered ? ' (in sorted order)' : '';
  for (let index = 0; index < Math.max(expected.length, actual.length); index++) {
    const want = expected[index];
    const got = actual[index];
    if (want === undefined) {
      fail(`row ${index + 1}${order} is ${formatRow(got!)}, but only ${rowsText(expected.length)} expected; all rows: ${formatRows(actual)}`);
    } else if (got === undefined) {
      fail(`expected row ${index + 1}${order} ${formatRow(want.values)}, but only ${rowsText(actual.length)} emitted: ${formatRows(actual)}`, want.line);
    } else if (got.length !== want.values.length || got.some((value, field) => !sameSqlValue(value, want.values[field]!))) {
      fail(`row ${index + 1}${order} is ${formatRow(got)}, expected ${formatRow(want.values)}`, want.line);
    }
  }
  const count = specCase.rowCount;
  if (count !== undefined && result.rowCount !== count.value) fail(`the row count is ${result.rowCount}, expected ${count.value}`, count.line);
}

function rowsText(count: number): string {
  return count === 1 ? '1 row was' : `${count} rows were`;
}

function compareText(left: string, right: string): number {
  return left < right ? -1 : left > right ? 1 : 0;
}

function addressOf(specCase: SpecCase, word: SpecWord): WordAddress {
  return wordAddress({
    account: caseAccount(specCase, word.account),
    resource: word.resource,
    resourceType: word.resourceType,
    primaryKey: word.primaryKey,
    sortKey: word.sortKey,
  });
}

/** Exact equality: the same kind of value, floats bit for bit but any NaN (0.0 is not -0.0, 1 is not 1.0). */
export function sameSqlValue(left: unknown, right: unknown): boolean {
  if (left instanceof Uint8Array || right instanceof Uint8Array) {
    return left instanceof Uint8Array && right instanceof Uint8Array && sameBytes(left, right);
  }
  if (typeof left === 'number' && typeof right === 'number') return Object.is(left, right);
  if (left instanceof Timestamptz && right instanceof Timestamptz) return left.microseconds === right.microseconds;
  // the canonical text, not jsonb equality: 1.0 is not 1 here
  if (left instanceof Jsonb && right instanceof Jsonb) return left.text === right.text;
  return left === right;
}

function sameBytes(left: Uint8Array | null, right: Uint8Array | null): boolean {
  if (left === null || right === null) return left === right;
  return left.length === right.length && left.every((byte, index) => byte === right[index]);
}

function formatValue(value: unknown): string {
  const isSqlValue =
    value === null ||
    value instanceof Uint8Array ||
    value instanceof Timestamptz ||
    value instanceof Jsonb ||
    ['boolean', 'bigint', 'number', 'string'].includes(typeof value);
  if (isSqlValue) return formatSqlValue(value as SqlValue);
  return `<not a SQL value: ${String(value)}>`;
}

function formatRow(row: readonly unknown[]): string {
  return `[${row.map(formatValue).join(' ')}]`;
}

function formatRows(rows: readonly (readonly unknown[])[]): string {
  return rows.length === 0 ? 'no rows' : rows.map(formatRow).join(' ');
}

/** A stored word for a message: its bytes, and the row they decode to when they are one. */
function formatWord(bytes: Uint8Array | null): string {
  if (bytes === null) return 'no word';
  const hex = `bytes ${formatSqlValue(bytes)}`;
  // A field count under 128 is the second byte of a row (row-codec.ts).
  if (bytes.length < 2 || bytes[1]! >= 0x80) return hex;
  try {
    return `${hex}, the row ${formatRow(decodeRow(bytes, bytes[1]!))}`;
  } catch {
    return hex;
  }
}

function describeError(error: unknown): string {
  if (error instanceof VmFailure) return `${error.kind} ${error.sqlstate} at ${String(error.address)}: ${error.message}`;
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

// --- coverage ---------------------------------------------------------------------------------

/** Opcodes of the instruction table that no case running a program uses (known-bug cases do not count). */
export function opcodesNotCovered(scripts: readonly SpecScript[], knownBugs: readonly KnownBug[] = []): string[] {
  const used = new Set<string>();
  for (const script of scripts) {
    for (const specCase of script.cases) {
      if (!runsProgram(specCase) || findKnownBug(specCase, knownBugs) !== undefined) continue;
      for (const instruction of specCase.program?.code ?? []) used.add(instruction.op);
    }
  }
  return instructions.map((info) => info.name).filter((name) => !used.has(name));
}

// --- suites ------------------------------------------------------------------------------------

/**
 * A case the engine is known to get wrong: it runs as an expected failure
 * (vitest's `it.fails`), so the suite turns red once the bug is fixed and the
 * entry can go. Named by file and the case's `; label`.
 */
export interface KnownBug {
  readonly file: string;
  readonly label: string;
  readonly why: string;
}

export function findKnownBug(specCase: SpecCase, knownBugs: readonly KnownBug[]): KnownBug | undefined {
  return knownBugs.find((bug) => bug.file === specCase.file && bug.label === specCase.label);
}

export interface SpecSuiteOptions {
  /** Prefix of the describe names, e.g. "interpreter: ". */
  readonly title?: string;
  readonly knownBugs?: readonly KnownBug[];
  readonly directory?: string;
}

/** Registers with vitest one describe per script and one it per case, run against `engine`. */
export function describeSpecScripts(engine: SpecEngine, options: SpecSuiteOptions = {}): SpecScript[] {
  const scripts = loadSpecScripts(options.directory);
  const knownBugs = options.knownBugs ?? [];
  for (const script of scripts) {
    describe(`${options.title ?? ''}${script.file}`, () => {
      let directory: string | undefined;
      let memory: LocalMemory | undefined;
      beforeAll(() => {
        directory = mkdtempSync(join(tmpdir(), 'dmachine-spec-'));
        memory = LocalMemory.open(directory);
      });
      afterAll(async () => {
        await memory?.close();
        if (directory !== undefined) rmSync(directory, { recursive: true, force: true });
      });
      for (const specCase of script.cases) {
        const bug = findKnownBug(specCase, knownBugs);
        const name = bug === undefined ? caseName(specCase) : `${caseName(specCase)} (known bug: ${bug.why})`;
        (bug === undefined ? it : it.fails)(name, () => runSpecCase(specCase, engine, memory!));
      }
    });
  }
  // An entry must name exactly one case: labels shared by `...` cases would mark them all.
  const allCases = scripts.flatMap((script) => script.cases);
  const misnamed = knownBugs.filter((bug) => allCases.filter((specCase) => findKnownBug(specCase, [bug]) !== undefined).length !== 1);
  describe(`${options.title ?? ''}known bugs`, () => {
    it('each name exactly one case of the scripts', () => {
      const names = misnamed.map((bug) => `${bug.file} "${bug.label}"`);
      if (names.length > 0) throw new Error(`known bugs that do not name exactly one case: ${names.join(', ')}`);
    });
  });
  return scripts;
}

export interface SpecRunReport {
  readonly cases: number;
  readonly failures: readonly { readonly name: string; readonly message: string }[];
}

/** Runs every case of every script against `engine` outside vitest, each file on a fresh memory. */
export async function runSpecScripts(engine: SpecEngine, options: Omit<SpecSuiteOptions, 'title'> = {}): Promise<SpecRunReport> {
  const failures: { name: string; message: string }[] = [];
  let cases = 0;
  for (const script of loadSpecScripts(options.directory)) {
    const directory = mkdtempSync(join(tmpdir(), 'dmachine-spec-'));
    const memory = LocalMemory.open(directory);
    try {
      for (const specCase of script.cases) {
        if (findKnownBug(specCase, options.knownBugs ?? []) !== undefined) continue;
        cases++;
        try {
          await runSpecCase(specCase, engine, memory);
        } catch (error) {
          failures.push({ name: caseName(specCase), message: error instanceof Error ? error.message : String(error) });
        }
      }
    } finally {
      await memory.close();
      rmSync(directory, { recursive: true, force: true });
    }
  }
  return { cases, failures };
}
