/**
 * One share of the bare loop in its own process, for the machine's own ceiling: W of these
 * run at once, each over every W-th segment file, and the bench divides all their receipts by
 * the wall time from the first start to the last end. Prints its receipts and when its loop
 * began and ended (epoch ms, so processes can be compared).
 * Usage: bare-child.ts <archive> <part> <of>
 */
import { bareLoop } from './end-to-end.ts';

const [archive, part, of] = process.argv.slice(2) as [string, string, string];
const figures = await bareLoop(archive, { part: Number(part), of: Number(of) });
process.stdout.write(JSON.stringify(figures) + '\n');
