/**
 * node-postgres's own SCRAM-SHA-256 client (pg/lib/crypto/sasl.js), typed: an independent
 * implementation for the tests to run the server's SCRAM exchange against.
 */
import { createRequire } from 'node:module';

export interface PgSaslSession {
  response: string;
}

interface PgSasl {
  startSession(mechanisms: string[]): PgSaslSession;
  continueSession(session: PgSaslSession, password: string, serverData: string): Promise<void>;
  finalizeSession(session: PgSaslSession, serverData: string): void;
}

export const pgSasl = createRequire(import.meta.url)('pg/lib/crypto/sasl.js') as PgSasl;
