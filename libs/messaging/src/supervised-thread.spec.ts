import { SupervisedThread, type SupervisedThreadOptions } from './supervised-thread.js';

/** A worker thread from source text. */
function script(body: string): URL {
  return new URL(`data:text/javascript,${encodeURIComponent(`import { parentPort } from 'node:worker_threads';\n${body}`)}`);
}

const answersStop = script(`parentPort.on('message', (m) => { if (m === 'stop') { parentPort.postMessage('stopped'); parentPort.close(); } });`);
const ignoresStop = script(`parentPort.on('message', () => {}); setInterval(() => {}, 1000);`);

function supervised(url: URL, overrides: Partial<SupervisedThreadOptions<string>> = {}): { thread: SupervisedThread<string, string>; events: string[] } {
  const events: string[] = [];
  const thread = new SupervisedThread<string, string>({
    url,
    workerData: {},
    stopMessage: 'stop',
    stopTimeoutMs: 5000,
    onStart: () => events.push('start'),
    onMessage: (message) => message === 'stopped',
    onError: (error) => events.push(`error: ${error.message}`),
    onExit: () => events.push('exit'),
    onDied: (problem) => events.push(`died: ${problem}`),
    ...overrides,
  });
  return { thread, events };
}

describe('SupervisedThread', () => {
  it('stops a thread by asking it, without calling that a death', async () => {
    const { thread, events } = supervised(answersStop);
    thread.start();
    expect(thread.running).toBe(true);
    await thread.stop();
    expect(thread.running).toBe(false);
    expect(events).toEqual(['start', 'exit']);
  });

  it('terminates a thread that does not stop when asked, once the timeout has passed', async () => {
    const { thread, events } = supervised(ignoresStop, { stopTimeoutMs: 100 });
    thread.start();
    await thread.stop();
    expect(thread.running).toBe(false);
    expect(events).toEqual(['start', 'exit']);
  });

  it('restarts a thread that dies, after a second, and says why meanwhile', async () => {
    let starts = 0;
    let restarted!: () => void;
    const second = new Promise<void>((resolve) => (restarted = resolve));
    const { thread, events } = supervised(script(`process.exit(3);`), {
      onStart: () => {
        starts += 1;
        events.push('start');
        if (starts === 2) restarted();
      },
    });
    thread.start();
    await second;
    expect(events.slice(0, 4)).toEqual(['start', 'exit', 'died: stopped (exit code 3); restarting in 1000 ms', 'start']);
    expect(thread.active).toBe(true);
    await thread.stop();
  });
});
