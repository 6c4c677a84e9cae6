/** Child of the placement determinism test: prints the replicas of each key for the nodes given. */
import { Placement, type NodeSpec } from '../../cluster/placement.js';
import { wordAddressOfText } from '../../store/key.js';

const [nodesJson, keysJson, replicasText] = process.argv.slice(2);
const placement = new Placement(JSON.parse(nodesJson!) as NodeSpec[]);
const keys = JSON.parse(keysJson!) as string[];
process.stdout.write(JSON.stringify(keys.map((key) => placement.replicas(wordAddressOfText(key).pointer, Number(replicasText)))));
