/**
 * `dmachine key KEY [--nodes n1,n2:2,...] [--replicas R]`: where a key lives.
 * Prints the key's canonical text, its 512-bit pointer, whether it has a sort key,
 * and, given nodes, its replicas in rendezvous order.
 */
import { parseArgs } from 'node:util';
import { Placement, replicasDefault, type NodeSpec } from '../../cluster/placement.js';
import { formatAddress, wordAddressOfText } from '../../store/key.js';
import { UsageError } from '../arguments.js';

export const keyUsage = `dmachine key KEY [--nodes ID[:WEIGHT],...] [--replicas R]
    Print the pointer of KEY (account/resource/resourceType/primaryKey[/sortKey],
    components escaped: % as %25, / as %2F), whether it has a sort key, and with
    --nodes its replica nodes, best first. R defaults to ${replicasDefault} (at most the node count).`;

export function keyCommand(args: string[]): number {
  const { values, positionals } = parseArgs({
    args,
    options: { nodes: { type: 'string' }, replicas: { type: 'string' } },
    allowPositionals: true,
  });
  if (positionals.length !== 1) throw new UsageError('key takes exactly one KEY');
  const address = wordAddressOfText(positionals[0]!);
  const lines = [
    ['key', formatAddress(address)],
    ['pointer', address.pointer.toString('hex')],
    ['sort key', address.sortKey ? `${JSON.stringify(address.sortKey.text)} (not hashed)` : 'none'],
  ];
  if (values.nodes !== undefined) {
    const placement = new Placement(parseNodes(values.nodes));
    const count = values.replicas === undefined ? Math.min(replicasDefault, placement.nodes.length) : parseCount(values.replicas);
    lines.push(['replicas', placement.replicas(address.pointer, count).join(' ')]);
  } else if (values.replicas !== undefined) {
    throw new UsageError('--replicas needs --nodes');
  }
  for (const [label, value] of lines) process.stdout.write(`${label!.padEnd(9)} ${value}\n`);
  return 0;
}

/** `n1,n2,n3:2` → nodes n1, n2 (weight 1) and n3 (weight 2). */
export function parseNodes(text: string): NodeSpec[] {
  return text.split(',').map((entry) => {
    const [id = '', weightText, extra] = entry.trim().split(':');
    if (extra !== undefined || id === '') throw new UsageError(`bad node "${entry}": expected ID or ID:WEIGHT`);
    const weight = weightText === undefined ? 1 : Number(weightText);
    if (!Number.isFinite(weight) || weight <= 0) throw new UsageError(`bad weight in "${entry}": expected a positive number`);
    return { id, weight };
  });
}

function parseCount(text: string): number {
  const count = Number(text);
  if (!Number.isInteger(count)) throw new UsageError(`--replicas must be an integer, got "${text}"`);
  return count;
}
