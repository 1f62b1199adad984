import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const SERVICES = fileURLToPath(new URL('../../docker/local/services', import.meta.url));

/** Runs `docker/local/services <command>`: fault tests stop and start the real broker with it. */
export async function localServices(command: 'up' | 'down' | 'status'): Promise<string> {
  const { stdout } = await promisify(execFile)(SERVICES, [command], { timeout: 180000 });
  return stdout;
}
