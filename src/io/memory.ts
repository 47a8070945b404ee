// Memory this process could still allocate: MemAvailable of /proc/meminfo on Linux (free pages plus the
// reclaimable page cache, what the kernel itself estimates), else os.freemem(). Loaders check a model's
// bytes against it before reading any tensor data.
import { readFileSync } from 'node:fs';
import { freemem } from 'node:os';

export function availableMemoryBytes(): number {
  try {
    const m = /^MemAvailable:\s+(\d+)\s+kB$/m.exec(readFileSync('/proc/meminfo', 'utf8'));
    if (m) return Number(m[1]) * 1024;
  } catch {
    // not Linux, or /proc not mounted
  }
  return freemem();
}
