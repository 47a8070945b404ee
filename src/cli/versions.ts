// Versions recorded in every run's result.json.
import { readFileSync } from 'node:fs';

export function versions(): Record<string, string> {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
  return { tessera: pkg.version, node: process.version };
}
