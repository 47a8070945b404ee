// loadZamba2Checkpoint: a Zamba2 checkpoint from a model directory on disk — the one loader (loader.ts) over the
// directory's files (io/diskDirectory.ts), refusing a model whose weights exceed the memory available now.
import { diskDirectory } from '../../io/diskDirectory.js';
import { availableMemoryBytes } from '../../io/memory.js';
import { loadZamba2FromDirectory, type LoadOptions, type Zamba2Checkpoint } from './loader.js';

export function loadZamba2Checkpoint(dir: string, options: LoadOptions = {}): Zamba2Checkpoint {
  return loadZamba2FromDirectory(diskDirectory(dir), { ...options, memoryLimitBytes: options.memoryLimitBytes ?? availableMemoryBytes() });
}
