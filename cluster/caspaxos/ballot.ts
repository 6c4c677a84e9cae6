/**
 * CASPaxos ballots (docs/cluster.md): a counter and the proposer's id, ordered by counter
 * and then by id, so two proposers never make the same ballot.
 */
export interface Ballot {
  readonly counter: number;
  readonly proposer: string;
}

/** Lower than every ballot a proposer makes: what an acceptor has promised before anything. */
export const zeroBallot: Ballot = Object.freeze({ counter: 0, proposer: '' });

export function compareBallots(a: Ballot, b: Ballot): number {
  if (a.counter !== b.counter) return a.counter - b.counter;
  return a.proposer < b.proposer ? -1 : a.proposer > b.proposer ? 1 : 0;
}

export function ballotText(ballot: Ballot): string {
  return `${ballot.counter}.${ballot.proposer}`;
}
