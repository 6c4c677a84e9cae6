/**
 * Accounts: who may connect, and as which account (DESIGN §1, §6). The account of every
 * key a session builds is its authenticated user, so a user's tables live under keys no
 * other user's statements can form.
 *
 * An account is one word in the global memory, `dm_system/dm_accounts/rnd/<user>`,
 * holding its SCRAM-SHA-256 verifier (salted; never the password) and whether it is the
 * administrator. Like catalog words (compiler/catalog.ts), every change is a
 * COMPARE&SWAP, so two gateways racing on CREATE USER cannot both win, and ALTER USER
 * never overwrites a change it did not see. `dm_system` cannot be a user's account
 * because user names starting with `dm_` are reserved.
 */
import { randomBytes as cryptoRandomBytes } from 'node:crypto';
import { lostARace, SqlError, SqlState } from '../common/sql-error.js';
import { reservedNamePrefix } from '../compiler/catalog-definition.js';
import { wordAddress, type WordAddress } from '../store/key.js';
import type { Memory } from '../store/memory.js';
import { createScramVerifier, formatScramVerifier, parseScramVerifier, type RandomBytes, type ScramVerifier } from './scram.js';

/** The account that owns system words; no user can be named so (reserved prefix). */
export const systemAccount = 'dm_system';
/** The resource of `systemAccount` holding one word per user. */
export const accountsResource = 'dm_accounts';
/** COMPARE&SWAP attempts on one account word before ALTER/DROP USER gives up. */
export const accountCasAttemptsMax = 16;

export interface AccountRecord {
  readonly name: string;
  readonly verifier: ScramVerifier;
  /** The administrator may CREATE, ALTER and DROP users. */
  readonly admin: boolean;
}

interface StoredAccount {
  readonly version: 1;
  readonly verifier: string;
  readonly admin: boolean;
}

export function accountAddress(name: string): WordAddress {
  return wordAddress({ account: systemAccount, resource: accountsResource, resourceType: 'rnd', primaryKey: name });
}

function encodeAccount(verifier: ScramVerifier, admin: boolean): Buffer {
  const stored: StoredAccount = { version: 1, verifier: formatScramVerifier(verifier), admin };
  return Buffer.from(JSON.stringify(stored), 'utf8');
}

function decodeAccount(name: string, bytes: Buffer): AccountRecord {
  let stored: StoredAccount;
  try {
    stored = JSON.parse(bytes.toString('utf8')) as StoredAccount;
  } catch {
    throw new SqlError(SqlState.dataCorrupted, `the account word of "${name}" is not valid JSON`);
  }
  const verifier = stored.version === 1 ? parseScramVerifier(stored.verifier) : null;
  if (verifier === null) throw new SqlError(SqlState.dataCorrupted, `the account word of "${name}" holds no valid verifier`);
  return { name, verifier, admin: stored.admin === true };
}

/** Checks a user name: a key component, not reserved. */
export function checkUserName(name: string): void {
  if (name === '') throw new SqlError('42602', 'a user name cannot be empty');
  if (name.startsWith(reservedNamePrefix)) {
    throw new SqlError(SqlState.reservedName, `role name "${name}" is reserved`, `Role names starting with "${reservedNamePrefix}" are reserved.`);
  }
  accountAddress(name); // throws for a name too long or otherwise not a key component
}

export class Accounts {
  private readonly randomBytes: RandomBytes;

  constructor(
    private readonly memory: Memory,
    options: { randomBytes?: RandomBytes; scramIterations?: number } = {},
  ) {
    this.randomBytes = options.randomBytes ?? cryptoRandomBytes;
    this.scramIterations = options.scramIterations;
  }

  private readonly scramIterations: number | undefined;

  /** The verifier to store for a PASSWORD clause: a ready-made SCRAM verifier is kept as is, as PostgreSQL does. */
  private verifierOf(password: string): ScramVerifier {
    if (password === '') throw new SqlError(SqlState.invalidParameterValue, 'a password cannot be empty');
    return parseScramVerifier(password) ?? createScramVerifier(password, { randomBytes: this.randomBytes, iterations: this.scramIterations });
  }

  async lookup(name: string): Promise<AccountRecord | undefined> {
    let address: WordAddress;
    try {
      address = accountAddress(name);
    } catch {
      return undefined; // not even a valid name: unknown, answered like any unknown user
    }
    const word = await this.memory.load(address);
    await this.memory.durable(); // a login must not rest on an account a crash could still undo
    return word === undefined ? undefined : decodeAccount(name, word.value);
  }

  /** CREATE USER: one COMPARE&SWAP from absent; a taken name is 42710. */
  async create(name: string, password: string, options: { admin?: boolean } = {}): Promise<void> {
    checkUserName(name);
    const bytes = encodeAccount(this.verifierOf(password), options.admin ?? false);
    const result = await this.memory.cas(accountAddress(name), null, bytes);
    if (!result.applied) throw new SqlError('42710', `role "${name}" already exists`);
  }

  /** ALTER USER ... PASSWORD: COMPARE&SWAP from the word read, retried when another change came first. */
  async changePassword(name: string, password: string): Promise<void> {
    const verifier = this.verifierOf(password);
    const address = accountAddress(name);
    let current = (await this.memory.load(address))?.value ?? null;
    for (let attempt = 0; attempt < accountCasAttemptsMax; attempt++) {
      if (current === null) throw roleMissing(name);
      const record = decodeAccount(name, current);
      const result = await this.memory.cas(address, current, encodeAccount(verifier, record.admin));
      if (result.applied) return;
      current = result.current;
    }
    throw new SqlError(SqlState.objectInUse, `the account "${name}" kept changing during ALTER USER`, 'retry the statement');
  }

  /** DROP USER: COMPARE&SWAP to absent. Returns false when there was none. */
  async drop(name: string): Promise<boolean> {
    const address = accountAddress(name);
    let current = (await this.memory.load(address))?.value ?? null;
    for (let attempt = 0; attempt < accountCasAttemptsMax; attempt++) {
      if (current === null) return false;
      const result = await this.memory.cas(address, current, null);
      if (result.applied) return true;
      current = result.current;
    }
    throw new SqlError(SqlState.objectInUse, `the account "${name}" kept changing during DROP USER`, 'retry the statement');
  }

  /**
   * At start: creates the administrator when there is no account of that name yet (an existing
   * one is kept). Gateways starting together race for the same word; a create whose outcome
   * is unknown (40003) or that lost to the others (40001) looks again.
   */
  async bootstrapAdmin(name: string, password: string): Promise<'created' | 'existing'> {
    for (let attempt = 1; ; attempt++) {
      if ((await this.lookup(name)) !== undefined) return 'existing';
      try {
        await this.create(name, password, { admin: true });
        return 'created';
      } catch (error) {
        if (error instanceof SqlError && error.sqlstate === '42710') return 'existing';
        if (!lostARace(error) || attempt === accountCasAttemptsMax) throw error;
      }
    }
  }
}

export function roleMissing(name: string): SqlError {
  return new SqlError('42704', `role "${name}" does not exist`);
}
