// The sandbox's processes as /proc shows them, for tests that kill or stop a zygote from outside.
import { readdirSync, readFileSync } from 'node:fs';

function parentOf(pid: string): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ')[1];
  } catch {
    return undefined;
  }
}

/** Pids of this process's children (the zygote launchers). */
export function childPids(): string[] {
  return readdirSync('/proc').filter((pid) => /^\d+$/.test(pid) && parentOf(pid) === String(process.pid));
}

/** `root` and every process below it. */
export function descendantPids(root: string): string[] {
  const all = readdirSync('/proc').filter((pid) => /^\d+$/.test(pid));
  const found = [root];
  for (let i = 0; i < found.length; i++) for (const pid of all) if (parentOf(pid) === found[i]) found.push(pid);
  return found;
}
