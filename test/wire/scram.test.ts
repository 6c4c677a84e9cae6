/**
 * SCRAM-SHA-256 on the server: the RFC 7677 test vector, full exchanges against
 * node-postgres's own SCRAM client (an independent implementation), the unknown-user
 * path, and malformed messages.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { scramIterationsDefault } from '../../common/limits.js';
import { SqlError } from '../../common/sql-error.js';
import {
  createScramVerifier,
  formatScramVerifier,
  mockScramVerifier,
  parseScramVerifier,
  randomServerNonce,
  saslPrepPassword,
  ScramServerExchange,
  type ScramVerifier,
} from '../../wire/scram.js';
import { pgSasl } from './pg-sasl.js';


const serverSecret = Buffer.alloc(32, 7);

/** A deterministic random source for tests (STYLE 11). */
function seededBytes(seed: number): (byteCount: number) => Buffer {
  let state = seed >>> 0 || 1;
  return (byteCount) => {
    const bytes = Buffer.alloc(byteCount);
    for (let index = 0; index < byteCount; index++) {
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      bytes[index] = state & 0xff;
    }
    return bytes;
  };
}

const nonceOptions = { serverNonce: () => randomServerNonce(seededBytes(42)) };

function caught(action: () => unknown): SqlError {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(SqlError);
    return error as SqlError;
  }
  throw new Error('expected a SqlError');
}

/** Runs node-postgres's client against an exchange; resolves to the error the server raised, if any. */
async function pgClientLogin(exchange: ScramServerExchange, password: string): Promise<SqlError | undefined> {
  const session = pgSasl.startSession(['SCRAM-SHA-256']);
  try {
    const serverFirst = exchange.receiveClientFirst(Buffer.from(session.response));
    await pgSasl.continueSession(session, password, serverFirst);
    const serverFinal = exchange.receiveClientFinal(Buffer.from(session.response));
    // The client checks the server signature: a wrong ServerKey fails here.
    pgSasl.finalizeSession(session, serverFinal);
    return undefined;
  } catch (error) {
    if (error instanceof SqlError) return error;
    throw error;
  }
}

describe('SCRAM-SHA-256: RFC 7677 test vector', () => {
  const clientNonce = 'rOprNGfwEbeRWgbNEkqO';
  const serverNonce = '%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0';
  const verifier = createScramVerifier('pencil', { salt: Buffer.from('W22ZaJ0SNY7soEsUEjb6gQ==', 'base64'), iterations: 4096 });

  it('answers the client-first message with the RFC server-first message', () => {
    const exchange = ScramServerExchange.forUser('user', verifier, { serverNonce: () => serverNonce });
    expect(exchange.receiveClientFirst(Buffer.from(`n,,n=user,r=${clientNonce}`))).toBe(
      `r=${clientNonce}${serverNonce},s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096`,
    );
  });

  it('accepts the RFC client proof and answers with the RFC server signature', () => {
    const exchange = ScramServerExchange.forUser('user', verifier, { serverNonce: () => serverNonce });
    exchange.receiveClientFirst(Buffer.from(`n,,n=user,r=${clientNonce}`));
    const serverFinal = exchange.receiveClientFinal(
      Buffer.from(`c=biws,r=${clientNonce}${serverNonce},p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=`),
    );
    expect(serverFinal).toBe('v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=');
  });

  it('refuses the RFC exchange with one proof bit flipped', () => {
    const exchange = ScramServerExchange.forUser('user', verifier, { serverNonce: () => serverNonce });
    exchange.receiveClientFirst(Buffer.from(`n,,n=user,r=${clientNonce}`));
    const error = caught(() =>
      exchange.receiveClientFinal(Buffer.from(`c=biws,r=${clientNonce}${serverNonce},p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVU=`)),
    );
    expect(error.sqlstate).toBe('28P01');
    expect(error.message).toBe('password authentication failed for user "user"');
  });
});

describe('SCRAM-SHA-256: verifiers', () => {
  it('round-trips through PostgreSQL text form', () => {
    const verifier = createScramVerifier('secret', { randomBytes: seededBytes(1) });
    const text = formatScramVerifier(verifier);
    expect(text).toMatch(/^SCRAM-SHA-256\$4096:[A-Za-z0-9+/]{22}==\$[A-Za-z0-9+/]{43}=:[A-Za-z0-9+/]{43}=$/);
    expect(parseScramVerifier(text)).toEqual(verifier);
    expect(verifier.iterations).toBe(scramIterationsDefault);
    expect(verifier.salt).toHaveLength(16);
  });

  it('uses a fresh salt per verifier', () => {
    const first = createScramVerifier('same');
    const second = createScramVerifier('same');
    expect(first.salt.equals(second.salt)).toBe(false);
    expect(first.storedKey.equals(second.storedKey)).toBe(false);
  });

  it('returns null for text that is not a verifier', () => {
    const good = formatScramVerifier(createScramVerifier('x', { iterations: 1 }));
    const [head, keys] = [good.slice(0, good.lastIndexOf('$')), good.slice(good.lastIndexOf('$') + 1)];
    for (const text of [
      'plain password',
      'md5d41d8cd98f00b204e9800998ecf8427e',
      '',
      good.replace('SCRAM-SHA-256$1:', 'SCRAM-SHA-256$0:'),
      good.replace('SCRAM-SHA-256$1:', 'SCRAM-SHA-256$99999999999:'),
      `${head}$${keys.split(':')[0]!.slice(4)}:${keys.split(':')[1]}`, // a short StoredKey
      `${head}$${keys}:extra`,
      `${head}$${keys.replace('=', '!')}`,
      `${good}\n`,
    ]) {
      expect(parseScramVerifier(text), text).toBeNull();
    }
  });

  it('prepares passwords with SASLprep like PostgreSQL and libpq', () => {
    expect(saslPrepPassword('pencil')).toBe('pencil');
    expect(saslPrepPassword('I\u00adX')).toBe('IX'); // soft hyphen mapped to nothing
    expect(saslPrepPassword('\u2168')).toBe('IX'); // ROMAN NUMERAL NINE under NFKC
    expect(saslPrepPassword('a\u00a0b')).toBe('a b'); // non-ASCII space
    expect(saslPrepPassword('ab\u0007\u00e9')).toBe('ab\u0007\u00e9'); // prohibited: used as is
    expect(saslPrepPassword('\ue000x')).toBe('\ue000x'); // private use: used as is
  });
});

describe('SCRAM-SHA-256: exchanges with node-postgres as the client', () => {
  it('logs in with the right password and the client accepts the server signature', async () => {
    const verifier = createScramVerifier('correct horse', { randomBytes: seededBytes(3) });
    expect(await pgClientLogin(ScramServerExchange.forUser('alice', verifier, nonceOptions), 'correct horse')).toBeUndefined();
  });

  it('logs in with a verifier parsed back from text, and with a non-ASCII password', async () => {
    const verifier = parseScramVerifier(formatScramVerifier(createScramVerifier('p\u00e4ss \u2168')));
    expect(verifier).not.toBeNull();
    expect(await pgClientLogin(ScramServerExchange.forUser('alice', verifier!, nonceOptions), 'p\u00e4ss \u2168')).toBeUndefined();
  });

  it('refuses a wrong password with 28P01', async () => {
    const verifier = createScramVerifier('right');
    const error = await pgClientLogin(ScramServerExchange.forUser('alice', verifier, nonceOptions), 'wrong');
    expect(error?.sqlstate).toBe('28P01');
    expect(error?.message).toBe('password authentication failed for user "alice"');
  });

  it('fails an unknown user only at the proof, exactly as a wrong password', async () => {
    const real = ScramServerExchange.forUser('alice', createScramVerifier('right'), nonceOptions);
    const unknown = ScramServerExchange.forUnknownUser('alice', serverSecret, nonceOptions);
    const first = pgSasl.startSession(['SCRAM-SHA-256']);
    const serverFirst = unknown.receiveClientFirst(Buffer.from(first.response));
    expect(serverFirst).toMatch(/^r=[^,]+,s=[A-Za-z0-9+/]{22}==,i=4096$/);
    const wrongPassword = await pgClientLogin(real, 'guess');
    await pgSasl.continueSession(first, 'guess', serverFirst);
    const unknownUser = caught(() => unknown.receiveClientFinal(Buffer.from(first.response)));
    expect({ sqlstate: unknownUser.sqlstate, message: unknownUser.message, detail: unknownUser.detail }).toEqual({
      sqlstate: wrongPassword?.sqlstate,
      message: wrongPassword?.message,
      detail: wrongPassword?.detail,
    });
  });

  it('shows an unknown user the same salt on every attempt, different per user', () => {
    const saltOf = (userName: string): string => {
      const exchange = ScramServerExchange.forUnknownUser(userName, serverSecret, nonceOptions);
      return /,s=([^,]+),/.exec(exchange.receiveClientFirst(Buffer.from('n,,n=,r=abc')))![1]!;
    };
    expect(saltOf('mallory')).toBe(saltOf('mallory'));
    expect(saltOf('mallory')).not.toBe(saltOf('trudy'));
    expect(mockScramVerifier(serverSecret, 'x')).toEqual(mockScramVerifier(serverSecret, 'x'));
    expect(mockScramVerifier(Buffer.alloc(32, 8), 'x').salt).not.toEqual(mockScramVerifier(serverSecret, 'x').salt);
  });

  it('refuses any proof for an unknown user', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (proof) => {
        const exchange = ScramServerExchange.forUnknownUser('ghost', serverSecret, { serverNonce: () => 'S' });
        exchange.receiveClientFirst(Buffer.from('n,,n=,r=C'));
        const error = caught(() => exchange.receiveClientFinal(Buffer.from(`c=biws,r=CS,p=${Buffer.from(proof).toString('base64')}`)));
        expect(error.sqlstate).toBe('28P01');
      }),
      { numRuns: 50 },
    );
  });
});

describe('SCRAM-SHA-256: malformed and unsupported messages', () => {
  const verifier: ScramVerifier = createScramVerifier('pw', { iterations: 16, randomBytes: seededBytes(9) });
  const fresh = (): ScramServerExchange => ScramServerExchange.forUser('alice', verifier, { serverNonce: () => 'SRV' });

  const badFirst: readonly [string, string | Buffer, string, RegExp][] = [
    ['channel binding p=', 'p=tls-server-end-point,,n=,r=abc', '08P01', /channel binding is not supported/],
    ['an empty message', '', '08P01', /malformed SCRAM message/],
    ['a missing GS2 comma', 'n,n=,r=abc', '08P01', /malformed SCRAM message/],
    ['an unknown GS2 flag', 'x,,n=,r=abc', '08P01', /malformed SCRAM message/],
    ['an authorization identity', 'n,a=bob,n=,r=abc', '0A000', /authorization identity/],
    ['a mandatory extension', 'n,,m=ext,n=,r=abc', '0A000', /unsupported SCRAM extension/],
    ['a missing user name', 'n,,r=abc', '08P01', /malformed SCRAM message/],
    ['a missing nonce', 'n,,n=', '08P01', /malformed SCRAM message/],
    ['an empty nonce', 'n,,n=,r=', '08P01', /malformed SCRAM message/],
    ['a non-printable nonce', 'n,,n=,r=a\u00e9', '08P01', /malformed SCRAM message/],
    ['a bad extension', 'n,,n=,r=abc,junk', '08P01', /malformed SCRAM message/],
    ['invalid UTF-8', Buffer.from([0x6e, 0x2c, 0x2c, 0xff]), '08P01', /malformed SCRAM message/],
    ['a NUL byte', 'n,,n=\0,r=abc', '08P01', /malformed SCRAM message/],
  ];
  for (const [name, message, sqlstate, pattern] of badFirst) {
    it(`refuses a client-first message with ${name}`, () => {
      const error = caught(() => fresh().receiveClientFirst(Buffer.from(message)));
      expect(error.sqlstate).toBe(sqlstate);
      expect(error.message).toMatch(pattern);
    });
  }

  it('accepts the GS2 flag y (client supports binding, server offers none) and then requires c=eSws', () => {
    const exchange = fresh();
    expect(exchange.receiveClientFirst(Buffer.from('y,,n=,r=abc'))).toMatch(/^r=abcSRV,/);
    const error = caught(() => exchange.receiveClientFinal(Buffer.from(`c=biws,r=abcSRV,p=${Buffer.alloc(32).toString('base64')}`)));
    expect(error.message).toMatch(/channel binding check failed/);
    const again = fresh();
    again.receiveClientFirst(Buffer.from('y,,n=,r=abc'));
    expect(caught(() => again.receiveClientFinal(Buffer.from(`c=eSws,r=abcSRV,p=${Buffer.alloc(32).toString('base64')}`))).sqlstate).toBe('28P01');
  });

  const proof = Buffer.alloc(32, 1).toString('base64');
  const badFinal: readonly [string, string, RegExp][] = [
    ['a wrong nonce', `c=biws,r=abcXXX,p=${proof}`, /malformed SCRAM message/],
    ['the client nonce only', `c=biws,r=abc,p=${proof}`, /malformed SCRAM message/],
    ['a missing proof', 'c=biws,r=abcSRV', /malformed SCRAM message/],
    ['the proof not last', `c=biws,r=abcSRV,p=${proof},x=1`, /malformed SCRAM message/],
    ['a short proof', `c=biws,r=abcSRV,p=${Buffer.alloc(31).toString('base64')}`, /malformed SCRAM message/],
    ['a proof that is not base64', 'c=biws,r=abcSRV,p=!!!!', /malformed SCRAM message/],
    ['a missing channel binding', `r=abcSRV,p=${proof}`, /malformed SCRAM message/],
    ['a wrong channel binding', `c=eSws,r=abcSRV,p=${proof}`, /channel binding check failed/],
  ];
  for (const [name, message, pattern] of badFinal) {
    it(`refuses a client-final message with ${name}`, () => {
      const exchange = fresh();
      exchange.receiveClientFirst(Buffer.from('n,,n=,r=abc'));
      expect(caught(() => exchange.receiveClientFinal(Buffer.from(message))).message).toMatch(pattern);
    });
  }

  it('accepts extensions before the proof', () => {
    const exchange = fresh();
    exchange.receiveClientFirst(Buffer.from('n,,n=,r=abc,x=ext'));
    expect(caught(() => exchange.receiveClientFinal(Buffer.from(`c=biws,r=abcSRV,e=1,p=${proof}`))).sqlstate).toBe('28P01');
  });

  it('asserts the order of the steps (a session bug, not a user error)', () => {
    expect(() => fresh().receiveClientFinal(Buffer.from('c=biws'))).toThrow(/assertion failed/);
    const exchange = fresh();
    exchange.receiveClientFirst(Buffer.from('n,,n=,r=abc'));
    expect(() => exchange.receiveClientFirst(Buffer.from('n,,n=,r=abc'))).toThrow(/assertion failed/);
  });

  it('answers arbitrary client messages only with SqlErrors', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), fc.string({ maxLength: 80 }), (bytes, text) => {
        for (const message of [Buffer.from(bytes), Buffer.from(text), Buffer.from(`n,,n=,r=${text}`)]) {
          const exchange = fresh();
          try {
            exchange.receiveClientFirst(message);
          } catch (error) {
            expect(error).toBeInstanceOf(SqlError);
            continue;
          }
          try {
            exchange.receiveClientFinal(Buffer.from(`c=biws,r=${text}`));
          } catch (error) {
            expect(error).toBeInstanceOf(SqlError);
          }
        }
      }),
      { numRuns: 500 },
    );
  });
});
