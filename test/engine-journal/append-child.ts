// Child process for the kill -9 test: opens the journal, keeps numbered appends in flight (with
// periodic compaction) and prints each number once its append has been acknowledged.
import { openJournal } from '../../engine/journal';

interface NumberedRecord {
  n: number;
}

const [dir, compactEveryText] = process.argv.slice(2);
if (!dir) throw new Error('usage: append-child.ts DIR [COMPACT_EVERY]');
const compactEvery = Number(compactEveryText ?? '0');
const inFlightLimit = 32;

const { journal, records } = await openJournal({ dir, fsyncIntervalMs: 1 });
const issued: NumberedRecord[] = records as NumberedRecord[];
let next = issued.length;
let acked = 0;
let inFlight = 0;
// Pipes to the parent are written synchronously on Linux, so a printed number really left this process.
process.stdout.write(`ready ${next}\n`);

function pump(): void {
  while (inFlight < inFlightLimit) {
    const record = { n: next++ };
    issued.push(record);
    inFlight++;
    journal.append([record]).then(
      () => {
        inFlight--;
        acked++;
        process.stdout.write(`ack ${record.n}\n`);
        if (compactEvery > 0 && acked % compactEvery === 0) {
          journal.compact(issued.slice()).catch((err: unknown) => {
            process.stderr.write(`compact failed: ${String(err)}\n`);
            process.exit(3);
          });
        }
        pump();
      },
      (err: unknown) => {
        process.stderr.write(`append failed: ${String(err)}\n`);
        process.exit(2);
      },
    );
  }
}
pump();
